/**
 * Output folders that cannot be written: every case ends at once with one line naming the path
 * and the reason, exit 1, and nothing half-written (`/proc/x` used to spin in Node's recursive
 * mkdir at 100 % CPU). The read-only case mounts a real read-only tmpfs (needs root; skipped
 * with the reason otherwise).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureOutputDir, OutputPathError } from '../../src/library/output-dir.js';
import { pcagent } from '../support/cli.js';
import { FIXTURE_DIR, tempDir } from '../support/fixture.js';

let home: string;
let readOnly: string | null = null;
let mountProblem = '';
beforeAll(() => {
  home = tempDir('output-paths');
  expect(pcagent(['--home', home, 'import', FIXTURE_DIR]).status).toBe(0);
  const ro = path.join(home, 'ro');
  fs.mkdirSync(ro);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', ro], { stdio: 'pipe' });
    readOnly = ro;
  } catch (err) {
    mountProblem = String((err as { stderr?: Buffer }).stderr ?? err).trim();
  }
});
afterAll(() => {
  if (readOnly) execFileSync('umount', [readOnly]);
  fs.rmSync(home, { recursive: true, force: true });
});

function exportTo(out: string, format = 'sharegpt'): { status: number | null; stderr: string } {
  return pcagent(['--home', home, 'export', '--all', '--format', format, '--out', out]);
}

describe('export --out into a folder that cannot be written', () => {
  it('/proc/x: ends at once with the reason', () => {
    const started = Date.now();
    const r = exportTo('/proc/x');
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('pcagent: cannot write to /proc/x: folders cannot be created there\n');
    expect(Date.now() - started).toBeLessThan(60_000); // the old code never returned
  });

  it('/sys/...: not permitted', () => {
    const r = exportTo('/sys/kernel/pcagent-x');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /^pcagent: cannot write to \/sys\/kernel\/pcagent-x: (not permitted|permission denied|read-only file system)\n$/,
    );
  });

  it('a file where the folder should be, and a path under a file', () => {
    const file = path.join(home, 'a-file');
    fs.writeFileSync(file, 'x');
    expect(exportTo(file, 'html').stderr).toBe(`pcagent: cannot write to ${file}: not a folder\n`);
    expect(exportTo(path.join(file, 'sub'), 'parquet').stderr).toBe(`pcagent: cannot write to ${file}: not a folder\n`);
    expect(fs.readFileSync(file, 'utf8')).toBe('x');
  });

  it('a read-only file system: says so and leaves nothing', (ctx) => {
    if (!readOnly) return ctx.skip(`no read-only tmpfs could be mounted: ${mountProblem}`);
    for (const format of ['sharegpt', 'parquet', 'html', 'pc-tracker']) {
      const r = exportTo(path.join(readOnly, 'out'), format);
      expect(r.status).toBe(1);
      expect(r.stderr).toBe(`pcagent: cannot write to ${readOnly}/out: read-only file system\n`);
    }
    const r = exportTo(readOnly);
    expect(r.stderr).toBe(`pcagent: cannot write to ${readOnly}: read-only file system\n`);
    expect(fs.readdirSync(readOnly)).toEqual([]);
  });

  it('complete --batch-out into /proc says so too', () => {
    const r = pcagent(['--home', home, 'complete', '--all', '--model', 'm', '--batch-out', '/proc/x/batch.jsonl']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('pcagent: cannot write to /proc/x: folders cannot be created there\n');
  });
});

describe('ensureOutputDir', () => {
  it('creates missing parents one level at a time and returns the absolute path', () => {
    const dir = path.join(home, 'a', 'b', 'c');
    expect(ensureOutputDir(path.relative(process.cwd(), dir))).toBe(dir);
    expect(fs.statSync(dir).isDirectory()).toBe(true);
    expect(fs.readdirSync(dir)).toEqual([]); // the write probe is gone
    expect(() => ensureOutputDir('/proc/x/y')).toThrow(OutputPathError);
  });
});
