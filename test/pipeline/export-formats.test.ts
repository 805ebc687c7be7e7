import fs from 'node:fs';
import path from 'node:path';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema } from 'hyparquet';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  parsePlannerAnswer,
  PLANNER_HISTORY_STEPS,
  plannerSystemPrompt,
  plannerTarget,
  plannerUserPrompt,
} from '../../src/agents/planner/prompt.js';
import type { Action } from '../../src/core/actions.js';
import { type Library, sha256 } from '../../src/library/library.js';
import { exportableRecordings, exportRecordings } from '../../src/pipeline/export/index.js';
import { COLUMNS, PARQUET_FILE, parquetSchema as ourSchema } from '../../src/pipeline/export/parquet.js';
import { DATASET_INFO_ENTRY, SHAREGPT_FILE, type ShareGptRecord } from '../../src/pipeline/export/sharegpt.js';
import { plannerForm, recordingSteps } from '../../src/pipeline/export/steps.js';
import { pcagent } from '../support/cli.js';
import { tempDir } from '../support/fixture.js';
import { useTempLibrary } from '../support/hooks.js';
import { completedFixture, DESCRIPTIONS, FIXTURE_TOTALS, INCOMPLETE, THOUGHTS } from './export-setup.js';

let home: string;
let out: string;
let lib: Library;
useTempLibrary(
  () => completedFixture('export-home'),
  (t) => ({ home, lib } = t),
);
beforeEach(() => {
  out = tempDir('export-out');
});
afterEach(() => {
  fs.rmSync(out, { recursive: true, force: true });
});

const frameBytes = (frameId: number | null) => fs.readFileSync(lib.absolutePath(lib.getFrame(frameId!).path));

describe('planner prompt', () => {
  it('writes the target as <thought>, a blank line and Action: <planner form>, and reads it back', () => {
    const actions: Action[] = [
      { kind: 'click', target: "the 'Insert' tab" },
      { kind: 'right_click', target: 'the slide thumbnail' },
      { kind: 'double_click', target: 'the word "Hello"' },
      { kind: 'drag', from: { x: 1, y: 2 }, to: { x: 30, y: 40 } },
      { kind: 'scroll', dx: 0, dy: -3 },
      { kind: 'key', key: 'enter' },
      { kind: 'hotkey', keys: ['ctrl', 's'] },
      { kind: 'type', text: 'Hello, world' },
      { kind: 'wait' },
      { kind: 'finish' },
      { kind: 'fail' },
    ];
    for (const action of actions) {
      const target = plannerTarget({ thought: 'I do this now.', action });
      expect(target).toMatch(/^I do this now\.\n\nAction: \S/);
      expect(parsePlannerAnswer(target)).toEqual({ ok: true, thought: 'I do this now.', action });
    }
    expect(plannerTarget({ thought: null, action: { kind: 'hotkey', keys: ['ctrl', 's'] } })).toBe(
      'Action: hotkey (Ctrl, S)',
    );
    expect(parsePlannerAnswer('Thought: fine\n**Action:** press key: enter')).toEqual({
      ok: true,
      thought: 'fine',
      action: { kind: 'key', key: 'enter' },
    });
    expect(parsePlannerAnswer('no action here')).toMatchObject({
      ok: false,
      problem: expect.stringContaining('Action:'),
    });
    expect(parsePlannerAnswer('x\n\nAction: click (1, 2)')).toMatchObject({
      ok: false,
      problem: expect.stringContaining('click (1, 2)'),
    });
  });

  it('shows the task, the last 10 steps numbered as in the trajectory, and re-plan hints', () => {
    const history = Array.from({ length: 13 }, (_, i) => ({
      thought: i % 2 ? null : `thought ${i + 1}`,
      action: `type text: s${i + 1}`,
    }));
    const text = plannerUserPrompt({ task: 'make a slide', history, notFound: ["the 'New' button"] });
    expect(text).toContain('Task: make a slide');
    expect(text).not.toContain('Step 3:');
    expect(text).toContain('Step 4:\nAction: type text: s4');
    expect(text).toContain('Step 13:\nThought: thought 13\nAction: type text: s13');
    expect(text.match(/^Step \d+:/gm)).toHaveLength(PLANNER_HISTORY_STEPS);
    expect(text).toContain("- the 'New' button");
    expect(text).toMatch(/screenshot.*follows.*\?$/);
    // A caller that already dropped the older steps says where the history starts.
    expect(plannerUserPrompt({ task: 't', history: history.slice(3), firstStep: 4 })).toBe(
      plannerUserPrompt({ task: 't', history }),
    );
    expect(plannerUserPrompt({ task: '', history: [] })).toContain('none, this is the first step');
    expect(plannerSystemPrompt()).toContain('click element: <target>');
  });
});

