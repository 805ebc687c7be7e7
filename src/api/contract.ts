import { PLANNER_PROFILES, type PlannerProfile } from '../core/planner-profiles.js';
import type { RecordingFields, TaskFields } from '../core/records.js';
import { REPLAY_STEP_OUTCOMES, type ReplayStop } from '../core/replay-report.js';
import { z } from 'zod';
import {
  EXPORT_FORMATS,
  GROUNDER_NAMES,
  RECORDING_KINDS,
  RECORDING_OUTCOMES,
  RECORDING_STAGES,
  RECORDING_STATUSES,
  REPLAY_MODES,
  TASK_LEVELS,
  TASK_STATUSES,
  TRACKER_MODES,
  type AgentRunStatus,
  type GrounderName,
  type LiveStatus,
  type TrackerMode,
} from '../core/vocabulary.js';

/**
 * The one typed API between the app's back end (Electron main, or the `pcagent ui --web`
 * server) and the renderer. Every method has a zod schema for its input, checked at runtime on
 * every call in both transports, and an output type. The renderer reaches the back end through
 * `ApiTransport` only. Types and schemas only: this module is bundled into the renderer.
 */

// ---------------------------------------------------------------------------------------------
// Data shapes the API returns (plain JSON; mirrors of the library's records).

// The word lists' types are the core vocabulary's; re-exported so that the renderer imports one module.
export type * from '../core/vocabulary.js';

/** A task as the app shows it (the library's task without its list position and file flag). */
export type TaskDto = TaskFields;

/** A recording as the app shows it, with its number of actions. */
export interface RecordingDto extends RecordingFields {
  actions: number;
}

export interface FrameDto {
  id: number;
  width: number;
  height: number;
  role: 'screen' | 'marked';
}

/**
 * A step's timings in ms, as agent runs store them (`extra.agent.timings`): settle (the wait for
 * a still screen, when measured), screenshot, plan, ground, execute. Parsed with this schema when
 * read back from the library: a row written by another version shows no timings, not wrong ones.
 */
export const stepTimingsSchema = z.object({
  settleMs: z.number().nonnegative().optional(),
  screenshotMs: z.number().nonnegative(),
  planMs: z.number().nonnegative(),
  groundMs: z.number().nonnegative(),
  executeMs: z.number().nonnegative(),
});
export type StepTimingsDto = z.infer<typeof stepTimingsSchema>;

/**
 * One replayed step as the replay stores it (`extra.replay`, `ReplayStep` of
 * `src/agents/replay/replay.ts`): what became of it, which grounder found the target and how
 * sure it was, whether its effect was verified or it was retried, the settle time, and the error
 * or the unexpected window that stopped the replay. Parsed with this schema when read back.
 */
export const replayStepSchema = z.object({
  seq: z.number().int(),
  action: z.string(),
  outcome: z.enum(REPLAY_STEP_OUTCOMES),
  description: z.string().optional(),
  point: z.object({ x: z.number(), y: z.number() }).optional(),
  score: z.number().optional(),
  grounder: z.string().optional(),
  verified: z.boolean().optional(),
  retried: z.boolean().optional(),
  settleMs: z.number().nonnegative().optional(),
  window: z.object({ title: z.string(), buttons: z.array(z.string()).optional() }).optional(),
  error: z.string().optional(),
  candidates: z.array(z.object({ text: z.string(), score: z.number(), reason: z.string().optional() })).optional(),
  ms: z.number().nonnegative(),
});
export type ReplayStepDto = z.infer<typeof replayStepSchema>;

/** A replay recording read as a whole: how far it got, how much was verified, where it stopped and why. */
export interface ReplaySummaryDto {
  /** The recording that was replayed. */
  sourceId: number | null;
  mode: string | null;
  grounder: string | null;
  /** Steps stored, and the source's actions (null when the source is gone). */
  steps: number;
  total: number | null;
  found: number;
  verified: number;
  retried: number;
  /** Still running (its status is `recording` or `paused`). */
  running: boolean;
  /** Every step ran and was executed as recorded. */
  completed: boolean;
  stoppedAt: ReplayStop | null;
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
  /** Agent runs: the step's timings. */
  timings: StepTimingsDto | null;
  /** Replays: what became of the step. */
  replay: ReplayStepDto | null;
}

