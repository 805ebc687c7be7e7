import { LibraryError } from '../library/errors.js';
import type { RecordingOutcome, TaskLevel, TrackerMode } from '../core/vocabulary.js';
import type { Library, Recording, ScreenInfo, Task } from '../library/library.js';

/**
 * The annotator's task modes (SPEC §2.1): given tasks from an imported list, free tasks
 * described afterwards, and non-task recordings. These are the rules the app and `pcagent
 * record` share; the recorder itself only captures actions into the recording they create.
 */
export type { TrackerMode } from '../core/vocabulary.js';

export interface StartOptions {
  mode: TrackerMode;
  /** Given mode: the task to perform (default: the first open one). */
  taskId?: number;
  /** Free mode may be described up front (`pcagent record --task`), or after finishing. */
  description?: string;
  level?: TaskLevel;
  screen?: ScreenInfo | null;
  meta?: Record<string, unknown>;
  startedAt?: number;
}

export interface Counters {
  givenFinished: number;
  freeFinished: number;
  givenOpen: number;
  givenBad: number;
}

/**
 * Walks the open given tasks in list order. The cursor is the app's state; finished and bad
 * tasks persist in the library and are never offered again.
 */
export class TaskCursor {
  private index = 0;
  constructor(private readonly lib: Library) {}

  private open(): Task[] {
    return this.lib.listTasks('open');
  }

  current(): Task | null {
    const open = this.open();
    if (open.length === 0) return null;
    this.index = Math.min(this.index, open.length - 1);
    return open[this.index]!;
  }

  next(): Task | null {
    const open = this.open();
    if (open.length > 0) this.index = (this.index + 1) % open.length;
    return this.current();
  }

  previous(): Task | null {
    const open = this.open();
    if (open.length > 0) this.index = (this.index - 1 + open.length) % open.length;
    return this.current();
  }

  /** "Bad task": removed from the list for good; the cursor stays on the next one. */
  markBad(taskId: number): Task | null {
    this.lib.updateTask(taskId, { status: 'bad' });
    return this.current();
  }
}

export function startRecording(lib: Library, options: StartOptions): Recording {
  let task: Task | null = null;
  if (options.mode === 'given') {
    task = options.taskId !== undefined ? lib.getTask(options.taskId) : (lib.listTasks('open')[0] ?? null);
    if (!task) throw new LibraryError('not-found', 'no open given task (import some with `pcagent tasks import FILE`)');
    if (task.status !== 'open') throw new LibraryError('invalid-state', `task ${task.id} is ${task.status}, not open`);
  }
  return lib.createRecording({
    kind: 'human',
    mode: options.mode,
    taskId: task?.id ?? null,
    description: task?.description ?? options.description ?? null,
    level: task?.level ?? options.level ?? null,
    status: 'recording',
    screen: options.screen ?? null,
    source: 'tracker',
    meta: options.meta,
    startedAt: options.startedAt,
  });
}

function requireStatus(rec: Recording, allowed: Recording['status'][], what: string): void {
  if (!allowed.includes(rec.status)) {
    throw new LibraryError('invalid-state', `cannot ${what} recording ${rec.id}: it is ${rec.status}`);
  }
}

export function pauseRecording(lib: Library, id: number): Recording {
  requireStatus(lib.getRecording(id), ['recording'], 'pause');
  return lib.updateRecording(id, { status: 'paused' });
}

export function resumeRecording(lib: Library, id: number): Recording {
  requireStatus(lib.getRecording(id), ['paused'], 'resume');
  return lib.updateRecording(id, { status: 'recording' });
}

/** Ends the recording as finished or failed; a finished given task is marked done. */
export function endRecording(lib: Library, id: number, outcome: RecordingOutcome, now = Date.now()): Recording {
  const rec = lib.getRecording(id);
  requireStatus(rec, ['recording', 'paused'], 'end');
  return lib.transaction(() => {
    if (outcome === 'finished' && rec.mode === 'given' && rec.taskId !== null) {
      lib.updateTask(rec.taskId, { status: 'finished' }, now);
    }
    return lib.updateRecording(id, { status: outcome, endedAt: now });
  });
}

/**
 * After finishing: a free task gets its description and level; a given task's description may
 * be edited (the task list keeps the original wording).
 */
export function describeRecording(lib: Library, id: number, description: string, level?: TaskLevel): Recording {
  const rec = lib.getRecording(id);
  if (description.trim() === '') throw new LibraryError('invalid-state', 'a description cannot be empty');
  if (rec.status === 'discarded') throw new LibraryError('invalid-state', `recording ${id} was discarded`);
  return lib.updateRecording(id, { description, level: level ?? rec.level });
}

/**
 * "Keep as finished" for a recording whose recorder died: it becomes finished as it stands
 * (every committed action, ended at the last one); a given task is marked done like any finish.
 */
export function keepInterrupted(lib: Library, id: number, now = Date.now()): Recording {
  const rec = lib.getRecording(id);
  requireStatus(rec, ['interrupted'], 'keep');
  return lib.transaction(() => {
    if (rec.mode === 'given' && rec.taskId !== null) lib.updateTask(rec.taskId, { status: 'finished' }, now);
    return lib.updateRecording(id, { status: 'finished', endedAt: rec.endedAt ?? now });
  });
}

export function discardRecording(lib: Library, id: number): Recording {
  return lib.discardRecording(id);
}

export function counters(lib: Library): Counters {
  const finished = lib.listRecordings({ kind: 'human', status: 'finished' });
  return {
    givenFinished: finished.filter((r) => r.mode === 'given').length,
    freeFinished: finished.filter((r) => r.mode === 'free' && r.description !== null).length,
    givenOpen: lib.listTasks('open').length,
    givenBad: lib.listTasks('bad').length,
  };
}
