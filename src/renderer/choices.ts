/**
 * The app's drop-down choices. The words come from the core vocabulary (the same lists as the
 * API's zod enums and the CLI's `.choices()`); only the labels are the renderer's, and a label
 * map typed by the word list makes the compiler ask for a label whenever a word is added.
 */
import {
  EXPORT_FORMATS,
  type ExportFormat,
  GROUNDER_NAMES,
  type GrounderName,
  PLANNER_PROFILES,
  type PlannerProfile,
  RECORDING_KINDS,
  RECORDING_STATUSES,
  REPLAY_MODES,
  type ReplayMode,
  TASK_LEVELS,
  TRACKER_MODES,
  type TrackerMode,
} from '../core/vocabulary.js';
import type { Option } from './components/Select.js';

/** A drop-down option whose value is a word of a list. */
export type Choice<T extends string = string> = Option & { value: T };

/** One option per word of `list`, in the list's order, labelled by `labels` (the word itself by default). */
export function choicesOf<T extends string>(list: readonly T[], labels?: Readonly<Record<T, string>>): Choice<T>[] {
  return list.map((value) => ({ value, label: labels?.[value] ?? value }));
}

/** The agent's grounders (Agent console, Settings → Grounder). */
export const GROUNDER_CHOICES = choicesOf<GrounderName>(GROUNDER_NAMES, {
  auto: 'auto — a11y, OCR, picture (replay), VLM in turn',
  a11y: 'a11y — the live accessibility tree',
  ocr: 'ocr — on-device text (PP-OCR)',
  visual: 'visual — the recorded picture (replay)',
  vlm: 'vlm — pointing model (Settings → Grounder)',
  omniparser: 'omniparser — icon detector + OCR',
});
/** The grounder the app proposes before the settings are read (the CLI's default too). */
export const DEFAULT_GROUNDER: GrounderName = 'auto';

export const PLANNER_PROFILE_CHOICES = choicesOf<PlannerProfile>(PLANNER_PROFILES, {
  generic: 'generic (GPT-4o-class models, default)',
  'pc-agent': 'pc-agent (the released PC Agent planner)',
  'ui-tars': 'ui-tars (UI-TARS 1.5: plans and points)',
});

/** The tracker's task modes (SPEC §2.1). */
export const TRACKER_MODE_LABELS: Readonly<Record<TrackerMode, string>> = {
  given: 'Given task',
  free: 'Free task',
  'non-task': 'Non-task',
};
export const TRACKER_MODE_CHOICES = choicesOf(TRACKER_MODES, TRACKER_MODE_LABELS);

export const REPLAY_MODE_CHOICES = choicesOf<ReplayMode>(REPLAY_MODES, {
  semantic: 'semantic (find each clicked element again)',
  coordinates: 'coordinates (the recorded points, scaled)',
});

export const EXPORT_FORMAT_CHOICES = choicesOf<ExportFormat>(EXPORT_FORMATS, {
  html: 'html (one viewer page per recording)',
  'pc-tracker': 'pc-tracker (interchange folder)',
  sharegpt: 'sharegpt (LLaMA-Factory JSONL + images)',
  parquet: 'parquet (Hugging Face dataset)',
});

/** A filter or an optional field: `''` stands for "any" / "none". */
const withEmpty = (label: string, choices: Choice[]): Choice[] => [{ value: '', label }, ...choices];

export const LEVEL_CHOICES = withEmpty('—', choicesOf(TASK_LEVELS));
export const KIND_FILTER_CHOICES = withEmpty('all', choicesOf(RECORDING_KINDS));
export const STATUS_FILTER_CHOICES = withEmpty('any (not discarded)', choicesOf(RECORDING_STATUSES));
