import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LibraryError } from '../../src/library/errors.js';
import { defaultHome, resolveHome } from '../../src/library/home.js';
import { DATABASE_FILE, Library } from '../../src/library/library.js';
import { LATEST_SCHEMA_VERSION } from '../../src/library/schema.js';

let home: string;
beforeEach(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'pcagent-lib-'));
});
afterEach(() => {
  fs.rmSync(home, { recursive: true, force: true });
});

const tsxChild = (script: string, args: string[]): ChildProcess =>
  spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, '..', 'support', script), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });

describe('opening and migrations', () => {
  it('creates the schema in an empty folder, in WAL mode', () => {
    const lib = Library.open(home);
    expect(lib.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
    expect(lib.db.pragma('journal_mode', { simple: true })).toBe('wal');
    const tables = lib.db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").pluck().all();
    expect(tables).toEqual(expect.arrayContaining(['actions', 'frames', 'recordings', 'tasks']));
    lib.close();
    // Reopening applies nothing twice.
    const again = Library.open(home);
    expect(again.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
    again.close();
  });

  it('migrates an existing empty database file (0 bytes)', () => {
    fs.writeFileSync(path.join(home, DATABASE_FILE), '');
    const lib = Library.open(home);
    expect(lib.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
    lib.close();
  });

  it('refuses a corrupt file with a clear error and leaves it untouched', () => {
    const file = path.join(home, DATABASE_FILE);
    fs.writeFileSync(file, 'this is not a database, just text that someone saved here\n'.repeat(100));
    const before = fs.readFileSync(file);
    expect(() => Library.open(home)).toThrow(/not a SQLite database.*left untouched/);
    try {
      Library.open(home);
    } catch (err) {
      expect(err).toBeInstanceOf(LibraryError);
      expect((err as LibraryError).code).toBe('corrupt');
    }
    expect(fs.readFileSync(file).equals(before)).toBe(true);
    expect(fs.existsSync(`${file}-wal`)).toBe(false);
  });

  it('refuses a damaged SQLite file (valid header, garbage pages) and leaves it untouched', () => {
    const file = path.join(home, DATABASE_FILE);
    Library.open(home).close();
    const buf = fs.readFileSync(file);
    buf.fill(0xab, 100); // keep the 100-byte header, destroy the schema page
    fs.writeFileSync(file, buf);
    expect(() => Library.open(home)).toThrow(LibraryError);
    expect(fs.readFileSync(file).equals(buf)).toBe(true);
  });

  it('refuses a database from a newer schema and leaves it untouched', () => {
    const file = path.join(home, DATABASE_FILE);
    const db = new Database(file);
    db.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 1}`);
    db.close();
    const before = fs.readFileSync(file);
    expect(() => Library.open(home)).toThrow(/newer PC Agent.*left untouched/);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
  });

  it('resolves the data directory: --home, then PCAGENT_HOME, then the OS folder', () => {
    expect(resolveHome('/x/y', { PCAGENT_HOME: '/a' })).toBe('/x/y');
    expect(resolveHome(undefined, { PCAGENT_HOME: '/a' })).toBe('/a');
    expect(resolveHome(undefined, { XDG_CONFIG_HOME: '/cfg' })).toBe(
      path.resolve(defaultHome({ XDG_CONFIG_HOME: '/cfg' })),
    );
    expect(defaultHome({ XDG_CONFIG_HOME: '/cfg' }, 'linux')).toBe('/cfg/pcagent');
    expect(defaultHome({ APPDATA: 'C:\\Users\\a\\AppData\\Roaming' }, 'win32')).toContain('pcagent');
  });

  it('refuses a home that is a file', () => {
    const file = path.join(home, 'file');
    fs.writeFileSync(file, 'x');
    expect(() => Library.open(file)).toThrow(/not a directory/);
  });
});

describe('tasks, recordings, frames, actions', () => {
  it('stores and reads back every field', () => {
    const lib = Library.open(home);
    expect(lib.importTasks([{ description: 'Make a deck', level: 'easy', category: 'PowerPointTasks' }])).toEqual({
      added: 1,
      skipped: 0,
    });
    expect(lib.importTasks([{ description: 'Make a deck' }]).skipped).toBe(1);
    const task = lib.listTasks()[0]!;
    expect(lib.updateTask(task.id, { status: 'finished' }).status).toBe('finished');

    const rec = lib.createRecording({
      kind: 'human',
      mode: 'given',
      taskId: task.id,
      description: task.description,
      level: 'easy',
      source: 'tracker',
      screen: { logicalWidth: 1280, logicalHeight: 720, physicalWidth: 2560, physicalHeight: 1440, scaleFactor: 2 },
      startedAt: Date.UTC(2024, 10, 26, 16, 15, 17),
      utcOffsetMin: 0,
    });
    expect(rec.name).toBe('task_20241126_161517');
    expect(rec.screen?.scaleFactor).toBe(2);
    const frame = lib.saveFrame(rec.id, 'f1.png', Buffer.from('png-bytes'), {
      format: 'png',
      width: 2560,
      height: 1440,
    });
    expect(frame.path).toBe(`frames/${rec.id}/f1.png`);
    expect(fs.readFileSync(lib.absolutePath(frame.path), 'utf8')).toBe('png-bytes');
    const a = lib.appendAction(rec.id, {
      time: 1000,
      action: { kind: 'type', text: 'a, (b) "c" \\ é\n' },
      element: { name: 'Title', rect: { left: 1, top: 2, right: 3, bottom: 4 }, role: 'paragraph' },
      windowTitle: 'Untitled 1 - Impress',
      appName: 'soffice',
      frameId: frame.id,
      description: { text: 'the title placeholder', source: 'offline' },
    });
    expect(a.seq).toBe(1);
    const b = lib.appendAction(rec.id, { time: 2000, action: { kind: 'finish' } });
    expect(b.seq).toBe(2);
    const back = lib.listActions(rec.id);
    expect(back[0]).toMatchObject({
      action: { kind: 'type', text: 'a, (b) "c" \\ é\n' },
      element: { name: 'Title', rect: { left: 1, top: 2, right: 3, bottom: 4 }, role: 'paragraph' },
      description: { text: 'the title placeholder', source: 'offline' },
      thought: null,
      frameId: frame.id,
    });
    expect(lib.updateAction(a.id, { thought: { text: 'I type the title', source: 'model' } }).thought?.text).toBe(
      'I type the title',
    );
    lib.close();
  });

  it('discard deletes every frame file and row but keeps a tombstone', () => {
    const lib = Library.open(home);
    const rec = lib.createRecording({ kind: 'human', mode: 'free', source: 'tracker' });
    const frame = lib.saveFrame(rec.id, 'f.png', Buffer.from('x'), { format: 'png', width: 1, height: 1 });
    lib.appendAction(rec.id, { time: 1, action: { kind: 'wait' }, frameId: frame.id });
    lib.discardRecording(rec.id);
    expect(fs.existsSync(lib.absolutePath(frame.path))).toBe(false);
    expect(fs.existsSync(lib.recordingDir(rec.id))).toBe(false);
    expect(lib.listActions(rec.id)).toEqual([]);
    expect(lib.getRecording(rec.id).status).toBe('discarded');
    expect(lib.listRecordings()).toEqual([]);
    expect(lib.listRecordings({ includeDiscarded: true })).toHaveLength(1);
    lib.close();
  });

  it('refuses a frame row for a file that is not on disk', () => {
    const lib = Library.open(home);
    const rec = lib.createRecording({ kind: 'human', mode: 'free', source: 'tracker' });
    expect(() =>
      lib.addFrameRow(rec.id, 'frames/1/nope.png', { format: 'png', width: 1, height: 1, bytes: 1, sha256: 'x' }),
    ).toThrow(/does not exist/);
    lib.close();
  });
});

function collectLines(child: ChildProcess, onLine: (line: string) => void): void {
  let buf = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      onLine(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  });
}

describe('batch append (appendSteps)', () => {
  it('multi-row inserts across chunk boundaries: ids, frames and seqs match what one-by-one inserts give', () => {
    const lib = Library.open(home);
    const rec = lib.createRecording({ kind: 'human', mode: 'non-task', source: 'test' });
    lib.appendAction(rec.id, { seq: 3, time: 1, action: { kind: 'wait' } });
    const dir = path.join(home, 'frames', String(rec.id));
    fs.mkdirSync(dir, { recursive: true });
    const n = 450; // more than two chunks
    const steps = Array.from({ length: n }, (_, i) => {
      const rel = `frames/${rec.id}/batch-${i}.png`;
      fs.writeFileSync(path.join(home, rel), 'x');
      return {
        // Every third step has a frame; every fifth has no seq (one past the largest so far).
        ...(i % 3 === 0
          ? { frame: { path: rel, meta: { format: 'png' as const, width: 10, height: 10, bytes: 1, sha256: `h${i}` } } }
          : {}),
        action: {
          ...(i % 5 === 0 ? {} : { seq: 10 + i * 2 }),
          time: 1000 + i,
          action: { kind: 'click' as const, at: { x: i, y: i } },
          thought: { text: `thought ${i}`, source: 'model' as const },
        },
      };
    });
    const records = lib.appendSteps(rec.id, steps);
    expect(records).toHaveLength(n);
    let maxSeq = 3;
    records.forEach((r, i) => {
      const expectedSeq = i % 5 === 0 ? maxSeq + 1 : 10 + i * 2;
      maxSeq = Math.max(maxSeq, expectedSeq);
      expect(r.seq).toBe(expectedSeq);
      const stored = lib.getAction(r.id);
      expect(stored).toEqual(r);
      expect(stored.thought?.text).toBe(`thought ${i}`);
      if (i % 3 === 0) expect(lib.getFrame(r.frameId!).sha256).toBe(`h${i}`);
      else expect(r.frameId).toBeNull();
    });
    expect(lib.countActions(rec.id)).toBe(n + 1);
    // A missing frame file refuses the whole batch before anything is written.
    expect(() =>
      lib.appendSteps(rec.id, [
        {
          frame: {
            path: `frames/${rec.id}/missing.png`,
            meta: { format: 'png', width: 1, height: 1, bytes: 1, sha256: 'm' },
          },
          action: { time: 1, action: { kind: 'wait' } },
        },
      ]),
    ).toThrow(/missing\.png does not exist/);
    expect(lib.countActions(rec.id)).toBe(n + 1);
    lib.close();
  });
});

describe('concurrency and crash safety', () => {
  it('a second process reads consistently while another writes', async () => {
    const writer = tsxChild('crash-writer.ts', [home, 'new']);
    let committed = 0;
    let recordingId = 0;
    collectLines(writer, (l) => {
      if (l.startsWith('recording ')) recordingId = Number(l.split(' ')[1]);
      if (l.startsWith('committed ')) committed = Number(l.split(' ')[1]);
    });
    await expect.poll(() => committed, { timeout: 30_000 }).toBeGreaterThan(5);
    const reader = Library.open(home, { readonly: true });
    let lastSeen = 0;
    for (let i = 0; i < 20; i++) {
      const n = reader.countActions(recordingId);
      expect(n).toBeGreaterThanOrEqual(lastSeen);
      lastSeen = n;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(lastSeen).toBeGreaterThan(5);
    writer.kill('SIGKILL');
    await new Promise((r) => writer.once('exit', r));
    reader.close();
  });

  it('SIGKILL at random points loses no committed action and leaves no dangling frame row', async () => {
    let recordingId: number | undefined;
    let lastCommitted = 0;
    for (let round = 0; round < 6; round++) {
      const child = tsxChild('crash-writer.ts', [home, recordingId ? String(recordingId) : 'new']);
      let roundCommitted = 0;
      collectLines(child, (l) => {
        if (l.startsWith('recording ')) recordingId = Number(l.split(' ')[1]);
        if (l.startsWith('committed ')) roundCommitted = Number(l.split(' ')[1]);
      });
      await expect.poll(() => roundCommitted, { timeout: 30_000 }).toBeGreaterThan(lastCommitted);
      // Kill at a random moment while it is writing files and rows.
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 150)));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      lastCommitted = roundCommitted;

      const lib = Library.open(home);
      expect(lib.db.pragma('integrity_check', { simple: true })).toBe('ok');
      const actions = lib.listActions(recordingId!);
      // Every action the writer saw committed is there (it may have committed one more before dying).
      expect(actions.length).toBeGreaterThanOrEqual(lastCommitted);
      lastCommitted = actions.length;
      for (const a of actions) {
        expect(a.frameId).not.toBeNull();
        const frame = lib.getFrame(a.frameId!);
        expect(fs.existsSync(lib.absolutePath(frame.path))).toBe(true);
      }
      for (const f of lib.listFrames(recordingId!)) {
        expect(fs.statSync(lib.absolutePath(f.path)).size).toBe(f.bytes);
      }
      lib.close();
    }
  });
});
