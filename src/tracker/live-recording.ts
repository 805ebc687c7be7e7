import sharp from 'sharp';
import type { RecordingOutcome } from '../core/vocabulary.js';
import type { Library, Recording, ScreenInfo } from '../library/library.js';
import { sha256 } from '../library/library.js';
import { writeFileAtomic } from '../library/atomic-file.js';
import { LibraryError } from '../library/errors.js';
import type { AccessibilityProvider } from '../platform/a11y/provider.js';
import { defaultAccessibility } from '../platform/a11y/platform.js';
import type { BackendPreference } from '../platform/capture/capture-types.js';
import type { CaptureInfo } from '../platform/capture/capture-worker.js';
import { FrameEncoder } from '../platform/capture/encoder.js';
import { type CapturedFrame, FrameCapture } from '../platform/capture/frame-capture.js';
import { startInputHooks } from './input/hooks.js';
import { checkRecordExtension } from './input/record-extension.js';
import { type FrameRef, Recorder, type RecorderOptions } from './recorder.js';
import { type StartOptions, startRecording } from './sessions.js';

/** What a live recording hands to its Recorder as given (see `RecorderOptions`). */
type RecorderSettings = Pick<
  RecorderOptions<CapturedFrame>,
  'frameFormat' | 'privacy' | 'ownWindowTitles' | 'stopHotkey' | 'onStopHotkey' | 'onCommitted' | 'onDiskFull'
>;

export interface LiveRecordingOptions extends RecorderSettings {
  lib: Library;
  start: StartOptions;
  fps?: number;
  capture?: BackendPreference;
  /** One monitor (RandR name or index) instead of the whole virtual desktop. */
  monitor?: string | number;
  /** The disk filled up: call `stop()`, which then ends the recording as interrupted. */
  onDiskFull?: () => void;
  /** Accessibility provider; default: AT-SPI on Linux, none elsewhere. */
  a11y?: AccessibilityProvider;
}

export interface LiveRecording {
  readonly recording: Recording;
  readonly capture: CaptureInfo;
  readonly a11y: string;
  readonly recorder: Recorder<CapturedFrame>;
  pause(): void;
  resume(): void;
  /**
   * Flushes everything, records finish/fail, releases hooks and capture. After a full disk it
   * commits what still fits and ends the recording as interrupted instead.
   */
  stop(outcome: RecordingOutcome): Promise<Recording>;
}

/** How often the idle (wait) timer is checked. */
const TICK_MS = 200;
/**
 * After this long without input the capture slows to IDLE_FPS: an unused screen rarely
 * changes, and grabbing 1080p ten times a second costs ~10 % of a core. The first input
 * brings the full rate back at once.
 */
const IDLE_AFTER_MS = 2_000;
const IDLE_FPS = 2;
/**
 * The oldest frame an input may be paired with (SPEC: a frame about every 100 ms, as the
 * reference). An input that finds the latest frame older — after an idle spell, or on a
 * screen that did not change (with DAMAGE nothing is grabbed then) — gets a frame grabbed
 * at once instead. That grab starts a few ms after the input reached us, so it can show the
 * very beginning of the application's reaction; an old frame could miss up to 1/IDLE_FPS
 * of what the person saw before acting, which is worse.
 */
export const MAX_FRAME_AGE_MS = 100;
/** A grab asked for an input that has not arrived by then: the input keeps the older frame. */
const FRESH_FRAME_TIMEOUT_MS = 2_000;

/** The frame for an input arriving now: the latest if recent enough, else a fresh grab. */
function frameForInput(capture: FrameCapture): FrameRef<CapturedFrame> | null {
  const latest = capture.latest();
  const now = Date.now();
  if (!latest || now - latest.capturedAt <= MAX_FRAME_AGE_MS || !capture.running) return latest;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<CapturedFrame>((resolve) => {
    timer = setTimeout(() => resolve(latest), FRESH_FRAME_TIMEOUT_MS);
  });
  const fresh = capture.frameSince(now).catch(() => latest);
  return { pending: Promise.race([fresh, late]).finally(() => clearTimeout(timer)) };
}

