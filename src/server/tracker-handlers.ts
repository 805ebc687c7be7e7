import type { TrackerStateDto } from '../api/contract.js';
import type { Rect } from '../core/actions.js';
import type { RecordingOutcome, TrackerMode } from '../core/vocabulary.js';
import type { Library } from '../library/library.js';
import type { LiveRecording } from '../tracker/live-recording.js';
import { counters, describeRecording, discardRecording, keepInterrupted, TaskCursor } from '../tracker/sessions.js';
import { type BackendContext, type HandlersOf, recordingDto, taskDto } from './context.js';

export type { TrackerMode } from '../core/vocabulary.js';

/** What the tracker asks of the live recorder it starts. */
export interface LiveStart {
  mode: TrackerMode;
  taskId: number | undefined;
  /** The recorder's own hooks saw the stop chord. */
  onStopHotkey: () => void;
  /** A row was committed (drives the live action counter). */
  onCommitted: () => void;
  /** Window titles of the app itself (`pcagent ui --web`): see `RecorderOptions.ownWindowTitles`. */
  ownWindowTitles: readonly RegExp[];
}

/** What the tracker uses of a live recording (`startLiveRecording` returns all of it and more). */
export type LiveSession = Pick<LiveRecording, 'recording' | 'pause' | 'resume' | 'stop'> & {
  readonly recorder: Pick<LiveRecording['recorder'], 'setOwnWindow'>;
};

/** Starts the live recorder; the default is the real one (X11 with RECORD, or Windows/macOS). */
export type StartLive = (lib: Library, start: LiveStart) => Promise<LiveSession>;

const defaultStartLive: StartLive = async (lib, start) => {
  const [{ startLiveRecording }, { readSettings, recordingRules }] = await Promise.all([
    import('../tracker/live-recording.js'),
    import('../library/settings.js'),
  ]);
  // Read at each start, so a change on the Settings screen applies to the next recording.
  const { privacy, stopHotkey } = recordingRules(readSettings(lib.home));
  return startLiveRecording({
    lib,
    start: { mode: start.mode, taskId: start.taskId },
    privacy,
    stopHotkey,
    onStopHotkey: start.onStopHotkey,
    onCommitted: start.onCommitted,
    ownWindowTitles: start.ownWindowTitles,
  });
};

/** At most this often a `tracker` event carries a new live action count. */
const LIVE_COUNT_INTERVAL_MS = 250;

export interface TrackerOptions {
  startLive?: StartLive;
  ownWindowTitles?: readonly RegExp[];
}

export interface TrackerService {
  readonly handlers: HandlersOf<'tracker'>;
  state(): TrackerStateDto;
  /** Ends a live recording (the stop hotkey, the tray, quitting); nothing when none runs. */
  stopLive(outcome?: RecordingOutcome): Promise<void>;
  /** Pauses or resumes the live recording (the tray); nothing when none runs. */
  setPaused(paused: boolean): void;
  /**
   * One of the app's own windows (Electron's id) is visible at `rect` (screen pixels, as the
   * input hooks report them), or hidden (null): clicks there are never recorded. Kept across
   * recordings, so a window shown before a recording starts is excluded from it too.
   */
  setOwnWindow(id: number, rect: Rect | null): void;
}

/**
 * The annotator's flow (SPEC §2.1): the given-task cursor, one live recording at a time, and
 * what happens to a recording after it ends (describe, edit, discard).
 */
