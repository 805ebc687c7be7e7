/**
 * The refinement steps of SPEC §2.3, each a pure function over an in-memory list of steps (no
 * I/O). Steps that need pixels (6: identical frames, 8: the colour heuristic) take the answer
 * as a predicate that the pipeline computed beforehand for the candidates these functions name.
 */
import { type Action, isClick, isTerminal, type Point, type Rect } from '../../core/actions.js';
import { manhattan, rectContains, resizeMapping, scaleAction, scaleRect, type Size } from '../../core/geometry.js';
import { bareStep, type FrameRef, type RefineRecord, type RefineStep, type StepCounts } from './model.js';

export interface StepResult {
  readonly steps: RefineStep[];
  readonly counts: Partial<StepCounts>;
}

/** A click moved at most this far (Manhattan, px) between press and release is a click (step 4). */
export const CLICK_TOLERANCE_PX = 5;

// ── 1 ── every action has a frame reference, or is reported ────────────────────────────────

/**
 * Step 1. The reference rewrote Windows screenshot paths; here frames are rows, so the step
 * checks that each action has one whose file exists and counts those that do not. They stay
 * (the action is real) but get no marks. Terminal actions are counted too: the reference gives
 * `finish` a screenshot.
 */
export function checkFrames(steps: readonly RefineStep[]): StepResult {
  const missing = steps.filter((s) => s.frame === null || s.frameFileMissing === true).length;
  const out = steps.map((s) => (s.frameFileMissing ? { ...s, frame: null } : s));
  return { steps: out, counts: { missingFrames: missing } };
}

// ── 2 ── drop records ──────────────────────────────────────────────────────────────────────

export type DropReason = 'no description' | 'ends in fail' | 'no actions';

/**
 * Step 2. A record without a saved task description cannot train anything (non-task and
 * discarded free tasks); one that ends in `fail` is dropped unless `keepFailed`.
 */
export function dropReason(
  record: Pick<RefineRecord, 'description' | 'steps'>,
  keepFailed: boolean,
): DropReason | null {
  if (record.description === null || record.description.trim() === '') return 'no description';
  if (record.steps.length === 0) return 'no actions';
  if (!keepFailed && record.steps[record.steps.length - 1]!.action.kind === 'fail') return 'ends in fail';
  return null;
}

// ── 3 ── the last action is `finish` ─────────────────────────────────────────────────────

/**
 * Step 3. A record that already ends in `finish` (or in `fail`, kept on purpose with
 * --keep-failed) is left as it is. Otherwise trailing waits (idle before the recording was
 * stopped) go and the last of them becomes the `finish`, with its frame: the screen the person
 * left. Without a trailing wait a `finish` is appended at `endedAt`, without a frame (none was
 * captured after the last action; an earlier one would show the wrong screen).
 */
export function endWithFinish(steps: readonly RefineStep[], endedAt: number | null): StepResult {
  const last = steps[steps.length - 1];
  if (last && isTerminal(last.action)) return { steps: [...steps], counts: {} };
  let end = steps.length;
  while (end > 0 && steps[end - 1]!.action.kind === 'wait') end--;
  const kept = steps.slice(0, end);
  const trailing = steps.slice(end);
  const lastWait = trailing[trailing.length - 1];
  const finish: RefineStep = lastWait
    ? { ...lastWait, action: { kind: 'finish' }, element: null }
    : bareStep({
        action: { kind: 'finish' },
        time: Math.max(endedAt ?? 0, last?.time ?? 0),
        frame: null,
        size: last?.size ?? null,
      });
  return {
    steps: [...kept, finish],
    counts: { finishAdded: 1, trailingWaits: Math.max(0, trailing.length - 1) },
  };
}

// ── 4 ── press + drag to → drag, or a click ──────────────────────────────────────────────

/**
 * Step 4. `press (x1, y1)` directly followed by `drag to (x2, y2)` becomes `drag from (x1, y1)
 * to (x2, y2)` with the press's frame, time and element; when the pointer moved ≤ 5 px
 * (Manhattan) it was a shaky click: `click (x1, y1)`. A press without its `drag to` (a
 * recording cut short) is a click; a `drag to` without its press is removed.
 */
