import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pcagent } from '../support/cli.js';
import { FIXTURE_DIR, FIXTURE_NAME, tempDir } from '../support/fixture.js';

const COMMANDS = [[], ['list'], ['show'], ['import'], ['export'], ['tasks'], ['tasks', 'import'], ['tasks', 'list']];

describe('pcagent CLI', () => {
  it.each(COMMANDS)('%s --help prints usage and exits 0', (...cmd) => {
    const r = pcagent([...cmd, '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Usage: pcagent/);
    expect(r.stdout).toContain('--home');
  });

  it('unknown command: one line on stderr, exit 2', () => {
    const r = pcagent(['bogus']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual(["pcagent: unknown command 'bogus' (see --help)"]);
    expect(r.stdout).toBe('');
  });

  it('bad --home: one line on stderr, exit 1', () => {
    const file = path.join(tempDir('badhome'), 'file');
    fs.writeFileSync(file, 'x');
    const r = pcagent(['--home', file, 'list']);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([`pcagent: data directory ${file} is not a directory`]);
  });

  it('corrupt library: clear error, file untouched', () => {
    const home = tempDir('corrupt');
    fs.writeFileSync(path.join(home, 'library.db'), 'garbage'.repeat(100));
    const r = pcagent(['--home', home, 'list']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^pcagent: .*library\.db is not a SQLite database/);
    expect(fs.readFileSync(path.join(home, 'library.db'), 'utf8')).toBe('garbage'.repeat(100));
  });

  it('import, list, show, export and tasks work end to end (PCAGENT_HOME)', () => {
    const home = tempDir('cli');
    const env = { PCAGENT_HOME: home };
    const imp = pcagent(['import', FIXTURE_DIR], env);
    expect(imp.stderr).toBe('');
    expect(imp.stdout).toContain(`imported recording 1 ${FIXTURE_NAME}: 8 actions, 14 frames`);

    const list = pcagent(['list'], env);
    expect(list.status).toBe(0);
    expect(list.stdout).toMatch(/^1\s+human\s+free\s+raw\s+finished\s+8\s+2024-11-26/m);

    const listJson = JSON.parse(pcagent(['--json', 'list'], env).stdout) as {
      id: number;
      actions: number;
      mode: string;
    }[];
    expect(listJson).toMatchObject([{ id: 1, actions: 8, mode: 'free' }]);

    const show = JSON.parse(pcagent(['show', '1', '--json'], env).stdout) as {
      actions: { text: string; element: unknown }[];
    };
    expect(show.actions).toHaveLength(8);
    expect(show.actions[2]).toMatchObject({ text: 'click (407, 275)', element: { name: 'Blank Presentation' } });
    expect(pcagent(['show', '1'], env).stdout).toContain('type text: Hello, world');

    const out = tempDir('cli-out');
    const exp = pcagent(['export', '--all', '--format', 'pc-tracker', '--out', out], env);
    expect(exp.status).toBe(0);
    expect(fs.readFileSync(path.join(out, `${FIXTURE_NAME}.jsonl`), 'utf8')).toBe(
      fs.readFileSync(path.join(FIXTURE_DIR, `${FIXTURE_NAME}.jsonl`), 'utf8'),
    );

    const tasks = pcagent(['tasks', 'list', '--json'], env);
    expect((JSON.parse(tasks.stdout) as unknown[]).length).toBe(3);
    const again = pcagent(['--home', home, 'tasks', 'import', path.join(FIXTURE_DIR, 'tasks.json')]);
    expect(again.stdout.trim()).toBe('tasks: 0 added, 3 already present');
  });

  it('export needs ids or --all, and a known format', () => {
    const env = { PCAGENT_HOME: tempDir('cli-exp') };
    expect(pcagent(['export', '--format', 'pc-tracker', '--out', '/tmp/x'], env)).toMatchObject({
      status: 2,
      stderr: 'pcagent: name recording ids or use --all\n',
    });
    const bad = pcagent(['export', '1', '--format', 'csv', '--out', '/tmp/x'], env);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^pcagent: option '--format <format>' argument 'csv' is invalid/);
    expect(pcagent(['show', '7'], env)).toMatchObject({ status: 1, stderr: 'pcagent: no recording with id 7\n' });
  });
});
