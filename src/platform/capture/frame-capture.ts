/**
 * Keeps the most recent full-screen frame in memory — grabbed when the X server reports damage
 * (at most `fps` times a second), or polled at `fps` without DAMAGE — for the recorder to pair
 * each action with the frame current when it began.
 * Grabbing runs in a worker thread (capture-worker.ts); this side only swaps references.
 */
import { once } from 'node:events';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { Worker } from 'node:worker_threads';
import type { BackendPreference, RawFrame } from './capture-types.js';
import type {
  CaptureControlMessage,
  CaptureInfo,
  CaptureWorkerData,
  CaptureWorkerMessage,
  FrameMessage,
} from './capture-worker.js';
import { startSiblingWorker } from './worker-loader.js';

export type { CaptureInfo } from './capture-worker.js';

export interface CapturedFrame extends RawFrame {
  /** Increases by one per grab, changed or not, across restarts. */
  readonly id: number;
  /** sha1 of the pixels, hex. Equal hashes mean equal pixels. */
  readonly hash: string;
  /** False when the pixels equal the previous frame's (`data` is then that frame's buffer). */
  readonly changed: boolean;
}

export interface FrameCaptureOptions {
  /** Grabs per second; default 10 (one frame about every 100 ms, like the reference). */
  readonly fps?: number;
  readonly backend?: BackendPreference;
  /** X DISPLAY; default the process's. */
  readonly display?: string;
  /** Capture one monitor (RandR name or index) instead of the whole virtual desktop. */
  readonly monitor?: string | number;
  /** How many recent frames `frameAt()` can reach back to; default 3. */
  readonly history?: number;
}

/**
 * Gives a frame buffer back to the capture worker's pool (see FramePool in capture-worker.ts)
 * once the last reference to its pixels is gone. The registered object is the
 * SharedArrayBuffer itself, which every view of the pixels (a frame's `data`, an encode job's
 * `buffer`, a subarray) keeps alive, so a buffer is never refilled while anything here can
 * still read it. Only a garbage collection of this thread can tell, and V8 does not count
 * shared memory towards a thread's heap: a recorder's main thread allocates so little that
 * it went minutes without one, while every frame pinned 8 MB. So a collection is asked for
 * (collectGarbage) when the pool runs out of free buffers.
 */
const leases = new FinalizationRegistry<{ readonly worker: Worker; readonly slot: number }>(({ worker, slot }) => {
  const release: CaptureControlMessage = { type: 'release', slot };
  try {
    worker.postMessage(release);
  } catch {
    // The worker is gone, and its pool with it.
  }
});

/**
 * Finds the frames nobody holds any more with a full collection of this thread's heap (a few
 * ms on a recorder's heap, more on a busy machine; measured, scavenges alone released no
 * buffer: the frames outlive them). Asked for only once the pool has room for a few frames
 * beyond `history` and they are all taken, so a session at one changed frame a second
 * collects every few seconds; at most once per GC_INTERVAL_MS.
 */
const POOL_SOFT = 8;
const GC_INTERVAL_MS = 1_000;
let gc: (() => void) | null | undefined;
let lastGc = -Infinity;
function collectGarbage(): void {
  const now = performance.now();
  if (now - lastGc < GC_INTERVAL_MS) return;
  lastGc = now;
  if (gc === undefined) {
    // `gc` when node runs with --expose-gc, else exposed the way jest-leak-detector does
    // (the flag applies to contexts created after it is set).
    try {
      if (typeof globalThis.gc === 'function') gc = globalThis.gc as () => void;
      else {
        v8.setFlagsFromString('--expose-gc');
        gc = vm.runInNewContext('gc') as () => void;
      }
    } catch {
      gc = null;
    }
  }
  gc?.();
}

export class FrameCapture {
  private worker: Worker | null = null;
  private buffers = 0;
  private frames: CapturedFrame[] = [];
  private lastId = 0;
  private waiters: Array<{ resolve(frame: CapturedFrame): void; reject(err: Error): void }> = [];
  private infoValue: CaptureInfo | null = null;
  /** The last grab failure, if grabs are failing; cleared by the next good frame. */
  lastError: string | null = null;

  constructor(private readonly options: FrameCaptureOptions = {}) {}

  get info(): CaptureInfo | null {
    return this.infoValue;
  }

  /** Whether the capture worker is running (it stops on stop() or when it fails). */
  get running(): boolean {
    return this.worker !== null;
  }

