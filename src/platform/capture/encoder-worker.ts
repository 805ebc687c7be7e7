/**
 * Encodes one raw frame at a time with sharp and writes it atomically. Runs in a worker
 * thread of FrameEncoder's pool, which gives each worker one job at a time.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { parentPort, threadId } from 'node:worker_threads';
import sharp from 'sharp';
import type { EncodeJob, EncodeReply, EncodedImage } from './encoder.js';
import { frameImage } from './pixels.js';

// Only the recorder runs this worker, and it encodes one frame at a time from a Buffer: no
// libvips operation is ever repeated (its cache only holds on to pixels), and one libvips
// thread keeps the encoder within a core and its allocations within one malloc arena
// instead of one per core (bench/soak.bench.ts).
sharp.cache(false);
sharp.concurrency(1);

const port = parentPort!;
/** Reused between jobs: a fresh 8 MB buffer a frame costs thousands of page faults. */
let scratch: Buffer | null = null;

port.on('message', (job: EncodeJob) => {
  encode(job).then(
    (image): void => port.postMessage({ id: job.id, image } satisfies EncodeReply),
    (err: Error): void => port.postMessage({ id: job.id, error: err.message } satisfies EncodeReply),
  );
});

async function encode(job: EncodeJob): Promise<EncodedImage> {
  const { width, height } = job;
  const pixels = Buffer.from(job.pixels.buffer, job.pixels.offset, job.pixels.length);
  if (!scratch || scratch.length < pixels.length + 4) scratch = Buffer.allocUnsafeSlow(pixels.length + 4);
  let image = frameImage({ data: pixels, width, height, format: job.format }, scratch);
  const o = job.options;
  if (o.format === 'png') {
    image = image.png({ compressionLevel: o.compressionLevel, adaptiveFiltering: o.adaptiveFiltering });
  } else if (o.format === 'webp') {
    image = image.webp({ quality: o.quality, lossless: o.lossless, effort: o.effort });
  } else {
    image = image.jpeg({ quality: o.quality });
  }
  const bytes = await image.toBuffer();
  await writeAtomically(job.path, bytes);
  return {
    path: job.path,
    format: o.format,
    bytes: bytes.length,
    width,
    height,
    sha256: createHash('sha256').update(bytes).digest('hex'),
  };
}

/** Write to a temporary name, fsync, rename: readers never see a partial file. */
async function writeAtomically(target: string, bytes: Buffer): Promise<void> {
  await fs.mkdir(path.dirname(target), { recursive: true });
  const tmp = `${target}.tmp-${process.pid}-${threadId}`;
  try {
    const file = await fs.open(tmp, 'w');
    try {
      await file.writeFile(bytes);
      await file.sync();
    } finally {
      await file.close();
    }
    await fs.rename(tmp, target);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}
