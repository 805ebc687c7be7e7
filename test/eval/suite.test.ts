/**
 * Eval suites: loading from YAML and JSON, one line per bad field, the built-in impress-basic
 * suite, and each task's folder laid out with its start file.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChecks } from '../../src/eval/checks.js';
import { readPresentation } from '../../src/eval/presentation.js';
import { prepareTask } from '../../src/eval/setup.js';
import { SuiteError, builtinSuites, loadSuite, parseSuite, selectTasks } from '../../src/eval/suite.js';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pcagent-suite-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const TASK = {
  id: 't1',
  instruction: 'Save as {dir}/a.odp',
  level: 'easy',
  checks: [{ type: 'file', file: 'a.odp' }],
};

function problems(text: string, file = 'suite.yaml'): string[] {
  try {
    parseSuite(text, path.join(dir, file));
  } catch (err) {
    expect(err).toBeInstanceOf(SuiteError);
    return [...(err as SuiteError).problems];
  }
  throw new Error('expected the suite to be refused');
}

describe('suite files', () => {
  it('loads YAML and JSON with defaults filled in', () => {
    const json = parseSuite(JSON.stringify({ name: 's', tasks: [TASK] }), path.join(dir, 'suite.json'));
    const yaml = parseSuite(`name: s\ntasks:\n  - ${JSON.stringify(TASK)}\n`, path.join(dir, 'suite.yaml'));
    for (const s of [json, yaml]) {
      expect(s.tasks[0]).toMatchObject({ id: 't1', setup: { start: 'blank' }, timeLimit: 300, maxSteps: 30 });
      expect(s.tasks[0]!.checks[0]).toEqual({ type: 'file', file: 'a.odp' });
    }
  });

  it('names every bad field, one line each', () => {
    const bad = {
      name: 's',
      tasks: [
        { ...TASK, level: 'trivial', timeLimit: -1 },
        { ...TASK, id: 'Has Spaces', checks: [{ type: 'title', file: 'a.odp', slide: 0, text: 'x' }] },
        { ...TASK, checks: [] },
        { ...TASK, extra: true },
      ],
    };
    const lines = problems(JSON.stringify(bad), 'suite.json');
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^tasks\[0\]\.level: /),
        expect.stringMatching(/^tasks\[0\]\.timeLimit: /),
        expect.stringMatching(/^tasks\[1\]\.id: lower-case letters/),
        expect.stringMatching(/^tasks\[1\]\.checks\[0\]\.slide: /),
        expect.stringMatching(/^tasks\[2\]\.checks: /),
        expect.stringMatching(/^tasks\[3\]: .*extra/),
      ]),
    );
    expect(lines).toHaveLength(6);
  });

  it('refuses duplicate ids, missing start files, and text that is not YAML or JSON', () => {
    expect(problems(JSON.stringify({ name: 's', tasks: [TASK, TASK] }), 'suite.json')).toEqual([
      "tasks[1].id: 't1' is used by an earlier task",
    ]);
    const withFile = { ...TASK, setup: { start: 'file', file: 'x.odp', from: 'files/none.odp' } };
    expect(problems(JSON.stringify({ name: 's', tasks: [withFile] }), 'suite.json')).toEqual([
      'tasks[0].setup.from: files/none.odp does not exist beside the suite file',
    ]);
    expect(problems('{ "name": ', 'suite.json')[0]).toMatch(/^not valid JSON/);
    expect(problems('name: [unclosed', 'suite.yaml')[0]).toMatch(/^not valid YAML/);
  });

  it('resolves folders, files and built-in names, and says what exists when nothing matches', () => {
    const folder = path.join(dir, 'mine');
    fs.mkdirSync(folder);
    fs.writeFileSync(path.join(folder, 'suite.json'), JSON.stringify({ name: 'mine', tasks: [TASK] }));
    expect(loadSuite(folder).name).toBe('mine');
    expect(loadSuite(path.join(folder, 'suite.json')).name).toBe('mine');
    expect(() => loadSuite(path.join(dir, 'nope'))).toThrow(
      /no such suite folder or file \(built-in suites: impress-basic\)/,
    );
    expect(() => selectTasks(loadSuite(folder), ['t1', 'zz'])).toThrow(/no task 'zz' in suite mine/);
    expect(selectTasks(loadSuite(folder), ['t1'])).toHaveLength(1);
  });
});

describe('impress-basic', () => {
  const suite = loadSuite('impress-basic');

  it('is built in and has at least 20 tasks over every level', () => {
    expect(builtinSuites()).toContain('impress-basic');
    expect(suite.tasks.length).toBeGreaterThanOrEqual(20);
    expect(new Set(suite.tasks.map((t) => t.level))).toEqual(new Set(['easy', 'medium', 'hard']));
    const kinds = new Set(suite.tasks.flatMap((t) => t.checks.map((c) => c.type)));
    for (const k of ['file', 'slide-count', 'title', 'text', 'format', 'notes', 'order', 'absent'])
      expect(kinds).toContain(k);
  });

  it('checks only files that the task saves or starts from, and no task passes before it is done', async () => {
    for (const task of suite.tasks) {
      const taskDir = path.join(dir, 'attempts', task.id);
      const prepared = prepareTask(suite, task, taskDir);
      for (const c of task.checks) {
        const named =
          prepared.instruction.includes(`${taskDir}/${c.file}`) || ('file' in task.setup && c.file === task.setup.file);
        expect(named, `${task.id}: ${c.file}`).toBe(true);
      }
      // Untouched start: at least one check must fail, or the task measures nothing.
      const results = await runChecks(task.checks, taskDir);
      expect(
        results.some((r) => !r.pass),
        task.id,
      ).toBe(true);
    }
  });

  it('lays out start decks that hold what the setup says, and refuses a used folder', async () => {
    const task = suite.tasks.find((t) => t.id === 'reorder-slides')!;
    const taskDir = path.join(dir, 'layout');
    const prepared = prepareTask(suite, task, taskDir);
    expect(prepared.openFile).toBe(path.join(taskDir, 'order.odp'));
    expect(prepared.instruction).not.toContain('{dir}');
    const deck = await readPresentation(prepared.openFile!);
    expect(deck.slides.map((s) => s.title)).toEqual(['Intro', 'Details', 'Summary']);
    expect(() => prepareTask(suite, task, taskDir)).toThrow(/is not empty \(order\.odp\)/);
    const blank = prepareTask(
      suite,
      suite.tasks.find((t) => t.setup.start === 'blank')!,
      path.join(dir, 'blank'),
    );
    expect(blank.openFile).toBeNull();
  });
});
