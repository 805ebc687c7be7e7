import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { Action, ElementInfo } from '../../src/core/actions.js';
import type { Library } from '../../src/library/library.js';
import { type Frame, type Recording } from '../../src/library/library.js';
import { exportTrackerRecording } from '../../src/pipeline/pc-tracker/export.js';
import { importTrackerFolder } from '../../src/pipeline/pc-tracker/import.js';
import type { FrameRef, RefineStep } from '../../src/pipeline/refine/model.js';
import { bareStep, parseColour, parseSize } from '../../src/pipeline/refine/model.js';
import { refinableRecordings, refineRecordings } from '../../src/pipeline/refine/refine.js';
import {
  checkFrames,
  dropReason,
  endWithFinish,
  mergeDrags,
  removeMeaningless,
  removeOwnWindow,
  removeRedundant,
  rescale,
} from '../../src/pipeline/refine/steps.js';
import { isReferenceTrackerFrame } from '../../src/pipeline/refine/reference-tracker.js';
import { createChild, saveChildFrame } from '../../src/pipeline/refine/store.js';
import { interchangeText } from '../../src/pipeline/pc-tracker/interchange-text.js';
import { pcagent } from '../support/cli.js';
import { FIXTURE_DIR, FIXTURE_NAME, tempDir, openTempLibrary } from '../support/fixture.js';
import { useTempLibrary } from '../support/hooks.js';

// ── in-memory steps ─────────────────────────────────────────────────────────────────────

let nextId = 1;
function frame(sha = `sha-${nextId}`, width = 1920, height = 1080): FrameRef {
  return { id: nextId++, path: `frames/1/${nextId}.png`, format: 'png', width, height, sha256: sha };
}

function step(action: Action, o: Partial<RefineStep> = {}): RefineStep {
  const f = o.frame === undefined ? frame() : o.frame;
  return bareStep({
    action,
    time: 1000 + nextId,
    frame: f,
    size: f ? { width: f.width, height: f.height } : null,
    sourceIds: [nextId++],
    ...o,
  });
}

const click = (x: number, y: number): Action => ({ kind: 'click', at: { x, y } });
const key = (k: string): Action => ({ kind: 'key', key: k });
const wait: Action = { kind: 'wait' };
const finish: Action = { kind: 'finish' };
const kinds = (steps: readonly RefineStep[]) =>
  steps.map((s) => (s.action.kind === 'key' ? `key ${s.action.key}` : s.action.kind));

