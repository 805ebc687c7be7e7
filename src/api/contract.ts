import { z } from 'zod';

/**
 * The one typed API between the app's back end (Electron main, or the `pcagent ui --web`
 * server) and the renderer. Every method has a zod schema for its input, checked at runtime on
 * every call in both transports, and an output type. The renderer reaches the back end through
 * `ApiTransport` only. Types and schemas only: this module is bundled into the renderer.
 */

// ---------------------------------------------------------------------------------------------
// Data shapes the API returns (plain JSON; mirrors of the library's records).

export type RecordingKind = 'human' | 'agent';
export type RecordingMode = 'given' | 'free' | 'non-task' | 'run' | 'replay';
export type RecordingStage = 'raw' | 'refined';
export type RecordingStatus = 'recording' | 'paused' | 'finished' | 'failed' | 'discarded';
export type TaskLevel = 'easy' | 'medium' | 'hard';
export type TaskStatus = 'open' | 'finished' | 'bad';
export type TrackerMode = 'given' | 'free' | 'non-task';

export interface TaskDto {
  id: number;
  description: string;
  level: TaskLevel | null;
  category: string | null;
  status: TaskStatus;
}

export interface RecordingDto {
  id: number;
  kind: RecordingKind;
  mode: RecordingMode;
  stage: RecordingStage;
  name: string;
  taskId: number | null;
  description: string | null;
  level: TaskLevel | null;
  status: RecordingStatus;
  startedAt: number;
  endedAt: number | null;
  source: string;
  parentId: number | null;
  actions: number;
}

export interface FrameDto {
  id: number;
  width: number;
  height: number;
  role: 'screen' | 'marked';
}

export interface StepDto {
  seq: number;
  time: number;
  /** The action in its recorded text form (SPEC §2.2), e.g. `click (12, 34)`. */
  action: string;
  kind: string;
  element: { name: string; role?: string } | null;
  windowTitle: string | null;
  appName: string | null;
  description: string | null;
  thought: string | null;
  frame: FrameDto | null;
  markedFrame: FrameDto | null;
}

export interface TrajectoryDto {
  recording: RecordingDto;
  steps: StepDto[];
}

export interface CountersDto {
  givenFinished: number;
  freeFinished: number;
  givenOpen: number;
  givenBad: number;
}

export interface TrackerStateDto {
  /** The given task under the cursor, or null when no open task is left. */
  task: TaskDto | null;
  openTasks: number;
  counters: CountersDto;
  /** The live recording, when one runs. */
  live: { id: number; mode: TrackerMode; status: 'recording' | 'paused'; startedAt: number } | null;
  /** Human recordings that ended recently (newest first): to describe, edit or discard. */
  recent: RecordingDto[];
}

export interface SettingsDto {
  /** The data directory this back end uses. */
  home: string;
  completion: { endpoint: string | null; model: string | null; hasApiKey: boolean };
}

export interface ImportReportDto {
  imported: { id: number; name: string; actions: number; frames: number }[];
  alreadyImported: { id: number; name: string }[];
  tasks: { added: number; skipped: number };
}

export interface AgentStateDto {
  available: boolean;
  /** Why the agent cannot run from the app (yet), in words. */
  reason: string | null;
}

// ---------------------------------------------------------------------------------------------
// Input schemas: one per method.

const Id = z.number({ error: 'expected a number' }).int('expected a whole number').positive('expected an id ≥ 1');
const Empty = z.object({}).strict();
const Level = z.enum(['easy', 'medium', 'hard']);
const Text = (max: number) => z.string().trim().min(1, 'cannot be empty').max(max, `at most ${max} characters`);

export const inputSchemas = {
  'library.listRecordings': z
    .object({
      kind: z.enum(['human', 'agent']).optional(),
      status: z.enum(['recording', 'paused', 'finished', 'failed', 'discarded']).optional(),
      stage: z.enum(['raw', 'refined']).optional(),
    })
    .strict(),
  'library.getTrajectory': z.object({ id: Id }).strict(),
  'library.listTasks': z.object({ status: z.enum(['open', 'finished', 'bad']).optional() }).strict(),
  'tracker.state': Empty,
  'tracker.next': Empty,
  'tracker.previous': Empty,
  'tracker.bad': z.object({ taskId: Id }).strict(),
  'tracker.start': z
    .object({
      mode: z.enum(['given', 'free', 'non-task']),
      taskId: Id.optional(),
    })
    .strict(),
  'tracker.finish': z.object({ outcome: z.enum(['finished', 'failed']) }).strict(),
  'tracker.describe': z.object({ id: Id, description: Text(4000), level: Level.optional() }).strict(),
  'tracker.discard': z.object({ id: Id }).strict(),
  'pipeline.importFolder': z.object({ dir: Text(4096) }).strict(),
  'agent.state': Empty,
  'agent.run': z.object({ task: Text(4000) }).strict(),
  'settings.get': Empty,
  'settings.set': z
    .object({
      completion: z
        .object({
          endpoint: z
            .string()
            .trim()
            .max(2048)
            .refine((s) => s === '' || /^https?:\/\/[^\s]+$/.test(s), 'expected an http(s) URL')
            .optional(),
          model: z.string().trim().max(256).optional(),
          /** Write-only: never returned. An empty string removes the stored key. */
          apiKey: z.string().trim().max(4096).optional(),
        })
        .strict(),
    })
    .strict(),
} as const;

