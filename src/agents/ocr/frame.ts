import sharp from 'sharp';
import type { Sharp } from 'sharp';

/** A raw frame as the recorder keeps it: tightly packed RGB or RGBA rows. */
export interface RawFrame {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
  readonly channels: 3 | 4;
}

/** An image file path, an encoded image (PNG, JPEG, …) in memory, or a raw frame. */
export type FrameInput = string | Uint8Array | RawFrame;

/** Edges in frame pixels: [left, top, right, bottom], right/bottom exclusive. */
export type Box = [number, number, number, number];

/** Decoded frame in the layout the OCR models read: packed RGB, 3 bytes per pixel. */
export interface RgbImage {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

function isRawFrame(input: FrameInput): input is RawFrame {
  return typeof input === 'object' && !(input instanceof Uint8Array);
}

/** A sharp pipeline reading the frame, whatever form it came in. */
function frameSharp(input: FrameInput): Sharp {
  if (!isRawFrame(input)) return sharp(input);
  const { data, width, height, channels } = input;
  if (data.length < width * height * channels) {
    throw new Error(`raw frame holds ${data.length} bytes, expected ${width}x${height}x${channels}`);
  }
  return sharp(data, { raw: { width, height, channels } });
}

export async function decodeRgb(input: FrameInput): Promise<RgbImage> {
  if (isRawFrame(input) && input.channels === 3) return input;
  const { data, info } = await frameSharp(input).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** One grayscale channel, row-major: what the visual grounder's template matching reads. */
export interface GrayFrame {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

export async function decodeGray(input: FrameInput): Promise<GrayFrame> {
  const { data, info } = await frameSharp(input).removeAlpha().greyscale().raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 1) throw new Error(`grayscale decode gave ${info.channels} channels`);
  return { data, width: info.width, height: info.height };
}
