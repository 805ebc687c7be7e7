import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import type { Point } from '../src/core/actions.js';
import { type FrameFileMeta, type Library, type NewRecording, sha256 } from '../src/library/library.js';

/** A deterministic pseudo-random sequence in [0, 1), so runs compare like with like. */
export function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x7fffffff;
  };
}

/** A screen-like frame: flat UI blocks and glyph-sized marks; photo-like ones add a noisy picture. */
export async function makeFrame(i: number, photo: boolean): Promise<Buffer> {
  const r = rng(i + 1);
  const shapes: string[] = [];
  const c = () => `rgb(${Math.floor(r() * 255)},${Math.floor(r() * 255)},${Math.floor(r() * 255)})`;
  for (let k = 0; k < 120; k++) {
    shapes.push(
      `<rect x="${Math.floor(r() * 1800)}" y="${Math.floor(r() * 1000)}" width="${Math.floor(20 + r() * 300)}" height="${Math.floor(8 + r() * 60)}" fill="${c()}"/>`,
    );
  }
  for (let k = 0; k < 4000; k++) {
    shapes.push(
      `<rect x="${Math.floor(r() * 1900)}" y="${Math.floor(r() * 1070)}" width="${Math.floor(2 + r() * 8)}" height="${Math.floor(6 + r() * 6)}" fill="#222"/>`,
    );
  }
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="1920" height="1080"><defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">` +
    `<stop offset="0" stop-color="${c()}"/><stop offset="1" stop-color="#f0f0f0"/></linearGradient></defs>` +
    `<rect width="1920" height="1080" fill="${photo ? 'url(#g)' : '#f3f3f3'}"/>${shapes.join('')}</svg>`;
  const base = await sharp(Buffer.from(svg)).png().toBuffer();
  if (!photo) return sharp(base).removeAlpha().png().toBuffer();
  const noise = await sharp({
    create: {
      width: 1100,
      height: 620,
      channels: 3,
      background: '#808080',
      noise: { type: 'gaussian', mean: 128, sigma: 30 },
    },
  })
    .blur(1.2)
    .png()
    .toBuffer();
  return sharp(base)
    .composite([{ input: noise, left: 400, top: 200 }])
    .removeAlpha()
    .png()
    .toBuffer();
}

/** A synthetic 1920×1080 PNG and its digest, made once and written many times. */
export interface PooledFrame {
  readonly data: Buffer;
  readonly sha: string;
}

/** `count` distinct frames; those where `photo(i)` holds carry a noisy picture. */
export async function framePool(count: number, photo: (i: number) => boolean): Promise<PooledFrame[]> {
  const pool: PooledFrame[] = [];
  for (let i = 0; i < count; i++) {
    const data = await makeFrame(i, photo(i));
    pool.push({ data, sha: sha256(data) });
  }
  return pool;
}

/** Writes a pooled frame into a recording's folder; returns what the library's frame row needs. */
export function writePooledFrame(
  lib: Library,
  dir: string,
  name: string,
  img: PooledFrame,
): { path: string; meta: FrameFileMeta } {
  const file = path.join(dir, name);
  fs.writeFileSync(file, img.data);
  return {
    path: lib.relativePath(file),
    meta: { format: 'png', width: 1920, height: 1080, bytes: img.data.byteLength, sha256: img.sha },
  };
}

/** A finished human recording of a 1920×1080 screen, made up by a bench, and its (made) frame folder. */
export function createBenchRecording(
  lib: Library,
  description: string,
  more: Partial<NewRecording> = {},
): { id: number; dir: string } {
  const rec = lib.createRecording({
    kind: 'human',
    mode: 'free',
    description,
    status: 'finished',
    source: 'bench',
    screen: { logicalWidth: 1920, logicalHeight: 1080, physicalWidth: 1920, physicalHeight: 1080, scaleFactor: 1 },
    ...more,
  });
  const dir = lib.recordingDir(rec.id);
  fs.mkdirSync(dir, { recursive: true });
  return { id: rec.id, dir };
}

/** The element a bench's click hits: an 80×30 button centred on the click. */
export const buttonAt = (at: Point) => ({
  name: 'Button',
  rect: { left: at.x - 40, top: at.y - 15, right: at.x + 40, bottom: at.y + 15 },
});
