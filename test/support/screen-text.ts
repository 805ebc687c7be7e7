/**
 * Where a text is on a test desktop now, read by the real OCR engine from a screenshot: the
 * tests' eyes, like a person's, instead of coordinates that depend on fonts and theme.
 */
import path from 'node:path';
import type { OcrEngine } from '../../src/agents/ocr/engine.js';
import { screenshot, type XSession } from './xsession.js';

/**
 * The centre of the first OCR line (reading order) that reads exactly `text`; else of the
 * first run of words in one line that does (a menu bar is often read as one line), else of
 * the first line that contains it.
 */
export async function findOnScreen(ocr: OcrEngine, session: XSession, text: string): Promise<{ x: number; y: number }> {
  const file = path.join(session.dir, 'find.png');
  await screenshot(session, file);
  const { lines, words } = await ocr.recognize(file);
  const centre = ([l, t, r, b]: readonly number[]) => ({
    x: Math.round((l! + r!) / 2),
    y: Math.round((t! + b!) / 2),
  });
  const exact = lines.find((l) => l.text.trim() === text);
  if (exact) return centre(exact.box);
  const wanted = text.split(/\s+/);
  for (let i = 0; i + wanted.length <= words.length; i++) {
    const run = words.slice(i, i + wanted.length);
    if (run.every((w, k) => w.text === wanted[k] && w.lineIndex === run[0]!.lineIndex)) {
      return centre([run[0]!.box[0], run[0]!.box[1], run.at(-1)!.box[2], run.at(-1)!.box[3]]);
    }
  }
  const line = lines.find((l) => l.text.includes(text));
  if (!line) throw new Error(`"${text}" is not on the screen (read: ${lines.map((l) => l.text).join(' | ')})`);
  return centre(line.box);
}
