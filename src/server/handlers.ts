import type { ApiEventName, ApiEvents, ApiHandlers, ApiMethod, ApiOutput } from '../api/contract.js';
import { ApiValidationError, validate } from '../api/contract.js';
import type { Rect } from '../core/actions.js';
import type { RecordingOutcome } from '../core/vocabulary.js';
import type { Library } from '../library/library.js';
import { agentHandlers } from './agent-handlers.js';
import type { BackendContext, EventListener } from './context.js';
import { evalHandlers } from './eval-handlers.js';
import { libraryHandlers } from './library-handlers.js';
import { pipelineHandlers } from './pipeline-handlers.js';
import { settingsHandlers } from './settings-handlers.js';
import { type StartLive, trackerService } from './tracker-handlers.js';

/**
 * The services behind the API contract, shared by both transports (Electron IPC and the
 * `pcagent ui --web` server). Each area lives in its own module (`*-handlers.ts`); this one
 * composes them, validates every call and fans events out to the transport.
 */
export interface Backend {
  readonly lib: Library;
  /** Validates `input` against the contract, then runs the handler. */
  call(method: string, input: unknown): Promise<unknown>;
  /** The absolute path of a frame file, for the transport to serve. */
  framePath(frameId: number): { file: string; format: string };
  on(listener: EventListener): () => void;
  /** Stops a live recording (the stop hotkey, the tray, quitting). */
  stopLive(outcome?: RecordingOutcome): Promise<void>;
  /** Pauses or resumes a live recording (the tray). */
  setRecordingPaused(paused: boolean): void;
  /** The app's own window `id` is visible at `rect` (input-hook pixels) or hidden (null): never recorded. */
  setOwnWindow(id: number, rect: Rect | null): void;
  close(): Promise<void>;
}

export interface BackendOptions {
  /** Starts the live recorder; default: the real one (needs X11 with RECORD, or Windows/macOS). */
  startLive?: StartLive;
  /**
   * Window titles of the app itself where it has no window of its own to exclude by id: the
   * browser tab of `pcagent ui --web` (see `APP_WINDOW_TITLE`).
   */
  ownWindowTitles?: readonly RegExp[];
  /** The environment the agent reads (DISPLAY, PCAGENT_PLANNER_*); default process.env. */
  env?: NodeJS.ProcessEnv;
}

/**
 * A browser window showing the app's page: the page's title "PC Agent", alone (Electron) or
 * followed by the browser's name ("PC Agent - Chromium", "PC Agent — Mozilla Firefox").
 */
export const APP_WINDOW_TITLE = /^PC Agent( [-–—] .*)?$/;

/** Errors a handler raises that the user should see as they are (not as an internal failure). */
export function errorKind(err: unknown): string {
  if (err instanceof ApiValidationError) return 'invalid-input';
  const name = (err as { name?: unknown })?.name;
  const code = (err as { code?: unknown })?.code;
  if (name === 'LibraryError' && typeof code === 'string') return code;
  return typeof name === 'string' ? name : 'Error';
}

export function createBackend(lib: Library, options: BackendOptions = {}): Backend {
  const listeners = new Set<EventListener>();
  const closers: (() => Promise<void> | void)[] = [];
  const emit = <E extends ApiEventName>(event: E, payload: ApiEvents[E]) => {
    for (const l of listeners) l(event, payload);
  };
  // The tracker's state is part of "the library changed": counters and recent recordings move.
  let tracker: ReturnType<typeof trackerService> | null = null;
  let screenOwner: string | null = null;
  const ctx: BackendContext = {
    lib,
    emit,
    libraryChanged(recordingId) {
      if (tracker) emit('tracker', tracker.state());
      emit('library', { recordingId });
    },
    onClose: (fn) => void closers.push(fn),
    claimScreen(owner) {
      if (screenOwner !== null) throw new Error(`${screenOwner} is using the screen: end it first`);
      screenOwner = owner;
      return () => {
        if (screenOwner === owner) screenOwner = null;
      };
    },
  };
  tracker = trackerService(ctx, { startLive: options.startLive, ownWindowTitles: options.ownWindowTitles });
  const handlers: ApiHandlers = {
    ...libraryHandlers(ctx),
    ...tracker.handlers,
    ...pipelineHandlers(ctx),
    ...agentHandlers(ctx, options.env),
    ...evalHandlers(ctx, options.env),
    ...settingsHandlers(ctx),
  };
  const t = tracker;

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
    stopLive: (outcome) => t.stopLive(outcome),
    setRecordingPaused: (paused) => t.setPaused(paused),
    setOwnWindow: (id, rect) => t.setOwnWindow(id, rect),
    async close() {
      for (const fn of closers.reverse()) await fn();
      listeners.clear();
    },
  };
}
