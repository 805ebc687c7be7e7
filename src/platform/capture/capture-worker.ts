/**
 * The capture loop, run in a worker thread by FrameCapture so that neither grabbing (nut-js
 * blocks its thread ~10 ms a frame; X11 reads ~8 MB a frame) nor hashing ever delays the main
 * thread, where input events are stamped. Frames are SharedArrayBuffer-backed: posting one to
 * the main thread, and from there to the encoder, copies nothing.
 *
 * Change detection ('damage' or 'polling', in CaptureInfo):
 * - polling (nut-js, screenshot-desktop, an X server without DAMAGE): a grab every 1/fps,
 *   unchanged pixels found by a byte compare.
 * - damage (x11 with DAMAGE): a grab only once the X server reported drawing in the region,
 *   still at most `fps` grabs a second, plus an unprompted safety grab when nothing was
 *   reported for SAFETY_GRAB_MS. An idle screen then costs one grab every few seconds
 *   instead of `fps` a second. If a safety grab ever finds pixels that changed unreported,
 *   damage is not to be trusted here: the loop falls back to polling and posts 'ready' again
 *   with `changeDetection: 'polling'`.
 *
 * Freshness of `latest()`: in both modes a change on screen is in a posted frame at most one
 * grab interval (1/fps) plus one grab's duration after it happens — with damage, a change
 * during the pause after a grab is grabbed when the pause ends, a change while waiting is
 * grabbed at once. Frame ids advance per grab, so with damage they stand still while the
 * screen does: the latest frame stays current, its `capturedAt` is when it was grabbed.
 */
import { createHash } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import type { ScreenGeometry } from '../../core/geometry.js';
import { chooseBackend } from './backend.js';
import type { BackendName, BackendPreference, CaptureRegion, RawFrame } from './capture-types.js';
import { monitorRegion, readScreenLayout, screenGeometry, type ScreenLayout } from './screen-layout.js';
import { isX11Backend, type ScreenChanges } from './x11-backend.js';

export interface CaptureWorkerData {
  readonly fps: number;
  readonly backend: BackendPreference;
  readonly display: string | undefined;
  readonly monitor: string | number | undefined;
}

export interface CaptureInfo {
  readonly backend: BackendName;
  /** Backends tried first and why they were passed over. */
  readonly skipped: ReadonlyArray<{ readonly name: BackendName; readonly error: string }>;
  /** The part of the desktop captured (root-window pixels). */
  readonly region: CaptureRegion;
  readonly geometry: ScreenGeometry;
  /** The whole X11 desktop, null off X11. */
  readonly layout: ScreenLayout | null;
  /**
   * How the loop learns that the screen changed: 'damage' grabs when the X server reports
   * drawing (an idle screen is not grabbed), 'polling' grabs at the full rate.
   */
  readonly changeDetection: ChangeDetection;
}

export type ChangeDetection = 'damage' | 'polling';

export interface FrameMessage extends Omit<RawFrame, 'data'> {
  readonly type: 'frame';
  readonly hash: string;
  readonly changed: boolean;
  /**
   * The pixels when they changed; an unchanged frame reuses the previous frame's. `slot` is
   * the pool buffer they lie in: the receiver sends `{ type: 'release', slot }` once nothing
   * reads them any more, and only then are they overwritten.
   */
  readonly data: {
    readonly buffer: SharedArrayBuffer;
    readonly offset: number;
    readonly length: number;
    readonly slot: number;
  } | null;
  /** Pixel buffers the worker holds (in use and free): flat once the session is warm. */
  readonly buffers: number;
  /** How many of them are free for the next grabs. */
  readonly free: number;
}

export type CaptureWorkerMessage =
  /** Once the backend works; again whenever `info` changes (a fall back to polling). */
  | { readonly type: 'ready'; readonly info: CaptureInfo }
  | { readonly type: 'failed'; readonly message: string }
  | { readonly type: 'grab-error'; readonly message: string }
  | FrameMessage;

