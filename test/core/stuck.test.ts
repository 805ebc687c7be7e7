import { describe, expect, it } from 'vitest';
import type { Action } from '../../src/core/actions.js';
import {
  type ActedStep,
  isStuck,
  needsStuckNotice,
  sameAction,
  STUCK_NOTICE_AFTER,
  unchangedRepeats,
} from '../../src/core/stuck.js';

const planned: Action = { kind: 'click', target: 'the empty desktop' };
// As executed: the grounder added the point.
const done = (x = 400, y = 300, target = 'the empty desktop'): Action => ({ kind: 'click', target, at: { x, y } });
const step = (action: Action, changed = false): ActedStep => ({ action, changed });

describe('stuck detection', () => {
  it('matches a planned click with its executed form, and described targets loosely', () => {
    expect(sameAction(planned, done())).toBe(true);
    expect(sameAction(done(1, 1), done(900, 700))).toBe(true); // same description, grounded elsewhere
    expect(sameAction(planned, { kind: 'click', target: '  The empty   DESKTOP ' })).toBe(true);
    expect(sameAction(planned, { kind: 'double_click', target: 'the empty desktop' })).toBe(false);
    expect(sameAction(planned, { kind: 'click', target: 'the OK button' })).toBe(false);
    // Coordinate clicks (ui-tars): the same within a few pixels.
    expect(sameAction({ kind: 'click', at: { x: 10, y: 10 } }, { kind: 'click', at: { x: 15, y: 4 } })).toBe(true);
    expect(sameAction({ kind: 'click', at: { x: 10, y: 10 } }, { kind: 'click', at: { x: 40, y: 10 } })).toBe(false);
    expect(sameAction({ kind: 'type', text: 'a' }, { kind: 'type', text: 'a' })).toBe(true);
    expect(sameAction({ kind: 'type', text: 'a' }, { kind: 'type', text: 'b' })).toBe(false);
    expect(sameAction({ kind: 'hotkey', keys: ['ctrl', 's'] }, { kind: 'key', key: 's' })).toBe(false);
  });

  it('counts the latest same actions in a row that changed nothing', () => {
    expect(unchangedRepeats([])).toBe(0);
    expect(unchangedRepeats([step(done()), step(done())])).toBe(2);
    // A change breaks the run, and so does another action.
    expect(unchangedRepeats([step(done()), step(done(), true), step(done())])).toBe(1);
    expect(unchangedRepeats([step(done()), step({ kind: 'wait' }), step(done())])).toBe(1);
    expect(unchangedRepeats([step(done(), true)])).toBe(0);
  });

  it('tells the planner after three, stops on the fourth same plan', () => {
    const two = [step(done()), step(done())];
    const three = [...two, step(done())];
    expect(STUCK_NOTICE_AFTER).toBe(3);
    expect(needsStuckNotice(two)).toBe(false);
    expect(isStuck(two, planned)).toBe(false);
    expect(needsStuckNotice(three)).toBe(true);
    expect(isStuck(three, planned)).toBe(true);
    // Told, the planner tries something else: not stuck.
    expect(isStuck(three, { kind: 'hotkey', keys: ['alt', 'tab'] })).toBe(false);
    // The same three with a screen change in the middle are not stuck.
    expect(needsStuckNotice([step(done()), step(done(), true), step(done())])).toBe(false);
  });
});

describe('waiting', () => {
  it('repeated waits on a still screen are not being stuck', () => {
    const wait = { kind: 'wait' } as const;
    const history = Array.from({ length: 5 }, () => ({ action: wait, changed: false }));
    expect(unchangedRepeats(history)).toBe(0);
    expect(needsStuckNotice(history)).toBe(false);
    expect(isStuck(history, wait)).toBe(false);
  });
});
