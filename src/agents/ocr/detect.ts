import sharp from 'sharp';
import type { Box, RgbImage } from './frame.js';

/**
 * PP-OCR text detection (DB, "differentiable binarisation") pre- and post-processing.
 *
 * The model maps an image whose sides are multiples of 32 to a same-sized probability map of
 * "inside shrunk text". We scale the frame by one factor (long side ≤ `limit`), pad right and
 * bottom to a multiple of 32 (padding keeps the aspect ratio exact, so mapping back is one
 * division), threshold the map, take connected components as axis-aligned boxes (screen text
 * is not rotated), drop weak ones and grow each box back to the full text extent ("unclip").
 */

export interface DetectParams {
  /** Longest side of the image the model sees; frames are never upscaled. */
  readonly limit: number;
  /** Probability above which a pixel belongs to text. */
  readonly threshold: number;
  /** Mean probability inside a box below which the box is dropped. */
  readonly boxThreshold: number;
  /** Growth of a shrunk region: offset = area × ratio / perimeter, as in DB's training. */
  readonly unclipRatio: number;
  /** Boxes taller than this share of the frame are pictures, not text lines. */
  readonly maxBoxHeightShare: number;
}

/**
 * 1280 for 1080p screens: of the 306 words read with the full-resolution detector on four
 * fixture frames, 271 came out identical at 1280 and 248 at 960, where 10–12 px UI text starts
 * to merge across gaps ("Slide ShowRecord"); 960 saves ~70 ms of detection (bench/ocr.bench.ts).
 */
export const DEFAULT_DETECT: DetectParams = {
  limit: 1280,
  threshold: 0.3,
  boxThreshold: 0.5,
  unclipRatio: 1.5,
  maxBoxHeightShare: 0.25,
};

export interface DetInput {
  /** NCHW float tensor data, channels in B, G, R order like PaddleOCR's OpenCV input. */
  readonly data: Float32Array;
  readonly width: number;
  readonly height: number;
  /** Resized (unpadded) size and the one factor frame pixels were multiplied by. */
  readonly contentWidth: number;
  readonly contentHeight: number;
  readonly scale: number;
}

const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];

/** Byte → normalised value tables, one per tensor channel (B, G, R). */
const NORMALISE = MEAN.map((mean, c) => {
  const table = new Float32Array(256);
  const std = STD[c] as number;
  for (let v = 0; v < 256; v++) table[v] = (v / 255 - mean) / std;
  return table;
});

export async function prepareDetInput(image: RgbImage, limit: number): Promise<DetInput> {
  const scale = Math.min(1, limit / Math.max(image.width, image.height));
  const contentWidth = Math.max(1, Math.round(image.width * scale));
  const contentHeight = Math.max(1, Math.round(image.height * scale));
  const width = Math.ceil(contentWidth / 32) * 32;
  const height = Math.ceil(contentHeight / 32) * 32;
  let pixels = image.data;
  if (scale < 1) {
    pixels = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
      .resize(contentWidth, contentHeight, { fit: 'fill', kernel: 'linear' })
      .raw()
      .toBuffer();
  }
  // Padding stays 0, the normalised mean colour.
  const plane = width * height;
  const data = new Float32Array(3 * plane);
  const [tb, tg, tr] = NORMALISE as [Float32Array, Float32Array, Float32Array];
  for (let y = 0; y < contentHeight; y++) {
    let src = y * contentWidth * 3;
    let dst = y * width;
    for (let x = 0; x < contentWidth; x++, src += 3, dst++) {
      data[dst] = tb[pixels[src + 2] as number] as number;
      data[plane + dst] = tg[pixels[src + 1] as number] as number;
      data[2 * plane + dst] = tr[pixels[src] as number] as number;
    }
  }
  return { data, width, height, contentWidth, contentHeight, scale };
}

export interface DetectedBox {
  readonly box: Box;
  /** Mean text probability inside the component's bounding box. */
  readonly score: number;
}

/**
 * Boxes in frame pixels from the probability map (`input.width` × `input.height`).
 * Components are 4-connected so text lines a pixel apart diagonally stay separate.
 */
export function boxesFromProbability(
  prob: Float32Array,
  input: DetInput,
  frame: { width: number; height: number },
  params: DetectParams,
): DetectedBox[] {
  const { width: stride, contentWidth: w, contentHeight: h, scale } = input;
  const seen = new Uint8Array(w * h);
  const stack = new Int32Array(w * h);
  const boxes: DetectedBox[] = [];
  const t = params.threshold;
  for (let start = 0; start < w * h; start++) {
    const sx = start % w;
    const sy = (start - sx) / w;
    if (seen[start] || (prob[sy * stride + sx] as number) <= t) continue;
    let minX = sx;
    let maxX = sx;
    let minY = sy;
    let maxY = sy;
    let top = 0;
    const push = (q: number, mq: number): void => {
      if (!seen[q] && (prob[mq] as number) > t) {
        seen[q] = 1;
        stack[top++] = q;
      }
    };
    stack[top++] = start;
    seen[start] = 1;
    while (top > 0) {
      const p = stack[--top] as number;
      const x = p % w;
      const y = (p - x) / w;
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
      // Neighbours left, right, up, down; map rows are `stride` wide, `seen` rows `w`.
      const m = y * stride + x;
      if (x > 0) push(p - 1, m - 1);
      if (x < w - 1) push(p + 1, m + 1);
      if (y > 0) push(p - w, m - stride);
      if (y < h - 1) push(p + w, m + stride);
    }
    const bw = maxX - minX + 1;
    const bh = maxY - minY + 1;
    if (Math.min(bw, bh) < 3) continue;
    const score = meanProbability(prob, stride, minX, minY, maxX, maxY);
    if (score < params.boxThreshold) continue;
    const offset = (bw * bh * params.unclipRatio) / (2 * (bw + bh));
    const left = Math.max(0, Math.floor((minX - offset) / scale));
    const topEdge = Math.max(0, Math.floor((minY - offset) / scale));
    const right = Math.min(frame.width, Math.ceil((maxX + 1 + offset) / scale));
    const bottom = Math.min(frame.height, Math.ceil((maxY + 1 + offset) / scale));
    if (right - left < 5 || bottom - topEdge < 5) continue;
    if (bottom - topEdge > frame.height * params.maxBoxHeightShare) continue;
    boxes.push({ box: [left, topEdge, right, bottom], score });
  }
  return boxes;
}

function meanProbability(prob: Float32Array, stride: number, x0: number, y0: number, x1: number, y1: number): number {
  let sum = 0;
  for (let y = y0; y <= y1; y++) {
    const row = y * stride;
    for (let x = x0; x <= x1; x++) sum += prob[row + x] as number;
  }
  return sum / ((x1 - x0 + 1) * (y1 - y0 + 1));
}
