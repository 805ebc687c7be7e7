import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Action, ElementInfo, Provenance, Rect } from '../core/actions.js';
import type { RecordingFields, TaskFields } from '../core/records.js';
import { formatCompactTimestamp } from '../core/wall-clock.js';
import { writeFileAtomic } from './atomic-file.js';
import { LibraryError } from './errors.js';
import { ensureHome } from './home.js';
import {
  currentScreen,
  listRecorderLocks,
  readRecorderLock,
  type RecorderLock,
  recorderAlive,
  removeRecorderLock,
  writeRecorderLock,
} from './recorder-lock.js';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from './schema.js';
import {
  LIVE_STATUSES as VOCABULARY_LIVE_STATUSES,
  RECORDING_STATUSES as VOCABULARY_RECORDING_STATUSES,
} from '../core/vocabulary.js';
import type {
  FrameFormat,
  RecordingKind,
  RecordingMode,
  RecordingStage,
  RecordingStatus,
  TaskLevel,
  TaskStatus,
} from '../core/vocabulary.js';

export const DATABASE_FILE = 'library.db';
/** Frame files live under this folder of the data directory, one sub-folder per recording. */
export const FRAMES_DIR = 'frames';

/** Statuses of a recording whose recorder is (or should be) running. */
export const LIVE_STATUSES: readonly RecordingStatus[] = VOCABULARY_LIVE_STATUSES;
/** Every status, in the order lists and filters show them. */
export const RECORDING_STATUSES: readonly RecordingStatus[] = VOCABULARY_RECORDING_STATUSES;
export type FrameRole = 'screen' | 'marked';

export interface Task extends TaskFields {
  fileInput: boolean;
  position: number;
  createdAt: number;
  updatedAt: number;
}

export interface NewTask {
  description: string;
  level?: TaskLevel | null;
  category?: string | null;
  fileInput?: boolean;
  status?: TaskStatus;
}

export interface ScreenInfo {
  logicalWidth: number;
  logicalHeight: number;
  physicalWidth: number;
  physicalHeight: number;
  scaleFactor: number;
  originX?: number;
  originY?: number;
}

export interface Recording extends RecordingFields {
  platform: string;
  screen: ScreenInfo | null;
  /** Minutes east of UTC where the recording was made, for wall-clock timestamps. */
  utcOffsetMin: number;
  meta: Record<string, unknown>;
}

export interface NewRecording {
  kind: RecordingKind;
  mode: RecordingMode;
  stage?: RecordingStage;
  name?: string;
  taskId?: number | null;
  description?: string | null;
  level?: TaskLevel | null;
  status?: RecordingStatus;
  platform?: string;
  screen?: ScreenInfo | null;
  utcOffsetMin?: number;
  startedAt?: number;
  source: string;
  parentId?: number | null;
  meta?: Record<string, unknown>;
}

export interface Frame {
  id: number;
  recordingId: number;
  /** Relative to the data directory, with forward slashes. */
  path: string;
  role: FrameRole;
  format: FrameFormat;
  width: number;
  height: number;
  scaleFactor: number;
  bytes: number;
  sha256: string;
  redacted: boolean;
  capturedAt: number | null;
}

export interface FrameMeta {
  role?: FrameRole;
  format: FrameFormat;
  width: number;
  height: number;
  scaleFactor?: number;
  redacted?: boolean;
  capturedAt?: number | null;
}

export type FrameFileMeta = FrameMeta & { bytes: number; sha256: string };

export interface Completion {
  text: string;
  source: Provenance;
}

export interface ActionRecord {
  id: number;
  recordingId: number;
  seq: number;
  time: number;
  action: Action;
  element: ElementInfo | null;
  windowTitle: string | null;
  appName: string | null;
  frameId: number | null;
  markedFrameId: number | null;
  description: Completion | null;
  check: Completion | null;
  thought: Completion | null;
  /** Fields this project does not model, kept so that import → export is lossless. */
  extra: Record<string, unknown>;
}

export interface NewAction {
  seq?: number;
  time: number;
  action: Action;
  element?: ElementInfo | null;
  windowTitle?: string | null;
  appName?: string | null;
  frameId?: number | null;
  markedFrameId?: number | null;
  description?: Completion | null;
  check?: Completion | null;
  thought?: Completion | null;
  extra?: Record<string, unknown>;
}