export interface TrajectoryDto {
  recording: RecordingDto;
  steps: StepDto[];
  /** A replay recording (kind `agent`, mode `replay`): its report as a whole. */
  replay: ReplaySummaryDto | null;
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
  /** The live recording, when one runs; `actions` counts the rows committed so far. */
  live: { id: number; mode: TrackerMode; status: LiveStatus; startedAt: number; actions: number } | null;
  /** Human recordings that ended recently (newest first): to describe, edit or discard. */
  recent: RecordingDto[];
}

/** An OpenAI-compatible model server; the API key is write-only (only whether one is stored). */
export interface EndpointDto {
  endpoint: string | null;
  model: string | null;
  hasApiKey: boolean;
}

export interface SettingsDto {
  /** The data directory this back end uses. */
  home: string;
  /** The cognition-completion model (`pcagent complete`). */
  completion: EndpointDto;
  /** The agent's planner (`pcagent run`), its input layout and the file replacing its instructions. */
  planner: EndpointDto & { profile: PlannerProfile; prompt: string | null };
  /** The agent's default grounder; `vlm` uses the grounding endpoint. */
  grounder: { name: GrounderName; vlm: EndpointDto };
  /** What the tracker never stores: frames of these applications / window titles are blacked out. */
  privacy: { excludedApps: string[]; excludedTitles: string[] };
  /** Global shortcuts, in Electron accelerator form (e.g. `CommandOrControl+Shift+F12`). */
  hotkeys: { stopRecording: string; abortAgent: string };
}

export interface ConnectionTestDto {
  ok: boolean;
  /** One line: what was reached (models listed, latency) or why it failed. */
  message: string;
  latencyMs: number | null;
  models: string[];
}

export interface ModelsDto {
  /** The ONNX Runtime execution provider local models run on (cuda, webgpu, cpu), and why. */
  provider: { name: string; detail: string } | null;
  models: { name: string; task: string; installed: boolean; bytes: number | null; path: string | null }[];
}

export interface ImportReportDto {
  imported: { id: number; name: string; actions: number; frames: number }[];
  alreadyImported: { id: number; name: string }[];
  tasks: { added: number; skipped: number };
}

export type JobKind = 'refine' | 'complete' | 'export';
export type JobStatus = 'running' | 'done' | 'failed' | 'cancelled';

/** A long pipeline operation started from the library; progress arrives as `job` events. */
export interface JobDto {
  id: number;
  kind: JobKind;
  /** The recordings it works on. */
  recordingIds: number[];
  status: JobStatus;
  /** Units done / in all (frames, steps or recordings), and what they are. */
  done: number;
  total: number | null;
  unit: string;
  /** One line: what it is doing now, the result, or the error. */
  message: string;
  startedAt: number;
  endedAt: number | null;
  /** Where the output went (export: the folder), or the refined recording's id as text (refine). */
  output: string | null;
}

export interface AgentStepDto {
  index: number;
  thought: string;
  /** The planner form of the action, e.g. `click element: the 'Insert' tab`. */
  action: string;
  grounding: {
    grounder: string;
    target: string;
    found: boolean;
    point: { x: number; y: number } | null;
    score: number | null;
    /** The text of the winning candidate (OCR). */
    text: string | null;
  } | null;
  /** Targets not found before the plan that was executed. */
  notFound: string[];
  frame: FrameDto | null;
  markedFrame: FrameDto | null;
  timings: StepTimingsDto;
  /** A replay's step: what became of it (as the library viewer shows it). */
  replay: ReplayStepDto | null;
}

