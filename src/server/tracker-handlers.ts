import type { TrackerStateDto } from '../api/contract.js';
import type { Library } from '../library/library.js';
import type { LiveRecording } from '../tracker/live-recording.js';
import { counters, describeRecording, discardRecording, TaskCursor } from '../tracker/sessions.js';
import { type BackendContext, type HandlersOf, recordingDto, taskDto } from './context.js';

export type TrackerMode = 'given' | 'free' | 'non-task';

/** Starts the live recorder; the default is the real one (X11 with RECORD, or Windows/macOS). */
export type StartLive = (
  lib: Library,
  mode: TrackerMode,
  taskId: number | undefined,
  onStopHotkey: () => void,
) => Promise<LiveRecording>;

const defaultStartLive: StartLive = async (lib, mode, taskId, onStopHotkey) => {
  const [{ startLiveRecording }, { readSettings, recordingRules }] = await Promise.all([
    import('../tracker/live-recording.js'),
    import('../library/settings.js'),
  ]);
  // Read at each start, so a change on the Settings screen applies to the next recording.
  const { privacy, stopHotkey } = recordingRules(readSettings(lib.home));
  return startLiveRecording({ lib, start: { mode, taskId }, privacy, stopHotkey, onStopHotkey });
};

export interface TrackerService {
  readonly handlers: HandlersOf<'tracker'>;
  state(): TrackerStateDto;
  /** Ends a live recording (the stop hotkey, the tray, quitting); nothing when none runs. */
  stopLive(outcome?: 'finished' | 'failed'): Promise<void>;
  /** Pauses or resumes the live recording (the tray); nothing when none runs. */
  setPaused(paused: boolean): void;
}

/**
 * The annotator's flow (SPEC §2.1): the given-task cursor, one live recording at a time, and
 * what happens to a recording after it ends (describe, edit, discard).
 */
export function trackerService(ctx: BackendContext, startLive: StartLive = defaultStartLive): TrackerService {
  const { lib } = ctx;
  const cursor = new TaskCursor(lib);
  let live: LiveRecording | null = null;
  let liveMode: TrackerMode = 'non-task';
  let paused = false;

  const state = (): TrackerStateDto => {
    const task = cursor.current();
    const recent = lib
      .listRecordings({ kind: 'human', stage: 'raw' })
      .filter((r) => r.status === 'finished' || r.status === 'failed')
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
      },
      recent,
    };
  };

  const changed = (recordingId: number | null): TrackerStateDto => {
    ctx.libraryChanged(recordingId);
    return state();
  };

  const stopLive = async (outcome: 'finished' | 'failed' = 'finished') => {
    if (!live) return;
    const current = live;
    live = null;
    paused = false;
    const saved = await current.stop(outcome);
    changed(saved.id);
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
      let started: LiveRecording;
      try {
        started = await startLive(lib, mode, taskId, () => {
          stopLive('finished').catch((err: unknown) =>
            ctx.emit('notice', { level: 'error', message: (err as Error).message }),
          );
        });
      } catch (err) {
        throw new Error(`cannot start recording: ${(err as Error).message}`);
      }
      live = started;
      liveMode = mode;
      paused = false;
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
  };
  return { handlers, state, stopLive, setPaused };
}
