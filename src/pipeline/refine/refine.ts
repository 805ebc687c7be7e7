/**
 * Refinement (SPEC §2.3): raw recordings → refined children, non-destructively. The pure steps
 * (steps.ts) run on the in-memory model (store.ts); the pixel questions of steps 6 and 8 are
 * answered for the candidates the steps name, and the frames are resized and marked with
 * bounded concurrency (frames.ts) before everything commits.
 *
 * Idempotent and resumable: a raw recording with a complete child made by this version with
 * the same options is skipped; a child left incomplete by a crash is deleted and redone.
 */
import type { Size } from '../../core/geometry.js';
import type { Library, Recording } from '../../library/library.js';
import { colourShare, type FrameJob, mapLimit, pixelDigest, renderFrame } from './frames.js';
import { PC_TRACKER_SOURCE } from '../pc-tracker/schema.js';
import { hasMarks, marksOverlay, type Overlay } from '../../core/marks.js';
import { isReferenceTrackerFrame, removeTrackerRuns } from './reference-tracker.js';
import {
  addCounts,
  DEFAULT_OPTIONS,
  emptyCounts,
  type FrameRef,
  parseColour,
  type RefineOptions,
  type RefineStep,
  type StepCounts,
} from './model.js';
import {
  checkFrames,
  type DropReason,
  dropReason,
  endWithFinish,
  meaninglessCandidates,
  mergeDrags,
  needsResize,
  ownWindowColourCandidates,
  removeMeaningless,
  removeOwnWindow,
  removeRedundant,
  rescale,
} from './steps.js';
import {
  type ChildStep,
  commitChild,
  createChild,
  findChildren,
  loadRecord,
  saveChildFrame,
  type StoredOptions,
  storedOptions,
} from './store.js';

/** A frame is "dominated" by the tracker window's colour when at least this share of it has it. */
export const OWN_WINDOW_SHARE = 0.5;

export interface RunOptions {
  /** Frames decoded / encoded at the same time (default 2: this is CPU work). */
  readonly concurrency?: number;
  /** Called after each recording, with its raw action count (for a progress bar). */
  readonly onRecording?: (rawId: number, rawActions: number) => void;
  /**
   * Called as a recording's new frames (rescaled, marked) are written: first with done = 0 once
   * the steps are decided and the count is known, then after each source frame.
   */
  readonly onFrames?: (rawId: number, done: number, total: number) => void;
  /**
   * Stops the run between frames and between recordings (the promise rejects with the abort
   * reason). The unfinished refined recording is deleted; the raw one is never touched.
   */
  readonly signal?: AbortSignal;
}

export type Outcome =
  | {
      status: 'refined';
      id: number;
      name: string;
      refinedId: number;
      actionsIn: number;
      actionsOut: number;
      /** Incomplete children of an earlier, interrupted run that were deleted first. */
      redone: number[];
      counts: StepCounts;
    }
  | { status: 'already refined'; id: number; name: string; refinedId: number; actions: number }
  | { status: 'dropped'; id: number; name: string; reason: DropReason; redone: number[] }
  | { status: 'skipped'; id: number; name: string; reason: string }
  /** Refining failed (an unreadable frame file, …); nothing of it was kept, the others went on. */
  | { status: 'error'; id: number; name: string; reason: string };

export interface RefineStatistics {
  /** Recordings selected. */
  records: number;
  refined: number;
  alreadyRefined: number;
  /** Dropped by step 2 (no description, ends in fail). */
  dropped: number;
  /** Not refinable (a refined recording, still recording, discarded). */
  skipped: number;
  /** Failed with an error (see each outcome's reason). */
  errors: number;
  /** Actions before and after, over the recordings refined in this run. */
  actionsIn: number;
  actionsOut: number;
  /** Over every refined recording of the selection (this run's and earlier ones). */
  meanActionsPerRecord: number;
  maxActionsPerRecord: number;
  /** What each step did in this run. */
  steps: StepCounts;
}