export function mergeDrags(steps: readonly RefineStep[]): StepResult {
  const out: RefineStep[] = [];
  const counts = { drags: 0, dragsToClicks: 0, unpairedPresses: 0, unpairedDragTos: 0 };
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i]!;
    if (s.action.kind === 'drag_to') {
      counts.unpairedDragTos++;
      continue;
    }
    if (s.action.kind !== 'press') {
      out.push(s);
      continue;
    }
    const from = s.action.at;
    const next = steps[i + 1];
    if (next?.action.kind !== 'drag_to') {
      counts.unpairedPresses++;
      out.push({ ...s, action: { kind: 'click', at: from } });
      continue;
    }
    i++;
    const to = next.action.at;
    const sourceIds = [...s.sourceIds, ...next.sourceIds];
    if (manhattan(from, to) <= CLICK_TOLERANCE_PX) {
      counts.dragsToClicks++;
      out.push({ ...s, action: { kind: 'click', at: from }, sourceIds });
    } else {
      counts.drags++;
      out.push({ ...s, action: { kind: 'drag', from, to }, sourceIds });
    }
  }
  return { steps: out, counts };
}

// ── 5 ── redundant actions ─────────────────────────────────────────────────────────────

function isKey(action: Action, key: string): boolean {
  return action.kind === 'key' && action.key === key;
}

const isCtrlOrShift = (a: Action): boolean => isKey(a, 'ctrl') || isKey(a, 'shift');

/**
 * Step 5. Removes
 * - waits before the first real action (the person was getting ready);
 * - a `press key ctrl` directly followed by `press key shift`: the pair is the Windows input
 *   method switch, not part of the task (both go);
 * - a lone `press key ctrl` / `press key shift` directly before a hotkey, another ctrl/shift or
 *   typing: it is part of what follows (the hotkey or the typed capitals already carry it).
 * Each rule looks at the next action of the input list, in one pass.
 */
export function removeRedundant(steps: readonly RefineStep[]): StepResult {
  const counts = { leadingWaits: 0, loneModifiers: 0, ctrlShiftPairs: 0 };
  let start = 0;
  while (start < steps.length && steps[start]!.action.kind === 'wait') start++;
  counts.leadingWaits = start;
  const out: RefineStep[] = [];
  for (let i = start; i < steps.length; i++) {
    const a = steps[i]!.action;
    const next = steps[i + 1]?.action;
    if (next && isKey(a, 'ctrl') && isKey(next, 'shift')) {
      counts.ctrlShiftPairs += 2;
      i++;
      continue;
    }
    if (next && isCtrlOrShift(a) && (next.kind === 'hotkey' || next.kind === 'type' || isCtrlOrShift(next))) {
      counts.loneModifiers++;
      continue;
    }
    out.push(steps[i]!);
  }
  return { steps: out, counts };
}

// ── 6 ── meaningless actions ───────────────────────────────────────────────────────────

const isMeaninglessKind = (a: Action): boolean => a.kind === 'wait' || isClick(a);

/**
 * The frame pairs step 6 needs an answer for: (a wait's or click's frame, the next action's
 * frame), different rows. The pipeline compares them (hash, then pixels) before calling
 * `removeMeaningless`.
 */
export function meaninglessCandidates(steps: readonly RefineStep[]): [FrameRef, FrameRef][] {
  const pairs: [FrameRef, FrameRef][] = [];
  for (let i = 0; i + 1 < steps.length; i++) {
    const a = steps[i]!;
    const b = steps[i + 1]!;
    if (isMeaninglessKind(a.action) && a.frame && b.frame && a.frame.id !== b.frame.id) pairs.push([a.frame, b.frame]);
  }
  return pairs;
}

/**
 * Step 6. A wait or click whose frame is pixel-identical to the next action's frame changed
 * nothing on the screen: removed. The comparison is with the next action of the input list;
 * when that one goes too, its own frame equals the one after it, so the result is the same as
 * comparing with the next action that stays (equality is transitive). The last action stays.
 */
export function removeMeaningless(
  steps: readonly RefineStep[],
  identical: (a: FrameRef, b: FrameRef) => boolean,
): StepResult {
  const counts = { meaninglessWaits: 0, meaninglessClicks: 0 };
  const out = steps.filter((s, i) => {
    const next = steps[i + 1];
    if (!next || !isMeaninglessKind(s.action) || !s.frame || !next.frame) return true;
    if (s.frame.id !== next.frame.id && !identical(s.frame, next.frame)) return true;
    if (s.action.kind === 'wait') counts.meaninglessWaits++;
    else counts.meaninglessClicks++;
    return false;
  });
  return { steps: out, counts };
}

