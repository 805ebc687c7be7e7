import path from 'node:path';
import type { Action, Rect } from '../core/actions.js';
import { Aggregator, type RecordingOp } from '../core/aggregate.js';
import type { RawInput } from '../core/input-events.js';
import { normalizeKeyName } from '../core/keys.js';
import { isDiskFull } from '../library/errors.js';
import type { FrameFormat, RecordingOutcome } from '../core/vocabulary.js';
import type { ActionPatch, Library } from '../library/library.js';
import type { AccessibilityProvider, ElementAtPoint } from '../platform/a11y/provider.js';
import { PointerElement } from './pointer-element.js';
import { endRecording, pauseRecording, resumeRecording } from './sessions.js';

/** A frame held in memory by the capture service; `id` increases with every grab. */
export interface LiveFrame {
  readonly id: number;
  readonly width: number;
  readonly height: number;
  readonly capturedAt: number;
}

/**
 * A frame being grabbed for an input that found the latest frame too old (after an idle
 * spell): the action is stored with it once it arrives.
 */
export interface PendingFrame<F extends LiveFrame> {
  readonly pending: Promise<F>;
}

/** What an input event carries as its frame: one in memory, or one on its way. */
export type FrameRef<F extends LiveFrame> = F | PendingFrame<F>;

/** What the recorder needs from the capture service. */
export interface FrameSource<F extends LiveFrame> {
  latest(): F | null;
  /**
   * The frame for an action beginning now (`finish` / `fail` at stop): by default `latest()`;
   * live capture grabs a fresh one when the latest is too old.
   */
  current?(): FrameRef<F> | null;
}

/** Encodes a frame to a file atomically (off the main thread) and reports what it wrote. */
export type FrameWriter<F extends LiveFrame> = (
  frame: F,
  absolutePath: string,
  format: FrameFormat,
) => Promise<{ bytes: number; sha256: string; width: number; height: number }>;

/** Writes a placeholder for a frame that must not be stored (excluded application). */
export type RedactedWriter = (
  width: number,
  height: number,
  absolutePath: string,
) => Promise<{ bytes: number; sha256: string }>;

export interface PrivacyRules {
  /** Application names (case-insensitive substrings) whose frames are never stored. */
  excludedApps?: readonly string[];
  /** Window titles matching any of these record actions without frames. */
  excludedTitles?: readonly RegExp[];
}

export interface RecorderOptions<F extends LiveFrame> {
  lib: Library;
  recordingId: number;
  frames: FrameSource<F>;
  writeFrame: FrameWriter<F>;
  writeRedacted: RedactedWriter;
  a11y: AccessibilityProvider;
  a11yDeadlineMs?: number;
  frameFormat?: FrameFormat;
  privacy?: PrivacyRules;
  /**
   * Window titles of the app itself when it is not one of our own windows by id (`pcagent ui
   * --web` in a browser tab): an action in such a window is stored without its frame and marked
   * `extra.ownWindow`, which refinement drops (SPEC §2.3). Like privacy rules, these make each
   * commit wait for the accessibility answer.
   */
  ownWindowTitles?: readonly RegExp[];
  /** Key names of the stop chord, e.g. ['ctrl', 'shift', 'f12']; the chord is never recorded. */
  stopHotkey?: readonly string[];
  onStopHotkey?: () => void;
  /**
   * Called after each action row is committed (app: "action recorded" events; benchmarks):
   * `latencyMs` is from the input event that began the action to the commit.
   */
  onCommitted?: (rowId: number, action: Action, latencyMs: number) => void;
  /**
   * The disk filled up: the recorder has stopped taking input and frames. The owner should
   * call `stopAfterDiskFull()` (which commits what it can) and report it.
   */
  onDiskFull?: () => void;
  now?: () => number;
}

const MASK = '••••';
/** Recent actions whose rows the aggregator may still update or remove (by its ids). */
const ROWS_KEPT = 1_000;
/**
 * How long an element lookup may take. The SPEC's reference used ~150 ms; AT-SPI on a busy
 * 2-core machine took 200–500 ms (and ~2 s for the first walk), so we allow more — the row
 * is committed without waiting and the element is filled in when it arrives.
 */
