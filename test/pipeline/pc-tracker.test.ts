import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Library } from '../../src/library/library.js';
import { exportTrackerRecording } from '../../src/pipeline/pc-tracker/export.js';
import { importTrackerFolder } from '../../src/pipeline/pc-tracker/import.js';
import { pythonJson } from '../../src/pipeline/pc-tracker/python-json.js';
import { copyFixture, FIXTURE_DIR, FIXTURE_NAME, tempDir, openTempLibrary } from '../support/fixture.js';
import { useTempLibrary } from '../support/hooks.js';
import { completedFixture, COMPLETED_STEPS } from '../support/completed-fixture.js';

let home: string;
let lib: Library;
useTempLibrary(
  () => openTempLibrary('home'),
  (t) => ({ home, lib } = t),
);

const jsonl = (dir: string) => path.join(dir, `${FIXTURE_NAME}.jsonl`);

describe('pc-tracker import', () => {
  it('imports the fixture: the free task, its 8 actions, elements, rects and frames', async () => {
    const report = await importTrackerFolder(lib, FIXTURE_DIR);
    expect(report.imported).toEqual([{ id: 1, name: FIXTURE_NAME, actions: 8, frames: 14 }]);
    expect(report.tasks).toEqual({ added: 3, skipped: 0 });
    const rec = lib.getRecording(1);
    expect(rec).toMatchObject({
      kind: 'human',
      mode: 'free',
      status: 'finished',
      level: 'easy',
      description: 'create a new blank slide with title "Hello, world" on desktop.',
      screen: { physicalWidth: 1920, physicalHeight: 1080 },
    });
    const actions = lib.listActions(1);
    expect(actions.map((a) => a.action.kind)).toEqual([
      'click',
      'click',
      'click',
      'click',
      'type',
      'click',
      'click',
      'finish',
    ]);
    expect(actions[2]).toMatchObject({
      action: { kind: 'click', at: { x: 407, y: 275 } },
      element: { name: 'Blank Presentation', rect: { left: 225, top: 181, right: 450, bottom: 371 } },
    });
    expect(actions[4]!.action).toEqual({ kind: 'type', text: 'Hello, world' });
    expect(actions[4]!.element).toBeNull();
    // The type action's marked screenshot is its plain screenshot in the reference: one frame.
    expect(actions[4]!.markedFrameId).toBe(actions[4]!.frameId);
    const frame = lib.getFrame(actions[0]!.frameId!);
    expect(frame).toMatchObject({ width: 1920, height: 1080, format: 'png', role: 'screen' });
    expect(lib.listTasks().map((t) => t.level)).toEqual(['hard', 'medium', 'easy']);
  });

  it('does not import the same folder twice', async () => {
    await importTrackerFolder(lib, FIXTURE_DIR);
    const again = await importTrackerFolder(lib, FIXTURE_DIR);
    expect(again.imported).toEqual([]);
    expect(again.alreadyImported).toEqual([{ id: 1, name: FIXTURE_NAME }]);
    expect(again.tasks).toEqual({ added: 0, skipped: 3 });
    expect(lib.listRecordings()).toHaveLength(1);
  });

  it('reports a malformed line with file and line number and imports nothing', async () => {
    const dir = copyFixture();
    const lines = fs.readFileSync(jsonl(dir), 'utf8').split('\n');
    lines[2] = '{"timestamp": "2024-11-26_16:15:24", "action": "click (407, ", "screenshot": null}';
    lines[5] = '{not json';
    fs.writeFileSync(jsonl(dir), lines.join('\n'));
    await expect(importTrackerFolder(lib, dir)).rejects.toThrow(
      new RegExp(`${FIXTURE_NAME}\\.jsonl:3: action: .*\\(and 1 more bad lines\\); nothing was imported`),
    );
    expect(lib.listRecordings()).toEqual([]);
    expect(lib.listTasks()).toEqual([]);
    expect(fs.existsSync(path.join(home, 'frames'))).toBe(false);

    const report = await importTrackerFolder(lib, dir, { skipBadLines: true });
    expect(report.skippedLines.map((l) => l.line)).toEqual([3, 6]);
    expect(report.imported[0]!.actions).toBe(6);
  });

  it('names missing screenshot files and imports nothing', async () => {
    const dir = copyFixture();
    fs.rmSync(path.join(dir, 'screenshot', '20241126_161524_3.png'));
    await expect(importTrackerFolder(lib, dir)).rejects.toThrow(
      /missing screenshot files: screenshot\/20241126_161524_3\.png \(free_task_20241126_161517\.jsonl:3\); nothing was imported/,
    );
    expect(lib.listRecordings()).toEqual([]);
  });

  it('reads Windows backslash paths', async () => {
    const dir = copyFixture();
    fs.writeFileSync(jsonl(dir), fs.readFileSync(jsonl(dir), 'utf8').replaceAll('screenshot/', 'screenshot\\\\'));
    const report = await importTrackerFolder(lib, dir);
    expect(report.imported[0]!.frames).toBe(14);
  });

  it('rejects a folder with no recordings', async () => {
    const dir = tempDir('empty');
    await expect(importTrackerFolder(lib, dir)).rejects.toThrow(/holds no pc-tracker recordings/);
    await expect(importTrackerFolder(lib, path.join(dir, 'nope'))).rejects.toThrow(/cannot read folder .*ENOENT/);
  });

  it('keeps completed fields and unknown fields through a round trip', async () => {
    const dir = copyFixture();
    const lines = fs.readFileSync(jsonl(dir), 'utf8').trimEnd().split('\n');
    const first = JSON.parse(lines[0]!) as Record<string, unknown>;
    first.custom_field = { a: [1, 2] };
    first.action_description = "click <\\the 'Start' button in the taskbar>";
    first.action_description_checked = 'Good';
    first.thought = 'I need to open PowerPoint, so I open the Start menu.';
    lines[0] = pythonJson(first);
    fs.writeFileSync(jsonl(dir), `${lines.join('\n')}\n`);
    await importTrackerFolder(lib, dir);
    const a = lib.listActions(1)[0]!;
    expect(a.description).toEqual({ text: "the 'Start' button in the taskbar", source: 'imported' });
    expect(a.check).toEqual({ text: 'Good', source: 'imported' });
    expect(a.thought?.text).toBe('I need to open PowerPoint, so I open the Start menu.');
    const out = tempDir('out');
    exportTrackerRecording(lib, lib.getRecording(1), out);
    const back = fs.readFileSync(jsonl(out), 'utf8').split('\n');
    expect(JSON.parse(back[0]!)).toEqual(first);
    // The other steps of a completed recording get the fields too: the action text, no verdict.
    expect(JSON.parse(back[4]!)).toMatchObject({
      action_description: 'type text: Hello, world',
      action_description_checked: null,
    });
    const md = fs.readFileSync(path.join(out, `${FIXTURE_NAME}.md`), 'utf8');
    expect(md).toContain("**Action description:** the 'Start' button in the taskbar");
    expect(md).toContain('**Thought:** I need to open PowerPoint');
  });
});

