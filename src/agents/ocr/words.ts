import type { Box } from './frame.js';
import type { RecognizedChar } from './recognize.js';

/**
 * Splits a recognised line into words with their own pixel boxes.
 *
 * The detector often returns a whole menu bar or ribbon row ("Transitions Animations Slide
 * Show") as one line, but a click targets one word. Words end at a recognised space, or where
 * the gap between two characters is wider than the line is tall: inside a word (Latin or CJK)
 * consecutive characters were read at most ~0.85 line heights apart on the 1080p fixtures,
 * while separate controls that the model read without a space ("v Help", icon glyphs) are
 * further apart.
 */

export interface Word {
  readonly text: string;
  readonly score: number;
  readonly box: Box;
}

/** Gap between characters, in line heights, above which they belong to separate words. */
const WORD_GAP = 1.0;
/** Half a character's width in line heights: characters are read at their centre. */
const HALF_CHAR = 0.3;

export function splitWords(chars: readonly RecognizedChar[], lineBox: Box): Word[] {
  const [left, top, right, bottom] = lineBox;
  const height = bottom - top;
  const groups: RecognizedChar[][] = [];
  let current: RecognizedChar[] = [];
  for (const c of chars) {
    const prev = current.at(-1);
    if (c.char === ' ' || (prev && c.x0 - prev.x1 > WORD_GAP * height)) {
      if (current.length) groups.push(current);
      current = c.char === ' ' ? [] : [c];
    } else {
      current.push(c);
    }
  }
  if (current.length) groups.push(current);

  const pad = HALF_CHAR * height;
  return groups.map((g) => {
    const first = g[0] as RecognizedChar;
    const last = g.at(-1) as RecognizedChar;
    return {
      text: g.map((c) => c.char).join(''),
      score: g.reduce((s, c) => s + c.score, 0) / g.length,
      box: [Math.max(left, Math.floor(first.x0 - pad)), top, Math.min(right, Math.ceil(last.x1 + pad)), bottom] as Box,
    };
  });
}
