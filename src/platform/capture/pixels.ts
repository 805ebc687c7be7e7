import sharp, { type Sharp } from 'sharp';
import type { RawFrame } from './capture-types.js';

/**
 * BGRX → RGBX without a per-pixel JavaScript loop: swapping the bytes of every 32-bit word
 * turns B G R X into X R G B, which read from one byte later is R G B X R G B … (the last
 * pixel's padding byte falls just past the copy, into the spare word). `scratch` (at least
 * `pixels.length + 4` bytes) is reused when given.
 */
export function bgraAsRgbx(pixels: Buffer, scratch: Buffer = Buffer.allocUnsafe(pixels.length + 4)): Buffer {
  pixels.copy(scratch);
  scratch.subarray(0, pixels.length).swap32();
  return scratch.subarray(1, 1 + pixels.length);
}

/** A sharp pipeline over a grabbed frame, as opaque RGB (X11's fourth byte is padding). */
export function frameImage(frame: Pick<RawFrame, 'data' | 'width' | 'height' | 'format'>, scratch?: Buffer): Sharp {
  const pixels = frame.format === 'bgra' ? bgraAsRgbx(frame.data, scratch) : frame.data;
  return sharp(pixels, { raw: { width: frame.width, height: frame.height, channels: 4 } }).removeAlpha();
}
