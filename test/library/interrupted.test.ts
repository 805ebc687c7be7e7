import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RecordingDto } from '../../src/api/contract.js';
import { Library } from '../../src/library/library.js';
import { currentScreen, lockPath, readRecorderLock } from '../../src/library/recorder-lock.js';
import { MIGRATIONS } from '../../src/library/schema.js';
import { createBackend } from '../../src/server/handlers.js';
import { keepInterrupted } from '../../src/tracker/sessions.js';
import { pcagent, startTsx } from '../support/cli.js';
import { waitFor } from '../support/xsession.js';

let home: string;
beforeEach(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'pcagent-interrupted-'));
});
afterEach(() => {
  fs.rmSync(home, { recursive: true, force: true });
});

/** A real writer process (test/support/crash-writer.ts) that records until it is killed. */
async function startWriter(): Promise<{ child: ChildProcess; id: number; committed: () => number }> {
  const writer = startTsx(
    path.join(import.meta.dirname, '..', 'support', 'crash-writer.ts'),
    [home, 'new'],
    process.env,
  );
  const committed = () => Number([...writer.stdout.matchAll(/^committed (\d+)$/gm)].at(-1)?.[1] ?? 0);
  const id = await waitFor('the writer to commit 3 actions', async () =>
    committed() >= 3 ? Number(/^recording (\d+)$/m.exec(writer.stdout)![1]) : null,
  );
  return { child: writer.child, id, committed };
}

const killed = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });

