/**
 * The capture loop, run in a worker thread by FrameCapture so that neither grabbing (nut-js
 * blocks its thread ~10 ms a frame; X11 reads ~8 MB a frame) nor hashing ever delays the main
 * thread, where input events are stamped. Frames are SharedArrayBuffer-backed: posting one to
 * the main thread, and from there to the encoder, copies nothing.
 */
import { createHash } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import type { ScreenGeometry } from '../../core/geometry.js';
import { chooseBackend } from './backend.js';
import type { BackendName, BackendPreference, CaptureRegion, RawFrame } from './capture-types.js';
import { monitorRegion, readScreenLayout, screenGeometry, type ScreenLayout } from './screen-layout.js';

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
}

export interface FrameMessage extends Omit<RawFrame, 'data'> {
  readonly type: 'frame';
  readonly hash: string;
  readonly changed: boolean;
  /** The pixels when they changed; an unchanged frame reuses the previous frame's. */
  readonly data: { readonly buffer: SharedArrayBuffer; readonly offset: number; readonly length: number } | null;
}

export type CaptureWorkerMessage =
  | { readonly type: 'ready'; readonly info: CaptureInfo }
  | { readonly type: 'failed'; readonly message: string }
  | { readonly type: 'grab-error'; readonly message: string }
  | FrameMessage;

const port = parentPort!;
const config = workerData as CaptureWorkerData;
let stopping = false;
let interval = 1000 / config.fps;
/** Ends the current pause between grabs early (a rate change or stop should act at once). */
let wake: (() => void) | null = null;
export type CaptureControlMessage = { readonly type: 'stop' } | { readonly type: 'rate'; readonly fps: number };
port.on('message', (m: CaptureControlMessage) => {
  if (m.type === 'stop') stopping = true;
  else interval = 1000 / m.fps;
  wake?.();
});

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    wake = () => {
      clearTimeout(timer);
      resolve();
    };
  });
}

const post = (m: CaptureWorkerMessage): void => port.postMessage(m);

/**
 * The buffer of the last unchanged grab: it never left this thread, so the next grab can
 * reuse it. A new SharedArrayBuffer is zero-filled and page-faulted in — more CPU than the
 * grab itself — so an idle screen allocates nothing.
 */
let spare: Buffer | null = null;
function shared(bytes: number): Buffer {
  const reuse = spare?.length === bytes ? spare : null;
  spare = null;
  return reuse ?? Buffer.from(new SharedArrayBuffer(bytes));
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
  post({ type: 'ready', info: { backend: backend.name, skipped, region: backend.region, geometry, layout } });

  let previous: { data: Buffer; hash: string } | null = null;
  let probe: RawFrame | null = first;
  while (!stopping) {
    const started = performance.now();
    try {
      const { data: raw, ...frame } = probe ?? (await backend.grab());
      probe = null;
      const data = raw.buffer instanceof SharedArrayBuffer ? raw : copyToShared(raw);
      // memcmp (~0.3 ms for 1080p) decides; the hash (sha1, a few ms) is paid only on change.
      const same: { hash: string } | null = previous?.data.equals(data) ? previous : null;
      const changed = same === null;
      const hash: string = same ? same.hash : createHash('sha1').update(data).digest('hex');
      if (changed) previous = { data, hash };
      else spare = data;
      post({
        type: 'frame',
        ...frame,
        hash,
        changed,
        data: changed
          ? { buffer: data.buffer as SharedArrayBuffer, offset: data.byteOffset, length: data.length }
          : null,
      });
    } catch (err) {
      post({ type: 'grab-error', message: (err as Error).message });
    }
    await pause(Math.max(0, interval - (performance.now() - started)));
    wake = null;
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