/**
 * With damage, the longest the loop goes without grabbing: a check that the server reports
 * what is drawn (and what an idle recorder costs: one grab per this).
 */
export const SAFETY_GRAB_MS = 5000;

const port = parentPort!;
const config = workerData as CaptureWorkerData;
let stopping = false;
let interval = 1000 / config.fps;
/**
 * Ends the current pause early: a rate change or stop, or damage. Pauses re-check their
 * condition when woken, so a wake that does not concern them only costs a loop turn.
 */
let wake: (() => void) | null = null;
/** A grab was asked for now ('grab'): the next one starts without waiting for rate or damage. */
let grabAsked = false;
export type CaptureControlMessage =
  | { readonly type: 'stop' }
  | { readonly type: 'rate'; readonly fps: number }
  | { readonly type: 'grab' }
  | { readonly type: 'release'; readonly slot: number };
port.on('message', (m: CaptureControlMessage) => {
  if (m.type === 'release') return pool.release(m.slot);
  if (m.type === 'stop') stopping = true;
  else if (m.type === 'grab') grabAsked = true;
  else interval = 1000 / m.fps;
  wake?.();
});

function pause(ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    wake = () => {
      clearTimeout(timer);
      resolve();
    };
  }).finally(() => (wake = null));
}

/** Pauses until `until()` (a performance.now() time) has passed, re-read on every wake. */
async function pauseUntil(until: () => number, unless: () => boolean = () => false): Promise<void> {
  for (let left = until() - performance.now(); !stopping && !unless() && left > 0; left = until() - performance.now()) {
    await pause(left);
  }
}

const post = (m: CaptureWorkerMessage): void => port.postMessage(m);

/**
 * The frame buffers: a pool of SharedArrayBuffers reused for the whole session. A buffer
 * posted with a changed frame is leased to the main thread until it sends it back ('release',
 * when the last reference to the frame's pixels is gone); an unchanged grab's buffer never
 * left this thread and is free again at once. A new buffer is allocated only when every
 * buffer is leased, so after warm-up a session allocates no pixel memory at all: one 8 MB
 * calloc per changed frame (freed whenever three isolates happened to collect it) made glibc
 * raise its mmap threshold and serve frames from per-thread arenas, which fragmented into
 * hundreds of MB of RSS over a long session. A fresh buffer is also zero-filled and
 * page-faulted in, which costs more CPU than the grab.
 */
class FramePool {
  private buffers: Buffer[] = [];
  /** Holders per buffer: this thread (the grab, then `previous`) and the main thread's lease. */
  private holders: number[] = [];

  get size(): number {
    return this.buffers.length;
  }

  get free(): number {
    return this.holders.filter((h) => h === 0).length;
  }

  /** A free buffer of `bytes`, held once (by the grab that fills it). */
  acquire(bytes: number): Buffer {
    // Slots are never renumbered (releases name them); a frame size change (a new screen
    // resolution under nut-js) leaves the old size's buffers unused.
    let slot = this.buffers.findIndex((b, i) => this.holders[i] === 0 && b.length === bytes);
    if (slot < 0) {
      slot = this.buffers.push(Buffer.from(new SharedArrayBuffer(bytes))) - 1;
      this.holders.push(0);
    }
    this.holders[slot] = 1;
    return this.buffers[slot]!;
  }

  /** The slot of a pool buffer (or a view of one), -1 for any other. */
  slotOf(data: Buffer): number {
    return this.buffers.findIndex((b) => b.buffer === data.buffer);
  }

  hold(slot: number): void {
    if (slot >= 0 && slot < this.holders.length) this.holders[slot]!++;
  }

  release(slot: number): void {
    if (slot >= 0 && slot < this.holders.length && this.holders[slot]! > 0) this.holders[slot]!--;
  }
}

