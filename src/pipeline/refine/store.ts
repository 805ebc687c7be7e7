/**
 * The library side of refinement: loads a raw recording into the in-memory model and writes
 * the refined child (a new recording with stage 'refined' and parentId = the raw one). The raw
 * recording, its rows and its frame files are only read.
 *
 * Crash safety: the child is created first with `meta.refine.complete = false`; its frame files
 * and rows are written as they are made; its actions and `complete: true` commit together in
 * one transaction at the end. A child that is not complete is a crashed run: deleted and redone.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Rect } from '../../core/actions.js';
import type { Size } from '../../core/geometry.js';
import {
  type Frame,
  type FrameRole,
  type Library,
  type NewAction,
  type Recording,
  sha256,
} from '../../library/library.js';
import { frameLookup } from '../../library/frame-lookup.js';
import type { EncodedFrame } from './frames.js';
import type { FrameRef, RefineOptions, RefineRecord, RefineStep, StepCounts } from './model.js';

/** Bumped when refinement changes what it produces for the same input and options. */
export const REFINE_VERSION = 1;

/** What the child's `meta.refine` holds. */
export interface RefineMeta {
  version: number;
  /** The options as stored (`optionsKey`), to decide whether a re-run is needed. */
  options: StoredOptions;
  complete: boolean;
  counts?: StepCounts;
}

export interface StoredOptions {
  size: string;
  keepFailed: boolean;
  ownWindowColour: string | null;
  comparePixels: boolean;
  keepOwnWindow?: boolean;
}

export function storedOptions(o: RefineOptions): StoredOptions {
  return {
    size: `${o.size.width}x${o.size.height}`,
    keepFailed: o.keepFailed,
    ownWindowColour: o.ownWindowColour,
    comparePixels: o.comparePixels,
    keepOwnWindow: o.keepOwnWindow,
  };
}

function sameOptions(a: StoredOptions | undefined, b: StoredOptions): boolean {
  return (
    a !== undefined &&
    a.size === b.size &&
    a.keepFailed === b.keepFailed &&
    (a.ownWindowColour ?? null) === b.ownWindowColour &&
    (a.comparePixels ?? false) === b.comparePixels &&
    (a.keepOwnWindow ?? false) === (b.keepOwnWindow ?? false)
  );
}

export function refineMeta(recording: Recording): RefineMeta | null {
  const m = recording.meta.refine;
  return m && typeof m === 'object' ? (m as RefineMeta) : null;
}

export interface Children {
  /** A complete child made by this version with the same options, if any. */
  done: Recording | null;
  /** Children left by a run that did not finish. */
  incomplete: Recording[];
}

/** The raw recording's refined children, sorted into done (same options) and incomplete. */
export function findChildren(lib: Library, rawId: number, options: RefineOptions): Children {
  const want = storedOptions(options);
  const children = lib.listRecordings({ parentId: rawId, stage: 'refined' });
  const incomplete = children.filter((c) => refineMeta(c)?.complete !== true);
  const done =
    children.find((c) => {
      const m = refineMeta(c);
      return m?.complete === true && m.version === REFINE_VERSION && sameOptions(m.options, want);
    }) ?? null;
  return { done, incomplete };
}

function excludedWindows(meta: Record<string, unknown>): Rect[] | null {
  const list = meta.excludedWindows;
  if (!Array.isArray(list)) return null;
  const rects: Rect[] = [];
  for (const w of list) {
    const r = (w as { rect?: unknown } | null)?.rect as Partial<Rect> | undefined;
    if (r && [r.left, r.top, r.right, r.bottom].every((v) => typeof v === 'number')) rects.push(r as Rect);
  }
  return rects;
}

