/**
 * Encodes raw frames to PNG / WebP / JPEG files off the main thread: a small pool of worker
 * threads (encoder-worker.ts) running sharp. SharedArrayBuffer-backed frames (FrameCapture's)
 * are shared with the worker as they are; other buffers are copied once and transferred.
 */
import type { Worker } from 'node:worker_threads';
import type { RawFrame } from './capture-types.js';
import { startSiblingWorker } from './worker-loader.js';

export type ImageFormat = 'png' | 'webp' | 'jpeg';

export interface EncodeOptions {
  /** Default: from the file extension (.png, .webp, .jpg/.jpeg), else PNG. */
  readonly format?: ImageFormat;
  /**
   * PNG zlib level 0–9; default 3: on application screenshots about as fast as 1 and ~40 %
   * smaller, while 6 takes twice as long for 10 % less (bench/capture.bench.ts).
   */
  readonly compressionLevel?: number;
  /** PNG per-row filter choice: much smaller files of photos, slower; default false. */
  readonly adaptiveFiltering?: boolean;
  /** WebP / JPEG quality 1–100; default 85. */
  readonly quality?: number;
  /** WebP lossless; default false. */
  readonly lossless?: boolean;
  /** WebP effort 0–6; default 1. */
  readonly effort?: number;
}

export interface EncodedImage {
  readonly path: string;
  readonly format: ImageFormat;
  /** File size. */
  readonly bytes: number;
  readonly width: number;
  readonly height: number;
  /** sha256 of the file, hex. */
  readonly sha256: string;
}

export interface FrameEncoderOptions {
  /** Worker threads, 1–2 (each uses one core while encoding); default 1. */
  readonly workers?: number;
  readonly defaults?: EncodeOptions;
}

/** The message a worker receives. */
export interface EncodeJob {
  readonly id: number;
  readonly path: string;
  readonly width: number;
  readonly height: number;
  readonly format: RawFrame['format'];
  readonly pixels: {
    readonly buffer: ArrayBuffer | SharedArrayBuffer;
    readonly offset: number;
    readonly length: number;
  };
  readonly options: Required<EncodeOptions>;
}

export type EncodeReply =
  | { readonly id: number; readonly image: EncodedImage; readonly error?: undefined }
  | { readonly id: number; readonly error: string; readonly image?: undefined };

type Frame = Pick<RawFrame, 'data' | 'width' | 'height' | 'channels' | 'format'>;

interface Task {
  readonly job: EncodeJob;
  readonly transfer: ArrayBuffer[];
  resolve(image: EncodedImage): void;
  reject(err: Error): void;
}

interface Slot {
  readonly worker: Worker;
  task: Task | null;
}

export class FrameEncoder {
  private readonly maxWorkers: number;
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private nextId = 1;
  private closed = false;
  private drained: Array<() => void> = [];

  constructor(private readonly options: FrameEncoderOptions = {}) {
    this.maxWorkers = Math.min(2, Math.max(1, options.workers ?? 1));
  }

  /** Encodes `frame` into the file `path` (parent directories are created). */
  encode(frame: Frame, path: string, options: EncodeOptions = {}): Promise<EncodedImage> {
    if (this.closed) return Promise.reject(new Error('the frame encoder is closed'));
    if (frame.channels !== 4 || frame.data.length !== frame.width * frame.height * 4) {
      return Promise.reject(new Error('a frame must be 4 bytes a pixel without row padding'));
    }
    const { data } = frame;
    let pixels: EncodeJob['pixels'];
    const transfer: ArrayBuffer[] = [];
    if (data.buffer instanceof SharedArrayBuffer) {
      pixels = { buffer: data.buffer, offset: data.byteOffset, length: data.length };
    } else {
      const copy = new ArrayBuffer(data.length);
      new Uint8Array(copy).set(data);
      pixels = { buffer: copy, offset: 0, length: data.length };
      transfer.push(copy);
    }
    const job: EncodeJob = {
      id: this.nextId++,
      path,
      width: frame.width,
      height: frame.height,
      format: frame.format,
      pixels,
      options: this.resolveOptions(path, options),
    };
    return new Promise<EncodedImage>((resolve, reject) => {
      this.queue.push({ job, transfer, resolve, reject });
      this.pump();
    });
  }

  /** Finishes the queued jobs, then ends the workers. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.queue.length > 0 || this.slots.some((s) => s.task)) {
      await new Promise<void>((resolve) => this.drained.push(resolve));
    }
    await Promise.all(this.slots.splice(0).map((s) => s.worker.terminate()));
  }

  private resolveOptions(path: string, o: EncodeOptions): Required<EncodeOptions> {
    const d = this.options.defaults ?? {};
    const ext = /\.(png|webp|jpe?g)$/i.exec(path)?.[1]?.toLowerCase();
    const byExt: ImageFormat = ext === 'webp' ? 'webp' : ext === 'jpg' || ext === 'jpeg' ? 'jpeg' : 'png';
    return {
      format: o.format ?? d.format ?? byExt,
      compressionLevel: o.compressionLevel ?? d.compressionLevel ?? 3,
      adaptiveFiltering: o.adaptiveFiltering ?? d.adaptiveFiltering ?? false,
      quality: o.quality ?? d.quality ?? 85,
      lossless: o.lossless ?? d.lossless ?? false,
      effort: o.effort ?? d.effort ?? 1,
    };
  }

  private pump(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => !s.task);
      if (!slot && this.slots.length < this.maxWorkers) slot = this.spawn();
      if (!slot) return;
      const task = this.queue.shift()!;
      slot.task = task;
      slot.worker.ref(); // an encode in flight keeps the process alive
      slot.worker.postMessage(task.job, task.transfer);
    }
    if (!this.slots.some((s) => s.task)) {
      for (const resolve of this.drained.splice(0)) resolve();
    }
  }

  private spawn(): Slot {
    const slot: Slot = { worker: startSiblingWorker(import.meta.url, 'encoder-worker'), task: null };
    this.slots.push(slot);
    const finish = (settle: (task: Task) => void): void => {
      const task = slot.task;
      slot.task = null;
      slot.worker.unref();
      if (task) settle(task);
      this.pump();
    };
    slot.worker.on('message', (reply: EncodeReply) =>
      finish((task) => (reply.image ? task.resolve(reply.image) : task.reject(new Error(reply.error)))),
    );
    const drop = (err: Error): void => {
      const i = this.slots.indexOf(slot);
      if (i >= 0) this.slots.splice(i, 1);
      finish((task) => task.reject(err));
    };
    slot.worker.on('error', drop);
    slot.worker.on('exit', (code) => drop(new Error(`an encoder worker exited (code ${code})`)));
    return slot;
  }
}
