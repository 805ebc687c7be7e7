/**
 * A disk that fills up during `pcagent record` and under `pcagent export`: the data directory
 * is a small tmpfs mounted by this test (needs root, or CAP_SYS_ADMIN; skipped with the reason
 * otherwise), filled with a ballast file until only a little room is left.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Library } from '../../src/library/library.js';
import { pcagent } from '../support/cli.js';
import { tempDir } from '../support/fixture.js';
import { startRecorder } from '../support/recorder-process.js';
import { startDisplay, type XSession, xdo } from '../support/xsession.js';

const mountPoint = tempDir('disk-full');
let mountError: string | null = null;
try {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mountPoint], { stdio: 'pipe' });
} catch (err) {
  mountError = ((err as { stderr?: Buffer }).stderr?.toString() || (err as Error).message).trim();
}
if (mountError) process.stderr.write(`record-disk-full: skipped, cannot mount a tmpfs here: ${mountError}\n`);

let session: XSession;
beforeAll(async () => {
  if (!mountError) session = await startDisplay({ width: 800, height: 600 });
}, 60_000);
afterAll(async () => {
  await session?.stop();
  if (!mountError) execFileSync('umount', [mountPoint]);
  fs.rmSync(mountPoint, { recursive: true, force: true });
});

/** Fills the file system until `leave` bytes are free. */
function fill(dir: string, leave: number): string {
  const ballast = path.join(dir, 'ballast');
  const { bavail, bsize } = fs.statfsSync(dir);
  fs.writeFileSync(ballast, Buffer.alloc(Math.max(0, bavail * bsize - leave)));
  return ballast;
}

describe.skipIf(mountError !== null)('a full disk', () => {
  it('stops the recorder with one line and a failing exit; every committed action stays readable', async () => {
    const home = path.join(mountPoint, 'home');
    const rec = await startRecorder(session.env, home, []);
    const ballast = fill(mountPoint, 400 * 1024);
    const colours = ['#204080', '#806020', '#208040', '#602080', '#a03030'];
    let ended = false;
    void rec.exited.then(() => (ended = true));
    for (let i = 0; i < 400 && !ended; i++) {
      // Noise on the screen so frames do not compress to nothing.
      execFileSync('xsetroot', ['-solid', colours[i % colours.length]!], { env: session.env });
      await xdo(session, 'mousemove', String(50 + ((i * 37) % 700)), String(50 + ((i * 53) % 500)), 'click', '1');
    }
    const { code } = await rec.exited;
    expect(code).toBe(1);
    const line = rec.stderr().trim().split('\n').at(-1)!;
    const m = /^disk full: recording (\d+) stopped after (\d+) actions$/.exec(line);
    expect(m, rec.stderr()).not.toBeNull();
    expect(Number(m![1])).toBe(rec.recordingId);
    const committed = Number(m![2]);
    expect(committed).toBeGreaterThan(0);

    // Still full: the library opens and reads.
    const full = Library.open(home);
    expect(full.countActions(rec.recordingId)).toBe(committed);
    full.close();

    // Export into the full disk: a clear error, no file under its final name, no temporary left.
    const out = path.join(mountPoint, 'export');
    const exported = pcagent([
      '--home',
      home,
      'export',
      String(rec.recordingId),
      '--format',
      'pc-tracker',
      '--out',
      out,
    ]);
    expect(exported.status).toBe(1);
    expect(exported.stderr.trim()).toMatch(/^pcagent: disk full: /);
    const written = fs.existsSync(out) ? fs.readdirSync(out, { recursive: true }).map(String) : [];
    expect(written.filter((f) => f.endsWith('.jsonl') || f.endsWith('.md') || f.includes('.tmp-'))).toEqual([]);

    fs.rmSync(ballast);
    const lib = Library.open(home);
    try {
      const r = lib.getRecording(rec.recordingId);
      expect(r.status).toBe('interrupted');
      const actions = lib.listActions(rec.recordingId);
      expect(actions).toHaveLength(committed);
      expect(r.endedAt).toBe(actions.at(-1)!.time);
      // Every frame row points at a complete file.
      for (const f of lib.listFrames(rec.recordingId)) expect(fs.statSync(lib.absolutePath(f.path)).size).toBe(f.bytes);
    } finally {
      lib.close();
    }
  }, 240_000);
});