export const DEFAULT_A11Y_DEADLINE_MS = 3_000;

/**
 * Turns live input into committed library rows. Input handling is synchronous and cheap (the
 * aggregator is pure); the slow parts — encoding a frame, asking accessibility — run
 * concurrently, and one serial queue applies the aggregator's operations to the library in
 * order. A row commits only after its frame file is on disk, so a crash loses at most the
 * actions whose frames were still being written.
 */
export class Recorder<F extends LiveFrame> {
  private readonly aggregator: Aggregator<FrameRef<F>>;
  private readonly rowIds = new Map<number, Promise<number | null>>();
  private readonly removedRows = new Set<number>();
  /** Element lookups whose answer will still update a committed row. */
  private readonly pendingElements = new Set<Promise<unknown>>();
  private readonly frameRows = new Map<number, Promise<number>>();
  private readonly elements = new Map<number, Promise<ElementAtPoint | null>>();
  private queue: Promise<void> = Promise.resolve();
  private seq: number;
  private paused = false;
  private ended = false;
  private readonly heldKeys = new Set<string>();
  private readonly buttonsHeld = new Set<string>();
  /** Rows added while the stop chord was being pressed: removed when it completes. */
  private chordAdds: number[] = [];
  private lastContext: ElementAtPoint | null = null;
  /** The window/element context after the latest press, once its lookup has answered. */
  private context: Promise<ElementAtPoint | null> = Promise.resolve(null);
  private readonly ownWindows = new Map<number, Rect>();
  private errors: Error[] = [];
  private full = false;
  private readonly now: () => number;
  /** The element under the pointer, followed while it rests (see pointer-element.ts). */
  readonly pointer: PointerElement;

  constructor(private readonly o: RecorderOptions<F>) {
    this.now = o.now ?? Date.now;
    this.pointer = new PointerElement({
      a11y: o.a11y,
      deadlineMs: o.a11yDeadlineMs ?? DEFAULT_A11Y_DEADLINE_MS,
      now: this.now,
    });
    this.aggregator = new Aggregator<FrameRef<F>>({ startTime: this.now() });
    this.seq = o.lib.countActions(o.recordingId);
  }

  /** The app's own windows (by id, with their current screen rect): clicks there are dropped. */
  setOwnWindow(id: number, rect: Rect | null): void {
    if (rect) this.ownWindows.set(id, rect);
    else this.ownWindows.delete(id);
    const meta = this.o.lib.getRecording(this.o.recordingId).meta;
    this.o.lib.updateRecording(this.o.recordingId, {
      meta: { ...meta, excludedWindows: [...this.ownWindows].map(([wid, r]) => ({ id: wid, rect: r })) },
    });
  }

  /** Feeds one raw input event (from the hooks callback). Never throws, never blocks. */
  input(event: RawInput<FrameRef<F>>): void {
    if (this.ended) return;
    if (this.handleStopChord(event)) return;
    let ev = event;
    if (ev.type !== 'keydown' && ev.type !== 'keyup' && this.onOwnWindow(ev.type === 'wheel' ? null : ev)) {
      ev = { ...ev, excluded: true };
    }
    if (ev.type === 'mousedown' && !('excluded' in ev && ev.excluded)) {
      // The element under the pointer as the button went down, before the UI reacts to it.
      this.lookupElement(ev.x, ev.y, ev.time);
    }
    if (ev.type === 'mousedown') this.buttonsHeld.add(ev.button);
    if (ev.type === 'mouseup') this.buttonsHeld.delete(ev.button);
    if (ev.type === 'mousedown' || ev.type === 'mouseup') this.pointer.input(ev.x, ev.y);
    else this.pointer.input();
    this.apply(this.aggregator.input(ev));
  }

