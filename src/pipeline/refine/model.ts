/**
 * The in-memory model refinement works on (SPEC §2.3): one raw recording as a list of steps,
 * storage-agnostic. The store adapter (`store.ts`) loads it from the library and writes the
 * refined result; the steps (`steps.ts`) are pure functions over it.
 */
import type { Action, ElementInfo, Rect } from '../../core/actions.js';
import type { Size } from '../../core/geometry.js';
import type { Completion } from '../../library/library.js';
import type { FrameFormat } from '../../core/vocabulary.js';

/** The screen frame an action was taken with: a row of the raw recording. */
export interface FrameRef {
  /** Frame row id in the library. */
  readonly id: number;
  readonly path: string;
  readonly format: FrameFormat;
  readonly width: number;
  readonly height: number;
  readonly sha256: string;
}

export interface RefineStep {
  readonly action: Action;
  readonly time: number;
  readonly element: ElementInfo | null;
  /** The frame the action was taken with; null when the raw action has none (reported by step 1). */
  readonly frame: FrameRef | null;
  /** Pixel space of the action's coordinates and element rect; null when unknown. */
  readonly size: Size | null;
  /** True when the raw action points at a frame row whose file is gone (reported by step 1). */
  readonly frameFileMissing?: boolean;
  /** Raw action ids this step came from (several when a press and its drag merge). */
  readonly sourceIds: readonly number[];
  readonly windowTitle: string | null;
  readonly appName: string | null;
  readonly description: Completion | null;
  readonly check: Completion | null;
  readonly thought: Completion | null;
  readonly extra: Readonly<Record<string, unknown>>;
}

/**
 * A step with nothing known beyond what `fields` give: no element, window, completions or
 * source actions (an appended `finish`).
 */
export function bareStep(
  fields: Pick<RefineStep, 'action' | 'time' | 'frame' | 'size'> & Partial<RefineStep>,
): RefineStep {
  return {
    element: null,
    sourceIds: [],
    windowTitle: null,
    appName: null,
    description: null,
    check: null,
    thought: null,
    extra: {},
    ...fields,
  };
}

export interface RefineRecord {
  /** The raw recording's id. */
  readonly id: number;
  readonly name: string;
  readonly description: string | null;
  /** The recording's screen (physical pixels): the space of `excludedWindows`. */
  readonly screen: Size | null;
  /**
   * The app's own windows as the tracker recorded them (`meta.excludedWindows`); null when the
   * recording has no such record (imported reference data), which is when the colour
   * heuristic may apply.
   */
  readonly excludedWindows: readonly Rect[] | null;
  /** When the recording ended (epoch ms), for an appended `finish`. */
  readonly endedAt: number | null;
  readonly steps: readonly RefineStep[];
}

/** What each step did to one record; summed over records for the statistics (SPEC §2.3 step 11). */
export interface StepCounts {
  /** 1: actions without a frame (no row, or the file is gone); kept, but they get no marks. */
  missingFrames: number;
  /** 3: a `finish` appended at the end, or a trailing `wait` turned into it. */
  finishAdded: number;
  /** 3: trailing waits removed before the finish. */
  trailingWaits: number;
  /** 4: `press` + `drag to` pairs merged into `drag from … to …`. */
  drags: number;
  /** 4: pairs merged into a click (the pointer moved ≤ 5 px). */
  dragsToClicks: number;
  /** 4: a `press` with no `drag to` after it: a click at the press point. */
  unpairedPresses: number;
  /** 4: a `drag to` with no `press` before it: removed. */
  unpairedDragTos: number;
  /** 5: leading waits removed. */
  leadingWaits: number;
  /** 5: a lone `press key ctrl` / `shift` removed before a hotkey, another ctrl/shift or typing. */
  loneModifiers: number;
  /** 5: `press key ctrl` + `press key shift` pairs removed (actions, so 2 per pair). */
  ctrlShiftPairs: number;
  /** 6: waits whose frame is pixel-identical to the next action's frame. */
  meaninglessWaits: number;
  /** 6: clicks whose frame is pixel-identical to the next action's frame. */
  meaninglessClicks: number;
  /** 7: actions whose coordinates were rescaled to the target size. */
  rescaledActions: number;
  /** 8: actions on the tracker's own window (recorded windows or the colour heuristic). */
  ownWindow: number;
  /** 9: marked frames drawn. */
  markedFrames: number;
  /** 7: frames written at the target size. */
  rescaledFrames: number;
}

export function emptyCounts(): StepCounts {
  return {
    missingFrames: 0,
    finishAdded: 0,
    trailingWaits: 0,
    drags: 0,
    dragsToClicks: 0,
    unpairedPresses: 0,
    unpairedDragTos: 0,
    leadingWaits: 0,
    loneModifiers: 0,
    ctrlShiftPairs: 0,
    meaninglessWaits: 0,
    meaninglessClicks: 0,
    rescaledActions: 0,
    ownWindow: 0,
    markedFrames: 0,
    rescaledFrames: 0,
  };
}

export function addCounts(into: StepCounts, more: Partial<StepCounts>): StepCounts {
  for (const [k, v] of Object.entries(more) as [keyof StepCounts, number][]) into[k] += v;
  return into;
}

/** Options that change the result; stored in the refined child so that a re-run can compare. */
export interface RefineOptions {
  /** Frames and coordinates end up at this size (default 1920×1080). */
  readonly size: Size;
  /** Keep records that end in `fail` (default: dropped). */
  readonly keepFailed: boolean;
  /**
   * The tracker window's background colour (`#rrggbb`) for imported data without recorded own
   * windows; null: the colour heuristic is off.
   */
  readonly ownWindowColour: string | null;
  /**
   * Keep the frames that show the reference tracker's own window in recordings imported from
   * the reference (default false: they are removed, see reference-tracker.ts).
   */
  readonly keepOwnWindow: boolean;
  /**
   * Step 6: when two frames' files differ, also compare their decoded pixels (default false).
   * Frames of one recording come from one encoder, which writes the same bytes for the same
   * pixels, so the hash decides; this is for data whose frames were re-encoded differently.
   */
  readonly comparePixels: boolean;
}

export const DEFAULT_SIZE: Size = { width: 1920, height: 1080 };

export const DEFAULT_OPTIONS: RefineOptions = {
  size: DEFAULT_SIZE,
  keepFailed: false,
  ownWindowColour: null,
  keepOwnWindow: false,
  comparePixels: false,
};

/** Parses `WxH` (`1920x1080`, `1920×1080`). */
export function parseSize(text: string): Size {
  const m = /^\s*(\d{1,5})\s*[x×X]\s*(\d{1,5})\s*$/.exec(text);
  const width = m ? Number(m[1]) : NaN;
  const height = m ? Number(m[2]) : NaN;
  if (!(width >= 16 && height >= 16 && width <= 16384 && height <= 16384)) {
    throw new RangeError(`"${text}" is not a frame size: write WIDTHxHEIGHT, e.g. 1920x1080 (16 to 16384 each)`);
  }
  return { width, height };
}

/** Parses `#rrggbb` (or `rrggbb`) into its channels, lower-case canonical text. */
export function parseColour(text: string): { hex: string; r: number; g: number; b: number } {
  const m = /^\s*#?([0-9a-f]{6})\s*$/i.exec(text);
  if (!m) throw new RangeError(`"${text}" is not a colour: write #rrggbb, e.g. #1e1e1e`);
  const hex = `#${m[1]!.toLowerCase()}`;
  const n = parseInt(m[1]!, 16);
  return { hex, r: (n >> 16) & 255, g: (n >> 8) & 255, b: n & 255 };
}
