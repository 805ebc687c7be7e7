import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import type { Size } from '../../../core/geometry.js';
import { decodeRgb, type RgbImage } from '../../ocr/frame.js';
import { loadSession, type Device, type LoadedSession, type ProviderFailure } from '../../runtime/session.js';
import { roundHalfEven } from '../coordinates.js';
import type { Box, FrameInput } from '../grounder.js';

/**
 * The OmniParser grounder's icon detector: an ONNX YOLO export (such as OmniParser's
 * `icon_detect`). It reads a letterboxed square (640×640 by default, grey 114 padding, RGB 0–1
 * in NCHW) and writes `[1, 4+C, N]` or `[1, N, 4+C]`: centre x, centre y, width, height in input
 * pixels, then one score per class. Boxes above the confidence threshold go through NMS and are
 * mapped back to frame pixels. Kept apart from the grounder's choice rules
 * (`../omniparser-grounder.ts`), which only see `Detection`s.
 */

export interface Detection {
  /** Frame pixels, right/bottom exclusive. */
  readonly box: Box;
  readonly score: number;
  readonly classId: number;
}

export interface Letterbox {
  /** Side of the square input. */
  readonly size: number;
  /** Frame → input scale. */
  readonly scale: number;
  /** Size of the scaled frame inside the input. */
  readonly width: number;
  readonly height: number;
  /** Padding before the scaled frame. */
  readonly left: number;
  readonly top: number;
}

/** Ultralytics' letterbox: scale to fit, centre, pad (the same rounding, so boxes map back exactly). */
export function letterbox(frame: Size, size = 640): Letterbox {
  const scale = Math.min(size / frame.height, size / frame.width);
  const width = roundHalfEven(frame.width * scale);
  const height = roundHalfEven(frame.height * scale);
  const left = roundHalfEven((size - width) / 2 - 0.1);
  const top = roundHalfEven((size - height) / 2 - 0.1);
  return { size, scale, width, height, left, top };
}

const PAD = 114;

/** The detector's input: the letterboxed frame as float32 NCHW, RGB scaled to 0–1. */
export async function letterboxTensor(image: RgbImage, lb: Letterbox): Promise<Float32Array> {
  const { data } = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(lb.width, lb.height, { fit: 'fill', kernel: 'linear' })
    .extend({
      top: lb.top,
      left: lb.left,
      bottom: lb.size - lb.height - lb.top,
      right: lb.size - lb.width - lb.left,
      background: { r: PAD, g: PAD, b: PAD },
    })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const plane = lb.size * lb.size;
  const out = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    out[i] = (data[i * 3] as number) / 255;
    out[plane + i] = (data[i * 3 + 1] as number) / 255;
    out[2 * plane + i] = (data[i * 3 + 2] as number) / 255;
  }
  return out;
}

export interface DecodeOptions {
  /** Detections scoring below this are dropped (default 0.05, OmniParser's box threshold). */
  readonly scoreThreshold?: number;
  /** Boxes overlapping a better one of the same class by more than this IoU are dropped (default 0.7). */
  readonly iouThreshold?: number;
  /** Kept after NMS, best first (default 300). */
  readonly maxDetections?: number;
  /** Force the output layout; by default the shorter of the last two axes (of at least 5) holds the 4+C values. */
  readonly layout?: 'channels-first' | 'channels-last';
}

export const DETECT_DEFAULTS = { scoreThreshold: 0.05, iouThreshold: 0.7, maxDetections: 300 } as const;

export function iou(a: Box, b: Box): number {
  const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  const area = (r: Box) => (r[2] - r[0]) * (r[3] - r[1]);
  return inter / (area(a) + area(b) - inter);
}

/** Greedy NMS per class, best score first. */
export function nms<T extends { box: Box; score: number; classId: number }>(
  dets: readonly T[],
  threshold: number,
  max = Infinity,
): T[] {
  const sorted = [...dets].sort((a, b) => b.score - a.score);
  const kept: T[] = [];
  for (const d of sorted) {
    if (kept.length >= max) break;
    if (kept.some((k) => k.classId === d.classId && iou(k.box, d.box) > threshold)) continue;
    kept.push(d);
  }
  return kept;
}