const pool = new FramePool();
/** The buffer handed to the grab in progress: given back to the pool if the grab fails. */
let grabbing: Buffer | null = null;
function shared(bytes: number): Buffer {
  grabbing = pool.acquire(bytes);
  return grabbing;
}

async function run(): Promise<void> {
  const layout = process.platform === 'linux' ? await readScreenLayout(config.display) : null;
  const region = config.monitor !== undefined && layout ? monitorRegion(layout, config.monitor) : undefined;
  const {
    backend,
    frame: first,
    skipped,
  } = await chooseBackend(config.backend, {
    display: config.display,
    region,
    allocate: shared,
  });
  const geometry = screenGeometry(backend.region, layout?.scaleFactor ?? 1);
  let changes: ScreenChanges | null = isX11Backend(backend) ? await backend.trackChanges() : null;
  const info = (changeDetection: ChangeDetection): CaptureInfo => ({
    backend: backend.name,
    skipped,
    region: backend.region,
    geometry,
    layout,
    changeDetection,
  });
  post({ type: 'ready', info: info(changes ? 'damage' : 'polling') });
  if (changes) changes.onChange = () => wake?.();

  let previous: { data: Buffer; hash: string } | null = null;
  let probe: RawFrame | null = first;
  /** The last grab failed: whatever it would have shown is still to be grabbed. */
  let failed = false;
  while (!stopping) {
    const started = performance.now();
    // The probe predates tracking (which starts dirty): the first grab follows at once.
    const prompted = probe !== null || failed || !changes || changes.dirty || grabAsked;
    grabAsked = false;
    const notified = changes?.notifications ?? 0;
    try {
      const { data: raw, ...frame } = probe ?? (await backend.grab());
      probe = null;
      const data = pool.slotOf(raw) >= 0 ? raw : copyToShared(raw);
      const slot = pool.slotOf(data);
      grabbing = null;
      // memcmp (~0.3 ms for 1080p) decides; the hash (sha1, a few ms) is paid only on change.
      const same: { hash: string } | null = previous?.data.equals(data) ? previous : null;
      const changed = same === null;
      const hash: string = same ? same.hash : createHash('sha1').update(data).digest('hex');
      if (changed) {
        // This thread's hold moves from the old `previous` to this frame; the main thread
        // gets a lease of its own below.
        if (previous) pool.release(pool.slotOf(previous.data));
        previous = { data, hash };
        pool.hold(slot);
      } else pool.release(slot);
      if (changes && changed && !prompted && changes.notifications === notified) {
        // Unreported drawing (see ScreenChanges): poll from now on.
        changes.stop();
        changes.onChange = null;
        changes = null;
        post({ type: 'ready', info: info('polling') });
      }
      post({
        type: 'frame',
        ...frame,
        hash,
        changed,
        data: changed
          ? {
              buffer: data.buffer as SharedArrayBuffer,
              offset: data.byteOffset,
              length: data.length,
              slot,
            }
          : null,
        buffers: pool.size,
        free: pool.free,
      });
      failed = false;
    } catch (err) {
      failed = true;
      if (grabbing) pool.release(pool.slotOf(grabbing));
      grabbing = null;
      post({ type: 'grab-error', message: (err as Error).message });
    }
    // Never more than `fps` grabs a second…
    await pauseUntil(
      () => started + interval,
      () => grabAsked,
    );
    // …and with damage, none until something was drawn (or the safety grab is due).
    const tracked = changes;
    if (tracked)
      await pauseUntil(
        () => started + SAFETY_GRAB_MS,
        () => tracked.dirty || failed || grabAsked,
      );
  }
  backend.close();
}

function copyToShared(data: Buffer): Buffer {
  const copy = shared(data.length);
  data.copy(copy);
  return copy;
}

run().then(
  () => process.exit(0),
  (err: Error) => {
    post({ type: 'failed', message: err.message });
    process.exit(1);
  },
);
