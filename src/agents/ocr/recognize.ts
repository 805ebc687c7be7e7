import fs from 'node:fs';
import * as ort from 'onnxruntime-node';
import type { Box, RgbImage } from './frame.js';

/**
 * PP-OCR text recognition (SVTR-LCNet + CTC) pre- and post-processing.
 *
 * Each detected box is cut from the full-resolution frame and scaled to the model's height
 * (48 px) keeping its aspect ratio. Crops of nearly the same width share a batch, padded on the
 * right to the widest one, so little compute goes into padding. The model emits one class
 * distribution per horizontal step of `stride` input pixels; greedy CTC decoding keeps the steps
 * each character was read at, which gives its horizontal position in the frame.
 */

export const REC_HEIGHT = 48;

export interface RecognizeParams {
  /** Most crops per model call. */
  readonly batchSize: number;
  /**
   * A crop joins the batch only while it is at most this much wider than the batch's first
   * (narrowest) one: padding is computed like text, and with mixed widths a batch of 16 spent
   * ~30% of its time on padding on the fixture frames, more than batching saved.
   */
  readonly maxWidthRatio: number;
  /** Widest crop after scaling; longer lines are squeezed (rare: ~67 characters at 48 px). */
  readonly maxWidth: number;
}

export const DEFAULT_RECOGNIZE: RecognizeParams = { batchSize: 8, maxWidthRatio: 1.1, maxWidth: 3200 };

/** A character and the frame columns of the model steps that read it. */
export interface RecognizedChar {
  readonly char: string;
  /** Centre column of the first and last step that emitted the character. */
  readonly x0: number;
  readonly x1: number;
  readonly score: number;
}

export interface RecognizedLine {
  readonly text: string;
  readonly score: number;
  readonly box: Box;
  readonly chars: readonly RecognizedChar[];
}

/**
 * CTC classes: 0 is the blank, then the dictionary's characters in file order, then the space
 * PaddleOCR appends (`use_space_char`).
 */
export function loadCharset(dictionaryPath: string): string[] {
  const chars = fs.readFileSync(dictionaryPath, 'utf8').split(/\r?\n/);
  if (chars.at(-1) === '') chars.pop();
  return ['', ...chars, ' '];
}

interface Crop {
  readonly index: number;
  readonly box: Box;
  /** Width after scaling to REC_HEIGHT. */
  readonly width: number;
}

export async function recognizeBoxes(
  session: ort.InferenceSession,
  charset: readonly string[],
  image: RgbImage,
  boxes: readonly Box[],
  params: RecognizeParams = DEFAULT_RECOGNIZE,
): Promise<(RecognizedLine | null)[]> {
  const crops: Crop[] = boxes.map((box, index) => {
    const ratio = (box[2] - box[0]) / (box[3] - box[1]);
    return { index, box, width: Math.max(8, Math.min(params.maxWidth, Math.ceil(REC_HEIGHT * ratio))) };
  });
  crops.sort((a, b) => a.width - b.width);
  const lines: (RecognizedLine | null)[] = new Array<RecognizedLine | null>(boxes.length).fill(null);
  const inputName = session.inputNames[0] as string;
  const outputName = session.outputNames[0] as string;
  for (let start = 0; start < crops.length;) {
    let end = start + 1;
    const limit = (crops[start] as Crop).width * params.maxWidthRatio;
    while (end < crops.length && end - start < params.batchSize && (crops[end] as Crop).width <= limit) end++;
    const batch = crops.slice(start, end);
    start = end;
    // Widest crop last (sorted); a multiple of 8 keeps the model's steps whole.
    const width = Math.ceil((batch.at(-1) as Crop).width / 8) * 8;
    const data = new Float32Array(batch.length * 3 * REC_HEIGHT * width);
    batch.forEach((crop, i) => writeCrop(image, crop, data, i * 3 * REC_HEIGHT * width, width));
    const out = await session.run({
      [inputName]: new ort.Tensor('float32', data, [batch.length, 3, REC_HEIGHT, width]),
    });
    const probs = out[outputName] as ort.Tensor;
    const [, steps, classes] = probs.dims as [number, number, number];
    const values = probs.data as Float32Array;
    batch.forEach((crop, i) => {
      const view = values.subarray(i * steps * classes, (i + 1) * steps * classes);
      lines[crop.index] = decode(view, steps, classes, charset, crop, width / steps);
    });
  }
  return lines;
}