describe('refinement steps (pure)', () => {
  it('1: counts actions without a frame or whose file is gone', () => {
    const r = checkFrames([step(click(1, 1)), step(wait, { frame: null }), step(finish, { frameFileMissing: true })]);
    expect(r.counts).toEqual({ missingFrames: 2 });
    expect(r.steps[2]!.frame).toBeNull();
  });

  it('2: drops records without a description and, unless kept, records ending in fail', () => {
    const steps = [step(click(1, 1)), step({ kind: 'fail' })];
    expect(dropReason({ description: null, steps }, false)).toBe('no description');
    expect(dropReason({ description: '  ', steps }, false)).toBe('no description');
    expect(dropReason({ description: 'task', steps }, false)).toBe('ends in fail');
    expect(dropReason({ description: 'task', steps }, true)).toBeNull();
    expect(dropReason({ description: 'task', steps: [step(click(1, 1)), step(finish)] }, false)).toBeNull();
  });

  it('3: the last action becomes finish', () => {
    const done = [step(click(1, 1)), step(finish)];
    expect(endWithFinish(done, null)).toEqual({ steps: done, counts: {} });
    const failed = [step(click(1, 1)), step({ kind: 'fail' })];
    expect(kinds(endWithFinish(failed, null).steps)).toEqual(['click', 'fail']);

    const w2 = step(wait);
    const trailing = endWithFinish([step(click(1, 1)), step(wait), w2], null);
    expect(kinds(trailing.steps)).toEqual(['click', 'finish']);
    expect(trailing.steps[1]!.frame).toBe(w2.frame); // the screen the person left
    expect(trailing.counts).toEqual({ finishAdded: 1, trailingWaits: 1 });

    const cut = endWithFinish([step(click(1, 1))], 99_999);
    expect(kinds(cut.steps)).toEqual(['click', 'finish']);
    expect(cut.steps[1]).toMatchObject({ time: 99_999, frame: null });
  });

  it('4: press + drag to → drag, or a click when the pointer moved ≤ 5 px (Manhattan)', () => {
    const press = step({ kind: 'press', at: { x: 100, y: 100 } }, { element: { name: 'Slider', rect: null } });
    const shaky = mergeDrags([press, step({ kind: 'drag_to', at: { x: 103, y: 102 } }), step(finish)]);
    expect(shaky.steps.map((s) => s.action)).toEqual([click(100, 100), finish]);
    expect(shaky.steps[0]).toMatchObject({ frame: press.frame, time: press.time, element: { name: 'Slider' } });
    expect(shaky.steps[0]!.sourceIds).toHaveLength(2);
    expect(shaky.counts).toMatchObject({ drags: 0, dragsToClicks: 1 });

    const real = mergeDrags([press, step({ kind: 'drag_to', at: { x: 104, y: 102 } })]);
    expect(real.steps.map((s) => s.action)).toEqual([
      { kind: 'drag', from: { x: 100, y: 100 }, to: { x: 104, y: 102 } },
    ]);
    expect(real.counts).toMatchObject({ drags: 1, dragsToClicks: 0 });

    const orphans = mergeDrags([step({ kind: 'drag_to', at: { x: 1, y: 1 } }), press, step(key('a'))]);
    expect(orphans.steps.map((s) => s.action)).toEqual([click(100, 100), key('a')]);
    expect(orphans.counts).toMatchObject({ unpairedPresses: 1, unpairedDragTos: 1 });
  });

  it('5: removes leading waits, lone ctrl/shift before a hotkey / ctrl / shift / typing, and ctrl-then-shift pairs', () => {
    const hotkey: Action = { kind: 'hotkey', keys: ['ctrl', 's'] };
    const type: Action = { kind: 'type', text: 'Hello' };
    const r = removeRedundant(
      [
        wait,
        wait,
        click(1, 1),
        wait,
        key('ctrl'),
        hotkey,
        key('shift'),
        type,
        key('ctrl'),
        key('shift'),
        click(2, 2),
        key('ctrl'),
        key('ctrl'),
        hotkey,
        key('ctrl'),
        click(3, 3),
        key('shift'),
        finish,
      ].map((a) => step(a)),
    );
    expect(kinds(r.steps)).toEqual([
      'click',
      'wait',
      'hotkey',
      'type',
      'click',
      'hotkey',
      'key ctrl',
      'click',
      'key shift',
      'finish',
    ]);
    expect(r.counts).toEqual({ leadingWaits: 2, loneModifiers: 4, ctrlShiftPairs: 2 });
  });

  it("6: a wait or click whose frame is identical to the next action's frame is removed", () => {
    const a = frame('same');
    const b = frame('same');
    const c = frame('same');
    const steps = [
      step(click(1, 1), { frame: a }),
      step(wait, { frame: b }),
      step(key('a'), { frame: c }),
      step(key('b'), { frame: c }),
      step(click(5, 5), { frame: frame('x') }),
      step(finish, { frame: frame('y') }),
    ];
    const r = removeMeaningless(steps, (x, y) => x.sha256 === y.sha256);
    expect(kinds(r.steps)).toEqual(['key a', 'key b', 'click', 'finish']);
    expect(r.counts).toEqual({ meaninglessWaits: 1, meaninglessClicks: 1 });
    // the predicate decides for different rows; the last action always stays
    const lastWait = [step(click(1, 1)), step(wait, { frame: a })];
    expect(kinds(removeMeaningless(lastWait, () => true).steps)).toEqual(['wait']);
  });

  it('7: rescales 2560×1440 coordinates and rects to 1920×1080', () => {
    const big = frame('b', 2560, 1440);
    const element: ElementInfo = { name: 'OK', rect: { left: 100, top: 200, right: 2560, bottom: 1440 } };
    const r = rescale(
      [
        step(click(1280, 720), { frame: big, element }),
        step({ kind: 'drag', from: { x: 0, y: 0 }, to: { x: 2559, y: 1439 } }, { frame: big }),
        step({ kind: 'scroll', dx: 0, dy: -3 }, { frame: big }),
        step(click(7, 7), { frame: frame('s') }),
        step(click(9, 9), { frame: null, size: null }),
      ],
      { width: 1920, height: 1080 },
    );
    expect(r.steps.map((s) => s.action)).toEqual([
      click(960, 540),
      { kind: 'drag', from: { x: 0, y: 0 }, to: { x: 1919, y: 1079 } },
      { kind: 'scroll', dx: 0, dy: -3 },
      click(7, 7),
      click(9, 9),
    ]);
    expect(r.steps[0]!.element).toEqual({ name: 'OK', rect: { left: 75, top: 150, right: 1920, bottom: 1080 } });
    expect(r.steps[0]!.size).toEqual({ width: 1920, height: 1080 });
    expect(r.counts).toEqual({ rescaledActions: 3 });
  });

  it('8: removes actions on the own window: recorded flag, recorded rects (scaled), colour heuristic only without a record', () => {
    const steps = [
      step(click(10, 10)),
      step(click(900, 900), { extra: { ownWindow: true } }),
      step(click(1800, 100)),
      step({ kind: 'drag', from: { x: 1850, y: 50 }, to: { x: 10, y: 10 } }),
      step(finish),
    ];
    // recorded at 2560×1440, actions already at 1920×1080: the rect scales to 1800..1920 × 0..150
    const recorded = removeOwnWindow(steps, {
      excludedWindows: [{ left: 2400, top: 0, right: 2560, bottom: 200 }],
      screen: { width: 2560, height: 1440 },
      colourDominated: () => true,
    });
    expect(kinds(recorded.steps)).toEqual(['click', 'finish']);
    expect(recorded.counts).toEqual({ ownWindow: 3 });

    const dominated = steps[0]!.frame!;
    const heuristic = removeOwnWindow(steps, {
      excludedWindows: null,
      screen: null,
      colourDominated: (f) => f.id === dominated.id,
    });
    expect(kinds(heuristic.steps)).toEqual(['click', 'drag', 'finish']); // flag + colour
    expect(kinds(removeOwnWindow(steps, { excludedWindows: null, screen: null }).steps)).toHaveLength(4);
  });

  it('parses --size and --own-window-colour', () => {
    expect(parseSize('2560x1440')).toEqual({ width: 2560, height: 1440 });
    expect(parseSize('1280×720')).toEqual({ width: 1280, height: 720 });
    expect(() => parseSize('big')).toThrow(/not a frame size/);
    expect(parseColour('#1E1E1E')).toEqual({ hex: '#1e1e1e', r: 30, g: 30, b: 30 });
    expect(() => parseColour('red')).toThrow(/not a colour/);
  });
});