describe('interrupted recordings', () => {
  it('a recorder killed with SIGKILL leaves an interrupted recording with every committed action', async () => {
    const writer = await startWriter();
    const lock = readRecorderLock(home, writer.id);
    expect(lock?.pid).toBe(writer.child.pid);
    // While the writer lives, opening the library leaves its recording alone.
    const during = Library.open(home);
    expect(during.getRecording(writer.id).status).toBe('recording');
    expect(during.liveRecorderOn(currentScreen())?.pid).toBe(writer.child.pid);
    during.close();

    await killed(writer.child);
    const lib = Library.open(home);
    const r = lib.getRecording(writer.id);
    const actions = lib.listActions(writer.id);
    expect(r.status).toBe('interrupted');
    expect(actions.length).toBeGreaterThanOrEqual(writer.committed());
    expect(r.endedAt).toBe(actions.at(-1)!.time);
    expect(fs.existsSync(lockPath(home, writer.id))).toBe(false);
    expect(lib.liveRecorderOn(currentScreen())).toBeNull();

    // "Keep as finished": finished as it stands.
    const kept = keepInterrupted(lib, writer.id);
    expect(kept.status).toBe('finished');
    expect(kept.endedAt).toBe(actions.at(-1)!.time);
    expect(lib.countActions(writer.id)).toBe(actions.length);
    lib.close();
  });

  it('list and show say interrupted; export --all takes it only with --include-interrupted, by id always', async () => {
    const writer = await startWriter();
    await killed(writer.child);
    const list = pcagent(['--home', home, 'list']);
    expect(list.status).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`^${writer.id}\\s.*interrupted`, 'm'));
    const show = pcagent(['--home', home, 'show', String(writer.id)]);
    expect(show.stdout).toContain('interrupted: its recorder stopped without finishing');

    const out1 = path.join(home, 'out1');
    const skipped = pcagent(['--home', home, '--json', 'export', '--all', '--format', 'pc-tracker', '--out', out1]);
    expect(skipped.status).toBe(0);
    expect((JSON.parse(skipped.stdout) as { recordings: unknown[] }).recordings).toHaveLength(0);

    const out2 = path.join(home, 'out2');
    const included = pcagent([
      '--home',
      home,
      '--json',
      'export',
      '--all',
      '--include-interrupted',
      '--format',
      'pc-tracker',
      '--out',
      out2,
    ]);
    expect(included.status).toBe(0);
    const rec = (JSON.parse(included.stdout) as { recordings: { id: number }[] }).recordings;
    expect(rec.map((r) => r.id)).toEqual([writer.id]);

    const out3 = path.join(home, 'out3');
    const byId = pcagent(['--home', home, 'export', String(writer.id), '--format', 'pc-tracker', '--out', out3]);
    expect(byId.status).toBe(0);
    expect(fs.readdirSync(out3).some((f) => f.endsWith('.jsonl'))).toBe(true);
  });

  it('the app back end lists interrupted recordings and offers keep as finished and discard', async () => {
    const writers = [await startWriter(), await startWriter()];
    for (const w of writers) await killed(w.child);
    const lib = Library.open(home);
    const backend = createBackend(lib);
    try {
      const listed = (await backend.call('library.listRecordings', { status: 'interrupted' })) as RecordingDto[];
      expect(listed.map((r) => r.id)).toEqual(writers.map((w) => w.id));
      const [keep, drop] = writers;
      const kept = (await backend.call('tracker.keepInterrupted', { id: keep!.id })) as RecordingDto;
      expect(kept.status).toBe('finished');
      await expect(backend.call('tracker.keepInterrupted', { id: keep!.id })).rejects.toThrow(
        `cannot keep recording ${keep!.id}: it is finished`,
      );
      const dropped = (await backend.call('tracker.discard', { id: drop!.id })) as RecordingDto;
      expect(dropped.status).toBe('discarded');
      expect(lib.countActions(drop!.id)).toBe(0);
    } finally {
      await backend.close();
      lib.close();
    }
  });

  it('a lock from another boot is stale; a lock from another host is left alone', () => {
    const lib = Library.open(home);
    const a = lib.createRecording({ kind: 'human', mode: 'free', source: 'test' });
    const b = lib.createRecording({ kind: 'human', mode: 'free', source: 'test' });
    lib.close();
    const rewrite = (id: number, patch: object) => {
      const lock = JSON.parse(fs.readFileSync(lockPath(home, id), 'utf8')) as object;
      fs.writeFileSync(lockPath(home, id), JSON.stringify({ ...lock, ...patch }));
    };
    rewrite(a.id, { bootId: 'a-boot-before-the-power-cut' });
    rewrite(b.id, { host: 'another-machine-sharing-this-folder' });
    const again = Library.open(home);
    expect(again.getRecording(a.id).status).toBe('interrupted');
    expect(again.getRecording(a.id).endedAt).toBe(a.startedAt);
    expect(again.getRecording(b.id).status).toBe('recording');
    again.close();
  });

  it('migrates a schema 1 library: rows kept, a recording left live by a crash becomes interrupted', () => {
    const file = path.join(home, 'library.db');
    const v1 = new Database(file);
    v1.exec(MIGRATIONS[0]!.sql);
    v1.pragma('user_version = 1');
    v1.prepare(
      `INSERT INTO recordings (id, kind, mode, name, status, platform, started_at, source) VALUES (1, 'human', 'free', 'r', 'recording', 'linux', 1000, 'tracker')`,
    ).run();
    fs.mkdirSync(path.join(home, 'frames', '1'), { recursive: true });
    fs.writeFileSync(path.join(home, 'frames', '1', 'f.png'), 'x');
    v1.prepare(
      `INSERT INTO frames (id, recording_id, path, format, width, height, bytes, sha256) VALUES (1, 1, 'frames/1/f.png', 'png', 1, 1, 1, 'x')`,
    ).run();
    const insert = v1.prepare(
      `INSERT INTO actions (recording_id, seq, time, kind, action, frame_id) VALUES (1, ?, ?, 'click', '{"kind":"click","at":{"x":1,"y":2}}', 1)`,
    );
    insert.run(1, 2000);
    insert.run(2, 3000);
    v1.close();

    const lib = Library.open(home);
    expect(lib.schemaVersion).toBe(2);
    const r = lib.getRecording(1);
    expect(r.status).toBe('interrupted');
    expect(r.endedAt).toBe(3000);
    expect(lib.listActions(1).map((a) => a.frameId)).toEqual([1, 1]);
    expect(lib.listFrames(1)).toHaveLength(1);
    expect(lib.db.pragma('foreign_keys', { simple: true })).toBe(1);
    lib.close();
  });
});