export type ApiMethod = keyof typeof inputSchemas;
export const API_METHODS = Object.keys(inputSchemas) as ApiMethod[];

export type ApiInput<M extends ApiMethod> = z.input<(typeof inputSchemas)[M]>;
/** The input after validation (trimmed strings). */
export type ApiParsedInput<M extends ApiMethod> = z.output<(typeof inputSchemas)[M]>;

export interface ApiOutputs {
  'library.listRecordings': RecordingDto[];
  'library.getTrajectory': TrajectoryDto;
  'library.listTasks': TaskDto[];
  'tracker.state': TrackerStateDto;
  'tracker.next': TrackerStateDto;
  'tracker.previous': TrackerStateDto;
  'tracker.bad': TrackerStateDto;
  'tracker.start': TrackerStateDto;
  'tracker.finish': TrackerStateDto;
  'tracker.describe': RecordingDto;
  'tracker.discard': RecordingDto;
  'pipeline.importFolder': ImportReportDto;
  'agent.state': AgentStateDto;
  'agent.run': AgentStateDto;
  'settings.get': SettingsDto;
  'settings.set': SettingsDto;
}
export type ApiOutput<M extends ApiMethod> = ApiOutputs[M];

/** What the back end implements: one handler per method, called with validated input. */
export type ApiHandlers = { [M in ApiMethod]: (input: ApiParsedInput<M>) => Promise<ApiOutput<M>> | ApiOutput<M> };

// ---------------------------------------------------------------------------------------------
// Events pushed from the back end (IPC events in Electron, server-sent events on the web).

export interface ApiEvents {
  /** The tracker's state changed (recording started/stopped, tasks, counters). */
  tracker: TrackerStateDto;
  /** The library changed (a recording was added, described or discarded). */
  library: { recordingId: number | null };
  /** Something the user should see that did not come from their own call (e.g. the stop hotkey). */
  notice: { level: 'info' | 'error'; message: string };
}
export type ApiEventName = keyof ApiEvents;
export const API_EVENTS: readonly ApiEventName[] = ['tracker', 'library', 'notice'];

// ---------------------------------------------------------------------------------------------
// Validation.

export function isApiMethod(name: unknown): name is ApiMethod {
  return typeof name === 'string' && Object.hasOwn(inputSchemas, name);
}

/** A call the contract refuses; `message` is one line naming the method and the bad field. */
export class ApiValidationError extends Error {
  override readonly name = 'ApiValidationError';
  constructor(
    readonly method: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Checks `input` against the method's schema and returns the parsed value. Throws
 * ApiValidationError with one clear line (`tracker.describe: description: cannot be empty`).
 */
export function validate<M extends ApiMethod>(method: M, input: unknown): ApiParsedInput<M>;
export function validate(method: string, input: unknown): unknown;
export function validate(method: string, input: unknown): unknown {
  if (!isApiMethod(method)) throw new ApiValidationError(String(method), `unknown API method "${String(method)}"`);
  const parsed = inputSchemas[method].safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => {
    const where = issue.path.join('.');
    const message =
      issue.code === 'unrecognized_keys'
        ? `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`
        : issue.message;
    return where ? `${where}: ${message}` : message;
  });
  throw new ApiValidationError(method, `${method}: ${issues.join('; ')}`);
}

// ---------------------------------------------------------------------------------------------
// The renderer's side.

/** How the renderer reaches the back end; Electron's preload and the web client both provide it. */
export interface ApiTransport {
  call<M extends ApiMethod>(method: M, input: ApiInput<M>): Promise<ApiOutput<M>>;
  on<E extends ApiEventName>(event: E, listener: (payload: ApiEvents[E]) => void): () => void;
  /** A URL the renderer can put in an <img> for a frame of the library. */
  frameUrl(frameId: number): Promise<string>;
}

/** The JSON envelope both transports use for a reply. */
export type ApiReply<T> = { ok: true; result: T } | { ok: false; error: { message: string; kind: string } };