  /** Pointer motion without a button held (from the hooks). Never blocks. */
  pointerMoved(x: number, y: number): void {
    // Motion with a button held is a drag (uiohook reports XTEST drags as plain motion too).
    if (!this.ended && !this.paused && this.buttonsHeld.size === 0) this.pointer.moved(x, y);
  }

  /** Idle timer: call at about the capture rate. */
  tick(): void {
    if (!this.ended && !this.paused) this.apply(this.aggregator.tick(this.now(), this.o.frames.latest()));
  }

  pause(): void {
    if (this.paused || this.ended) return;
    this.apply(this.aggregator.pause(this.now(), this.o.frames.latest()));
    this.paused = true;
    this.enqueue(async () => void pauseRecording(this.o.lib, this.o.recordingId));
  }

  resume(): void {
    if (!this.paused || this.ended) return;
    this.paused = false;
    this.aggregator.resume(this.now());
    this.enqueue(async () => void resumeRecording(this.o.lib, this.o.recordingId));
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** True once a write failed because the disk is full (the recorder then takes nothing more). */
  get diskFull(): boolean {
    return this.full;
  }

  private onDiskFull(): void {
    if (this.full) return;
    this.full = true;
    this.ended = true;
    this.pointer.stop();
    this.o.onDiskFull?.();
  }

  /**
   * After the disk filled up: lets every queued commit that can still succeed finish (actions
   * whose frame could not be written are kept without it), then marks the recording
   * interrupted. Returns the number of committed actions. Never throws for a full disk.
   */
  async stopAfterDiskFull(): Promise<number> {
    await Promise.allSettled([...this.pendingElements]);
    await this.queue;
    this.errors = this.errors.filter((e) => !isDiskFull(e));
    try {
      this.o.lib.markInterrupted(this.o.recordingId);
    } catch (err) {
      // Not even the status fits: the lock is gone, so the next open marks it interrupted.
      if (!isDiskFull(err)) throw err;
    }
    if (this.errors.length) throw this.errors[0];
    return this.o.lib.countActions(this.o.recordingId);
  }

  /** Records `finish` / `fail`, waits until every row is committed, and ends the recording. */
  async stop(outcome: RecordingOutcome): Promise<void> {
    if (this.ended) return this.drain();
    if (this.paused) this.resume();
    // Stopped from outside while the stop chord is being pressed (the app's global shortcut
    // fired before the hooks saw its last key): its modifier presses go, as when we see it.
    if (this.chordAdds.length > 0) {
      this.apply(this.chordAdds.map((id) => ({ op: 'remove', id }) as const));
      this.chordAdds = [];
    }
    const frame = this.o.frames.current?.() ?? this.o.frames.latest();
    this.apply(
      outcome === 'finished' ? this.aggregator.finish(this.now(), frame) : this.aggregator.fail(this.now(), frame),
    );
    this.ended = true;
    this.pointer.stop();
    await this.drain();
    endRecording(this.o.lib, this.o.recordingId, outcome, this.now());
  }

  /** Resolves when every operation so far is in the library; rejects with the first failure. */
  async drain(): Promise<void> {
    // A commit still queued registers its element lookup only when it runs, and an answer
    // queues its update: wait until neither is left.
    for (;;) {
      const queue = this.queue;
      await queue;
      if (this.pendingElements.size === 0 && this.queue === queue) break;
      await Promise.allSettled([...this.pendingElements]);
    }
    if (this.errors.length) throw this.errors[0];
  }

  private onOwnWindow(p: { x: number; y: number } | null): boolean {
    if (!p) return false;
    for (const r of this.ownWindows.values()) {
      if (p.x >= r.left && p.x < r.right && p.y >= r.top && p.y < r.bottom) return true;
    }
    return false;
  }

  /**
   * The stop chord (e.g. ctrl+shift+f12) ends the recording and leaves no trace: its final
   * key never reaches the aggregator, and the modifier presses recorded on the way are
   * removed when the chord completes.
   */
  private handleStopChord(ev: RawInput<FrameRef<F>>): boolean {
    const chord = this.o.stopHotkey;
    if (!chord || (ev.type !== 'keydown' && ev.type !== 'keyup')) return false;
    const key = normalizeKeyName(ev.key) ?? ev.key;
    if (ev.type === 'keyup') {
      this.heldKeys.delete(key);
      if (this.heldKeys.size === 0) this.chordAdds = [];
      return false;
    }
    this.heldKeys.add(key);
    const inChord = [...this.heldKeys].every((k) => chord.includes(k));
    if (!inChord) {
      this.chordAdds = [];
      return false;
    }
    if (this.heldKeys.size === chord.length) {
      const ids = this.chordAdds;
      this.chordAdds = [];
      this.apply(ids.map((id) => ({ op: 'remove', id }) as const));
      this.o.onStopHotkey?.();
      return true;
    }
    return false;
  }

  private lookupElement(x: number, y: number, time: number): void {
    const lookup = this.pointer.atPress(x, y);
    this.elements.set(time, lookup);
    this.context = lookup.then((found) => (found ? (this.lastContext = found) : this.lastContext));
    // Presses that never became an action (second press of a double click) are forgotten.
    for (const t of this.elements.keys()) if (t < time - 5_000) this.elements.delete(t);
  }

  private apply(ops: RecordingOp<FrameRef<F>>[]): void {
    for (const op of ops) {
      if (op.op === 'add') {
        if (this.heldKeys.size > 0 && op.action.kind === 'key') this.chordAdds.push(op.id);
        // Start the slow work now; the queue only orders the commits.
        const frame = op.frame ? this.persistFrame(op.frame) : null;
        const element = op.pointer ? (this.elements.get(op.time) ?? Promise.resolve(null)) : null;
        this.elements.delete(op.time);
        this.rowIds.set(
          op.id,
          this.enqueue(() => this.commitAdd(op.action, op.time, frame, element)),
        );
        // The aggregator only changes its open actions (typing, a click that may become a
        // double click, a modifier press): far older ones are forgotten, so that a long
        // session's memory does not grow with every action (ids increase; a Map keeps order).
        for (const id of this.rowIds.keys()) {
          if (id >= op.id - ROWS_KEPT) break;
          this.rowIds.delete(id);
        }
      } else {
        const row = this.rowIds.get(op.id);
        if (!row) continue;
        if (op.op === 'update') {
          const action = op.action;
          this.enqueue(async () => {
            const id = await row;
            if (id !== null) this.o.lib.updateAction(id, { action: this.mask(action) });
          });
        } else {
          this.rowIds.delete(op.id);
          this.enqueue(async () => {
            const id = await row;
            if (id !== null) {
              this.o.lib.removeAction(id);
              this.removedRows.add(id);
            }
          });
        }
      }
    }
  }

  private enqueue<T>(work: () => Promise<T>): Promise<T | null> {
    const result = this.queue.then(work).catch((err: unknown) => {
      if (isDiskFull(err)) this.onDiskFull();
      this.errors.push(err instanceof Error ? err : new Error(String(err)));
      return null;
    });
    this.queue = result.then(() => undefined);
    return result;
  }

  private persistFrame(ref: FrameRef<F>): Promise<number> {
    if ('pending' in ref) return ref.pending.then((frame) => this.persistFrame(frame));
    const frame = ref;
    let row = this.frameRows.get(frame.id);
    if (!row) {
      row = this.writeFrame(frame);
      // A frame that failed to write is retried by the next action that needs it.
      row.catch(() => this.frameRows.delete(frame.id));
      this.frameRows.set(frame.id, row);
      // Frames older than the latest are not needed again once written.
      for (const id of this.frameRows.keys()) if (id < frame.id - 50) this.frameRows.delete(id);
    }
    return row;
  }

  private async writeFrame(frame: F): Promise<number> {
    const { lib, recordingId } = this.o;
    const format = this.o.frameFormat ?? 'png';
    const ext = format === 'jpeg' ? 'jpg' : format;
    const abs = path.join(lib.recordingDir(recordingId), `${frame.capturedAt}-${frame.id}.${ext}`);
    const written = await this.o.writeFrame(frame, abs, format);
    return lib.addFrameRow(recordingId, lib.relativePath(abs), {
      format,
      width: written.width,
      height: written.height,
      bytes: written.bytes,
      sha256: written.sha256,
      capturedAt: frame.capturedAt,
    }).id;
  }

  private async writeRedactedFrame(width: number, height: number, time: number): Promise<number> {
    const { lib, recordingId } = this.o;
    const abs = path.join(lib.recordingDir(recordingId), `${time}-redacted-${this.seq + 1}.png`);
    const written = await this.o.writeRedacted(width, height, abs);
    return lib.addFrameRow(recordingId, lib.relativePath(abs), {
      format: 'png',
      width,
      height,
      bytes: written.bytes,
      sha256: written.sha256,
      redacted: true,
      capturedAt: time,
    }).id;
  }

  private isRedacted(context: ElementAtPoint | null): boolean {
    if (!context) return false;
    const apps = this.o.privacy?.excludedApps ?? [];
    const titles = this.o.privacy?.excludedTitles ?? [];
    const app = context.appName.toLowerCase();
    return apps.some((a) => a && app.includes(a.toLowerCase())) || titles.some((t) => t.test(context.windowTitle));
  }

  /** Typing into a password field is stored masked (the element is the last one clicked). */
  private mask(action: Action): Action {
    if (action.kind !== 'type' || !this.lastContext?.role.toLowerCase().includes('password')) return action;
    return { kind: 'type', text: MASK };
  }

  private async commitAdd(
    action: Action,
    time: number,
    frame: Promise<number> | null,
    element: Promise<ElementAtPoint | null> | null,
  ): Promise<number> {
    const { lib, recordingId } = this.o;
    const ownTitles = this.o.ownWindowTitles ?? [];
    const privacy =
      (this.o.privacy?.excludedApps?.length ?? 0) + (this.o.privacy?.excludedTitles?.length ?? 0) + ownTitles.length >
      0;
    // Only privacy decisions wait for accessibility: whether the frame may be stored (excluded
    // applications, the app's own window) and whether typed text goes into a password field.
    // Otherwise the row is committed as soon as its frame is on disk and the element is filled in later.
    const context = privacy || action.kind === 'type' ? await (element ?? this.context) : this.lastContext;
    const ownWindow = context !== null && ownTitles.some((t) => t.test(context.windowTitle));
    let frameId: number | null = null;
    if (frame) {
      if (ownWindow || this.isRedacted(context)) {
        // The encoded frame may already be on disk; it simply gets no row.
        const live = this.o.frames.latest();
        frameId = await this.writeRedactedFrame(live?.width ?? 1, live?.height ?? 1, time);
      } else {
        try {
          frameId = await frame;
        } catch (err) {
          if (!isDiskFull(err)) throw err;
          // No room for the frame: the action itself (a row of a few hundred bytes) may still fit.
          this.onDiskFull();
        }
      }
    }
    const row = lib.appendAction(recordingId, {
      seq: ++this.seq,
      time,
      action: this.mask(action),
      frameId,
      windowTitle: context?.windowTitle ?? null,
      appName: context?.appName ?? null,
      ...(ownWindow ? { extra: { ownWindow: true } } : {}),
    });
    this.o.onCommitted?.(row.id, row.action, this.now() - time);
    if (element) {
      void element.then((found) => {
        if (!found) return;
        this.enqueue(async () => {
          const patch: ActionPatch = {
            element: { name: found.name, rect: found.rect, role: found.role },
            windowTitle: found.windowTitle,
            appName: found.appName,
          };
          if (!this.removedRows.has(row.id)) lib.updateAction(row.id, patch);
        });
      });
      this.pendingElements.add(element);
      void element.finally(() => this.pendingElements.delete(element));
    }
    return row.id;
  }
}
