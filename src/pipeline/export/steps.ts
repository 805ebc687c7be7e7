/**
 * The step model every dataset export reads (`pcagent export --format sharegpt|parquet|html`):
 * one recording at a time, its actions in order, each with the task, the typed action, its text
 * in the planner form, the thought, the frame to show and the earlier steps the planner sees.
 *
 * Image choice: the planner sees a plain screenshot at run time, so training exports use the PLAIN
 * frame by default; `marked: true` picks the marked copy (the frame with the red marks that
 * cognition completion saw) where there is one. The HTML viewer always shows marks.
 */
import { type Action, isClick } from '../../core/actions.js';
import { formatAction } from '../../core/grammar.js';
import { frameLookup } from '../../library/frame-lookup.js';
import type { ActionRecord, Frame, Library, Recording } from '../../library/library.js';
import { PLANNER_HISTORY_STEPS, type PlannerStep } from '../../agents/planner/prompt.js';
import { interchangeText } from '../pc-tracker/interchange-text.js';

export { EXPORT_FORMATS, type ExportFormat } from '../../core/vocabulary.js';

export interface StepOptions {
  /** Use the marked frame as the step's image where there is one (default: the plain frame). */
  readonly marked?: boolean;
}

/** An action's text in the planner form, or the recorded form when it has none (`complete: false`). */
export interface PlannerForm {
  readonly text: string;
  /**
   * False when the planner form cannot be written: a click without a description (not yet
   * completed; its recorded form `click (x, y)` stands in) or a raw `press` / `drag to` (not refined).
   */
  readonly complete: boolean;
}

export function plannerForm(action: Action, description: string | null | undefined): PlannerForm {
  if (isClick(action)) {
    const target = description?.trim() || action.target?.trim();
    if (target) return { text: formatAction({ kind: action.kind, target }, 'planner'), complete: true };
    return { text: formatAction(action, 'recorded'), complete: false };
  }
  if (action.kind === 'press' || action.kind === 'drag_to')
    return { text: formatAction(action, 'recorded'), complete: false };
  return { text: formatAction(action, 'planner'), complete: true };
}

export interface ExportStep {
  readonly recording: Recording;
  /** 0-based position in the recording. */
  readonly index: number;
  /** Number of steps of the recording. */
  readonly count: number;
  readonly record: ActionRecord;
  readonly action: Action;
  /** The recording's task description ('' when it has none). */
  readonly task: string;
  /** The action as the interchange format writes it (recorded form; completed form for a bare target). */
  readonly recordedText: string;
  readonly planner: PlannerForm;
  readonly thought: string | null;
  readonly description: string | null;
  /** The image of this step: the plain frame, or the marked one with `marked: true` (null: none). */
  readonly frame: Frame | null;
  readonly plainFrame: Frame | null;
  /** The marked copy, when it differs from the plain frame. */
  readonly markedFrame: Frame | null;
  /** Milliseconds since the recording's first step, and since the previous step. */
  readonly elapsedMs: number;
  readonly deltaMs: number;
  /** The previous ≤ PLANNER_HISTORY_STEPS steps (thought + planner form), oldest first. */
  readonly history: readonly PlannerStep[];
  /** 1-based step number of `history[0]`. */
  readonly historyStart: number;
}

/**
 * The steps of one recording, in order. Loads only that recording's actions and frame rows, so a
 * caller that handles recordings one after the other keeps one recording in memory at a time.
 */
export function recordingSteps(lib: Library, recording: Recording, options: StepOptions = {}): ExportStep[] {
  const actions = lib.listActions(recording.id);
  // A refined recording's unchanged frames are rows of its raw parent: the shared lookup finds them.
  const frameOf = frameLookup(lib, recording.id);
  const task = recording.description?.trim() ?? '';
  const t0 = actions[0]?.time ?? recording.startedAt;
  const done: PlannerStep[] = [];
  return actions.map((record, index) => {
    const description = record.description?.text.trim() || null;
    const thought = record.thought?.text.trim() || null;
    const planner = plannerForm(record.action, description);
    const plainFrame = frameOf(record.frameId);
    const marked = record.markedFrameId !== record.frameId ? frameOf(record.markedFrameId) : null;
    const historyStart = Math.max(0, index - PLANNER_HISTORY_STEPS);
    const step: ExportStep = {
      recording,
      index,
      count: actions.length,
      record,
      action: record.action,
      task,
      recordedText: interchangeText(record.action),
      planner,
      thought,
      description,
      frame: options.marked ? (marked ?? plainFrame) : plainFrame,
      plainFrame,
      markedFrame: marked,
      elapsedMs: record.time - t0,
      deltaMs: index === 0 ? 0 : record.time - actions[index - 1]!.time,
      history: done.slice(historyStart),
      historyStart: historyStart + 1,
    };
    done.push({ thought, action: planner.text });
    return step;
  });
}

/**
 * What `--all` exports: every finished recording (interrupted ones with `includeInterrupted`), each in its most processed form. A raw
 * recording with a complete refined child is exported as that child (not both: they share a
 * name and the child is what training wants); children left incomplete by a crashed refinement
 * are skipped.
 */
export function exportableRecordings(lib: Library, includeInterrupted = false): Recording[] {
  // Interrupted recordings (their recorder died) only when asked for; they count as finished here.
  const finished = lib
    .listRecordings()
    .filter((r) => r.status === 'finished' || (includeInterrupted && r.status === 'interrupted'));
  const complete = (r: Recording): boolean => {
    const refine = r.meta.refine as { complete?: unknown } | undefined;
    return r.stage !== 'refined' || refine?.complete !== false;
  };
  const latestChild = new Map<number, Recording>();
  for (const r of finished) {
    if (r.stage === 'refined' && r.parentId !== null && complete(r)) latestChild.set(r.parentId, r);
  }
  const out: Recording[] = [];
  for (const r of finished) {
    if (r.stage === 'refined') {
      // A child whose raw recording is gone or not finished stands on its own.
      const parentListed = r.parentId !== null && finished.some((p) => p.id === r.parentId && p.stage === 'raw');
      if (complete(r) && !parentListed) out.push(r);
      continue;
    }
    out.push(latestChild.get(r.id) ?? r);
  }
  return out;
}

/** `png`, `webp` or `jpg`: the file extension of a frame. */
export function frameExtension(frame: Frame): string {
  return frame.format === 'jpeg' ? 'jpg' : frame.format;
}

/**
 * The image file of a step in the formats that write image files (sharegpt, parquet):
 * `<stem>_<seq>.<ext>`, `<stem>_<seq>_marked.<ext>` for the marked copy.
 */
export function stepImageName(stem: string, step: ExportStep, frame: Frame): string {
  const marked = frame.id === step.markedFrame?.id;
  return `${stem}_${step.record.seq}${marked ? '_marked' : ''}.${frameExtension(frame)}`;
}

/** A file-name-safe stem for a recording: `<name>_r<id>` (raw and refined share a name). */
export function recordingStem(recording: Recording): string {
  const name = recording.name.replace(/[^\w.-]+/g, '_').replace(/^[.]+/, '') || 'recording';
  return `${name}_r${recording.id}`;
}