async function blackPng(width: number, height: number, abs: string): Promise<{ bytes: number; sha256: string }> {
  const data = await sharp({ create: { width, height, channels: 3, background: '#000000' } })
    .png({ compressionLevel: 9 })
    .toBuffer();
  writeFileAtomic(abs, data);
  return { bytes: data.byteLength, sha256: sha256(data) };
}

/**
 * Starts a live recording: checks the input hooks can run, starts frame capture, creates the
 * recording row, then starts the global hooks. Resolves once everything is live — the moment
 * `pcagent record` prints "recording <id>".
 */
export async function startLiveRecording(options: LiveRecordingOptions): Promise<LiveRecording> {
  const { lib, start, fps, capture: backend, monitor, a11y: givenA11y, ...settings } = options;
  // Before anything else: without RECORD, uiohook would abort the whole process.
  if (process.platform === 'linux') await checkRecordExtension(process.env.DISPLAY);
  // Two recorders on one screen would record each other's frames and input as one user's.
  const owner = lib.liveRecorderOn();
  if (owner) {
    throw new LibraryError(
      'invalid-state',
      `screen ${owner.screen} is already being recorded by process ${owner.pid} (recording ${owner.recordingId})`,
    );
  }
  const capture = new FrameCapture({ fps, backend, monitor });
  const info = await capture.start();
  await capture.nextFrame();
  const centre = { x: info.region.x + info.region.width / 2, y: info.region.y + info.region.height / 2 };
  const { provider: a11y, name: a11yName } = givenA11y
    ? { provider: givenA11y, name: givenA11y.platform }
    : await defaultAccessibility(centre);
  const encoder = new FrameEncoder({ workers: 1 });
  const g = info.geometry;
  const screen: ScreenInfo = {
    logicalWidth: g.logical.width,
    logicalHeight: g.logical.height,
    physicalWidth: g.physical.width,
    physicalHeight: g.physical.height,
    scaleFactor: g.scaleFactor,
    originX: g.origin.x,
    originY: g.origin.y,
  };
  const recording = startRecording(lib, {
    ...start,
    screen,
    meta: { ...start.meta, capture: info.backend, accessibility: a11yName, region: info.region },
  });
  const recorder = new Recorder<CapturedFrame>({
    lib,
    recordingId: recording.id,
    frames: { latest: () => capture.latest(), current: () => frameForInput(capture) },
    writeFrame: (frame, abs, format) => encoder.encode(frame, abs, { format }),
    writeRedacted: blackPng,
    a11y,
    ...settings,
  });
  const fullFps = fps ?? 10;
  let lastInput = Date.now();
  let idle = false;
  let hooks: { stop(): void };
  try {
    hooks = await startInputHooks<FrameRef<CapturedFrame>>(
      (ev) => {
        lastInput = ev.time;
        if (idle) {
          idle = false;
          capture.setRate(fullFps);
        }
        recorder.input(ev);
      },
      { currentFrame: () => frameForInput(capture), onPointerMove: (x, y) => recorder.pointerMoved(x, y) },
    );
  } catch (err) {
    await capture.stop();
    await encoder.close();
    await a11y.close();
    lib.deleteRecording(recording.id);
    throw err;
  }
  const timer = setInterval(() => {
    if (!idle && Date.now() - lastInput > IDLE_AFTER_MS && fullFps > IDLE_FPS) {
      idle = true;
      capture.setRate(IDLE_FPS);
    }
    recorder.tick();
  }, TICK_MS);
  let stopped: Promise<Recording> | null = null;
  return {
    recording,
    capture: info,
    a11y: a11yName,
    recorder,
    pause: () => recorder.pause(),
    resume: () => recorder.resume(),
    stop(outcome) {
      stopped ??= (async () => {
        clearInterval(timer);
        hooks.stop();
        try {
          if (recorder.diskFull) await recorder.stopAfterDiskFull();
          else await recorder.stop(outcome);
        } finally {
          await capture.stop();
          await encoder.close();
          await a11y.close();
        }
        return lib.getRecording(recording.id);
      })();
      return stopped;
    },
  };
}