// ── with a library ──────────────────────────────────────────────────────────────────────

let home: string;
let lib: Library;
useTempLibrary(
  () => openTempLibrary('refine'),
  (t) => ({ home, lib } = t),
);

function hashTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!fs.existsSync(dir)) return out;
  for (const f of fs.readdirSync(dir, { recursive: true }) as string[]) {
    const abs = path.join(dir, f);
    if (fs.statSync(abs).isFile()) out[f] = crypto.createHash('sha256').update(fs.readFileSync(abs)).digest('hex');
  }
  return out;
}

function rowCounts(): Record<string, number> {
  const n = (t: string) => (lib.db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n;
  return { recordings: n('recordings'), frames: n('frames'), actions: n('actions') };
}

async function solid(width: number, height: number, colour: string, compressionLevel = 6): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: colour } })
    .png({ compressionLevel })
    .toBuffer();
}

interface HandStep {
  action: Action;
  image?: Buffer | null;
  element?: ElementInfo | null;
  extra?: Record<string, unknown>;
}

/** A finished raw recording made by hand: each step's image becomes its own frame. */
function handRecording(
  steps: HandStep[],
  o: { description?: string | null; meta?: Record<string, unknown>; width?: number; height?: number } = {},
): Recording {
  const rec = lib.createRecording({
    kind: 'human',
    mode: 'free',
    description: o.description === undefined ? 'a task' : o.description,
    status: 'finished',
    source: 'test',
    startedAt: 1_700_000_000_000,
    utcOffsetMin: 0,
    screen: {
      logicalWidth: o.width ?? 64,
      logicalHeight: o.height ?? 36,
      physicalWidth: o.width ?? 64,
      physicalHeight: o.height ?? 36,
      scaleFactor: 1,
    },
    meta: o.meta ?? {},
  });
  steps.forEach((s, i) => {
    let frameId: number | null = null;
    if (s.image) {
      const f: Frame = lib.saveFrame(rec.id, `${i + 1}.png`, s.image, {
        format: 'png',
        width: o.width ?? 64,
        height: o.height ?? 36,
      });
      frameId = f.id;
    }
    lib.appendAction(rec.id, {
      time: 1_700_000_000_000 + i * 1000,
      action: s.action,
      element: s.element ?? null,
      frameId,
      extra: s.extra,
    });
  });
  return lib.updateRecording(rec.id, { endedAt: 1_700_000_000_000 + steps.length * 1000 });
}

