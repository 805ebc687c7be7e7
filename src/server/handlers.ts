import fs from 'node:fs';
import path from 'node:path';
import type {
  ApiEventName,
  ApiEvents,
  ApiHandlers,
  ApiMethod,
  ApiOutput,
  FrameDto,
  RecordingDto,
  SettingsDto,
  TaskDto,
  TrackerStateDto,
} from '../api/contract.js';
import { ApiValidationError, validate } from '../api/contract.js';
import { formatAction } from '../core/grammar.js';
import type { Action } from '../core/actions.js';
import type { Frame, Library, Recording, Task } from '../library/library.js';
import { counters, describeRecording, discardRecording, TaskCursor } from '../tracker/sessions.js';
import type { LiveRecording } from '../tracker/live-recording.js';

/**
 * The services behind the API contract, shared by both transports (Electron IPC and the
 * `pcagent ui --web` server). Holds the app's state: the task cursor and the live recording.
 */
export interface Backend {
  readonly lib: Library;
  /** Validates `input` against the contract, then runs the handler. */
  call(method: string, input: unknown): Promise<unknown>;
  /** The absolute path of a frame file, for the transport to serve. */
  framePath(frameId: number): { file: string; format: string };
  on(listener: <E extends ApiEventName>(event: E, payload: ApiEvents[E]) => void): () => void;
  /** Stops a live recording (the stop hotkey, quitting). */
  stopLive(outcome?: 'finished' | 'failed'): Promise<void>;
  close(): Promise<void>;
}

export interface BackendOptions {
  /** Starts the live recorder; default: the real one (needs X11 with RECORD, or Windows/macOS). */
  startLive?: (lib: Library, mode: 'given' | 'free' | 'non-task', taskId: number | undefined) => Promise<LiveRecording>;
}

const SETTINGS_FILE = 'settings.json';

/** Errors a handler raises that the user should see as they are (not as an internal failure). */
export function errorKind(err: unknown): string {
  if (err instanceof ApiValidationError) return 'invalid-input';
  const name = (err as { name?: unknown })?.name;
  const code = (err as { code?: unknown })?.code;
  if (name === 'LibraryError' && typeof code === 'string') return code;
  return typeof name === 'string' ? name : 'Error';
}

function taskDto(t: Task): TaskDto {
  return { id: t.id, description: t.description, level: t.level, category: t.category, status: t.status };
}

function frameDto(f: Frame | null): FrameDto | null {
  return f && { id: f.id, width: f.width, height: f.height, role: f.role };
}

function actionText(action: Action): string {
  for (const form of ['recorded', 'completed', 'planner'] as const) {
    try {
      return formatAction(action, form);
    } catch {
      // try the next form
    }
  }
  return action.kind;
}

