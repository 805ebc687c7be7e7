import sharp, { type Sharp } from 'sharp';
import type { FrameInput, RawFrame } from './ocr/frame.js';

/**
 * Did the screen change between two frames of one screen, the way a person would say it did? Compared on a
 * small grey thumbnail in blocks: a blinking caret or a clock's second hand changes a block or
 * two, a menu, a dialog or a typed word changes more. Used by replay to tell whether a step had
 * the effect it had when recorded (the recorded frame before the step vs the next one; today's
 * screen before vs after).
 */

/** Thumbnail width; the height keeps the frame's aspect. */
const THUMB_WIDTH = 240;
/** Block edge in thumbnail pixels (32 screen pixels on a 1920-wide screen). */
const BLOCK = 4;
/** Mean absolute grey difference over a block that counts as a change (0..255). */
const BLOCK_DIFF = 16;
/** Changed blocks that make a change: more than a caret's. */
export const MIN_CHANGED_BLOCKS = 3;

export interface ScreenChange {
  readonly changed: boolean;
  readonly changedBlocks: number;
  /** Share of the blocks that changed, 0..1. */
  readonly fraction: number;
}

interface Grey {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

function source(input: FrameInput): Sharp {
  if (typeof input === 'string' || input instanceof Uint8Array) return sharp(input);
  const raw = input as RawFrame;
  return sharp(raw.data, { raw: { width: raw.width, height: raw.height, channels: raw.channels } });
}

/** A grey thumbnail of the frame at a fixed size, so frames of different sizes compare. */
async function thumbnail(input: FrameInput, height?: number): Promise<Grey> {
  const { data, info } = await source(input)
    .resize({ width: THUMB_WIDTH, height, fit: 'fill', kernel: 'linear' })
    .greyscale()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** Changed blocks between two grey images of one size (pure). */
export function compareGrey(a: Grey, b: Grey): ScreenChange {
  if (a.width !== b.width || a.height !== b.height) throw new Error('images differ in size');
  const cols = Math.floor(a.width / BLOCK);
  const rows = Math.floor(a.height / BLOCK);
  let changedBlocks = 0;
  for (let by = 0; by < rows; by++) {
    for (let bx = 0; bx < cols; bx++) {
      let sum = 0;
      for (let y = by * BLOCK; y < (by + 1) * BLOCK; y++) {
        const row = y * a.width;
        for (let x = bx * BLOCK; x < (bx + 1) * BLOCK; x++) sum += Math.abs(a.data[row + x]! - b.data[row + x]!);
      }
      if (sum / (BLOCK * BLOCK) >= BLOCK_DIFF) changedBlocks++;
    }
  }
  const total = Math.max(1, cols * rows);
  return { changed: changedBlocks >= MIN_CHANGED_BLOCKS, changedBlocks, fraction: changedBlocks / total };
}

export async function screenChange(before: FrameInput, after: FrameInput): Promise<ScreenChange> {
  const a = await thumbnail(before);
  const b = await thumbnail(after, a.height);
  return compareGrey(a, b);
}
