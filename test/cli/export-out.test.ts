/**
 * `export --out` into a folder that cannot be written: one line naming the path and the reason,
 * exit 1, nothing written, and no hang (Node's recursive mkdir spins forever under /proc).
 * Real parts: the built CLI, the reference fixture in a SQLite library, the kernel's own
 * /proc and /sys, and (as root) a read-only tmpfs mounted for the test.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHAREGPT_FILE } from '../../src/pipeline/export/sharegpt.js';
import { pcagent } from '../support/cli.js';
import { FIXTURE_DIR, tempDir } from '../support/fixture.js';

let home: string;
beforeAll(() => {
  home = tempDir('export-out-home');
  expect(pcagent(['--home', home, 'import', FIXTURE_DIR]).status).toBe(0);
});
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

const exportTo = (out: string) => pcagent(['--home', home, 'export', '--all', '--format', 'sharegpt', '--out', out]);

function expectOneLine(r: ReturnType<typeof pcagent>, out: string, reason: RegExp): void {
  expect(r.status).toBe(1);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain(out);
  expect(lines[0]).toMatch(reason);
  expect(lines[0]).not.toMatch(/\b(ENOENT|EPERM|EACCES|EROFS|ENOTDIR)\b/);
}

const isRoot = process.getuid?.() === 0;
const isLinux = process.platform === 'linux';

describe('export --out into an impossible folder', () => {
  it.skipIf(!isLinux)('/proc/x: says /proc takes no new folders, does not hang', () => {
    expectOneLine(exportTo('/proc/x'), '/proc/x', /\/proc does not allow new folders/);
    expect(fs.existsSync('/proc/x')).toBe(false);
  });

  it.skipIf(!isLinux || !fs.existsSync('/sys/kernel'))('/sys/kernel/x: not writable', () => {
    expectOneLine(exportTo('/sys/kernel/pcagent-x'), '/sys/kernel/pcagent-x', /not writable/);
  });

  it('below a file: names the file that is not a directory, writes nothing', () => {
    const dir = tempDir('export-out-file');
    const file = path.join(dir, 'plain');
    fs.writeFileSync(file, 'x');
    expectOneLine(exportTo(path.join(file, 'out')), path.join(file, 'out'), new RegExp(`${file} is not a directory`));
    expect(fs.readdirSync(dir)).toEqual(['plain']);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(isRoot)('a folder without write permission: not writable, nothing created', () => {
    const dir = tempDir('export-out-ro');
    fs.chmodSync(dir, 0o555);
    try {
      expectOneLine(exportTo(path.join(dir, 'a', 'b')), path.join(dir, 'a', 'b'), /not writable/);
      expect(fs.readdirSync(dir)).toEqual([]);
    } finally {
      fs.chmodSync(dir, 0o755);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it.skipIf(!isRoot || !isLinux)('a read-only mount: says read-only file system, nothing created', () => {
    const dir = tempDir('export-out-rofs');
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=64k', 'tmpfs', dir]).status === 0;
    try {
      if (!mounted) return; // a container without CAP_SYS_ADMIN: nothing to mount
      expectOneLine(exportTo(path.join(dir, 'out')), path.join(dir, 'out'), /read-only file system/);
      expectOneLine(exportTo(dir), dir, /read-only file system/);
      expect(fs.readdirSync(dir)).toEqual([]);
    } finally {
      if (mounted) spawnSync('umount', [dir]);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a writable new nested folder still works', () => {
    const dir = tempDir('export-out-ok');
    const r = exportTo(path.join(dir, 'a', 'b'));
    expect(r.status).toBe(0);
    expect(fs.readdirSync(path.join(dir, 'a', 'b'))).toEqual(
      expect.arrayContaining(['dataset_info.json', SHAREGPT_FILE]),
    );
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
