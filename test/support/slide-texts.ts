/**
 * Reads the text of every slide of a saved presentation, to check what a test (or an agent)
 * typed into LibreOffice Impress: the product's own reader (the eval checkers use it too), so
 * tests and checkers agree on what a saved file says.
 */
import { readPresentation, slideTexts } from '../../src/eval/presentation.js';

/** The non-empty paragraphs of each slide, in slide order (speaker notes left out). */
export async function readSlideTexts(file: string): Promise<string[][]> {
  return (await readPresentation(file)).slides.map(slideTexts);
}