export interface AgentRunDto {
  /**
   * Grows with every change of the run: a reply and an event can arrive in either order, and
   * the renderer keeps the newest.
   */
  revision: number;
  /** Which kind of run: a new task, or the replay of a recording. */
  kind: 'run' | 'replay';
  task: string;
  status: AgentRunStatus;
  /** Why it ended (or null while it runs). */
  reason: string | null;
  /** The agent recording the run is stored in (null until it exists). */
  recordingId: number | null;
  planner: string | null;
  grounder: string;
  provider: string | null;
  steps: AgentStepDto[];
  startedAt: number;
  endedAt: number | null;
}

export interface AgentStateDto {
  available: boolean;
  /** Why the agent cannot run here (no display, no planner configured), in words. */
  reason: string | null;
  /** The current or last run of this session. */
  run: AgentRunDto | null;
}

/** A task suite (`pcagent eval SUITE`): built in, or read from a folder or file. */
export interface EvalSuiteDto {
  name: string;
  /** What to pass back to `eval.start`: the built-in name, or the suite file's path. */
  spec: string;
  description: string;
  builtIn: boolean;
  tasks: { id: string; level: string; instruction: string }[];
}

export type EvalOutcome = 'success' | 'fail' | 'error';

/** One attempt of a task (× perturbation × repeat): its outcome, why, and the agent recording. */
export interface EvalAttemptDto {
  task: string;
  perturbation: string;
  level: string;
  repeat: number;
  outcome: EvalOutcome;
  /** Why it failed ('' on success). */
  reason: string;
  steps: number;
  recordingId: number | null;
  ms: number;
  checks: { pass: boolean; detail: string }[];
}

export type EvalRunStatus = 'running' | 'done' | 'failed' | 'stopped';

/** The eval run of this session: progress while it runs, the per-task table, the report. */
export interface EvalRunDto {
  /** Grows with every change (a reply and an event can arrive in either order). */
  revision: number;
  status: EvalRunStatus;
  suite: string;
  agent: string;
  /** Attempts in all, and the one running now (`task @ perturbation`), if any. */
  total: number;
  current: string | null;
  attempts: EvalAttemptDto[];
  successes: number;
  /** One line: what it does now, the result, or why it failed. */
  message: string;
  /** The report folder, and report.html in it once written. */
  reportDir: string;
  reportHtml: string | null;
  startedAt: number;
  endedAt: number | null;
}

export interface EvalStateDto {
  /** Whether an eval can run here (a display, LibreOffice), and why not. */
  available: boolean;
  reason: string | null;
  suites: EvalSuiteDto[];
  /** The perturbations the runner offers. */
  perturbations: string[];
  run: EvalRunDto | null;
}

// ---------------------------------------------------------------------------------------------
// Input schemas: one per method.

const Id = z.number({ error: 'expected a number' }).int('expected a whole number').positive('expected an id ≥ 1');
const Empty = z.object({}).strict();
const Level = z.enum(TASK_LEVELS);
const Text = (max: number) => z.string().trim().min(1, 'cannot be empty').max(max, `at most ${max} characters`);
const Url = z
  .string()
  .trim()
  .max(2048)
  .refine((s) => s === '' || /^https?:\/\/[^\s]+$/.test(s), 'expected an http(s) URL');
/** An endpoint's settings; an empty string removes a field; the key is write-only. */
const EndpointInput = z
  .object({
    endpoint: Url.optional(),
    model: z.string().trim().max(256).optional(),
    apiKey: z.string().trim().max(4096).optional(),
  })
  .strict();
const Grounder = z.enum(GROUNDER_NAMES);
/** An Electron accelerator: modifiers and one key joined by `+`. */
const Accelerator = z
  .string()
  .trim()
  .max(100)
  .regex(
    /^((CommandOrControl|CmdOrCtrl|Command|Cmd|Control|Ctrl|Alt|Option|AltGr|Shift|Super|Meta)\+)+([A-Z0-9]|F([1-9]|1[0-9]|2[0-4])|Space|Tab|Escape|Esc|Backspace|Delete|Insert|Home|End|PageUp|PageDown|Up|Down|Left|Right|Enter|Return)$/,
    'expected modifiers and a key, e.g. CommandOrControl+Shift+F12',
  );