describe('pc-tracker completed fields (reference completion format)', () => {
  it('imports the description from inside <\\…>, the verdict verbatim and the thought', async () => {
    await importTrackerFolder(lib, completedFixture());
    const actions = lib.listActions(1);
    expect(actions.map((a) => a.description?.text ?? null)).toEqual(COMPLETED_STEPS.map((s) => s.description));
    expect(actions.map((a) => a.check?.text ?? null)).toEqual(COMPLETED_STEPS.map((s) => s.checked));
    expect(actions.map((a) => a.thought?.text)).toEqual(COMPLETED_STEPS.map((s) => s.thought));
    // Never the verdict in place of the description.
    for (const a of actions) expect(a.description?.text ?? '').not.toMatch(/^(Good|Wrong)/);
  });

  it('exports a completed recording byte for byte as the reference wrote it (ensure_ascii=False)', async () => {
    const dir = completedFixture();
    await importTrackerFolder(lib, dir);
    const out = tempDir('out');
    exportTrackerRecording(lib, lib.getRecording(1), out);
    const original = fs.readFileSync(jsonl(dir), 'utf8');
    expect(original).toContain('’');
    expect(fs.readFileSync(jsonl(out), 'utf8')).toBe(original);
  });

  it('writes every field the reference thought pass reads, on every step, from our own completion', async () => {
    await importTrackerFolder(lib, FIXTURE_DIR);
    const actions = lib.listActions(1);
    lib.updateAction(actions[0]!.id, {
      description: { text: "the 'Start' button", source: 'model' },
      check: { text: 'Good', source: 'model' },
    });
    lib.updateAction(actions[1]!.id, {
      description: { text: "the 'PowerPoint' tile", source: 'model' },
      check: { text: 'Corrected', source: 'model' },
    });
    const out = tempDir('out');
    exportTrackerRecording(lib, lib.getRecording(1), out);
    const entries = fs
      .readFileSync(jsonl(out), 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    // completion.py's thought pass: `[entry['action_description'] for entry in entries]`.
    for (const e of entries) expect(typeof e.action_description).toBe('string');
    expect(entries[0]).toMatchObject({
      action_description: "click <\\the 'Start' button>",
      action_description_checked: 'Good',
    });
    expect(entries[1]).toMatchObject({
      action_description: "click <\\the 'PowerPoint' tile>",
      action_description_checked: "Wrong. Correct Description: the 'PowerPoint' tile",
    });
    expect(entries[2]).toMatchObject({ action_description: 'click (407, 275)', action_description_checked: null });
    expect(entries[7]).toMatchObject({ action_description: 'finish', action_description_checked: null });
  });
});

describe('pc-tracker export', () => {
  it('gives back the fixture byte for byte: JSONL, Markdown and every screenshot', async () => {
    await importTrackerFolder(lib, FIXTURE_DIR);
    const out = tempDir('out');
    const result = exportTrackerRecording(lib, lib.getRecording(1), out);
    expect(result.actions).toBe(8);
    expect(fs.readFileSync(jsonl(out), 'utf8')).toBe(fs.readFileSync(jsonl(FIXTURE_DIR), 'utf8'));
    const md = `${FIXTURE_NAME}.md`;
    expect(fs.readFileSync(path.join(out, md), 'utf8')).toBe(fs.readFileSync(path.join(FIXTURE_DIR, md), 'utf8'));
    const shots = fs.readdirSync(path.join(FIXTURE_DIR, 'screenshot')).sort();
    expect(fs.readdirSync(path.join(out, 'screenshot')).sort()).toEqual(shots);
    for (const s of shots) {
      expect(
        fs
          .readFileSync(path.join(out, 'screenshot', s))
          .equals(fs.readFileSync(path.join(FIXTURE_DIR, 'screenshot', s))),
      ).toBe(true);
    }
  });

  it('writes the same text whatever the time zone of the exporting machine', async () => {
    await importTrackerFolder(lib, FIXTURE_DIR);
    const before = process.env.TZ;
    process.env.TZ = 'Pacific/Kiritimati';
    try {
      const out = tempDir('out-tz');
      exportTrackerRecording(lib, lib.getRecording(1), out);
      expect(fs.readFileSync(jsonl(out), 'utf8')).toBe(fs.readFileSync(jsonl(FIXTURE_DIR), 'utf8'));
    } finally {
      process.env.TZ = before;
    }
  });
});

describe('python-style JSON', () => {
  it('matches json.dumps defaults', () => {
    expect(pythonJson({ a: 1, b: [true, null], c: 'é "q"\n', d: undefined })).toBe(
      '{"a": 1, "b": [true, null], "c": "\\u00e9 \\"q\\"\\n"}',
    );
  });
});