  /** Starts the capture worker; resolves once a backend works (the first frame follows). */
  start(): Promise<CaptureInfo> {
    if (this.worker) return Promise.reject(new Error('frame capture is already running'));
    const data: CaptureWorkerData = {
      fps: this.options.fps ?? 10,
      backend: this.options.backend ?? 'auto',
      display: this.options.display,
      monitor: this.options.monitor,
    };
    const worker = startSiblingWorker(import.meta.url, 'capture-worker', { workerData: data });
    this.worker = worker;
    return new Promise<CaptureInfo>((resolve, reject) => {
      worker.on('message', (m: CaptureWorkerMessage) => {
        if (m.type === 'ready') {
          this.infoValue = m.info;
          resolve(m.info);
        } else if (m.type === 'frame') this.onFrame(worker, m);
        else if (m.type === 'grab-error') this.lastError = m.message;
        else reject(new Error(`screen capture failed to start: ${m.message}`));
      });
      worker.on('error', (err) => {
        this.lastError = err.message;
        reject(err);
      });
      worker.on('exit', () => {
        if (this.worker === worker) this.worker = null;
        const stopped = new Error('frame capture stopped');
        reject(stopped);
        for (const waiter of this.waiters.splice(0)) waiter.reject(stopped);
      });
    });
  }

  /**
   * Changes the grab rate while running (the recorder lowers it while nobody is using the
   * machine, so an idle recorder costs little CPU).
   */
  setRate(fps: number): void {
    const message: CaptureControlMessage = { type: 'rate', fps };
    this.worker?.postMessage(message);
  }

  /** Stops grabbing; the frames already captured stay readable. */
  async stop(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.worker = null;
    const exited = once(worker, 'exit');
    worker.postMessage({ type: 'stop' });
    const timer = setTimeout(() => void worker.terminate(), 2000);
    await exited;
    clearTimeout(timer);
  }

  /** Pixel buffers the capture worker has allocated so far (each one frame): flat once warm. */
  get bufferCount(): number {
    return this.buffers;
  }

  latest(): CapturedFrame | null {
    return this.frames.at(-1) ?? null;
  }

  /** The newest frame grabbed at or before `time` (ms since the epoch), among the recent ones. */
  frameAt(time: number): CapturedFrame | null {
    for (let i = this.frames.length - 1; i >= 0; i--) {
      const frame = this.frames[i]!;
      if (frame.capturedAt <= time) return frame;
    }
    return null;
  }

  /**
   * A frame grabbed at or after `time` (ms since the epoch): the latest if it is, else one
   * grabbed now, without waiting for the rate or for damage (the recorder's first input after
   * an idle spell). Rejects when the capture stops first.
   */
  async frameSince(time: number): Promise<CapturedFrame> {
    const latest = this.latest();
    if (latest && latest.capturedAt >= time) return latest;
    const message: CaptureControlMessage = { type: 'grab' };
    this.worker?.postMessage(message);
    // A grab already under way was asked for before `time`: the asked one follows it.
    for (;;) {
      const frame = await this.nextFrame();
      if (frame.capturedAt >= time) return frame;
    }
  }

  /** The next frame to arrive; rejects when the capture stops first. */
  nextFrame(): Promise<CapturedFrame> {
    if (!this.worker) return Promise.reject(new Error('frame capture is not running'));
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  private collecting = false;

  /** One collection after the current message: several frames running short ask once. */
  private collectSoon(): void {
    if (this.collecting) return;
    this.collecting = true;
    setImmediate(() => {
      this.collecting = false;
      collectGarbage();
    });
  }

  private onFrame(worker: Worker, m: FrameMessage): void {
    const previous = this.latest();
    if (m.data) leases.register(m.data.buffer, { worker, slot: m.data.slot });
    const data = m.data ? Buffer.from(m.data.buffer, m.data.offset, m.data.length) : previous?.data;
    this.buffers = m.buffers;
    // Out of free buffers: the next changed grab would allocate another 8 MB unless the
    // frames nobody holds any more are found now.
    if (m.free <= 1 && m.buffers >= POOL_SOFT) this.collectSoon();
    if (!data) return; // cannot happen: the first frame always carries its pixels
    const { type: _type, data: _data, buffers: _buffers, ...rest } = m;
    const frame: CapturedFrame = { ...rest, id: ++this.lastId, data };
    this.frames.push(frame);
    if (this.frames.length > (this.options.history ?? 3)) this.frames.shift();
    this.lastError = null;
    for (const waiter of this.waiters.splice(0)) waiter.resolve(frame);
  }
}