export type ActionPatch = Partial<Omit<NewAction, 'seq'>>;

export interface RecordingFilter {
  kind?: RecordingKind;
  stage?: RecordingStage;
  parentId?: number;
  status?: RecordingStatus;
  includeDiscarded?: boolean;
}

type Row = Record<string, unknown>;

/**
 * The SQLite library of one data directory: tasks, recordings, frames and actions.
 *
 * Invariants: WAL mode (readers never block the recorder); every write is its own committed
 * transaction unless wrapped in `transaction()`; a frame file is on disk (atomically) before the
 * row that points at it commits; opening never modifies a database it cannot understand.
 */
export class Library {
  readonly db: Database.Database;
  private readonly stmts = new Map<string, Database.Statement>();

  private constructor(
    readonly home: string,
    db: Database.Database,
  ) {
    this.db = db;
  }

  static open(home: string, options: { readonly?: boolean } = {}): Library {
    ensureHome(home);
    const file = path.join(home, DATABASE_FILE);
    const exists = fs.existsSync(file);
    if (exists) checkHeader(file);
    let db: Database.Database;
    try {
      db = new Database(file, { readonly: Boolean(options.readonly) && exists, fileMustExist: false });
    } catch (err) {
      throw new LibraryError('corrupt', `cannot open ${file}: ${(err as Error).message}`);
    }
    try {
      // Read the version before anything that writes (journal mode, migrations), so that a
      // database we cannot understand is left exactly as it was.
      const version = readVersion(db, file);
      if (version > LATEST_SCHEMA_VERSION) {
        throw new LibraryError(
          'newer-schema',
          `${file} was written by a newer PC Agent (schema ${version}, this version knows up to ${LATEST_SCHEMA_VERSION}); it was left untouched`,
        );
      }
      db.pragma('busy_timeout = 5000');
      if (!options.readonly || !exists) {
        db.pragma('journal_mode = WAL');
        // NORMAL is durable against process crashes (kill -9) in WAL mode; only a power loss
        // can drop the last transactions, and it keeps single commits well under 1 ms.
        db.pragma('synchronous = NORMAL');
      }
      db.pragma('foreign_keys = ON');
      const lib = new Library(home, db);
      if (!options.readonly) {
        lib.migrate(version);
        lib.recoverInterrupted();
      }
      return lib;
    } catch (err) {
      db.close();
      if (err instanceof LibraryError) throw err;
      throw new LibraryError('corrupt', `${file} is not a usable PC Agent library: ${(err as Error).message}`);
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  get schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  private migrate(from: number): void {
    if (from >= LATEST_SCHEMA_VERSION) return;
    // Off while tables are rebuilt: dropping an old table must not cascade into its children.
    // (The pragma is a no-op inside a transaction, hence outside.)
    this.db.pragma('foreign_keys = OFF');
    try {
      for (const m of MIGRATIONS) {
        if (m.version <= from) continue;
        this.db.transaction(() => {
          this.db.exec(m.sql);
          const broken = this.db.pragma('foreign_key_check') as unknown[];
          if (broken.length > 0) throw new Error(`migration ${m.version} broke ${broken.length} references`);
          this.db.pragma(`user_version = ${m.version}`);
        })();
      }
    } finally {
      this.db.pragma('foreign_keys = ON');
    }
  }

  private stmt(sql: string): Database.Statement {
    let s = this.stmts.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }

  // ── tasks ────────────────────────────────────────────────────────────────────────────

  /** Adds given tasks in order; a description already in the library is skipped, not duplicated. */
  importTasks(tasks: readonly NewTask[], now = Date.now()): { added: number; skipped: number } {
    return this.transaction(() => {
      let position = (this.stmt('SELECT COALESCE(MAX(position), 0) AS p FROM tasks').get() as { p: number }).p;
      let added = 0;
      const insert = this.stmt(
        `INSERT OR IGNORE INTO tasks (description, level, category, file_input, status, position, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const t of tasks) {
        const r = insert.run(
          t.description,
          t.level ?? null,
          t.category ?? null,
          t.fileInput ? 1 : 0,
          t.status ?? 'open',
          position + 1,
          now,
          now,
        );
        if (r.changes > 0) {
          added++;
          position++;
        }
      }
      return { added, skipped: tasks.length - added };
    });
  }

  listTasks(status?: TaskStatus): Task[] {
    const rows = status
      ? this.stmt('SELECT * FROM tasks WHERE status = ? ORDER BY position').all(status)
      : this.stmt('SELECT * FROM tasks ORDER BY position').all();
    return (rows as Row[]).map(toTask);
  }

  getTask(id: number): Task {
    const row = this.stmt('SELECT * FROM tasks WHERE id = ?').get(id) as Row | undefined;
    if (!row) throw new LibraryError('not-found', `no task with id ${id}`);
    return toTask(row);
  }

  updateTask(id: number, patch: { status?: TaskStatus; description?: string }, now = Date.now()): Task {
    const task = this.getTask(id);
    this.stmt('UPDATE tasks SET status = ?, description = ?, updated_at = ? WHERE id = ?').run(
      patch.status ?? task.status,
      patch.description ?? task.description,
      now,
      id,
    );
    return this.getTask(id);
  }

  // ── recordings ───────────────────────────────────────────────────────────────────────

  /**
   * A recording created live (`recording` / `paused`) gets this process's recorder lock, written
   * before the row commits: another process that sees the row also sees who records it.
   */
  createRecording(input: NewRecording): Recording {
    const live = LIVE_STATUSES.includes(input.status ?? 'recording');
    if (!live) return this.insertRecording(input);
    return this.transaction(() => {
      const r = this.insertRecording(input);
      writeRecorderLock(this.home, r.id);
      return r;
    });
  }

  private insertRecording(input: NewRecording): Recording {
    const startedAt = input.startedAt ?? Date.now();
    const utcOffsetMin = input.utcOffsetMin ?? -new Date(startedAt).getTimezoneOffset();
    const s = input.screen ?? null;
    const info = this.stmt(
      `INSERT INTO recordings (kind, mode, stage, name, task_id, description, level, status, platform,
         logical_width, logical_height, physical_width, physical_height, scale_factor, origin_x, origin_y,
         utc_offset_min, started_at, source, parent_id, meta)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      input.kind,
      input.mode,
      input.stage ?? 'raw',
      input.name ?? defaultRecordingName(input.mode, startedAt, utcOffsetMin),
      input.taskId ?? null,
      input.description ?? null,
      input.level ?? null,
      input.status ?? 'recording',
      input.platform ?? process.platform,
      ...screenColumns(s),
      utcOffsetMin,
      startedAt,
      input.source,
      input.parentId ?? null,
      JSON.stringify(input.meta ?? {}),
    );
    return this.getRecording(Number(info.lastInsertRowid));
  }

  getRecording(id: number): Recording {
    const row = this.stmt('SELECT * FROM recordings WHERE id = ?').get(id) as Row | undefined;
    if (!row) throw new LibraryError('not-found', `no recording with id ${id}`);
    return toRecording(row);
  }

  listRecordings(filter: RecordingFilter = {}): Recording[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.kind) {
      where.push('kind = ?');
      args.push(filter.kind);
    }
    if (filter.stage) {
      where.push('stage = ?');
      args.push(filter.stage);
    }
    if (filter.parentId !== undefined) {
      where.push('parent_id = ?');
      args.push(filter.parentId);
    }
    if (filter.status) {
      where.push('status = ?');
      args.push(filter.status);
    } else if (!filter.includeDiscarded) {
      where.push("status <> 'discarded'");
    }
    const sql = `SELECT * FROM recordings ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id`;
    return (this.db.prepare(sql).all(...args) as Row[]).map(toRecording);
  }

  updateRecording(
    id: number,
    patch: Partial<Pick<Recording, 'description' | 'level' | 'status' | 'endedAt' | 'taskId' | 'screen' | 'meta'>>,
  ): Recording {
    const r = this.getRecording(id);
    const next = { ...r, ...patch };
    const s = next.screen;
    this.stmt(
      `UPDATE recordings SET description = ?, level = ?, status = ?, ended_at = ?, task_id = ?,
         logical_width = ?, logical_height = ?, physical_width = ?, physical_height = ?, scale_factor = ?,
         origin_x = ?, origin_y = ?, meta = ? WHERE id = ?`,
    ).run(
      next.description,
      next.level,
      next.status,
      next.endedAt,
      next.taskId,
      ...screenColumns(s),
      JSON.stringify(next.meta),
      id,
    );
    if (!LIVE_STATUSES.includes(next.status)) removeRecorderLock(this.home, id);
    return this.getRecording(id);
  }

  /**
   * Marks every `recording` / `paused` recording whose recorder is gone (no lock, a dead pid,
   * another boot) as `interrupted`, ended at its last committed action. Runs whenever the
   * library is opened for writing; returns the recordings it marked.
   */
  recoverInterrupted(): Recording[] {
    const candidates = this.stmt("SELECT id FROM recordings WHERE status IN ('recording', 'paused')").all() as {
      id: number;
    }[];
    const marked: Recording[] = [];
    for (const { id } of candidates) {
      if (recorderAlive(readRecorderLock(this.home, id))) continue;
      try {
        if (this.markInterrupted(id)) marked.push(this.getRecording(id));
      } catch {
        // A full disk cannot take the update: the recording stays as it is and is marked on a
        // later open. Reading the library must not fail because of it.
      }
    }
    return marked;
  }

  /**
   * Ends a live recording as `interrupted` at the time of its last committed action and drops
   * its recorder lock. False when it was no longer live (its recorder finished meanwhile).
   */
  markInterrupted(id: number): boolean {
    try {
      // The status is checked in the UPDATE itself: a recorder that finished meanwhile wins.
      return (
        this.stmt(
          `UPDATE recordings SET status = 'interrupted',
             ended_at = COALESCE((SELECT MAX(time) FROM actions WHERE recording_id = ?), ended_at, started_at)
           WHERE id = ? AND status IN ('recording', 'paused')`,
        ).run(id, id).changes > 0
      );
    } finally {
      // Without its lock the recording reads as interrupted to every later open, even when
      // the update above could not be written (full disk).
      removeRecorderLock(this.home, id);
    }
  }

  /** The live recorder (another process) that holds `screen`, if any. */
  liveRecorderOn(screen = currentScreen()): RecorderLock | null {
    for (const lock of listRecorderLocks(this.home)) {
      if (lock.screen !== screen || lock.pid === process.pid || !recorderAlive(lock)) continue;
      const row = this.stmt('SELECT status FROM recordings WHERE id = ?').get(lock.recordingId) as
        { status: RecordingStatus } | undefined;
      if (row && LIVE_STATUSES.includes(row.status)) return lock;
    }
    return null;
  }

  /**
   * Discarding deletes every file and row of the recording but keeps a tombstone row. Refined
   * versions of it go too: they share its frame files.
   */
  discardRecording(id: number, now = Date.now()): Recording {
    for (const child of this.listRecordings({ parentId: id })) this.discardRecording(child.id, now);
    const frames = this.listFrames(id);
    this.transaction(() => {
      this.stmt('DELETE FROM actions WHERE recording_id = ?').run(id);
      this.stmt('DELETE FROM frames WHERE recording_id = ?').run(id);
      this.stmt("UPDATE recordings SET status = 'discarded', ended_at = COALESCE(ended_at, ?) WHERE id = ?").run(
        now,
        id,
      );
    });
    removeRecorderLock(this.home, id);
    // Files go after the rows, so a crash in between leaves orphan files, never dangling rows.
    for (const f of frames) fs.rmSync(this.absolutePath(f.path), { force: true });
    fs.rmSync(this.recordingDir(id), { recursive: true, force: true });
    return this.getRecording(id);
  }

  /** Removes the recording, its rows and its frame files entirely (no tombstone). */
  deleteRecording(id: number): void {
    this.stmt('DELETE FROM recordings WHERE id = ?').run(id);
    removeRecorderLock(this.home, id);
    fs.rmSync(this.recordingDir(id), { recursive: true, force: true });
  }

  // ── frames ───────────────────────────────────────────────────────────────────────────

  /** Folder (absolute) for the frame files of one recording. */
  recordingDir(recordingId: number): string {
    return path.join(this.home, FRAMES_DIR, String(recordingId));
  }

  absolutePath(relative: string): string {
    return path.join(this.home, ...relative.split('/'));
  }

  /** Relative path, forward slashes, for a file under the data directory. */
  relativePath(absolute: string): string {
    return path.relative(this.home, absolute).split(path.sep).join('/');
  }

  /** Writes the bytes atomically under the recording's folder, then commits the frame row. */
  saveFrame(recordingId: number, fileName: string, data: Uint8Array, meta: FrameMeta): Frame {
    const abs = path.join(this.recordingDir(recordingId), fileName);
    writeFileAtomic(abs, data);
    return this.addFrameRow(recordingId, this.relativePath(abs), {
      ...meta,
      bytes: data.byteLength,
      sha256: sha256(data),
    });
  }

  /**
   * Commits the row for a frame file that is already on disk (written atomically by the
   * capture encoder). Refuses a path that does not exist, so rows never dangle.
   */
  addFrameRow(recordingId: number, relPath: string, meta: FrameFileMeta): Frame {
    if (!fs.existsSync(this.absolutePath(relPath))) {
      throw new LibraryError('missing-file', `frame file ${relPath} does not exist`);
    }
    return this.insertFrameRow(recordingId, relPath, meta);
  }

  /**
   * Commits many frames and actions in one transaction (import, benchmarks, refinement).
   * File existence is checked with one directory listing per folder instead of a stat per file.
   * `frame` of a step, when given, becomes the action's frame.
   */
  appendSteps(
    recordingId: number,
    steps: readonly { frame?: { path: string; meta: FrameFileMeta }; action: NewAction }[],
  ): ActionRecord[] {
    const listed = new Map<string, Set<string>>();
    for (const { frame } of steps) {
      if (!frame) continue;
      const abs = this.absolutePath(frame.path);
      const dir = path.dirname(abs);
      let names = listed.get(dir);
      if (!names) {
        names = new Set(fs.existsSync(dir) ? fs.readdirSync(dir) : []);
        listed.set(dir, names);
      }
      if (!names.has(path.basename(abs)))
        throw new LibraryError('missing-file', `frame file ${frame.path} does not exist`);
    }
    return this.transaction(() =>
      steps.map(({ frame, action }) => {
        const frameId = frame ? this.insertFrameRow(recordingId, frame.path, frame.meta).id : action.frameId;
        return this.appendAction(recordingId, { ...action, frameId });
      }),
    );
  }

  private insertFrameRow(recordingId: number, relPath: string, meta: FrameFileMeta): Frame {
    const info = this.stmt(
      `INSERT INTO frames (recording_id, path, role, format, width, height, scale_factor, bytes, sha256, redacted, captured_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      recordingId,
      relPath,
      meta.role ?? 'screen',
      meta.format,
      meta.width,
      meta.height,
      meta.scaleFactor ?? 1,
      meta.bytes,
      meta.sha256,
      meta.redacted ? 1 : 0,
      meta.capturedAt ?? null,
    );
    // Built from the input rather than read back: this is on the recorder's hot path.
    return {
      id: Number(info.lastInsertRowid),
      recordingId,
      path: relPath,
      role: meta.role ?? 'screen',
      format: meta.format,
      width: meta.width,
      height: meta.height,
      scaleFactor: meta.scaleFactor ?? 1,
      bytes: meta.bytes,
      sha256: meta.sha256,
      redacted: Boolean(meta.redacted),
      capturedAt: meta.capturedAt ?? null,
    };
  }

  getFrame(id: number): Frame {
    const row = this.stmt('SELECT * FROM frames WHERE id = ?').get(id) as Row | undefined;
    if (!row) throw new LibraryError('not-found', `no frame with id ${id}`);
    return toFrame(row);
  }

  listFrames(recordingId: number): Frame[] {
    return (this.stmt('SELECT * FROM frames WHERE recording_id = ? ORDER BY id').all(recordingId) as Row[]).map(
      toFrame,
    );
  }

  // ── actions ──────────────────────────────────────────────────────────────────────────

  /** Appends and commits one action; `seq` defaults to one past the recording's last. */
  appendAction(recordingId: number, input: NewAction): ActionRecord {
    const seq =
      input.seq ??
      (
        this.stmt('SELECT COALESCE(MAX(seq), 0) + 1 AS s FROM actions WHERE recording_id = ?').get(recordingId) as {
          s: number;
        }
      ).s;
    const info = this.stmt(
      `INSERT INTO actions (recording_id, seq, time, kind, action, element_name, element_role, element_rect,
         window_title, app_name, frame_id, marked_frame_id, action_description, description_source,
         check_result, check_source, thought, thought_source, extra)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(recordingId, seq, ...actionColumns(input));
    return {
      id: Number(info.lastInsertRowid),
      recordingId,
      seq,
      time: input.time,
      action: input.action,
      element: input.element ?? null,
      windowTitle: input.windowTitle ?? null,
      appName: input.appName ?? null,
      frameId: input.frameId ?? null,
      markedFrameId: input.markedFrameId ?? null,
      description: input.description ?? null,
      check: input.check ?? null,
      thought: input.thought ?? null,
      extra: input.extra ?? {},
    };
  }

  getAction(id: number): ActionRecord {
    const row = this.stmt('SELECT * FROM actions WHERE id = ?').get(id) as Row | undefined;
    if (!row) throw new LibraryError('not-found', `no action with id ${id}`);
    return toAction(row);
  }

  updateAction(id: number, patch: ActionPatch): ActionRecord {
    const a = this.getAction(id);
    const n = { ...a, ...patch };
    this.stmt(
      `UPDATE actions SET time = ?, kind = ?, action = ?, element_name = ?, element_role = ?, element_rect = ?,
         window_title = ?, app_name = ?, frame_id = ?, marked_frame_id = ?, action_description = ?,
         description_source = ?, check_result = ?, check_source = ?, thought = ?, thought_source = ?, extra = ?
       WHERE id = ?`,
    ).run(...actionColumns(n), id);
    return this.getAction(id);
  }

  removeAction(id: number): void {
    this.stmt('DELETE FROM actions WHERE id = ?').run(id);
  }

  listActions(recordingId: number): ActionRecord[] {
    return (this.stmt('SELECT * FROM actions WHERE recording_id = ? ORDER BY seq').all(recordingId) as Row[]).map(
      toAction,
    );
  }

  countActions(recordingId: number): number {
    return (this.stmt('SELECT COUNT(*) AS n FROM actions WHERE recording_id = ?').get(recordingId) as { n: number }).n;
  }
}

export function sha256(data: Uint8Array): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

/** `free_task_20241126_161517`: the reference's file stem, from the mode and local start time. */
export function defaultRecordingName(mode: RecordingMode, startedAt: number, utcOffsetMin: number): string {
  const prefix = mode === 'given' ? 'task' : mode === 'free' ? 'free_task' : mode === 'non-task' ? 'non_task' : mode;
  return `${prefix}_${formatCompactTimestamp(startedAt, utcOffsetMin)}`;
}

const SQLITE_MAGIC = 'SQLite format 3\0';

/** A non-empty file without SQLite's header is refused before SQLite (or we) can touch it. */
function checkHeader(file: string): void {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(16);
    const n = fs.readSync(fd, buf, 0, 16, 0);
    if (n === 0) return;
    if (n < 16 || buf.toString('latin1') !== SQLITE_MAGIC) {
      throw new LibraryError(
        'corrupt',
        `${file} is not a SQLite database (corrupt or not a PC Agent library); it was left untouched`,
      );
    }
  } finally {
    fs.closeSync(fd);
  }
}

function readVersion(db: Database.Database, file: string): number {
  try {
    // Touches the schema, so a damaged database fails here rather than half-way through work.
    db.prepare('SELECT count(*) FROM sqlite_schema').get();
    return db.pragma('user_version', { simple: true }) as number;
  } catch (err) {
    throw new LibraryError('corrupt', `${file} is damaged (${(err as Error).message}); it was left untouched`);
  }
}

/** The recordings table's screen columns, in schema order (create and update write the same ones). */
function screenColumns(s: ScreenInfo | null): unknown[] {
  return [
    s?.logicalWidth ?? null,
    s?.logicalHeight ?? null,
    s?.physicalWidth ?? null,
    s?.physicalHeight ?? null,
    s?.scaleFactor ?? 1,
    s?.originX ?? 0,
    s?.originY ?? 0,
  ];
}

/**
 * The values of the `actions` columns from `time` to `extra`, in the order both the INSERT and
 * the UPDATE statements list them.
 */
function actionColumns(a: Omit<NewAction, 'seq'>): unknown[] {
  return [
    a.time,
    a.action.kind,
    JSON.stringify(a.action),
    a.element?.name ?? null,
    a.element?.role ?? null,
    a.element?.rect ? JSON.stringify(a.element.rect) : null,
    a.windowTitle ?? null,
    a.appName ?? null,
    a.frameId ?? null,
    a.markedFrameId ?? null,
    a.description?.text ?? null,
    a.description?.source ?? null,
    a.check?.text ?? null,
    a.check?.source ?? null,
    a.thought?.text ?? null,
    a.thought?.source ?? null,
    a.extra && Object.keys(a.extra).length ? JSON.stringify(a.extra) : '{}',
  ];
}

function parseJson<T>(text: unknown, fallback: T): T {
  if (typeof text !== 'string' || text === '') return fallback;
  return JSON.parse(text) as T;
}

function toTask(r: Row): Task {
  return {
    id: r.id as number,
    description: r.description as string,
    level: (r.level as TaskLevel | null) ?? null,
    category: (r.category as string | null) ?? null,
    fileInput: r.file_input === 1,
    status: r.status as TaskStatus,
    position: r.position as number,
    createdAt: r.created_at as number,
    updatedAt: r.updated_at as number,
  };
}

function toRecording(r: Row): Recording {
  return {
    id: r.id as number,
    kind: r.kind as RecordingKind,
    mode: r.mode as RecordingMode,
    stage: r.stage as RecordingStage,
    name: r.name as string,
    taskId: (r.task_id as number | null) ?? null,
    description: (r.description as string | null) ?? null,
    level: (r.level as TaskLevel | null) ?? null,
    status: r.status as RecordingStatus,
    platform: r.platform as string,
    screen:
      r.logical_width == null
        ? null
        : {
            logicalWidth: r.logical_width as number,
            logicalHeight: r.logical_height as number,
            physicalWidth: r.physical_width as number,
            physicalHeight: r.physical_height as number,
            scaleFactor: r.scale_factor as number,
            originX: r.origin_x as number,
            originY: r.origin_y as number,
          },
    utcOffsetMin: r.utc_offset_min as number,
    startedAt: r.started_at as number,
    endedAt: (r.ended_at as number | null) ?? null,
    source: r.source as string,
    parentId: (r.parent_id as number | null) ?? null,
    meta: parseJson(r.meta, {}),
  };
}

function toFrame(r: Row): Frame {
  return {
    id: r.id as number,
    recordingId: r.recording_id as number,
    path: r.path as string,
    role: r.role as FrameRole,
    format: r.format as FrameFormat,
    width: r.width as number,
    height: r.height as number,
    scaleFactor: r.scale_factor as number,
    bytes: r.bytes as number,
    sha256: r.sha256 as string,
    redacted: r.redacted === 1,
    capturedAt: (r.captured_at as number | null) ?? null,
  };
}

function completion(text: unknown, source: unknown): Completion | null {
  return typeof text === 'string' ? { text, source: (source as Provenance | null) ?? 'imported' } : null;
}

function toAction(r: Row): ActionRecord {
  const name = r.element_name as string | null;
  const rect = parseJson<Rect | null>(r.element_rect, null);
  const role = r.element_role as string | null;
  return {
    id: r.id as number,
    recordingId: r.recording_id as number,
    seq: r.seq as number,
    time: r.time as number,
    action: JSON.parse(r.action as string) as Action,
    element: name === null && rect === null ? null : { name: name ?? '', rect, ...(role ? { role } : {}) },
    windowTitle: (r.window_title as string | null) ?? null,
    appName: (r.app_name as string | null) ?? null,
    frameId: (r.frame_id as number | null) ?? null,
    markedFrameId: (r.marked_frame_id as number | null) ?? null,
    description: completion(r.action_description, r.description_source),
    check: completion(r.check_result, r.check_source),
    thought: completion(r.thought, r.thought_source),
    extra: parseJson(r.extra, {}),
  };
}
