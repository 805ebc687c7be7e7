import { createHash } from 'node:crypto';
import type { Box, RgbImage } from './frame.js';
import type { RecognizedChar, RecognizedLine } from './recognize.js';

/**
 * Remembers what was read in a text box, keyed by the text's pixels. Consecutive frames of an
 * agent run or a recording share most of their text (menus, ribbons, panels), and recognition
 * is most of the OCR time, so only text whose pixels changed is read again.
 *
 * The detector's box around the same text moves by a pixel or two from frame to frame (its
 * input differs elsewhere), so the key is not the box but the "ink" inside it: the tightest
 * rectangle of pixels that differ from the box's corner colour. Character positions are stored
 * relative to the ink's left edge, so a hit lands wherever the text is in the new frame.
 */

interface Entry {
  readonly text: string;
  readonly score: number;
  /** Character positions relative to the ink's left edge. */
  readonly chars: readonly RecognizedChar[];
}

export interface CacheProbe {
  readonly key: string;
  /** Frame column of the ink's left edge. */
  readonly origin: number;
  /** The line read from the same ink before (null: nothing readable); undefined when unseen. */
  readonly line: RecognizedLine | null | undefined;
}

/** Summed RGB difference from the background above which a pixel is ink. */
const INK_CONTRAST = 48;

export class LineCache {
  /** Map order is insertion order: the first key is the least recently used. */
  private readonly entries = new Map<string, Entry | null>();

  constructor(readonly capacity: number) {}

  probe(image: RgbImage, box: Box): CacheProbe {
    const ink = inkBox(image, box);
    const [left, top, right, bottom] = ink;
    const hash = createHash('sha1').update(`${right - left}x${bottom - top}`);
    const row = image.width * 3;
    for (let y = top; y < bottom; y++) hash.update(image.data.subarray(y * row + left * 3, y * row + right * 3));
    const key = hash.digest('base64');

    const entry = this.entries.get(key);
    if (entry === undefined) return { key, origin: left, line: undefined };
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (entry === null) return { key, origin: left, line: null };
    const chars = entry.chars.map((c) => ({ ...c, x0: c.x0 + left, x1: c.x1 + left }));
    return { key, origin: left, line: { text: entry.text, score: entry.score, box, chars } };
  }

  store(probe: CacheProbe, line: RecognizedLine | null): void {
    if (this.capacity <= 0) return;
    const { key, origin } = probe;
    const entry = line && {
      text: line.text,
      score: line.score,
      chars: line.chars.map((c) => ({ ...c, x0: c.x0 - origin, x1: c.x1 - origin })),
    };
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
  }
}

/** Tightest rectangle inside `box` of pixels unlike its top-left corner; `box` when none are. */
function inkBox(image: RgbImage, box: Box): Box {
  const [left, top, right, bottom] = box;
  const { data, width } = image;
  const corner = (top * width + left) * 3;
  const r0 = data[corner] as number;
  const g0 = data[corner + 1] as number;
  const b0 = data[corner + 2] as number;
  let minX = right;
  let minY = bottom;
  let maxX = left - 1;
  let maxY = top - 1;
  for (let y = top; y < bottom; y++) {
    let p = (y * width + left) * 3;
    for (let x = left; x < right; x++, p += 3) {
      const d =
        Math.abs((data[p] as number) - r0) +
        Math.abs((data[p + 1] as number) - g0) +
        Math.abs((data[p + 2] as number) - b0);
      if (d > INK_CONTRAST) {
        if (x < minX) minX = x;
        if (x > maxX) maxX = x;
        if (y < minY) minY = y;
        if (y > maxY) maxY = y;
      }
    }
  }
  return maxX < minX ? box : [minX, minY, maxX + 1, maxY + 1];
}