export interface RefineReport {
  options: StoredOptions;
  recordings: Outcome[];
  statistics: RefineStatistics;
}

export function resolveOptions(options: Partial<RefineOptions> = {}): RefineOptions {
  return {
    size: options.size ?? DEFAULT_OPTIONS.size,
    keepFailed: options.keepFailed ?? DEFAULT_OPTIONS.keepFailed,
    ownWindowColour: options.ownWindowColour ? parseColour(options.ownWindowColour).hex : null,
    comparePixels: options.comparePixels ?? DEFAULT_OPTIONS.comparePixels,
    keepOwnWindow: options.keepOwnWindow ?? DEFAULT_OPTIONS.keepOwnWindow,
  };
}

/**
 * Raw recordings that `--all` refines: every finished or failed raw recording, and interrupted
 * ones (a recorder that died) only when asked for.
 */
export function refinableRecordings(lib: Library, includeInterrupted = false): Recording[] {
  return lib
    .listRecordings({ stage: 'raw' })
    .filter(
      (r) => r.status === 'finished' || r.status === 'failed' || (includeInterrupted && r.status === 'interrupted'),
    );
}

/** Refines the given recordings one after the other and sums up (step 11). */
export async function refineRecordings(
  lib: Library,
  recordings: readonly Recording[],
  partial: Partial<RefineOptions> = {},
  run: RunOptions = {},
): Promise<RefineReport> {
  const options = resolveOptions(partial);
  const outcomes: Outcome[] = [];
  for (const raw of recordings) {
    run.signal?.throwIfAborted();
    try {
      outcomes.push(await refineRecording(lib, raw, options, run));
    } catch (err) {
      // A stop is not a bad recording: it ends the whole run.
      if (run.signal?.aborted) throw err;
      // One bad recording does not stop a dataset; a re-run retries it and skips the rest.
      outcomes.push({ status: 'error', id: raw.id, name: raw.name, reason: (err as Error).message.split('\n')[0]! });
    }
    run.onRecording?.(raw.id, lib.countActions(raw.id));
  }
  return {
    options: storedOptions(options),
    recordings: outcomes,
    statistics: statistics(outcomes),
  };
}

/** One line that says what happened to a recording (the CLI's report, the app's job message). */
export function outcomeLine(o: Outcome): string {
  switch (o.status) {
    case 'refined':
      return (
        `refined recording ${o.id} → ${o.refinedId} ${o.name}: ${o.actionsIn} → ${o.actionsOut} actions, ` +
        `${o.counts.markedFrames} marked frames${o.redone.length ? ` (redone after an interrupted run)` : ''}`
      );
    case 'already refined':
      return `already refined: recording ${o.id} ${o.name} (refined recording ${o.refinedId}, ${o.actions} actions)`;
    case 'dropped':
      return `dropped recording ${o.id} ${o.name}: ${o.reason}`;
    case 'skipped':
      return `skipped recording ${o.id} ${o.name}: ${o.reason}; nothing to refine`;
    case 'error':
      return `failed recording ${o.id} ${o.name}: ${o.reason}`;
  }
}

export function statistics(outcomes: readonly Outcome[]): RefineStatistics {
  const steps = emptyCounts();
  const perRecord: number[] = [];
  const s: RefineStatistics = {
    records: outcomes.length,
    refined: 0,
    alreadyRefined: 0,
    dropped: 0,
    skipped: 0,
    errors: 0,
    actionsIn: 0,
    actionsOut: 0,
    meanActionsPerRecord: 0,
    maxActionsPerRecord: 0,
    steps,
  };
  for (const o of outcomes) {
    if (o.status === 'refined') {
      s.refined++;
      s.actionsIn += o.actionsIn;
      s.actionsOut += o.actionsOut;
      perRecord.push(o.actionsOut);
      addCounts(steps, o.counts);
    } else if (o.status === 'already refined') {
      s.alreadyRefined++;
      perRecord.push(o.actions);
    } else if (o.status === 'dropped') s.dropped++;
    else if (o.status === 'error') s.errors++;
    else s.skipped++;
  }
  if (perRecord.length) {
    s.meanActionsPerRecord = perRecord.reduce((a, b) => a + b, 0) / perRecord.length;
    s.maxActionsPerRecord = Math.max(...perRecord);
  }
  return s;
}