/** Loads a raw recording as the model the steps work on. */
export function loadRecord(lib: Library, raw: Recording): RefineRecord {
  const frames = frameLookup(lib, raw.id);
  const listed = new Map<string, Set<string>>();
  const fileExists = (rel: string): boolean => {
    const abs = lib.absolutePath(rel);
    const dir = path.dirname(abs);
    let names = listed.get(dir);
    if (!names) {
      names = new Set(fs.existsSync(dir) ? fs.readdirSync(dir) : []);
      listed.set(dir, names);
    }
    return names.has(path.basename(abs));
  };
  const frameOf = (id: number | null): { ref: FrameRef | null; missing: boolean } => {
    if (id === null) return { ref: null, missing: false };
    const f = frames(id);
    if (!f) return { ref: null, missing: true };
    const ref: FrameRef = {
      id: f.id,
      path: f.path,
      format: f.format,
      width: f.width,
      height: f.height,
      sha256: f.sha256,
    };
    return { ref, missing: !fileExists(f.path) };
  };
  const screen: Size | null = raw.screen
    ? { width: raw.screen.physicalWidth, height: raw.screen.physicalHeight }
    : null;
  const steps: RefineStep[] = lib.listActions(raw.id).map((a) => {
    const { ref, missing } = frameOf(a.frameId);
    return {
      action: a.action,
      time: a.time,
      element: a.element,
      frame: ref,
      size: ref ? { width: ref.width, height: ref.height } : screen,
      ...(missing ? { frameFileMissing: true } : {}),
      sourceIds: [a.id],
      windowTitle: a.windowTitle,
      appName: a.appName,
      description: a.description,
      check: a.check,
      thought: a.thought,
      extra: a.extra,
    };
  });
  return {
    id: raw.id,
    name: raw.name,
    description: raw.description,
    screen,
    excludedWindows: excludedWindows(raw.meta),
    endedAt: raw.endedAt,
    steps,
  };
}

/** Creates the (incomplete) refined child of `raw`. */
export function createChild(lib: Library, raw: Recording, options: RefineOptions): Recording {
  const { excludedWindows: _applied, refine: _old, ...meta } = raw.meta;
  const { width, height } = options.size;
  const refine: RefineMeta = { version: REFINE_VERSION, options: storedOptions(options), complete: false };
  return lib.createRecording({
    kind: raw.kind,
    mode: raw.mode,
    stage: 'refined',
    name: raw.name,
    taskId: raw.taskId,
    description: raw.description,
    level: raw.level,
    status: raw.status,
    platform: raw.platform,
    screen: {
      logicalWidth: width,
      logicalHeight: height,
      physicalWidth: width,
      physicalHeight: height,
      scaleFactor: 1,
    },
    utcOffsetMin: raw.utcOffsetMin,
    startedAt: raw.startedAt,
    source: `refine:${raw.id}`,
    parentId: raw.id,
    meta: { ...meta, refine },
  });
}

const EXT = { png: 'png', webp: 'webp', jpeg: 'jpg' } as const;

/**
 * Writes one frame file of the child atomically (temporary file, fsync, rename: as the library's
 * writeFileAtomic, but on the thread pool so that the event loop keeps feeding the encoders),
 * then commits its row.
 */
export async function saveChildFrame(
  lib: Library,
  childId: number,
  stem: string,
  frame: EncodedFrame,
  role: FrameRole,
): Promise<Frame> {
  const abs = path.join(lib.recordingDir(childId), `${stem}.${EXT[frame.format]}`);
  await fs.promises.mkdir(path.dirname(abs), { recursive: true });
  const tmp = `${abs}.tmp-${process.pid}`;
  const file = await fs.promises.open(tmp, 'w');
  try {
    await file.writeFile(frame.data);
    await file.sync();
  } finally {
    await file.close();
  }
  await fs.promises.rename(tmp, abs);
  return lib.addFrameRow(childId, lib.relativePath(abs), {
    role,
    format: frame.format,
    width: frame.width,
    height: frame.height,
    bytes: frame.data.byteLength,
    sha256: sha256(frame.data),
  });
}

export interface ChildStep {
  readonly step: RefineStep;
  readonly frameId: number | null;
  readonly markedFrameId: number | null;
}

/** Commits the child's actions and marks it complete, in one transaction. */
export function commitChild(
  lib: Library,
  child: Recording,
  steps: readonly ChildStep[],
  counts: StepCounts,
  endedAt: number | null,
): Recording {
  const meta = refineMeta(child)!;
  const actions: { action: NewAction }[] = steps.map(({ step, frameId, markedFrameId }, i) => ({
    action: {
      seq: i + 1,
      time: step.time,
      action: step.action,
      element: step.element,
      windowTitle: step.windowTitle,
      appName: step.appName,
      frameId,
      markedFrameId,
      description: step.description,
      check: step.check,
      thought: step.thought,
      extra: { ...step.extra },
    },
  }));
  lib.transaction(() => {
    lib.appendSteps(child.id, actions);
    const last = steps[steps.length - 1];
    lib.updateRecording(child.id, {
      endedAt: endedAt ?? last?.step.time ?? child.startedAt,
      meta: { ...child.meta, refine: { ...meta, complete: true, counts } },
    });
  });
  return lib.getRecording(child.id);
}