const Milliseconds = (max: number) => z.number().int('expected a whole number').min(0).max(max);

export const inputSchemas = {
  'library.listRecordings': z
    .object({
      kind: z.enum(RECORDING_KINDS).optional(),
      status: z.enum(RECORDING_STATUSES).optional(),
      stage: z.enum(RECORDING_STAGES).optional(),
    })
    .strict(),
  'library.getTrajectory': z.object({ id: Id }).strict(),
  'library.listTasks': z.object({ status: z.enum(TASK_STATUSES).optional() }).strict(),
  'tracker.state': Empty,
  'tracker.next': Empty,
  'tracker.previous': Empty,
  'tracker.bad': z.object({ taskId: Id }).strict(),
  'tracker.start': z
    .object({
      mode: z.enum(TRACKER_MODES),
      taskId: Id.optional(),
    })
    .strict(),
  'tracker.pause': Empty,
  'tracker.resume': Empty,
  'tracker.finish': z.object({ outcome: z.enum(RECORDING_OUTCOMES) }).strict(),
  'tracker.describe': z.object({ id: Id, description: Text(4000), level: Level.optional() }).strict(),
  'tracker.discard': z.object({ id: Id }).strict(),
  /** An interrupted recording becomes finished as it stands ("keep as finished"). */
  'tracker.keepInterrupted': z.object({ id: Id }).strict(),
  'pipeline.importFolder': z.object({ dir: Text(4096) }).strict(),
  'pipeline.refine': z.object({ id: Id }).strict(),
  'pipeline.complete': z.object({ id: Id, offline: z.boolean().optional() }).strict(),
  'pipeline.export': z
    .object({
      ids: z.array(Id).min(1, 'choose at least one recording').max(10_000),
      format: z.enum(EXPORT_FORMATS),
      /** A new or empty folder (parquet writes pcagent.parquet in it); relative to the data directory. */
      out: Text(4096),
    })
    .strict(),
  'pipeline.jobs': Empty,
  'pipeline.cancel': z.object({ jobId: Id }).strict(),
  'agent.state': Empty,
  'agent.run': z
    .object({
      task: Text(4000),
      grounder: Grounder.optional(),
      /** Overrides the planner of the settings for this run. */
      planner: z
        .object({
          endpoint: Url.optional(),
          model: z.string().trim().max(256).optional(),
          profile: z.enum(PLANNER_PROFILES).optional(),
        })
        .strict()
        .optional(),
      maxSteps: z.number().int('expected a whole number').min(1).max(1000).optional(),
      settleMs: Milliseconds(600_000).optional(),
    })
    .strict(),
  'agent.replay': z
    .object({
      id: Id,
      grounder: Grounder.optional(),
      mode: z.enum(REPLAY_MODES).optional(),
      settleMs: Milliseconds(600_000).optional(),
    })
    .strict(),
  'agent.pause': Empty,
  'agent.resume': Empty,
  'agent.stop': Empty,
  'eval.state': Empty,
  /** Reads and validates a suite folder or file (the form's "Load"). */
  'eval.suite': z.object({ spec: Text(4096) }).strict(),
  'eval.start': z
    .object({
      /** A built-in suite's name, or a suite folder or file. */
      suite: Text(4096),
      /** Task ids (default: every task). */
      tasks: z.array(Text(200)).max(1000).optional(),
      agent: z.discriminatedUnion('kind', [
        /** Scripted plans: a YAML/JSON file mapping task id → planner actions. */
        z.object({ kind: z.literal('plan'), file: Text(4096) }).strict(),
        /** A planner model; empty fields: the settings (as for `pcagent eval --planner`). */
        z
          .object({
            kind: z.literal('planner'),
            endpoint: Url.optional(),
            model: z.string().trim().max(256).optional(),
          })
          .strict(),
        /** Replays of the library's demonstrations of each task (`pcagent eval --replay`). */
        z.object({ kind: z.literal('replay'), mode: z.enum(REPLAY_MODES) }).strict(),
      ]),
      grounder: Grounder.optional(),
      perturbations: z.array(Text(100)).max(20).optional(),
      repeat: z.number().int('expected a whole number').min(1).max(100).optional(),
    })
    .strict(),
  'eval.stop': Empty,
  'settings.get': Empty,
  'settings.set': z
    .object({
      completion: EndpointInput.optional(),
      planner: EndpointInput.extend({
        profile: z.enum(PLANNER_PROFILES).optional(),
        /** Path of the instructions file; an empty string removes it. */
        prompt: z.string().trim().max(4096).optional(),
      })
        .strict()
        .optional(),
      grounder: z.object({ name: Grounder.optional(), vlm: EndpointInput.optional() }).strict().optional(),
      privacy: z
        .object({
          excludedApps: z.array(Text(200)).max(200).optional(),
          excludedTitles: z
            .array(
              Text(500).refine((t) => {
                try {
                  new RegExp(t, 'i');
                  return true;
                } catch {
                  return false;
                }
              }, 'not a valid regular expression'),
            )
            .max(200)
            .optional(),
        })
        .strict()
        .optional(),
      hotkeys: z
        .object({ stopRecording: Accelerator.optional(), abortAgent: Accelerator.optional() })
        .strict()
        .optional(),
    })
    .strict(),
  'settings.testConnection': z
    .object({
      target: z.enum(['completion', 'planner', 'grounder']),
      /** Test these values instead of the saved ones (the form before saving). */
      endpoint: Url.optional(),
      model: z.string().trim().max(256).optional(),
    })
    .strict(),
  'settings.models': Empty,
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
  'tracker.pause': TrackerStateDto;
  'tracker.resume': TrackerStateDto;
  'tracker.finish': TrackerStateDto;
  'tracker.describe': RecordingDto;
  'tracker.discard': RecordingDto;
  'tracker.keepInterrupted': RecordingDto;
  'pipeline.importFolder': ImportReportDto;
  'pipeline.refine': JobDto;
  'pipeline.complete': JobDto;
  'pipeline.export': JobDto;
  'pipeline.jobs': JobDto[];
  'pipeline.cancel': JobDto;
  'agent.state': AgentStateDto;
  'agent.run': AgentStateDto;
  'agent.replay': AgentStateDto;
  'agent.pause': AgentStateDto;
  'agent.resume': AgentStateDto;
  'agent.stop': AgentStateDto;
  'eval.state': EvalStateDto;
  'eval.suite': EvalSuiteDto;
  'eval.start': EvalStateDto;
  'eval.stop': EvalStateDto;
  'settings.get': SettingsDto;
  'settings.set': SettingsDto;
  'settings.testConnection': ConnectionTestDto;
  'settings.models': ModelsDto;
}
export type ApiOutput<M extends ApiMethod> = ApiOutputs[M];

/** What the back end implements: one handler per method, called with validated input. */
export type ApiHandlers = { [M in ApiMethod]: (input: ApiParsedInput<M>) => Promise<ApiOutput<M>> | ApiOutput<M> };

// ---------------------------------------------------------------------------------------------
// Events pushed from the back end (IPC events in Electron, server-sent events on the web).

export interface ApiEvents {
  /** The tracker's state changed (recording started/paused/stopped, tasks, counters; while recording, at most a few times a second as actions are committed). */
  tracker: TrackerStateDto;
  /** The library changed (a recording was added, described or discarded). */
  library: { recordingId: number | null };
  /** Something the user should see that did not come from their own call (e.g. the stop hotkey). */
  notice: { level: 'info' | 'error'; message: string };
  /** A pipeline job started, progressed or ended. */
  job: JobDto;
  /** The agent run changed: started, a step was done, paused, ended. */
  agent: AgentRunDto;
  /** The eval run changed: an attempt started or ended, the report was written. */
  eval: EvalRunDto;
}
export type ApiEventName = keyof ApiEvents;
export const API_EVENTS: readonly ApiEventName[] = ['tracker', 'library', 'notice', 'job', 'agent', 'eval'];

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
