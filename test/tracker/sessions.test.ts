import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Library } from '../../src/library/library.js';
import {
  counters,
  describeRecording,
  discardRecording,
  endRecording,
  pauseRecording,
  resumeRecording,
  startRecording,
  TaskCursor,
} from '../../src/tracker/sessions.js';
import { openTempLibrary, removeTempLibrary } from '../support/fixture.js';

let home: string;
let lib: Library;
beforeEach(() => {
  ({ home, lib } = openTempLibrary('sessions'));
  lib.importTasks([
    { description: 'Task A', level: 'easy', category: 'PowerPointTasks' },
    { description: 'Task B', level: 'medium' },
    { description: 'Task C', level: 'hard' },
  ]);
});
afterEach(() => {
  removeTempLibrary({ home, lib });
});

describe('given tasks', () => {
  it('walks next / previous over open tasks; bad tasks disappear for good', () => {
    const cursor = new TaskCursor(lib);
    expect(cursor.current()?.description).toBe('Task A');
    expect(cursor.next()?.description).toBe('Task B');
    expect(cursor.next()?.description).toBe('Task C');
    expect(cursor.next()?.description).toBe('Task A');
    expect(cursor.previous()?.description).toBe('Task C');
    expect(cursor.markBad(cursor.current()!.id)?.description).toBe('Task B');
    // Persisted: a new cursor (an app restart) never offers the bad task again.
    expect(new TaskCursor(lib).next()?.description).toBe('Task B');
    expect(lib.listTasks('bad').map((t) => t.description)).toEqual(['Task C']);
  });

  it('start → pause → resume → finish marks the task finished; the description can be edited after', () => {
    const task = lib.listTasks()[1]!;
    const rec = startRecording(lib, { mode: 'given', taskId: task.id });
    expect(rec).toMatchObject({ status: 'recording', description: 'Task B', level: 'medium', taskId: task.id });
    expect(pauseRecording(lib, rec.id).status).toBe('paused');
    expect(() => pauseRecording(lib, rec.id)).toThrow(/cannot pause recording .* it is paused/);
    expect(resumeRecording(lib, rec.id).status).toBe('recording');
    expect(endRecording(lib, rec.id, 'finished').status).toBe('finished');
    expect(lib.getTask(task.id).status).toBe('finished');
    expect(describeRecording(lib, rec.id, 'Task B, done my way').description).toBe('Task B, done my way');
    expect(lib.getTask(task.id).description).toBe('Task B');
    expect(counters(lib)).toMatchObject({ givenFinished: 1, givenOpen: 2 });
    expect(() => startRecording(lib, { mode: 'given', taskId: task.id })).toThrow(/is finished, not open/);
  });

  it('a failed given task stays open', () => {
    const rec = startRecording(lib, { mode: 'given' });
    endRecording(lib, rec.id, 'failed');
    expect(lib.getTask(rec.taskId!).status).toBe('open');
    expect(counters(lib).givenFinished).toBe(0);
  });
});

describe('free and non-task recordings', () => {
  it('free task: described after finishing, or discarded with its frames', () => {
    const kept = startRecording(lib, { mode: 'free' });
    endRecording(lib, kept.id, 'finished');
    expect(counters(lib).freeFinished).toBe(0);
    expect(describeRecording(lib, kept.id, 'Make a title slide', 'easy')).toMatchObject({
      description: 'Make a title slide',
      level: 'easy',
    });
    expect(counters(lib).freeFinished).toBe(1);
    expect(() => describeRecording(lib, kept.id, '  ')).toThrow(/cannot be empty/);

    const dropped = startRecording(lib, { mode: 'free' });
    const frame = lib.saveFrame(dropped.id, 'a.png', Buffer.from('x'), { format: 'png', width: 1, height: 1 });
    endRecording(lib, dropped.id, 'finished');
    discardRecording(lib, dropped.id);
    expect(fs.existsSync(lib.absolutePath(frame.path))).toBe(false);
    expect(counters(lib).freeFinished).toBe(1);
  });

  it('non-task: save or discard', () => {
    const rec = startRecording(lib, { mode: 'non-task' });
    expect(rec.description).toBeNull();
    expect(endRecording(lib, rec.id, 'finished').status).toBe('finished');
    expect(discardRecording(lib, rec.id).status).toBe('discarded');
  });
});