/**
 * Bilinear scale of the crop into the batch tensor at `offset`: planes B, G, R (PaddleOCR reads
 * OpenCV's BGR), values mapped to [-1, 1]; the padding stays 0.
 */
function writeCrop(image: RgbImage, crop: Crop, data: Float32Array, offset: number, stride: number): void {
  const [left, top, right, bottom] = crop.box;
  const sx = (right - left) / crop.width;
  const sy = (bottom - top) / REC_HEIGHT;
  const plane = REC_HEIGHT * stride;
  const x0 = new Int32Array(crop.width);
  const wx = new Float32Array(crop.width);
  for (let x = 0; x < crop.width; x++) {
    const fx = Math.min(Math.max(left + (x + 0.5) * sx - 0.5, 0), image.width - 1);
    x0[x] = Math.min(Math.floor(fx), image.width - 2);
    wx[x] = fx - (x0[x] as number);
  }
  const src = image.data;
  const rowBytes = image.width * 3;
  for (let y = 0; y < REC_HEIGHT; y++) {
    const fy = Math.min(Math.max(top + (y + 0.5) * sy - 0.5, 0), image.height - 1);
    const y0 = Math.min(Math.floor(fy), image.height - 2);
    const wy = fy - y0;
    const r0 = y0 * rowBytes;
    const r1 = r0 + rowBytes;
    const dst = offset + y * stride;
    for (let x = 0; x < crop.width; x++) {
      const a = r0 + (x0[x] as number) * 3;
      const b = r1 + (x0[x] as number) * 3;
      const fx = wx[x] as number;
      for (let c = 0; c < 3; c++) {
        const top0 = (src[a + c] as number) + ((src[a + 3 + c] as number) - (src[a + c] as number)) * fx;
        const bot0 = (src[b + c] as number) + ((src[b + 3 + c] as number) - (src[b + c] as number)) * fx;
        const v = top0 + (bot0 - top0) * wy;
        // RGB byte c goes to plane 2 - c (BGR order).
        data[dst + (2 - c) * plane + x] = v / 127.5 - 1;
      }
    }
  }
}

/** Greedy CTC: best class per step, repeats merged, blanks dropped; steps kept per character. */
function decode(
  probs: Float32Array,
  steps: number,
  classes: number,
  charset: readonly string[],
  crop: Crop,
  inputStep: number,
): RecognizedLine | null {
  const [left, , right] = crop.box;
  const toFrame = ((right - left) / crop.width) * inputStep;
  // Steps past the crop's own width only saw padding.
  const valid = Math.min(steps, Math.ceil(crop.width / inputStep));
  const chars: RecognizedChar[] = [];
  let prev = 0;
  for (let t = 0; t < valid; t++) {
    const row = t * classes;
    let best = 0;
    let bestP = probs[row] as number;
    for (let k = 1; k < classes; k++) {
      const p = probs[row + k] as number;
      if (p > bestP) {
        bestP = p;
        best = k;
      }
    }
    const x = left + (t + 0.5) * toFrame;
    if (best !== 0 && best === prev) {
      const last = chars[chars.length - 1] as RecognizedChar;
      chars[chars.length - 1] = { ...last, x1: x, score: Math.max(last.score, bestP) };
    } else if (best !== 0) {
      chars.push({ char: charset[best] ?? '', x0: x, x1: x, score: bestP });
    }
    prev = best;
  }
  // Spaces at the ends carry no position information worth keeping.
  while (chars[0]?.char === ' ') chars.shift();
  while (chars.at(-1)?.char === ' ') chars.pop();
  if (chars.length === 0) return null;
  const score = chars.reduce((s, c) => s + c.score, 0) / chars.length;
  return { text: chars.map((c) => c.char).join(''), score, box: crop.box, chars };
}
