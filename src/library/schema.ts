/**
 * Versioned schema migrations. `PRAGMA user_version` holds the number of the last migration
 * applied; each migration runs in its own transaction. Never edit a released migration: add
 * a new one.
 */
export interface Migration {
  readonly version: number;
  readonly description: string;
  readonly sql: string;
}

/**
 * The recordings table as a migration creates it. Migration 2 rebuilt it only to widen the
 * status CHECK, so both migrations write it from here; the text is byte for byte what each
 * migration always created (SQLite keeps it in sqlite_master).
 */
function recordingsTable(name: string, statuses: string): string {
  return `CREATE TABLE ${name} (
        id               INTEGER PRIMARY KEY,
        kind             TEXT    NOT NULL CHECK (kind IN ('human', 'agent')),
        mode             TEXT    NOT NULL CHECK (mode IN ('given', 'free', 'non-task', 'run', 'replay')),
        stage            TEXT    NOT NULL DEFAULT 'raw' CHECK (stage IN ('raw', 'refined')),
        name             TEXT    NOT NULL,
        task_id          INTEGER REFERENCES tasks(id) ON DELETE SET NULL,
        description      TEXT,
        level            TEXT CHECK (level IS NULL OR level IN ('easy', 'medium', 'hard')),
        status           TEXT    NOT NULL CHECK (status IN (${statuses})),
        platform         TEXT    NOT NULL,
        logical_width    INTEGER,
        logical_height   INTEGER,
        physical_width   INTEGER,
        physical_height  INTEGER,
        scale_factor     REAL    NOT NULL DEFAULT 1,
        origin_x         INTEGER NOT NULL DEFAULT 0,
        origin_y         INTEGER NOT NULL DEFAULT 0,
        utc_offset_min   INTEGER NOT NULL DEFAULT 0,
        started_at       INTEGER NOT NULL,
        ended_at         INTEGER,
        source           TEXT    NOT NULL,
        parent_id        INTEGER REFERENCES recordings(id) ON DELETE SET NULL,
        meta             TEXT    NOT NULL DEFAULT '{}'
      );`;
}

const RECORDINGS_INDEXES = `CREATE INDEX recordings_status ON recordings(status);
      CREATE INDEX recordings_parent ON recordings(parent_id);`;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'tasks, recordings, frames, actions',
    sql: `
      CREATE TABLE tasks (
        id          INTEGER PRIMARY KEY,
        description TEXT    NOT NULL UNIQUE,
        level       TEXT,
        category    TEXT,
        file_input  INTEGER NOT NULL DEFAULT 0,
        status      TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'finished', 'bad')),
        position    INTEGER NOT NULL,
        created_at  INTEGER NOT NULL,
        updated_at  INTEGER NOT NULL
      );

      ${recordingsTable('recordings', "'recording', 'paused', 'finished', 'failed', 'discarded'")}
      ${RECORDINGS_INDEXES}

      CREATE TABLE frames (
        id            INTEGER PRIMARY KEY,
        recording_id  INTEGER NOT NULL REFERENCES recordings(id) ON DELETE CASCADE,
        path          TEXT    NOT NULL UNIQUE,
        role          TEXT    NOT NULL DEFAULT 'screen' CHECK (role IN ('screen', 'marked')),
        format        TEXT    NOT NULL,
        width         INTEGER NOT NULL,
        height        INTEGER NOT NULL,
        scale_factor  REAL    NOT NULL DEFAULT 1,
        bytes         INTEGER NOT NULL,
        sha256        TEXT    NOT NULL,
        redacted      INTEGER NOT NULL DEFAULT 0,
        captured_at   INTEGER
      );
      CREATE INDEX frames_recording ON frames(recording_id);

      CREATE TABLE actions (
        id                    INTEGER PRIMARY KEY,
        recording_id          INTEGER NOT NULL REFERENCES recordings(id) ON DELETE CASCADE,
        seq                   INTEGER NOT NULL,
        time                  INTEGER NOT NULL,
        kind                  TEXT    NOT NULL,
        action                TEXT    NOT NULL,
        element_name          TEXT,
        element_role          TEXT,
        element_rect          TEXT,
        window_title          TEXT,
        app_name              TEXT,
        frame_id              INTEGER REFERENCES frames(id) ON DELETE SET NULL,
        marked_frame_id       INTEGER REFERENCES frames(id) ON DELETE SET NULL,
        action_description    TEXT,
        description_source    TEXT,
        check_result          TEXT,
        check_source          TEXT,
        thought               TEXT,
        thought_source        TEXT,
        extra                 TEXT    NOT NULL DEFAULT '{}',
        UNIQUE (recording_id, seq)
      );
    `,
  },
  {
    version: 2,
    description: "recordings: status 'interrupted' (recorder gone before it could finish)",
    // SQLite cannot change a CHECK constraint in place: rebuild the table (foreign keys are off
    // while migrations run, so frames and actions keep their rows).
    sql: `
      ${recordingsTable('recordings_v2', "'recording', 'paused', 'finished', 'failed', 'discarded', 'interrupted'")}
      INSERT INTO recordings_v2 SELECT * FROM recordings;
      DROP TABLE recordings;
      ALTER TABLE recordings_v2 RENAME TO recordings;
      ${RECORDINGS_INDEXES}
    `,
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