/** Decodes a YOLO output tensor into detections in frame pixels (thresholded, NMS applied). */
export function decodeDetections(
  data: Float32Array,
  dims: readonly number[],
  lb: Letterbox,
  frame: Size,
  options: DecodeOptions = {},
): Detection[] {
  const [a, b] = dims.length === 3 ? [dims[1] as number, dims[2] as number] : [dims[0] as number, dims[1] as number];
  if (!(dims.length === 3 || dims.length === 2) || a * b !== data.length) {
    throw new Error(`icon detector output of shape [${dims.join(', ')}] is not [1, 4+C, N] or [1, N, 4+C]`);
  }
  // The axis of 4+C values is the shorter one (C is small, N in the thousands), unless it is too
  // short to hold a box and a class.
  const channelsFirst = options.layout ? options.layout === 'channels-first' : b < 5 || (a >= 5 && a <= b);
  const channels = channelsFirst ? a : b;
  const count = channelsFirst ? b : a;
  if (channels < 5)
    throw new Error(
      `icon detector output has ${channels} values per box; expected 4 box values and at least one class`,
    );
  const at = channelsFirst
    ? (i: number, c: number) => data[c * count + i] as number
    : (i: number, c: number) => data[i * channels + c] as number;
  const threshold = options.scoreThreshold ?? DETECT_DEFAULTS.scoreThreshold;
  const clampX = (v: number) => Math.min(Math.max(Math.round(v), 0), frame.width);
  const clampY = (v: number) => Math.min(Math.max(Math.round(v), 0), frame.height);
  const found: Detection[] = [];
  for (let i = 0; i < count; i++) {
    let score = -Infinity;
    let classId = 0;
    for (let c = 4; c < channels; c++) {
      const s = at(i, c);
      if (s > score) {
        score = s;
        classId = c - 4;
      }
    }
    if (!(score >= threshold)) continue;
    const cx = at(i, 0);
    const cy = at(i, 1);
    const w = at(i, 2);
    const h = at(i, 3);
    const box: Box = [
      clampX((cx - w / 2 - lb.left) / lb.scale),
      clampY((cy - h / 2 - lb.top) / lb.scale),
      clampX((cx + w / 2 - lb.left) / lb.scale),
      clampY((cy + h / 2 - lb.top) / lb.scale),
    ];
    if (box[2] <= box[0] || box[3] <= box[1]) continue;
    found.push({ box, score, classId });
  }
  return nms(
    found,
    options.iouThreshold ?? DETECT_DEFAULTS.iouThreshold,
    options.maxDetections ?? DETECT_DEFAULTS.maxDetections,
  );
}

export interface IconDetectorOptions extends DecodeOptions {
  readonly device?: Device;
  readonly intraOpNumThreads?: number;
  /** Input side when the model does not fix it (default 640). */
  readonly inputSize?: number;
}

export class IconDetector {
  private constructor(
    private readonly loaded: LoadedSession,
    readonly inputSize: number,
    private readonly options: DecodeOptions,
  ) {}

  static async create(modelFile: string, options: IconDetectorOptions = {}): Promise<IconDetector> {
    const loaded = await loadSession(modelFile, {
      device: options.device,
      intraOpNumThreads: options.intraOpNumThreads,
    });
    const meta = loaded.session.inputMetadata[0];
    const side = meta?.isTensor ? meta.shape.at(-1) : undefined;
    const inputSize = typeof side === 'number' && side > 0 ? side : (options.inputSize ?? 640);
    return new IconDetector(loaded, inputSize, options);
  }

  get provider(): string {
    return this.loaded.provider;
  }

  get fallbacks(): readonly ProviderFailure[] {
    return this.loaded.fallbacks;
  }

  async detect(input: FrameInput | RgbImage): Promise<Detection[]> {
    const image = isRgb(input) ? input : await decodeRgb(input);
    const frame = { width: image.width, height: image.height };
    const lb = letterbox(frame, this.inputSize);
    const { session } = this.loaded;
    const feeds: Record<string, ort.Tensor> = {};
    const name = session.inputNames[0];
    if (name !== undefined) {
      feeds[name] = new ort.Tensor('float32', await letterboxTensor(image, lb), [1, 3, lb.size, lb.size]);
    }
    const out = await session.run(feeds);
    const tensor = out[session.outputNames[0] as string] as ort.Tensor;
    return decodeDetections(tensor.data as Float32Array, tensor.dims, lb, frame, this.options);
  }
}

function isRgb(input: FrameInput | RgbImage): input is RgbImage {
  return typeof input === 'object' && !(input instanceof Uint8Array) && !('channels' in input);
}
