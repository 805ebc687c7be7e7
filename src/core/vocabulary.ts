/**
 * The project's closed word lists, spelled once. The TypeScript types, the zod enums of the API
 * contract (`src/api/contract.ts`), commander's `.choices()` in `src/cli` and the settings'
 * validation are all derived from these lists, so adding a word here adds it everywhere (and the
 * compiler points at every `switch` that must handle it). The library's SQL CHECK constraints
 * (`src/library/schema.ts`) are migrations and stay spelled out; a test compares them with these.
 */

/** Who produced a recording. */
export const RECORDING_KINDS = ['human', 'agent'] as const;
export type RecordingKind = (typeof RECORDING_KINDS)[number];

/** The tracker's task modes (SPEC §2.1): a given task, a free task described after, or none. */
export const TRACKER_MODES = ['given', 'free', 'non-task'] as const;
export type TrackerMode = (typeof TRACKER_MODES)[number];

/** How a recording came to be: one of the tracker's modes, an agent run, or a replay. */
export const RECORDING_MODES = [...TRACKER_MODES, 'run', 'replay'] as const;
export type RecordingMode = (typeof RECORDING_MODES)[number];

/** raw: as recorded or imported; refined: derived by `pcagent refine` (parentId = the raw one). */
export const RECORDING_STAGES = ['raw', 'refined'] as const;
export type RecordingStage = (typeof RECORDING_STAGES)[number];

/** How a recording ended (the last two of RECORDING_STATUSES before `discarded`). */
export const RECORDING_OUTCOMES = ['finished', 'failed'] as const;
export type RecordingOutcome = (typeof RECORDING_OUTCOMES)[number];

/** While it runs, `recording` / `paused`; then its outcome; or discarded by the user. */
export const LIVE_STATUSES = ['recording', 'paused'] as const;
export type LiveStatus = (typeof LIVE_STATUSES)[number];
/** `interrupted`: its recorder died (crash, kill, power cut, full disk); the committed actions are kept. */
export const RECORDING_STATUSES = [...LIVE_STATUSES, ...RECORDING_OUTCOMES, 'interrupted', 'discarded'] as const;
export type RecordingStatus = (typeof RECORDING_STATUSES)[number];

export const TASK_LEVELS = ['easy', 'medium', 'hard'] as const;
export type TaskLevel = (typeof TASK_LEVELS)[number];

export const TASK_STATUSES = ['open', 'finished', 'bad'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** The file formats of frame images. */
export const FRAME_FORMATS = ['png', 'webp', 'jpeg'] as const;
export type FrameFormat = (typeof FRAME_FORMATS)[number];

/**
 * The agents' grounders (`src/agents/grounding/`): `auto` (the cascade a11y → OCR → visual (replay)
 * → VLM when configured), the live accessibility tree, OCR, the recorded picture (replay), a
 * remote VLM, local OmniParser.
 */
export const GROUNDER_NAMES = ['auto', 'a11y', 'ocr', 'visual', 'vlm', 'omniparser'] as const;
export type GrounderName = (typeof GROUNDER_NAMES)[number];
/** The grounder of run, replay, locate and eval unless one is chosen. */
export const DEFAULT_GROUNDER: GrounderName = 'auto';

/** The planner's prompt and answer conventions (`src/agents/planner/`). */
// Planner profiles live with their sampling rules in ./planner-profiles.ts.
export { PLANNER_PROFILES, type PlannerProfile } from './planner-profiles.js';

/** Replay: re-locate each click's element on screen, or click the recorded coordinates. */
export const REPLAY_MODES = ['semantic', 'coordinates'] as const;
export type ReplayMode = (typeof REPLAY_MODES)[number];

/** Dataset export formats (`src/pipeline/export/`). */
export const EXPORT_FORMATS = ['pc-tracker', 'sharegpt', 'parquet', 'html'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Where local models run (onnxruntime execution providers; `auto` picks the best available). */
export const DEVICES = ['auto', 'cpu', 'cuda', 'webgpu'] as const;
export type Device = (typeof DEVICES)[number];

/** Screen capture backends; `auto` tries them in this order. */
export const CAPTURE_BACKENDS = ['x11', 'nutjs', 'screenshot-desktop'] as const;
export type CaptureBackendName = (typeof CAPTURE_BACKENDS)[number];

/** The states of an agent run (or replay) in the app. */
export const AGENT_RUN_STATUSES = ['starting', 'running', 'paused', 'finished', 'failed', 'stopped'] as const;
export type AgentRunStatus = (typeof AGENT_RUN_STATUSES)[number];

/** Narrows a string (a CLI argument, a settings value) to one word of a list. */
export function isOneOf<const T extends readonly string[]>(list: T, value: unknown): value is T[number] {
  return typeof value === 'string' && (list as readonly string[]).includes(value);
}