async function pixel(file: string, x: number, y: number): Promise<[number, number, number]> {
  const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const i = (y * info.width + x) * info.channels;
  return [data[i]!, data[i + 1]!, data[i + 2]!];
}

describe('refine (library)', () => {
  it('refines the imported fixture into a refined child: 8 actions, marked frames, raw rows and files untouched', async () => {
    await importTrackerFolder(lib, FIXTURE_DIR);
    const raw = lib.getRecording(1);
    const rawActions = lib.listActions(1);
    const rawFiles = hashTree(lib.recordingDir(1));
    const report = await refineRecordings(lib, refinableRecordings(lib));

    expect(report.recordings).toMatchObject([{ status: 'refined', id: 1, refinedId: 2, actionsIn: 8, actionsOut: 8 }]);
    expect(report.statistics).toMatchObject({
      records: 1,
      refined: 1,
      meanActionsPerRecord: 8,
      maxActionsPerRecord: 8,
    });
    expect(report.statistics.steps.markedFrames).toBe(6);
    const child = lib.getRecording(2);
    expect(child).toMatchObject({
      stage: 'refined',
      parentId: 1,
      kind: raw.kind,
      mode: raw.mode,
      name: raw.name,
      description: raw.description,
      level: raw.level,
      status: raw.status,
      utcOffsetMin: raw.utcOffsetMin,
      startedAt: raw.startedAt,
      meta: {
        refine: {
          version: 1,
          complete: true,
          options: { size: '1920x1080', keepFailed: false, ownWindowColour: null, comparePixels: false },
        },
      },
    });
    const actions = lib.listActions(2);
    expect(actions.map((a) => a.action)).toEqual(rawActions.map((a) => a.action));
    for (const [i, a] of actions.entries()) {
      // unchanged 1920×1080 frames are the raw recording's rows
      expect(a.frameId).toBe(rawActions[i]!.frameId);
      const marked = lib.getFrame(a.markedFrameId!);
      expect(fs.existsSync(lib.absolutePath(marked.path))).toBe(true);
      if (a.action.kind === 'click') {
        expect(marked).toMatchObject({ recordingId: 2, role: 'marked', width: 1920, height: 1080 });
        expect(marked.sha256).not.toBe(lib.getFrame(a.frameId!).sha256);
      } else {
        expect(a.markedFrameId).toBe(a.frameId); // type, finish: as in the reference
      }
    }
    expect(hashTree(lib.recordingDir(1))).toEqual(rawFiles);
    expect(lib.listActions(1)).toEqual(rawActions);
    expect(lib.getRecording(1)).toEqual(raw);
  });

  it('is idempotent: a second run changes no row and no file', async () => {
    await importTrackerFolder(lib, FIXTURE_DIR);
    await refineRecordings(lib, refinableRecordings(lib));
    const rows = rowCounts();
    const files = hashTree(home + '/frames');
    const again = await refineRecordings(lib, refinableRecordings(lib));
    expect(again.recordings).toEqual([
      { status: 'already refined', id: 1, name: FIXTURE_NAME, refinedId: 2, actions: 8 },
    ]);
    expect(again.statistics).toMatchObject({ refined: 0, alreadyRefined: 1, meanActionsPerRecord: 8 });
    expect(rowCounts()).toEqual(rows);
    expect(hashTree(home + '/frames')).toEqual(files);
    // a refined recording itself refines nothing
    const direct = await refineRecordings(lib, [lib.getRecording(2)]);
    expect(direct.recordings).toEqual([
      { status: 'skipped', id: 2, name: FIXTURE_NAME, reason: 'already a refined recording (of 1)' },
    ]);
    expect(rowCounts()).toEqual(rows);
  });

  it('resumes: a child left incomplete by a crash is deleted and redone', async () => {
    const rec = handRecording([
      { action: click(10, 10), image: await solid(64, 36, '#336699') },
      { action: finish, image: await solid(64, 36, '#993366') },
    ]);
    // the crash: a child with one marked frame written, no actions, not complete
    const crashed = createChild(lib, rec, {
      size: { width: 64, height: 36 },
      keepFailed: false,
      ownWindowColour: null,
      comparePixels: false,
      keepOwnWindow: false,
    });
    await saveChildFrame(
      lib,
      crashed.id,
      '1_marked',
      { data: await solid(64, 36, '#ff0000'), format: 'png', width: 64, height: 36 },
      'marked',
    );
    const report = await refineRecordings(lib, [rec], { size: { width: 64, height: 36 } });
    expect(report.recordings[0]).toMatchObject({ status: 'refined', redone: [crashed.id] });
    const children = lib.listRecordings({ parentId: rec.id });
    expect(children).toHaveLength(1); // (SQLite may give the new child the crashed one's id)
    expect(children[0]!.meta.refine).toMatchObject({ complete: true });
    expect(lib.listActions(children[0]!.id)).toHaveLength(2);
    const frames = lib.listFrames(children[0]!.id);
    expect(frames).toHaveLength(1); // the new marked frame only, not the crashed run's
    expect(await pixel(lib.absolutePath(frames[0]!.path), 0, 0)).toEqual([0x33, 0x66, 0x99]);
  });

  it('rescales 2560×1440 frames to 1920×1080 with coordinates and rects, and marks the rescaled frame', async () => {
    const rec = handRecording(
      [
        {
          action: click(1280, 720),
          image: await solid(2560, 1440, '#808080', 1),
          element: { name: 'B', rect: { left: 1200, top: 600, right: 1400, bottom: 800 } },
        },
        { action: { kind: 'type', text: 'hi' }, image: await solid(2560, 1440, '#707070', 1) },
        { action: finish, image: await solid(2560, 1440, '#606060', 1) },
      ],
      { width: 2560, height: 1440 },
    );
    const before = hashTree(lib.recordingDir(rec.id));
    const report = await refineRecordings(lib, [rec]);
    expect(report.recordings[0]).toMatchObject({
      status: 'refined',
      counts: { rescaledActions: 3, rescaledFrames: 3, markedFrames: 1 },
    });
    const child = lib.getRecording((report.recordings[0] as { refinedId: number }).refinedId);
    expect(child.screen).toMatchObject({ physicalWidth: 1920, physicalHeight: 1080 });
    const actions = lib.listActions(child.id);
    expect(actions[0]).toMatchObject({
      action: click(960, 540),
      element: { name: 'B', rect: { left: 900, top: 450, right: 1050, bottom: 600 } },
    });
    for (const a of actions) {
      const f = lib.getFrame(a.frameId!);
      expect(f).toMatchObject({ recordingId: child.id, width: 1920, height: 1080, role: 'screen' });
      expect(await sharp(lib.absolutePath(f.path)).metadata()).toMatchObject({ width: 1920, height: 1080 });
    }
    const marked = lib.absolutePath(lib.getFrame(actions[0]!.markedFrameId!).path);
    expect(await pixel(marked, 960, 540)).toEqual([255, 0, 0]); // the dot at the rescaled point
    expect(await pixel(marked, 960 + 17, 540)).toEqual([255, 0, 0]); // the ring
    expect(await pixel(marked, 1500, 900)).toEqual([128, 128, 128]);
    expect(hashTree(lib.recordingDir(rec.id))).toEqual(before);
  });

  it('removes a meaningless wait when frames have the same pixels but different files (other encoder)', async () => {
    const steps = async (): Promise<HandStep[]> => [
      { action: click(5, 5), image: await solid(64, 36, '#101010') },
      { action: wait, image: await solid(64, 36, '#202020', 9) },
      { action: key('a'), image: await solid(64, 36, '#202020', 0) },
      { action: finish, image: await solid(64, 36, '#303030') },
    ];
    const size = { width: 64, height: 36 };
    const a = handRecording(await steps());
    const pixels = await refineRecordings(lib, [a], { size, comparePixels: true });
    expect(pixels.recordings[0]).toMatchObject({
      actionsOut: 3,
      counts: { meaninglessWaits: 1, meaninglessClicks: 0 },
    });
    const b = handRecording(await steps());
    const hashOnly = await refineRecordings(lib, [b], { size });
    expect(hashOnly.recordings[0]).toMatchObject({ actionsOut: 4, counts: { meaninglessWaits: 0 } });
  });

  it('drops records without a description or ending in fail; --keep-failed keeps the latter', async () => {
    const img = await solid(64, 36, '#445566');
    const end = await solid(64, 36, '#556677');
    const size = { width: 64, height: 36 };
    const nonTask = handRecording(
      [
        { action: click(1, 1), image: img },
        { action: finish, image: end },
      ],
      { description: null },
    );
    const failed = handRecording([
      { action: click(1, 1), image: img },
      { action: { kind: 'fail' }, image: end },
    ]);
    const report = await refineRecordings(lib, [nonTask, failed], { size });
    expect(report.recordings).toMatchObject([
      { status: 'dropped', id: nonTask.id, reason: 'no description' },
      { status: 'dropped', id: failed.id, reason: 'ends in fail' },
    ]);
    expect(report.statistics).toMatchObject({ records: 2, dropped: 2, refined: 0 });
    expect(lib.listRecordings({ stage: 'refined' })).toEqual([]);
    const kept = await refineRecordings(lib, [failed], { size, keepFailed: true });
    expect(kept.recordings[0]).toMatchObject({ status: 'refined', actionsOut: 2 });
    const child = lib.getRecording((kept.recordings[0] as { refinedId: number }).refinedId);
    expect(lib.listActions(child.id).map((x) => x.action.kind)).toEqual(['click', 'fail']);
  });

  it('removes own-window actions: recorded rects, and the colour heuristic only when asked for', async () => {
    const size = { width: 64, height: 36 };
    const grey = await solid(64, 36, '#808080');
    const tracker = await solid(64, 36, '#1e90ff');
    const recorded = handRecording(
      [
        { action: click(60, 2), image: grey },
        { action: click(5, 30), image: await solid(64, 36, '#818181') },
        { action: finish, image: grey },
      ],
      { meta: { excludedWindows: [{ id: 7, rect: { left: 48, top: 0, right: 64, bottom: 10 } }] } },
    );
    const r1 = await refineRecordings(lib, [recorded], { size });
    expect(r1.recordings[0]).toMatchObject({ actionsOut: 2, counts: { ownWindow: 1 } });
    const childId = (r1.recordings[0] as { refinedId: number }).refinedId;
    expect(lib.getRecording(childId).meta.excludedWindows).toBeUndefined();

    const imported = handRecording([
      { action: click(30, 20), image: tracker },
      { action: click(5, 30), image: grey },
      { action: finish, image: tracker },
    ]);
    const off = await refineRecordings(lib, [imported], { size });
    expect(off.recordings[0]).toMatchObject({ actionsOut: 3, counts: { ownWindow: 0 } });
    const on = await refineRecordings(lib, [imported], { size, ownWindowColour: '#1E90FF' });
    expect(on.recordings[0]).toMatchObject({ status: 'refined', actionsOut: 2, counts: { ownWindow: 1 } });
    // another option set is another child; both stay
    expect(lib.listRecordings({ parentId: imported.id })).toHaveLength(2);
  });

  it('a recording whose frame cannot be decoded fails alone, leaving no child; the others are refined', async () => {
    const size = { width: 64, height: 36 };
    const bad = handRecording([
      { action: click(5, 5), image: await solid(64, 36, '#123456') },
      { action: finish, image: await solid(64, 36, '#654321') },
    ]);
    const good = handRecording([
      { action: click(5, 5), image: await solid(64, 36, '#123456') },
      { action: finish, image: await solid(64, 36, '#654321') },
    ]);
    fs.writeFileSync(lib.absolutePath(lib.getFrame(lib.listActions(bad.id)[0]!.frameId!).path), 'not a png');
    const report = await refineRecordings(lib, [bad, good], { size });
    expect(report.recordings).toMatchObject([
      { status: 'error', id: bad.id },
      { status: 'refined', id: good.id, actionsOut: 2 },
    ]);
    expect(report.statistics).toMatchObject({ records: 2, refined: 1, errors: 1 });
    expect(lib.listRecordings({ parentId: bad.id })).toEqual([]);
  });

  it('exports a refined recording in the pc-tracker format with its screenshots and marked screenshots', async () => {
    await importTrackerFolder(lib, FIXTURE_DIR);
    await refineRecordings(lib, refinableRecordings(lib));
    const out = tempDir('refine-export');
    const result = exportTrackerRecording(lib, lib.getRecording(2), out);
    expect(result.actions).toBe(8);
    const lines = fs
      .readFileSync(path.join(out, `${FIXTURE_NAME}.jsonl`), 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { action: string; screenshot: string | null; marked_screenshot: string | null });
    expect(lines[2]!.action).toBe('click (407, 275)');
    for (const l of lines) {
      expect(l.screenshot).not.toBeNull();
      expect(fs.existsSync(path.join(out, l.screenshot!))).toBe(true);
      expect(fs.existsSync(path.join(out, l.marked_screenshot!))).toBe(true);
    }
    expect(lines[2]!.marked_screenshot).toMatch(/_marked\.png$/);
    expect(lines[4]!.marked_screenshot).toBe(lines[4]!.screenshot); // type: no marks
    // The reference data is already refined: refining it again gives its own files back.
    for (const file of [`${FIXTURE_NAME}.jsonl`, `${FIXTURE_NAME}.md`]) {
      expect(fs.readFileSync(path.join(out, file), 'utf8')).toBe(fs.readFileSync(path.join(FIXTURE_DIR, file), 'utf8'));
    }
    fs.rmSync(out, { recursive: true, force: true });
  });
});