// ── 7 ── rescale ───────────────────────────────────────────────────────────────────────

function sameSize(a: Size, b: Size): boolean {
  return a.width === b.width && a.height === b.height;
}

/**
 * Step 7. Every coordinate and element rect moves to the `target` pixel space (the frames are
 * resized to it by the pipeline). Width and height scale independently, as the frame does:
 * a frame of another aspect ratio is stretched, never cropped, so every point stays on it.
 * Actions whose pixel space is unknown (no frame, no screen size) are left as they are.
 */
export function rescale(steps: readonly RefineStep[], target: Size): StepResult {
  let rescaledActions = 0;
  const out = steps.map((s) => {
    if (s.size === null || sameSize(s.size, target)) return s;
    const mapping = resizeMapping(s.size, target);
    rescaledActions++;
    const rect = s.element?.rect;
    return {
      ...s,
      action: scaleAction(s.action, mapping),
      element: s.element && rect ? { ...s.element, rect: scaleRect(rect, mapping) } : s.element,
      size: target,
    };
  });
  return { steps: out, counts: { rescaledActions } };
}

/** Whether a frame must be written again at `target` (step 7). */
export function needsResize(frame: FrameRef, target: Size): boolean {
  return frame.width !== target.width || frame.height !== target.height;
}

// ── 8 ── the tracker's own window ─────────────────────────────────────────────────────

/** The points a pointer action was performed at. */
export function pointerPoints(action: Action): Point[] {
  if (isClick(action)) return action.at ? [action.at] : [];
  if (action.kind === 'drag') return [action.from];
  if (action.kind === 'press' || action.kind === 'drag_to') return [action.at];
  return [];
}

export interface OwnWindowInput {
  /** Recorded own-window rects in `screen` pixels; null when the recording has no record. */
  readonly excludedWindows: readonly Rect[] | null;
  readonly screen: Size | null;
  /**
   * The colour heuristic for records without `excludedWindows`: whether the frame is dominated
   * by the tracker window's colour. Absent: the heuristic is off.
   */
  readonly colourDominated?: (frame: FrameRef) => boolean;
}

/** Frames the colour heuristic must look at (step 8), or none when it does not apply. */
export function ownWindowColourCandidates(
  steps: readonly RefineStep[],
  excludedWindows: readonly Rect[] | null,
): FrameRef[] {
  if (excludedWindows !== null) return [];
  const seen = new Map<number, FrameRef>();
  for (const s of steps) if (s.frame && !isTerminal(s.action)) seen.set(s.frame.id, s.frame);
  return [...seen.values()];
}

/**
 * Step 8. Removes actions performed on the tracker's own window, from what the tracker
 * recorded: an action marked `extra.ownWindow === true`, or a pointer action inside one of the
 * recording's `excludedWindows` (scaled from the screen to the action's pixel space). For data
 * that lacks the record (imported reference data), the reference's heuristic applies when a
 * colour is given: its tracker window was forced full-screen, so an action whose frame is
 * dominated by the window's background colour was performed on it. `finish` / `fail` stay.
 */
export function removeOwnWindow(steps: readonly RefineStep[], input: OwnWindowInput): StepResult {
  const rectsFor = (size: Size | null): Rect[] => {
    const rects = input.excludedWindows ?? [];
    if (!input.screen || !size || sameSize(input.screen, size)) return [...rects];
    const mapping = resizeMapping(input.screen, size);
    return rects.map((r) => scaleRect(r, mapping));
  };
  let ownWindow = 0;
  const out = steps.filter((s) => {
    if (isTerminal(s.action)) return true;
    let own = s.extra.ownWindow === true;
    if (!own && input.excludedWindows?.length) {
      const rects = rectsFor(s.size);
      own = pointerPoints(s.action).some((p) => rects.some((r) => rectContains(r, p)));
    }
    if (!own && input.excludedWindows === null && input.colourDominated && s.frame)
      own = input.colourDominated(s.frame);
    if (own) ownWindow++;
    return !own;
  });
  return { steps: out, counts: { ownWindow } };
}