export function trackerService(ctx: BackendContext, options: TrackerOptions = {}): TrackerService {
  const { lib } = ctx;
  const startLive = options.startLive ?? defaultStartLive;
  const cursor = new TaskCursor(lib);
  const ownWindows = new Map<number, Rect>();
  let live: LiveSession | null = null;
  let releaseScreen = () => {};
  let liveMode: TrackerMode = 'non-task';
  let paused = false;
  let countTimer: NodeJS.Timeout | null = null;

  const state = (): TrackerStateDto => {
    const task = cursor.current();
    const recent = lib
      .listRecordings({ kind: 'human', stage: 'raw' })
      // Interrupted ones too: the user decides to keep them as finished or discard them.
      .filter((r) => r.status === 'finished' || r.status === 'failed' || r.status === 'interrupted')
      .sort((a, b) => b.startedAt - a.startedAt || b.id - a.id)
      .slice(0, 20)
      .map((r) => recordingDto(lib, r));
    return {
      task: task && taskDto(task),
      openTasks: lib.listTasks('open').length,
      counters: counters(lib),
      live: live && {
        id: live.recording.id,
        mode: liveMode,
        status: paused ? 'paused' : 'recording',
        startedAt: live.recording.startedAt,
        actions: lib.countActions(live.recording.id),
      },
      recent,
    };
  };

  const changed = (recordingId: number | null): TrackerStateDto => {
    ctx.libraryChanged(recordingId);
    return state();
  };

  /** Throttled: a burst of typing gives a few events, not one per row. */
  const actionCommitted = () => {
    if (countTimer || !live) return;
    countTimer = setTimeout(() => {
      countTimer = null;
      if (live) ctx.emit('tracker', state());
    }, LIVE_COUNT_INTERVAL_MS);
    countTimer.unref();
  };

  // Idempotent: the recorder's hooks, Electron's global shortcut, the tray and the page may all
  // ask to stop the same recording; the first call takes it (and its outcome), later ones wait
  // for that stop to be saved — so quitting right after the hotkey never closes the library
  // under a recording still being flushed.
  let stopping: Promise<void> = Promise.resolve();
  const stopLive = (outcome: RecordingOutcome = 'finished'): Promise<void> => {
    if (!live) return stopping;
    const current = live;
    live = null;
    paused = false;
    if (countTimer) clearTimeout(countTimer);
    countTimer = null;
    stopping = current
      .stop(outcome)
      .then((saved) => void changed(saved.id))
      .finally(releaseScreen);
    return stopping;
  };

  const setOwnWindow = (id: number, rect: Rect | null) => {
    if (rect) ownWindows.set(id, rect);
    else if (!ownWindows.delete(id)) return;
    live?.recorder.setOwnWindow(id, rect);
  };

  const setPaused = (pause: boolean) => {
    if (!live || paused === pause) return;
    if (pause) live.pause();
    else live.resume();
    paused = pause;
    changed(live.recording.id);
  };

  ctx.onClose(() => stopLive('finished').catch(() => {}));

  const handlers: HandlersOf<'tracker'> = {
    'tracker.state': () => state(),
    'tracker.next': () => {
      cursor.next();
      return changed(null);
    },
    'tracker.previous': () => {
      cursor.previous();
      return changed(null);
    },
    'tracker.bad': ({ taskId }) => {
      cursor.markBad(taskId);
      return changed(null);
    },
    'tracker.start': async ({ mode, taskId }) => {
      if (live) throw new Error(`recording ${live.recording.id} is still running: finish it first`);
      if (mode === 'given' && taskId === undefined) taskId = cursor.current()?.id;
      const release = ctx.claimScreen('a live recording');
      let started: LiveSession;
      try {
        started = await startLive(lib, {
          mode,
          taskId,
          onStopHotkey: () => {
            stopLive('finished').catch((err: unknown) =>
              ctx.emit('notice', { level: 'error', message: (err as Error).message }),
            );
          },
          onCommitted: actionCommitted,
          ownWindowTitles: options.ownWindowTitles ?? [],
        });
      } catch (err) {
        release();
        throw new Error(`cannot start recording: ${(err as Error).message}`);
      }
      releaseScreen = release;
      live = started;
      liveMode = mode;
      paused = false;
      for (const [id, rect] of ownWindows) started.recorder.setOwnWindow(id, rect);
      return changed(started.recording.id);
    },
    'tracker.pause': () => {
      if (!live) throw new Error('no recording is running');
      setPaused(true);
      return state();
    },
    'tracker.resume': () => {
      if (!live) throw new Error('no recording is running');
      setPaused(false);
      return state();
    },
    'tracker.finish': async ({ outcome }) => {
      if (!live) throw new Error('no recording is running');
      await stopLive(outcome);
      return state();
    },
    'tracker.describe': ({ id, description, level }) => {
      const r = recordingDto(lib, describeRecording(lib, id, description, level));
      changed(id);
      return r;
    },
    'tracker.discard': ({ id }) => {
      if (live?.recording.id === id) throw new Error(`recording ${id} is running: finish it first`);
      const r = recordingDto(lib, discardRecording(lib, id));
      changed(id);
      return r;
    },
    'tracker.keepInterrupted': ({ id }) => {
      const r = recordingDto(lib, keepInterrupted(lib, id));
      changed(id);
      return r;
    },
  };
  return { handlers, state, stopLive, setPaused, setOwnWindow };
}