describe('step model', () => {
  it('gives clicks their description as planner form, and falls back to the recorded form without one', () => {
    expect(plannerForm({ kind: 'click', at: { x: 5, y: 6 } }, ' the OK button ')).toEqual({
      text: 'click element: the OK button',
      complete: true,
    });
    expect(plannerForm({ kind: 'double_click', at: { x: 5, y: 6 } }, null)).toEqual({
      text: 'double click (5, 6)',
      complete: false,
    });
    expect(plannerForm({ kind: 'press', at: { x: 5, y: 6 } }, null)).toEqual({ text: 'press (5, 6)', complete: false });
    expect(plannerForm({ kind: 'key', key: 'enter' }, null)).toEqual({ text: 'press key: enter', complete: true });
  });

  it('walks a recording in order with task, thought, plain frame and ≤ 10 earlier steps', () => {
    const steps = recordingSteps(lib, lib.getRecording(1));
    expect(steps.map((s) => s.planner.complete)).toEqual([true, true, true, false, true, false, false, true]);
    expect(steps[2]!.planner.text).toBe(`click element: ${DESCRIPTIONS[2]}`);
    expect(steps[3]!.planner.text).toBe('click (1048, 546)');
    expect(steps[0]!.task).toBe('create a new blank slide with title "Hello, world" on desktop.');
    expect(steps[4]!.history).toEqual([
      { thought: THOUGHTS[0], action: `click element: ${DESCRIPTIONS[0]}` },
      { thought: THOUGHTS[1], action: `click element: ${DESCRIPTIONS[1]}` },
      { thought: null, action: `click element: ${DESCRIPTIONS[2]}` },
      { thought: null, action: 'click (1048, 546)' },
    ]);
    expect(steps[0]!.frame!.id).toBe(steps[0]!.record.frameId);
    expect(steps[0]!.markedFrame!.id).toBe(steps[0]!.record.markedFrameId);
    expect(steps[4]!.markedFrame).toBeNull(); // the type action's marked frame is its plain frame
    expect(steps[7]!.elapsedMs).toBe(steps[7]!.record.time - steps[0]!.record.time);
    expect(recordingSteps(lib, lib.getRecording(1), { marked: true })[0]!.frame!.id).toBe(
      steps[0]!.record.markedFrameId,
    );
  });

  it('--all prefers the complete refined version of a recording and skips an incomplete one', () => {
    const raw = lib.getRecording(1);
    const child = (complete: boolean) =>
      lib.createRecording({
        kind: 'human',
        mode: raw.mode,
        stage: 'refined',
        name: raw.name,
        description: raw.description,
        status: 'finished',
        source: 'refine:1',
        parentId: 1,
        meta: { refine: { complete } },
      });
    expect(exportableRecordings(lib).map((r) => r.id)).toEqual([1]);
    child(false);
    expect(exportableRecordings(lib).map((r) => r.id)).toEqual([1]);
    const done = child(true);
    expect(exportableRecordings(lib).map((r) => r.id)).toEqual([done.id]);
  });
});

