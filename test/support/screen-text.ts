/**
 * Where a text is on a test desktop now, read by the real OCR engine from a screenshot: the
 * tests' eyes, like a person's, instead of coordinates that depend on fonts and theme.
 */
import path from 'node:path';
import type { OcrEngine } from '../../src/agents/ocr/engine.js';
import { screenshot, type XSession } from './xsession.js';

/** The centre of the OCR line that reads exactly `text` (else the first that contains it). */
export async function findOnScreen(ocr: OcrEngine, session: XSession, text: string): Promise<{ x: number; y: number }> {
  const file = path.join(session.dir, 'find.png');
  await screenshot(session, file);
  const { lines } = await ocr.recognize(file);
  const line = lines.find((l) => l.text.trim() === text) ?? lines.find((l) => l.text.includes(text));
  if (!line) throw new Error(`"${text}" is not on the screen (read: ${lines.map((l) => l.text).join(' | ')})`);
  const [l, t, r, b] = line.box;
  return { x: Math.round((l + r) / 2), y: Math.round((t + b) / 2) };
}