export function createBackend(lib: Library, options: BackendOptions = {}): Backend {
  const cursor = new TaskCursor(lib);
  const listeners = new Set<<E extends ApiEventName>(event: E, payload: ApiEvents[E]) => void>();
  let live: LiveRecording | null = null;
  let liveMode: 'given' | 'free' | 'non-task' = 'non-task';

  const emit = <E extends ApiEventName>(event: E, payload: ApiEvents[E]) => {
    for (const l of listeners) l(event, payload);
  };

  const recordingDto = (r: Recording): RecordingDto => ({
    id: r.id,
    kind: r.kind,
    mode: r.mode,
    stage: r.stage,
    name: r.name,
    taskId: r.taskId,
    description: r.description,
    level: r.level,
    status: r.status,
    startedAt: r.startedAt,
    endedAt: r.endedAt,
    source: r.source,
    parentId: r.parentId,
    actions: lib.countActions(r.id),
  });

  const state = (): TrackerStateDto => {
    const task = cursor.current();
    const recent = lib
      .listRecordings({ kind: 'human', stage: 'raw' })
      .filter((r) => r.status === 'finished' || r.status === 'failed')
      .sort((a, b) => b.startedAt - a.startedAt || b.id - a.id)
      .slice(0, 20)
      .map(recordingDto);
    return {
      task: task && taskDto(task),
      openTasks: lib.listTasks('open').length,
      counters: counters(lib),
      live: live && {
        id: live.recording.id,
        mode: liveMode,
        status: lib.getRecording(live.recording.id).status === 'paused' ? 'paused' : 'recording',
        startedAt: live.recording.startedAt,
      },
      recent,
    };
  };

  const changed = (recordingId: number | null): TrackerStateDto => {
    const s = state();
    emit('tracker', s);
    emit('library', { recordingId });
    return s;
  };

  const settingsFile = path.join(lib.home, SETTINGS_FILE);
  const readSettings = (): Record<string, unknown> => {
    try {
      const raw: unknown = JSON.parse(fs.readFileSync(settingsFile, 'utf8'));
      return raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw new Error(`${settingsFile} is not valid JSON: fix or remove it`);
    }
  };
  const settingsDto = (): SettingsDto => {
    const c = (readSettings().completion ?? {}) as Record<string, unknown>;
    const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
    // The key is write-only: only whether one is stored goes back to the renderer.
    return {
      home: lib.home,
      completion: { endpoint: str(c.endpoint), model: str(c.model), hasApiKey: str(c.apiKey) !== null },
    };
  };

  const stopLive = async (outcome: 'finished' | 'failed' = 'finished') => {
    if (!live) return;
    const current = live;
    live = null;
    const saved = await current.stop(outcome);
    changed(saved.id);
  };

  const startLive =
    options.startLive ??
    (async (l: Library, mode: 'given' | 'free' | 'non-task', taskId: number | undefined) => {
      const { startLiveRecording } = await import('../tracker/live-recording.js');
      return startLiveRecording({
        lib: l,
        start: { mode, taskId },
        stopHotkey: ['ctrl', 'shift', 'f12'],
        onStopHotkey: () => {
          stopLive('finished').catch((err: unknown) =>
            emit('notice', { level: 'error', message: (err as Error).message }),
          );
        },
      });
    });

  const handlers: ApiHandlers = {
    'library.listRecordings': (input) =>
      lib
        .listRecordings({ kind: input.kind, status: input.status, stage: input.stage, includeDiscarded: true })
        .filter((r) => input.status !== undefined || r.status !== 'discarded')
        .map(recordingDto),
    'library.getTrajectory': ({ id }) => {
      const recording = lib.getRecording(id);
      const frames = new Map(lib.listFrames(id).map((f) => [f.id, f]));
      const frameOf = (fid: number | null) => {
        if (fid === null) return null;
        const f = frames.get(fid);
        if (f) return f;
        try {
          return lib.getFrame(fid); // shared with the raw recording (refinement)
        } catch {
          return null;
        }
      };
      return {
        recording: recordingDto(recording),
        steps: lib.listActions(id).map((a) => ({
          seq: a.seq,
          time: a.time,
          action: actionText(a.action),
          kind: a.action.kind,
          element: a.element && { name: a.element.name, ...(a.element.role ? { role: a.element.role } : {}) },
          windowTitle: a.windowTitle,
          appName: a.appName,
          description: a.description?.text ?? null,
          thought: a.thought?.text ?? null,
          frame: frameDto(frameOf(a.frameId)),
          markedFrame: frameDto(frameOf(a.markedFrameId)),
        })),
      };
    },
    'library.listTasks': ({ status }) => lib.listTasks(status).map(taskDto),
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
        started = await startLive(lib, mode, taskId);
      } catch (err) {
        throw new Error(`cannot start recording: ${(err as Error).message}`);
      }
      live = started;
      liveMode = mode;
      return changed(started.recording.id);
    },
    'tracker.finish': async ({ outcome }) => {
      if (!live) throw new Error('no recording is running');
      await stopLive(outcome);
      return state();
    },
    'tracker.describe': ({ id, description, level }) => {
      const r = recordingDto(describeRecording(lib, id, description, level));
      changed(id);
      return r;
    },
    'tracker.discard': ({ id }) => {
      if (live?.recording.id === id) throw new Error(`recording ${id} is running: finish it first`);
      const r = recordingDto(discardRecording(lib, id));
      changed(id);
      return r;
    },
    'pipeline.importFolder': async ({ dir }) => {
      const { importTrackerFolder } = await import('../pipeline/pc-tracker/import.js');
      const report = await importTrackerFolder(lib, path.resolve(dir));
      changed(report.imported[0]?.id ?? null);
      return { imported: report.imported, alreadyImported: report.alreadyImported, tasks: report.tasks };
    },
    'agent.state': () => ({
      available: false,
      reason: 'the agent console cannot start runs yet: use `pcagent run TEXT` from a terminal',
    }),
    'agent.run': () => {
      throw new Error('the agent console cannot start runs yet: use `pcagent run TEXT` from a terminal');
    },
    'settings.get': () => settingsDto(),
    'settings.set': ({ completion }) => {
      const all = readSettings();
      const c = { ...((all.completion ?? {}) as Record<string, unknown>) };
      for (const key of ['endpoint', 'model', 'apiKey'] as const) {
        const v = completion[key];
        if (v === undefined) continue;
        if (v === '') delete c[key];
        else c[key] = v;
      }
      all.completion = c;
      const tmp = `${settingsFile}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, `${JSON.stringify(all, null, 2)}\n`, { mode: 0o600 });
      fs.renameSync(tmp, settingsFile);
      return settingsDto();
    },
  };

  return {
    lib,
    async call(method, input) {
      const parsed = validate(method, input);
      const handler = handlers[method as ApiMethod] as (i: unknown) => Promise<ApiOutput<ApiMethod>>;
      return handler(parsed);
    },
    framePath(frameId) {
      const f = lib.getFrame(frameId);
      return { file: lib.absolutePath(f.path), format: f.format };
    },
    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    stopLive,
    async close() {
      await stopLive('finished').catch(() => {});
      listeners.clear();
    },
  };
}