/** Refines one raw recording into a new refined child (or says why not). */
export async function refineRecording(
  lib: Library,
  raw: Recording,
  options: RefineOptions,
  run: RunOptions = {},
): Promise<Outcome> {
  const base = { id: raw.id, name: raw.name };
  if (raw.stage === 'refined') {
    return {
      ...base,
      status: 'skipped',
      reason: `already a refined recording (of ${raw.parentId ?? 'a deleted recording'})`,
    };
  }
  if (raw.status === 'recording' || raw.status === 'paused')
    return { ...base, status: 'skipped', reason: 'still being recorded' };
  if (raw.status === 'discarded') return { ...base, status: 'skipped', reason: 'discarded' };

  const children = findChildren(lib, raw.id, options);
  if (children.done) {
    return {
      ...base,
      status: 'already refined',
      refinedId: children.done.id,
      actions: lib.countActions(children.done.id),
    };
  }
  const redone = children.incomplete.map((c) => c.id);
  for (const c of children.incomplete) lib.deleteRecording(c.id);

  const record = loadRecord(lib, raw);
  const counts = emptyCounts();
  const apply = (r: { steps: RefineStep[]; counts: Partial<StepCounts> }): RefineStep[] => {
    addCounts(counts, r.counts);
    return r.steps;
  };
  // 1, 2
  let steps = apply(checkFrames(record.steps));
  const reason = dropReason({ description: record.description, steps }, options.keepFailed);
  if (reason) return { ...base, status: 'dropped', reason, redone };
  // 3, 4, 5
  steps = apply(endWithFinish(steps, record.endedAt));
  steps = apply(mergeDrags(steps));
  steps = apply(removeRedundant(steps));
  // 6
  const identical = await identicalFrames(
    lib,
    meaninglessCandidates(steps),
    options.comparePixels,
    run.concurrency ?? 2,
  );
  steps = apply(removeMeaningless(steps, identical));
  // 7
  steps = apply(rescale(steps, options.size));
  // 8
  let colourDominated: ((f: FrameRef) => boolean) | undefined;
  if (options.ownWindowColour) {
    const colour = parseColour(options.ownWindowColour);
    const frames = ownWindowColourCandidates(steps, record.excludedWindows);
    const shares = await mapLimit(frames, run.concurrency ?? 2, (f) => colourShare(lib.absolutePath(f.path), colour));
    const dominated = new Set(frames.filter((_, i) => shares[i]! >= OWN_WINDOW_SHARE).map((f) => f.id));
    colourDominated = (f) => dominated.has(f.id);
  }
  steps = apply(
    removeOwnWindow(steps, { excludedWindows: record.excludedWindows, screen: record.screen, colourDominated }),
  );
  if (raw.source?.startsWith(PC_TRACKER_SOURCE) && !options.keepOwnWindow) {
    const shows = await mapLimit(steps, run.concurrency ?? 2, (s) =>
      s.frame ? isReferenceTrackerFrame(lib.absolutePath(s.frame.path)) : Promise.resolve(false),
    );
    const cleaned = removeTrackerRuns(steps, shows);
    if (cleaned.empty) return { ...base, status: 'dropped', reason: 'no actions', redone };
    addCounts(counts, { ownWindow: cleaned.removed });
    steps = cleaned.steps;
  }

  // 9 (and the frames of 7), then commit. The child exists from here on; on an error it goes.
  run.signal?.throwIfAborted();
  const child = createChild(lib, raw, options);
  try {
    const childSteps = await writeFrames(lib, raw.id, child.id, steps, options.size, counts, run);
    commitChild(lib, child, childSteps, counts, raw.endedAt);
  } catch (err) {
    lib.deleteRecording(child.id);
    throw err;
  }
  return {
    ...base,
    status: 'refined',
    refinedId: child.id,
    actionsIn: record.steps.length,
    actionsOut: steps.length,
    redone,
    counts,
  };
}

