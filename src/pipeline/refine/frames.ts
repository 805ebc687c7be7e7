/**
 * The pixel work of refinement, with sharp: comparing frames (step 6), the colour heuristic
 * (step 8), resizing (step 7) and drawing marks on copies (step 9). Frames are read, never
 * written: every output is a new buffer that the store saves under the refined recording.
 */
import crypto from 'node:crypto';
import sharp, { type Sharp } from 'sharp';
import type { Size } from '../../core/geometry.js';
import type { FrameFormat } from '../../core/vocabulary.js';
import type { Overlay } from '../../core/marks.js';

/** PNG zlib level of the frames refinement writes (see bench/refine.bench.ts for the trade). */
export const PNG_COMPRESSION = 3;

export interface EncodedFrame {
  readonly data: Buffer;
  readonly format: FrameFormat;
  readonly width: number;
  readonly height: number;
}

/**
 * A digest of the decoded pixels (sRGB, alpha dropped) and size, so that two files with the
 * same picture compare equal whatever encoder wrote them.
 */
export async function pixelDigest(file: string): Promise<string> {
  const { data, info } = await sharp(file)
    .toColourspace('srgb')
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return crypto.createHash('sha256').update(`${info.width}x${info.height}:`).update(data).digest('hex');
}

/** Side length of the grid the colour heuristic samples (nearest pixel, no blending). */
const SAMPLE_W = 96;
const SAMPLE_H = 54;

/**
 * The share (0–1) of the frame whose colour is within `tolerance` (per channel) of `colour`,
 * sampled on a 96×54 grid of pixels.
 */
export async function colourShare(
  file: string,
  colour: { r: number; g: number; b: number },
  tolerance = 8,
): Promise<number> {
  const { data, info } = await sharp(file)
    .toColourspace('srgb')
    .removeAlpha()
    .resize(SAMPLE_W, SAMPLE_H, { fit: 'fill', kernel: 'nearest' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  let hits = 0;
  const n = info.width * info.height;
  for (let i = 0; i < n; i++) {
    const o = i * info.channels;
    if (
      Math.abs(data[o]! - colour.r) <= tolerance &&
      Math.abs(data[o + 1]! - colour.g) <= tolerance &&
      Math.abs(data[o + 2]! - colour.b) <= tolerance
    ) {
      hits++;
    }
  }
  return hits / n;
}

function encode(image: Sharp, format: FrameFormat, pngCompression = PNG_COMPRESSION): Sharp {
  if (format === 'jpeg') return image.jpeg({ quality: 90 });
  if (format === 'webp') return image.webp({ quality: 90, effort: 1 });
  return image.png({ compressionLevel: pngCompression });
}

export interface FrameJob {
  /** Absolute path of the source frame. */
  readonly file: string;
  readonly format: FrameFormat;
  /** Resize the source to this size first (step 7); null: it already has the target size. */
  readonly resizeTo: Size | null;
  /** Marks to draw, one marked copy per overlay (step 9). */
  readonly overlays: readonly Overlay[];
  /** PNG zlib level (default PNG_COMPRESSION). */
  readonly pngCompression?: number;
}

export interface FrameJobResult {
  /** The resized screen frame, in the source's format; null when no resize was asked for. */
  readonly screen: EncodedFrame | null;
  /** One PNG per overlay, in order. */
  readonly marked: EncodedFrame[];
}

/**
 * The overlay's SVG rendered by sharp (librsvg) to straight RGBA pixels, then blended into the
 * decoded frame in place. Blending the small region ourselves, rather than compositing on the
 * whole frame, keeps a marked frame at one decode and one encode.
 */
async function blend(frame: Buffer, width: number, channels: number, o: Overlay): Promise<Buffer> {
  const { data: px, info } = await sharp(Buffer.from(o.svg)).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const saved = Buffer.alloc(info.width * info.height * channels);
  for (let y = 0; y < info.height; y++) {
    const row = ((o.top + y) * width + o.left) * channels;
    frame.copy(saved, y * info.width * channels, row, row + info.width * channels);
    for (let x = 0; x < info.width; x++) {
      const s = (y * info.width + x) * 4;
      const a = px[s + 3]!;
      if (a === 0) continue;
      const d = row + x * channels;
      for (let c = 0; c < 3; c++) frame[d + c] = Math.round((px[s + c]! * a + frame[d + c]! * (255 - a)) / 255);
      if (channels === 4) frame[d + 3] = Math.max(frame[d + 3]!, a);
    }
  }
  return saved;
}

function restore(frame: Buffer, width: number, channels: number, o: Overlay, saved: Buffer): void {
  const w = Math.min(o.width, width - o.left) * channels;
  for (let y = 0; y * w < saved.length; y++)
    saved.copy(frame, ((o.top + y) * width + o.left) * channels, y * w, (y + 1) * w);
}

/**
 * Decodes a source frame once, resizes it when asked (width and height independently, like the
 * coordinates), and encodes the screen copy and each marked copy. The source file is only read.
 */
export async function renderFrame(job: FrameJob): Promise<FrameJobResult> {
  let image = sharp(job.file).toColourspace('srgb');
  if (job.resizeTo) image = image.resize(job.resizeTo.width, job.resizeTo.height, { fit: 'fill', kernel: 'lanczos3' });
  const { data, info } = await image.raw().toBuffer({ resolveWithObject: true });
  const raw = { raw: { width: info.width, height: info.height, channels: info.channels } } as const;
  const size = { width: info.width, height: info.height };
  const screen = job.resizeTo
    ? { data: await encode(sharp(data, raw), job.format, job.pngCompression).toBuffer(), format: job.format, ...size }
    : null;
  const marked: EncodedFrame[] = [];
  for (const o of job.overlays) {
    const saved = await blend(data, info.width, info.channels, o);
    marked.push({ data: await encode(sharp(data, raw), 'png', job.pngCompression).toBuffer(), format: 'png', ...size });
    // The next overlay of the same frame starts from the unmarked pixels.
    restore(data, info.width, info.channels, o, saved);
  }
  return { screen, marked };
}

/**
 * Runs `fn` over `items` with at most `limit` in flight; results in input order. After the first
 * failure no new work starts; it rejects with that failure once the work in flight has ended
 * (so that nothing still writes when the caller cleans up).
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | null = null;
  const worker = async (): Promise<void> => {
    while (failure === null && next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i]!, i);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure !== null) throw (failure as { error: unknown }).error;
  return results;
}