describe('sharegpt export', () => {
  it('writes one LLaMA-Factory record per step with its plain screenshot and the dataset_info entry', async () => {
    fs.writeFileSync(path.join(out, 'dataset_info.json'), JSON.stringify({ other: { file_name: 'other.json' } }));
    const report = await exportRecordings(lib, [lib.getRecording(1)], 'sharegpt', out);
    expect(report.totals).toEqual(FIXTURE_TOTALS);
    expect(report.files).toEqual([path.join(out, SHAREGPT_FILE), path.join(out, 'dataset_info.json')]);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'dataset_info.json'), 'utf8'))).toEqual({
      other: { file_name: 'other.json' },
      pcagent: DATASET_INFO_ENTRY,
    });

    const lines = fs.readFileSync(path.join(out, SHAREGPT_FILE), 'utf8').trimEnd().split('\n');
    const records = lines.map((l) => JSON.parse(l) as ShareGptRecord);
    const actions = lib.listActions(1);
    expect(records).toHaveLength(8);
    records.forEach((rec, i) => {
      expect(Object.keys(rec)).toEqual(['messages', 'images']);
      expect(rec.messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant']);
      expect(rec.messages[0]!.content).toBe(plannerSystemPrompt());
      const placeholders = rec.messages.map((m) => m.content.split('<image>').length - 1).reduce((a, b) => a + b);
      expect(placeholders).toBe(rec.images.length);
      expect(rec.images).toEqual([`images/free_task_20241126_161517_r1_${i + 1}.png`]);
      expect(fs.readFileSync(path.join(out, rec.images[0]!)).equals(frameBytes(actions[i]!.frameId))).toBe(true);
      expect(rec.messages[1]!.content.endsWith('\n<image>')).toBe(true);
    });
    expect(records[0]!.messages[2]!.content).toBe(`${THOUGHTS[0]}\n\nAction: click element: ${DESCRIPTIONS[0]}`);
    expect(records[3]!.messages[2]!.content).toBe('Action: click (1048, 546)');
    expect(records[4]!.messages[2]!.content).toBe(`${THOUGHTS[4]}\n\nAction: type text: Hello, world`);
    expect(records[7]!.messages[2]!.content).toBe(`${THOUGHTS[7]}\n\nAction: finish`);
    expect(records[1]!.messages[1]!.content).toContain(
      `Step 1:\nThought: ${THOUGHTS[0]}\nAction: click element: ${DESCRIPTIONS[0]}`,
    );
    expect(fs.readdirSync(path.join(out, 'images'))).toHaveLength(8);
    expect(fs.readdirSync(out).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('--marked uses the marked frames where there are some', async () => {
    await exportRecordings(lib, [lib.getRecording(1)], 'sharegpt', out, { marked: true });
    const records = fs
      .readFileSync(path.join(out, SHAREGPT_FILE), 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as ShareGptRecord);
    const actions = lib.listActions(1);
    expect(records[0]!.images).toEqual(['images/free_task_20241126_161517_r1_1_marked.png']);
    expect(fs.readFileSync(path.join(out, records[0]!.images[0]!)).equals(frameBytes(actions[0]!.markedFrameId))).toBe(
      true,
    );
    expect(records[4]!.images).toEqual(['images/free_task_20241126_161517_r1_5.png']); // no separate marked copy
  });

  it('refuses to overwrite a dataset_info.json it cannot read, before writing anything', async () => {
    fs.writeFileSync(path.join(out, 'dataset_info.json'), '{broken');
    await expect(exportRecordings(lib, [lib.getRecording(1)], 'sharegpt', out)).rejects.toThrow(
      /dataset_info\.json exists but is not valid JSON/,
    );
    expect(fs.readdirSync(out)).toEqual(['dataset_info.json']);
  });
});