/**
 * Step 6's question for each candidate pair: same file hash, or (when `comparePixels`) same
 * size and same decoded pixels. Each frame is decoded at most once.
 */
async function identicalFrames(
  lib: Library,
  pairs: readonly [FrameRef, FrameRef][],
  comparePixels: boolean,
  concurrency: number,
): Promise<(a: FrameRef, b: FrameRef) => boolean> {
  const key = (a: FrameRef, b: FrameRef) => `${a.id}:${b.id}`;
  const same = new Set<string>();
  const undecided: [FrameRef, FrameRef][] = [];
  for (const [a, b] of pairs) {
    if (a.sha256 === b.sha256) same.add(key(a, b));
    else if (comparePixels && a.width === b.width && a.height === b.height) undecided.push([a, b]);
  }
  if (undecided.length) {
    const frames = [...new Map(undecided.flat().map((f) => [f.id, f])).values()];
    const digests = await mapLimit(frames, concurrency, (f) => pixelDigest(lib.absolutePath(f.path)));
    const digest = new Map(frames.map((f, i) => [f.id, digests[i]!]));
    for (const [a, b] of undecided) if (digest.get(a.id) === digest.get(b.id)) same.add(key(a, b));
  }
  return (a, b) => same.has(key(a, b));
}

interface Job {
  readonly frame: FrameRef;
  readonly resizeTo: Size | null;
  readonly marks: { index: number; overlay: Overlay }[];
}

/**
 * Resizes the frames that are not at the target size and draws the marks of each pointer
 * action on a copy (step 9), saving every new file under the child; returns the steps with
 * their frame rows. Unchanged frames stay the raw recording's rows; actions without marks have
 * markedFrameId = frameId, as in the reference.
 */
async function writeFrames(
  lib: Library,
  rawId: number,
  childId: number,
  steps: readonly RefineStep[],
  target: Size,
  counts: StepCounts,
  run: RunOptions,
): Promise<ChildStep[]> {
  const jobs = new Map<number, Job>();
  steps.forEach((s, index) => {
    if (!s.frame) return;
    const resize = needsResize(s.frame, target);
    const overlay = hasMarks(s.action) ? marksOverlay(s.action, s.element, resize ? target : s.frame) : null;
    if (!resize && !overlay) return;
    let job = jobs.get(s.frame.id);
    if (!job) {
      job = { frame: s.frame, resizeTo: resize ? target : null, marks: [] };
      jobs.set(s.frame.id, job);
    }
    if (overlay) job.marks.push({ index, overlay });
  });

  const screenIds = new Map<number, number>();
  const markedIds = new Map<number, number>();
  let framesDone = 0;
  run.onFrames?.(rawId, 0, jobs.size);
  await mapLimit([...jobs.values()], run.concurrency ?? 2, async (job) => {
    run.signal?.throwIfAborted();
    const frameJob: FrameJob = {
      file: lib.absolutePath(job.frame.path),
      format: job.frame.format,
      resizeTo: job.resizeTo,
      overlays: job.marks.map((m) => m.overlay),
    };
    const out = await renderFrame(frameJob);
    if (out.screen) {
      screenIds.set(
        job.frame.id,
        (await saveChildFrame(lib, childId, `frame-${job.frame.id}`, out.screen, 'screen')).id,
      );
      counts.rescaledFrames++;
    }
    for (const [i, m] of out.marked.entries()) {
      const index = job.marks[i]!.index;
      markedIds.set(index, (await saveChildFrame(lib, childId, `${index + 1}_marked`, m, 'marked')).id);
      counts.markedFrames++;
    }
    run.onFrames?.(rawId, ++framesDone, jobs.size);
  });
  return steps.map((step, index) => {
    const frameId = step.frame ? (screenIds.get(step.frame.id) ?? step.frame.id) : null;
    return { step, frameId, markedFrameId: markedIds.get(index) ?? frameId };
  });
}