describe('pcagent refine', () => {
  it('refine --all --json end to end; a second run refines nothing; usage errors', () => {
    const env = { PCAGENT_HOME: home };
    expect(pcagent(['import', FIXTURE_DIR], env).status).toBe(0);
    const first = pcagent(['--json', 'refine', '--all'], env);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    const report = JSON.parse(first.stdout) as {
      recordings: { status: string; refinedId: number }[];
      statistics: Record<string, unknown>;
    };
    expect(report.recordings).toMatchObject([{ status: 'refined', id: 1, refinedId: 2, actionsOut: 8 }]);
    expect(report.statistics).toMatchObject({
      records: 1,
      refined: 1,
      meanActionsPerRecord: 8,
      maxActionsPerRecord: 8,
      steps: { markedFrames: 6 },
    });

    const second = pcagent(['refine', '--all'], env);
    expect(second.status).toBe(0);
    expect(second.stdout).toContain(`already refined: recording 1 ${FIXTURE_NAME} (refined recording 2, 8 actions)`);
    expect(second.stdout).toMatch(/records: 1 selected, 0 refined, 1 already refined/);
    expect(pcagent(['refine', '2'], env).stdout).toContain('skipped recording 2');

    const bad = pcagent(['refine', '--all', '--size', 'huge'], env);
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim()).toMatch(/^pcagent: "huge" is not a frame size/);
    expect(pcagent(['refine'], env).status).toBe(2);
    expect(pcagent(['refine', '99'], env)).toMatchObject({ status: 1, stderr: 'pcagent: no recording with id 99\n' });
  });
});

