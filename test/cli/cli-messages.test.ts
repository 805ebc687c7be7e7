/**
 * Small CLI messages a new user meets: `tasks import` of a missing file, `tasks list` cutting
 * long text with "…", `show` numbering steps 1..N as its header counts them, `import
 * --skip-bad-lines` keeping steps whose screenshot is gone, a copied folder recognised as
 * already imported, and `record --verbose` numbering actions by step. Real parts: the built CLI,
 * SQLite libraries on disk, copies of the reference fixture.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { VerboseSteps } from '../../src/cli/commands/record.js';
import { iconDetectorConfigured, OMNIPARSER_SETUP } from '../../src/cli/grounder-option.js';
import { pcagent } from '../support/cli.js';
import { copyFixture, FIXTURE_DIR, FIXTURE_NAME, tempDir } from '../support/fixture.js';

const dirs: string[] = [];
const temp = (prefix: string) => {
  const d = tempDir(prefix);
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('tasks', () => {
  it('import of a file that does not exist says so', () => {
    const home = temp('msg-home');
    const missing = path.join(home, 'nope.json');
    const r = pcagent(['--home', home, 'tasks', 'import', missing]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`pcagent: ${missing} does not exist\n`);
  });

  it('list cuts long task text with "…"', () => {
    const home = temp('msg-home');
    expect(pcagent(['--home', home, 'tasks', 'import', path.join(FIXTURE_DIR, 'tasks.json')]).status).toBe(0);
    const rows = pcagent(['--home', home, 'tasks', 'list']).stdout.trimEnd().split('\n').slice(1);
    const texts = (JSON.parse(fs.readFileSync(path.join(FIXTURE_DIR, 'tasks.json'), 'utf8')) as { task: string }[]).map(
      (t) => t.task.replace(/\s+/g, ' ').trim(),
    );
    expect(rows).toHaveLength(texts.length);
    expect(texts.some((t) => t.length > 80)).toBe(true);
    rows.forEach((row, i) => {
      const t = texts[i]!;
      expect(row.endsWith(t.length > 80 ? `${t.slice(0, 79)}…` : t)).toBe(true);
    });
  });
});

describe('show', () => {
  it('numbers steps 1..N and its header says N steps', () => {
    const home = temp('msg-home');
    expect(pcagent(['--home', home, 'import', FIXTURE_DIR]).status).toBe(0);
    expect(pcagent(['--home', home, 'refine', '--all']).status).toBe(0);
    for (const id of ['1', '2']) {
      const out = pcagent(['--home', home, 'show', id]).stdout;
      const n = Number(/^(\d+) steps$/m.exec(out)![1]);
      const numbers = out
        .split('\n')
        .map((l) => /^(\d+)\s+\d{4}-/.exec(l)?.[1])
        .filter(Boolean)
        .map(Number);
      expect(numbers).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    }
  });
});

describe('import', () => {
  it('--skip-bad-lines imports the steps whose screenshot is missing and names it', () => {
    const home = temp('msg-home');
    const dir = copyFixture();
    dirs.push(dir);
    const shots = fs.readdirSync(path.join(dir, 'screenshot')).sort();
    const gone = shots.find((f) => !f.includes('marked'))!;
    fs.rmSync(path.join(dir, 'screenshot', gone));

    const refused = pcagent(['--home', home, 'import', dir]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/missing screenshot files: .*nothing was imported \(use --skip-bad-lines/);

    const r = pcagent(['--home', home, 'import', dir, '--skip-bad-lines']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^imported recording 1 ${FIXTURE_NAME}: 8 actions, 13 frames$`, 'm'));
    expect(r.stdout).toContain(
      `missing screenshot screenshot/${gone} (${FIXTURE_NAME}.jsonl:1): step imported without it`,
    );
  });

  it('a copy of an imported folder elsewhere is recognised as already imported', () => {
    const home = temp('msg-home');
    expect(pcagent(['--home', home, 'import', FIXTURE_DIR]).status).toBe(0);
    const copy = copyFixture();
    dirs.push(copy);
    const r = pcagent(['--home', home, 'import', copy]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`already imported: recording 1 ${FIXTURE_NAME}`);
    expect(JSON.parse(pcagent(['--home', home, '--json', 'list']).stdout)).toHaveLength(1);
  });
});

describe('record --verbose', () => {
  it('numbers actions by step with their text; a row committed again keeps its number', () => {
    const steps = new VerboseSteps();
    expect(steps.line(41, { kind: 'click', at: { x: 5, y: 6 } }, 3)).toBe('step 1: click (5, 6) (3 ms)');
    expect(steps.line(42, { kind: 'type', text: 'Hi' }, 2)).toBe('step 2: type text: Hi (2 ms)');
    expect(steps.line(42, { kind: 'type', text: 'Hi!' }, 1)).toBe('step 2 (updated): type text: Hi! (1 ms)');
  });
});

describe('--grounder omniparser', () => {
  it('is offered by run and replay only when an icon detector is configured, with a line saying how', () => {
    for (const cmd of ['run', 'replay']) {
      const help = pcagent([cmd, '--help']).stdout;
      if (iconDetectorConfigured()) {
        expect(help).toContain('"omniparser"');
        continue;
      }
      expect(help).toMatch(/choices: "auto",\s+"a11y",\s+"ocr",\s+"visual",\s+"vlm"/);
      expect(help).not.toContain('"omniparser"');
      expect(help).toContain(OMNIPARSER_SETUP);
      const r = pcagent([cmd, ...(cmd === 'run' ? ['a task'] : ['1']), '--grounder', 'omniparser']);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/'omniparser' is invalid/);
    }
  });
});