describe('parquet export', () => {
  it('writes one row per step with the image struct and every field, readable back', async () => {
    const report = await exportRecordings(lib, [lib.getRecording(1)], 'parquet', out);
    expect(report.totals).toMatchObject({ steps: 8, images: 8, incompleteSteps: INCOMPLETE });
    const file = path.join(out, PARQUET_FILE);
    const buffer = await asyncBufferFromFile(file);
    const metadata = await parquetMetadataAsync(buffer);
    const schema = parquetSchema(metadata);
    const image = schema.children[0]!;
    expect(image.element).toMatchObject({ name: 'image', repetition_type: 'OPTIONAL', num_children: 2 });
    expect(image.children.map((c) => [c.element.name, c.element.type, c.element.converted_type])).toEqual([
      ['bytes', 'BYTE_ARRAY', undefined],
      ['path', 'BYTE_ARRAY', 'UTF8'],
    ]);
    expect(schema.children.map((c) => c.element.name)).toEqual(['image', ...Object.keys(COLUMNS)]);
    const hf = JSON.parse(metadata.key_value_metadata!.find((kv) => kv.key === 'huggingface')!.value!) as {
      info: { features: Record<string, { _type: string; dtype?: string }> };
    };
    expect(hf.info.features.image).toEqual({ _type: 'Image' });
    expect(hf.info.features.thought).toEqual({ dtype: 'string', _type: 'Value' });

    const rows = (await parquetReadObjects({ file: buffer, utf8: false })) as Record<string, unknown>[];
    expect(rows).toHaveLength(8);
    const steps = recordingSteps(lib, lib.getRecording(1));
    rows.forEach((row, i) => {
      const step = steps[i]!;
      const a = step.record;
      const img = row.image as { bytes: Uint8Array; path: string };
      expect(Buffer.from(img.bytes).equals(frameBytes(a.frameId))).toBe(true);
      expect(img.path).toBe(`free_task_20241126_161517_r1_${i + 1}.png`);
      const at = 'at' in a.action && a.action.at ? a.action.at : null;
      const { image: _image, history, prompt, target, system_prompt, ...scalars } = row;
      expect(scalars).toEqual({
        recording_id: 1,
        recording_name: 'free_task_20241126_161517',
        stage: 'raw',
        step: i,
        seq: a.seq,
        steps: 8,
        task: 'create a new blank slide with title "Hello, world" on desktop.',
        action: step.recordedText,
        kind: a.action.kind,
        planner_action: step.planner.text,
        complete: step.planner.complete,
        thought: THOUGHTS[i] ?? null,
        thought_source: THOUGHTS[i] ? 'model' : null,
        description: DESCRIPTIONS[i] ?? null,
        description_source: DESCRIPTIONS[i] ? 'model' : null,
        check: null,
        element: a.element?.name ?? null,
        element_role: null,
        element_left: a.element?.rect?.left ?? null,
        element_top: a.element?.rect?.top ?? null,
        element_right: a.element?.rect?.right ?? null,
        element_bottom: a.element?.rect?.bottom ?? null,
        x: at?.x ?? null,
        y: at?.y ?? null,
        x2: null,
        y2: null,
        scroll_dx: null,
        scroll_dy: null,
        text: a.action.kind === 'type' ? 'Hello, world' : null,
        keys: null,
        window_title: null,
        app_name: null,
        time_ms: BigInt(a.time),
        elapsed_ms: BigInt(step.elapsedMs),
        image_width: 1920,
        image_height: 1080,
        image_marked: false,
      });
      expect(JSON.parse(history as string)).toEqual(step.history);
      expect(system_prompt).toBe(plannerSystemPrompt());
      expect(prompt).toBe(plannerUserPrompt({ task: step.task, history: step.history, firstStep: step.historyStart }));
      expect(target).toBe(plannerTarget({ thought: step.thought, action: step.planner.text }));
    });
    expect(ourSchema()).toHaveLength(4 + Object.keys(COLUMNS).length);
  });

  it('streams rows in row groups of 100 across recordings; a step without a frame has a null image', async () => {
    // Two extra recordings of 70 steps each (tiny frames, shared by the steps) → 148 rows.
    const pngs = await Promise.all(
      ['#ff0000', '#00ff00'].map((c) =>
        sharp({ create: { width: 8, height: 6, channels: 3, background: c } })
          .png()
          .toBuffer(),
      ),
    );
    const ids: number[] = [];
    for (let n = 0; n < 2; n++) {
      const rec = lib.createRecording({
        kind: 'human',
        mode: 'free',
        description: `task ${n}`,
        status: 'finished',
        source: 'test',
      });
      const saved = pngs.map((d, k) => lib.saveFrame(rec.id, `${k}.png`, d, { format: 'png', width: 8, height: 6 }));
      for (let i = 0; i < 70; i++) {
        lib.appendAction(rec.id, {
          time: 1_700_000_000_000 + i * 1000,
          action: i === 69 ? { kind: 'finish' } : { kind: 'scroll', dx: 0, dy: -i },
          frameId: i === 10 ? null : saved[i % 2]!.id,
        });
      }
      ids.push(rec.id);
    }
    const report = await exportRecordings(
      lib,
      [1, ...ids].map((id) => lib.getRecording(id)),
      'parquet',
      out,
    );
    expect(report.totals).toMatchObject({ recordings: 3, steps: 148, images: 146 });
    const buffer = await asyncBufferFromFile(path.join(out, PARQUET_FILE));
    const metadata = await parquetMetadataAsync(buffer);
    expect(metadata.row_groups.map((g) => Number(g.num_rows))).toEqual([100, 48]);
    const rows = (await parquetReadObjects({
      file: buffer,
      utf8: false,
      columns: ['image', 'recording_id', 'step', 'scroll_dy'],
    })) as {
      image: { bytes: Uint8Array } | null;
      recording_id: number;
      step: number;
      scroll_dy: number | null;
    }[];
    expect(rows.map((r) => r.recording_id)).toEqual([
      ...Array(8).fill(1),
      ...Array(70).fill(ids[0]),
      ...Array(70).fill(ids[1]),
    ]);
    expect(rows[8 + 10]!.image).toBeNull();
    expect(Buffer.from(rows[8 + 11]!.image!.bytes).equals(pngs[1]!)).toBe(true);
    expect(rows[8 + 5]).toMatchObject({ step: 5, scroll_dy: -5 });
    expect(sha256(rows[8 + 12]!.image!.bytes)).toBe(lib.listFrames(ids[0]!)[0]!.sha256);
  });
});