describe("refine: the reference tracker's own window in imported data", () => {
  /** A 1920×1080 frame of the tracker's #f0f0f0 background; `share` of each corner region matches. */
  async function trackerFrame(share = 1, seed = 0): Promise<Buffer> {
    const width = 1920;
    const height = 1080;
    const data = Buffer.alloc(width * height * 3, 0xf0);
    const paint = (x: number, y: number) => data.fill(0x20, (y * width + x) * 3, (y * width + x) * 3 + 3);
    // Spoil (1 - share) of every sample region: whole rows of its 100×100 pixels.
    const spoiled = Math.round((1 - share) * 100);
    for (const [left, top] of [
      [0, 40],
      [width - 100, 40],
      [0, height - 180],
      [width - 100, height - 180],
    ] as const) {
      for (let y = top; y < top + spoiled; y++) for (let x = left; x < left + 100; x++) paint(x, y);
    }
    // Something different in the middle of each frame, so frames are not identical.
    for (let x = 900; x < 900 + 10 + seed * 7; x++) paint(x, 500);
    return sharp(data, { raw: { width, height, channels: 3 } })
      .png()
      .toBuffer();
  }

  it('tells tracker frames by the exact rule: 83 KB, four regions, 80 % exactly #f0f0f0', async () => {
    const dir = tempDir('tracker');
    const write = async (name: string, data: Buffer) => {
      fs.writeFileSync(path.join(dir, name), data);
      return path.join(dir, name);
    };
    expect(await isReferenceTrackerFrame(await write('all.png', await trackerFrame()))).toBe(true);
    expect(await isReferenceTrackerFrame(await write('80.png', await trackerFrame(0.8)))).toBe(true);
    expect(await isReferenceTrackerFrame(await write('79.png', await trackerFrame(0.79)))).toBe(false);
    expect(await isReferenceTrackerFrame(await write('grey.png', await solid(1920, 1080, '#f1f0f0')))).toBe(false);
    // Same pixels, but a file over 83 KB (uncompressed PNG): not the tracker.
    const big = await sharp(await trackerFrame())
      .png({ compressionLevel: 0 })
      .toBuffer();
    expect(big.byteLength / 1024).toBeGreaterThan(83);
    expect(await isReferenceTrackerFrame(await write('big.png', big))).toBe(false);
    // The fixture's real frames are not the tracker.
    const shots = path.join(FIXTURE_DIR, 'screenshot');
    for (const f of fs.readdirSync(shots)) expect(await isReferenceTrackerFrame(path.join(shots, f))).toBe(false);
  });

  it('removes middle runs with the step before them, cuts a final run and moves the final action back', async () => {
    const dir = tempDir('fixture');
    fs.cpSync(FIXTURE_DIR, dir, { recursive: true });
    for (const f of fs.readdirSync(dir, { recursive: true }) as string[]) fs.chmodSync(path.join(dir, f), 0o755);
    const shots = path.join(dir, 'screenshot');
    // Step 3 shows the tracker (a middle run); steps 7 and 8 too (a run to the end).
    for (const [name, seed] of [
      ['20241126_161524_3', 1],
      ['20241126_161538_7', 2],
      ['20241126_161540_8', 3],
    ] as const) {
      const png = await trackerFrame(1, seed);
      fs.writeFileSync(path.join(shots, `${name}.png`), png);
      if (fs.existsSync(path.join(shots, `${name}_marked.png`)))
        fs.writeFileSync(path.join(shots, `${name}_marked.png`), png);
    }
    await importTrackerFolder(lib, dir);
    const report = await refineRecordings(lib, [lib.getRecording(1)]);
    expect(report.recordings[0]).toMatchObject({ status: 'refined', actionsIn: 8, actionsOut: 4 });
    const refined = lib.listActions(2);
    expect(refined.map((a) => interchangeText(a.action))).toEqual([
      'click (828, 1075)',
      'click (1048, 546)',
      'type text: Hello, world',
      'finish',
    ]);
    // The finish took the place of the last kept step (the Close click), without an element.
    expect(refined[3]!.element).toBeNull();
    expect(refined[3]!.time).toBe(lib.listActions(1)[5]!.time);

    const kept = await refineRecordings(lib, [lib.getRecording(1)], { keepOwnWindow: true });
    expect(kept.recordings[0]).toMatchObject({ status: 'refined', actionsOut: 8 });
  });
});