describe('export command', () => {
  it('exports --all as sharegpt / parquet / html and reports files and counts with --json', () => {
    lib.close();
    for (const format of ['sharegpt', 'parquet', 'html'] as const) {
      const dir = path.join(out, format);
      const r = pcagent(['--home', home, '--json', 'export', '--all', '--format', format, '--out', dir]);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const report = JSON.parse(r.stdout) as {
        format: string;
        files: string[];
        totals: Record<string, number>;
        recordings: { id: number; files: string[] }[];
      };
      expect(report.format).toBe(format);
      expect(report.totals).toEqual(FIXTURE_TOTALS);
      for (const f of report.files) expect(fs.existsSync(f)).toBe(true);
      expect(report.files.map((f) => path.relative(dir, f))).toEqual(
        {
          sharegpt: [SHAREGPT_FILE, 'dataset_info.json'],
          parquet: [PARQUET_FILE],
          html: ['free_task_20241126_161517_r1.html', 'index.html'],
        }[format],
      );
    }
    const human = pcagent(['--home', home, 'export', '1', '--format', 'sharegpt', '--out', path.join(out, 'again')]);
    expect(human.stdout).toContain('exported recording 1 free_task_20241126_161517: 8 steps, 8 images, 3 incomplete');
    const bad = pcagent(['--home', home, 'export', '1', '--format', 'csv', '--out', out]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/Allowed choices are pc-tracker, sharegpt, parquet, html/);
  });
});
