import { describe, expect, it } from 'vitest';
import type { Action } from '../../src/core/actions.js';
import { Aggregator, replayOps, type RecordedAction, type RecordingOp } from '../../src/core/aggregate.js';
import { formatAction } from '../../src/core/grammar.js';
import type { MouseButton } from '../../src/core/input-events.js';

/**
 * Drives the machine with a fake clock: every event at time t carries the frame `f<t>`, so a
 * row's frame names the moment its action began.
 */
class Session {
  readonly agg: Aggregator<string>;
  readonly ops: RecordingOp<string>[] = [];

  constructor(start = 0, capsLock = false) {
    this.agg = new Aggregator<string>({ startTime: start, capsLock });
  }

  private take(ops: RecordingOp<string>[]): RecordingOp<string>[] {
    this.ops.push(...ops);
    return ops;
  }

  keyDown(key: string, t: number, text?: string): RecordingOp<string>[] {
    const ev = { type: 'keydown', key, time: t, frame: `f${t}` } as const;
    return this.take(this.agg.input(text === undefined ? ev : { ...ev, text }));
  }

  keyUp(key: string, t: number): RecordingOp<string>[] {
    return this.take(this.agg.input({ type: 'keyup', key, time: t, frame: `f${t}` }));
  }

  /** Press and release a key (10 ms apart). */
  key(key: string, t: number, text?: string): void {
    this.keyDown(key, t, text);
    this.keyUp(key, t + 10);
  }

  /** Types a string key by key, 100 ms apart from t, holding shift where US layout needs it. */
  typeKeys(text: string, t: number): number {
    for (const ch of text) {
      const shifted = /[A-Z!]/.test(ch);
      const base = ch === ' ' ? 'space' : shifted ? (US_BASE[ch] ?? ch.toLowerCase()) : ch;
      if (shifted) this.keyDown('shift', t);
      this.key(base, t + 20);
      if (shifted) this.keyUp('shift', t + 40);
      t += 100;
    }
    return t;
  }

  mouseDown(x: number, y: number, t: number, button: MouseButton = 'left', excluded = false) {
    return this.take(this.agg.input({ type: 'mousedown', button, x, y, time: t, frame: `f${t}`, excluded }));
  }

  mouseUp(x: number, y: number, t: number, button: MouseButton = 'left', excluded = false) {
    return this.take(this.agg.input({ type: 'mouseup', button, x, y, time: t, frame: `f${t}`, excluded }));
  }

  click(x: number, y: number, t: number, button: MouseButton = 'left'): void {
    this.mouseDown(x, y, t, button);
    this.mouseUp(x, y, t + 50, button);
  }

  wheel(dx: number, dy: number, t: number, excluded = false): RecordingOp<string>[] {
    return this.take(this.agg.input({ type: 'wheel', dx, dy, time: t, frame: `f${t}`, excluded }));
  }

  tick(t: number): RecordingOp<string>[] {
    return this.take(this.agg.tick(t, `f${t}`));
  }

  pause(t: number): RecordingOp<string>[] {
    return this.take(this.agg.pause(t, `f${t}`));
  }

  finish(t: number): RecordingOp<string>[] {
    return this.take(this.agg.finish(t, `f${t}`));
  }

  fail(t: number): RecordingOp<string>[] {
    return this.take(this.agg.fail(t, `f${t}`));
  }

  rows(): RecordedAction<string>[] {
    return replayOps(this.ops);
  }

  /** The recording in the grammar's recorded text forms, for readable assertions. */
  actions(): string[] {
    return this.rows().map((row) => show(row.action));
  }
}

/** Base keys of the shifted punctuation the tests type. */
const US_BASE: Record<string, string> = { '!': '1' };

/** The recorded text form, so expectations read like SPEC §2.2 and prove the grammar takes them. */
function show(action: Action): string {
  return formatAction(action, 'recorded');
}

describe('click and right click', () => {
  it('records a click on press, with the press frame and the pointer for the element', () => {
    const s = new Session();
    const ops = s.mouseDown(10, 20, 1000);
    expect(ops).toEqual([
      {
        op: 'add',
        id: 1,
        action: { kind: 'click', at: { x: 10, y: 20 } },
        time: 1000,
        frame: 'f1000',
        pointer: { x: 10, y: 20 },
      },
    ]);
    expect(s.mouseUp(10, 20, 1080)).toEqual([]);
  });

  it('records a right click on press; releasing it elsewhere is no drag', () => {
    const s = new Session();
    s.mouseDown(10, 20, 1000, 'right');
    s.mouseUp(60, 90, 1300, 'right');
    expect(s.actions()).toEqual(['right click (10, 20)']);
    expect(s.rows()[0]?.frame).toBe('f1000');
  });

  it('records nothing for the middle button but ends the typing it interrupts', () => {
    const s = new Session();
    s.typeKeys('ab', 1000);
    s.click(5, 5, 2000, 'middle');
    s.typeKeys('cd', 3000);
    expect(s.actions()).toEqual(['type text: ab', 'type text: cd']);
  });
});

describe('double click', () => {
  it('turns the click into a double click on a second press within 500 ms (499 ms)', () => {
    const s = new Session();
    s.click(100, 100, 1000);
    const ops = s.mouseDown(100, 100, 1499);
    expect(ops).toEqual([{ op: 'update', id: 1, action: { kind: 'double_click', at: { x: 100, y: 100 } } }]);
    s.mouseUp(100, 100, 1550);
    expect(s.actions()).toEqual(['double click (100, 100)']);
    expect(s.rows()[0]).toMatchObject({ time: 1000, frame: 'f1000' });
  });

  it('counts exactly 500 ms as within, 501 ms as two clicks', () => {
    const within = new Session();
    within.click(100, 100, 1000);
    within.click(100, 100, 1500);
    expect(within.actions()).toEqual(['double click (100, 100)']);

    const late = new Session();
    late.click(100, 100, 1000);
    late.click(100, 100, 1501);
    expect(late.actions()).toEqual(['click (100, 100)', 'click (100, 100)']);
  });

  it('needs the same position, within 2 px on each axis', () => {
    const near = new Session();
    near.click(100, 100, 1000);
    near.click(102, 98, 1200);
    expect(near.actions()).toEqual(['double click (100, 100)']);

    const far = new Session();
    far.click(100, 100, 1000);
    far.click(103, 100, 1200);
    expect(far.actions()).toEqual(['click (100, 100)', 'click (103, 100)']);
  });

  it('starts a new click on a third press', () => {
    const s = new Session();
    s.click(100, 100, 1000);
    s.click(100, 100, 1150);
    s.click(100, 100, 1300);
    expect(s.actions()).toEqual(['double click (100, 100)', 'click (100, 100)']);
    expect(s.rows()[1]?.frame).toBe('f1300');
  });

  it('is not a double click when a key, a right click or a drag came between', () => {
    const key = new Session();
    key.click(100, 100, 1000);
    key.key('enter', 1100);
    key.click(100, 100, 1200);
    expect(key.actions()).toEqual(['click (100, 100)', 'press key enter', 'click (100, 100)']);

    const right = new Session();
    right.click(100, 100, 1000, 'right');
    right.click(100, 100, 1200);
    expect(right.actions()).toEqual(['right click (100, 100)', 'click (100, 100)']);

    const drag = new Session();
    drag.mouseDown(100, 100, 1000);
    drag.mouseUp(100, 150, 1200);
    drag.click(100, 100, 1300);
    expect(drag.actions()).toEqual(['press (100, 100)', 'drag to (100, 150)', 'click (100, 100)']);
  });
});

describe('drag', () => {
  it('turns the click into press + drag to, both with the press frame', () => {
    const s = new Session();
    s.mouseDown(10, 20, 1000);
    const ops = s.mouseUp(300, 250, 1800);
    expect(ops).toEqual([
      { op: 'update', id: 1, action: { kind: 'press', at: { x: 10, y: 20 } } },
      {
        op: 'add',
        id: 2,
        action: { kind: 'drag_to', at: { x: 300, y: 250 } },
        time: 1000,
        frame: 'f1000',
      },
    ]);
    expect(s.actions()).toEqual(['press (10, 20)', 'drag to (300, 250)']);
  });

  it('stays a click when released at the press point', () => {
    const s = new Session();
    s.mouseDown(10, 20, 1000);
    s.mouseUp(10, 20, 1900);
    expect(s.actions()).toEqual(['click (10, 20)']);
  });

  it('records any movement: merging small ones into a click is refinement’s job', () => {
    const s = new Session();
    s.mouseDown(10, 20, 1000);
    s.mouseUp(11, 20, 1100);
    expect(s.actions()).toEqual(['press (10, 20)', 'drag to (11, 20)']);
  });
});

describe('scroll', () => {
  it('adds consecutive notches into one scroll with the first notch frame', () => {
    const s = new Session();
    const first = s.wheel(0, -1, 1000);
    expect(first).toEqual([
      { op: 'add', id: 1, action: { kind: 'scroll', dx: 0, dy: -1 }, time: 1000, frame: 'f1000' },
    ]);
    expect(s.wheel(0, -1, 1050)).toEqual([{ op: 'update', id: 1, action: { kind: 'scroll', dx: 0, dy: -2 } }]);
    s.wheel(0, -1, 1100);
    expect(s.rows()).toEqual([{ id: 1, action: { kind: 'scroll', dx: 0, dy: -3 }, time: 1000, frame: 'f1000' }]);
  });

  it('adds up both axes with their signs', () => {
    const s = new Session();
    s.wheel(0, 1, 1000);
    s.wheel(0, 1, 1050);
    s.wheel(2, 0, 1100);
    s.wheel(-1, 0, 1150);
    s.wheel(0, -1, 1200);
    expect(s.actions()).toEqual(['scroll (1, 1)']);
  });

  it('ends at a key or a click; the next wheel starts a new scroll', () => {
    const s = new Session();
    s.wheel(0, -1, 1000);
    s.wheel(0, -1, 1050);
    s.key('down', 1500);
    s.wheel(0, 1, 2000);
    s.click(5, 5, 2500);
    s.wheel(0, 1, 3000);
    expect(s.actions()).toEqual(['scroll (0, -2)', 'press key down', 'scroll (0, 1)', 'click (5, 5)', 'scroll (0, 1)']);
    expect(s.rows().map((r) => r.frame)).toEqual(['f1000', 'f1500', 'f2000', 'f2500', 'f3000']);
  });

  it('ends typing', () => {
    const s = new Session();
    s.typeKeys('hi', 1000);
    s.wheel(0, -1, 2000);
    s.typeKeys('yo', 3000);
    expect(s.actions()).toEqual(['type text: hi', 'scroll (0, -1)', 'type text: yo']);
  });
});

describe('typing', () => {
  it('records "Hello, world" typed with shift as one type text with the first character frame', () => {
    const s = new Session();
    s.typeKeys('Hello, world', 1000);
    s.key('enter', 3000);
    expect(s.actions()).toEqual(['type text: Hello, world', 'press key enter']);
    // The first character is 'H' at 1020; the shift pressed for it (at 1000) is part of it.
    expect(s.rows()[0]).toMatchObject({ time: 1020, frame: 'f1020' });
  });

  it('keeps a single character as press key, and becomes type text at the second', () => {
    const s = new Session();
    expect(s.keyDown('a', 1000)).toEqual([
      { op: 'add', id: 1, action: { kind: 'key', key: 'a' }, time: 1000, frame: 'f1000' },
    ]);
    s.keyUp('a', 1010);
    expect(s.keyDown('b', 1100)).toEqual([{ op: 'update', id: 1, action: { kind: 'type', text: 'ab' } }]);
  });

  it('writes a lone capital as type text, since a key name is lower case', () => {
    const s = new Session();
    s.typeKeys('I', 1000);
    s.key('enter', 1200);
    s.typeKeys('!', 1300);
    expect(s.actions()).toEqual(['type text: I', 'press key enter', 'press key !']);
  });

  it('writes a single space as press key space; space inside text is text', () => {
    const s = new Session();
    s.key('space', 1000);
    s.key('tab', 1100);
    s.typeKeys('a b', 1200);
    expect(s.actions()).toEqual(['press key space', 'press key tab', 'type text: a b']);
  });

  it('edits the buffer with backspace, back to press key and then away', () => {
    const s = new Session();
    s.typeKeys('abc', 1000);
    s.key('backspace', 1400);
    expect(s.actions()).toEqual(['type text: ab']);
    s.key('backspace', 1500);
    expect(s.actions()).toEqual(['press key a']);
    expect(s.keyDown('backspace', 1600)).toEqual([{ op: 'remove', id: 1 }]);
    s.keyUp('backspace', 1610);
    expect(s.actions()).toEqual([]);
    // Nothing of ours is left to erase: this one is a key press of its own.
    s.key('backspace', 1700);
    expect(s.actions()).toEqual(['press key backspace']);
  });

  it('keeps the first character frame across a correction', () => {
    const s = new Session();
    const t = s.typeKeys('teh', 1000);
    s.key('backspace', t);
    s.key('backspace', t + 100);
    s.typeKeys('he', t + 200);
    expect(s.rows()).toEqual([{ id: 1, action: { kind: 'type', text: 'the' }, time: 1020, frame: 'f1020' }]);
  });

  it('records backspace with no open buffer as press key backspace', () => {
    const s = new Session();
    s.key('backspace', 1000);
    s.typeKeys('ab', 1100);
    s.click(1, 1, 1500);
    s.key('backspace', 1600);
    expect(s.actions()).toEqual(['press key backspace', 'type text: ab', 'click (1, 1)', 'press key backspace']);
  });

  it('flips letter case with Caps Lock, silently inside typing', () => {
    const s = new Session();
    s.typeKeys('ab', 1000);
    s.key('caps_lock', 1200);
    s.typeKeys('cd', 1300);
    s.keyDown('shift', 1500);
    s.key('e', 1520);
    s.key('1', 1540);
    s.keyUp('shift', 1560);
    s.key('caps_lock', 1600);
    s.typeKeys('f2', 1700);
    expect(s.actions()).toEqual(['type text: abCDe!f2']);
  });

  it('records Caps Lock outside typing as press key caps_lock, ignoring its auto-repeat', () => {
    const s = new Session();
    s.keyDown('caps_lock', 1000);
    s.keyDown('caps_lock', 1030);
    s.keyUp('caps_lock', 1060);
    s.typeKeys('ok', 1200);
    expect(s.actions()).toEqual(['press key caps_lock', 'type text: OK']);
  });

  it('starts from the Caps Lock state the platform reports', () => {
    const s = new Session(0, true);
    s.typeKeys('ok', 1000);
    expect(s.actions()).toEqual(['type text: OK']);
  });

  it('uses OS-composed text as-is (IME commit, other layouts)', () => {
    const s = new Session();
    s.key('a', 1000, '日本');
    s.key('e', 1100, 'é');
    expect(s.actions()).toEqual(['type text: 日本é']);

    const single = new Session();
    single.key('e', 1000, 'é');
    expect(single.actions()).toEqual(['press key é']);
  });

  it('is flushed by any non-text key and by a click', () => {
    const s = new Session();
    s.typeKeys('ab', 1000);
    s.key('left', 1300);
    s.typeKeys('cd', 1400);
    s.click(9, 9, 1700);
    s.typeKeys('ef', 1800);
    expect(s.actions()).toEqual(['type text: ab', 'press key left', 'type text: cd', 'click (9, 9)', 'type text: ef']);
  });
});

describe('modifiers', () => {
  it('records a lone modifier press once, however long it auto-repeats', () => {
    const s = new Session();
    s.keyDown('ctrl', 1000);
    expect(s.keyDown('ctrl', 1500)).toEqual([]);
    expect(s.keyDown('ctrl', 1530)).toEqual([]);
    s.keyUp('ctrl', 1600);
    s.key('alt', 1700);
    s.key('cmd', 1800);
    expect(s.actions()).toEqual(['press key ctrl', 'press key alt', 'press key cmd']);
  });

  it('records shift pressed outside typing, before a non-text key', () => {
    const s = new Session();
    s.keyDown('shift', 1000);
    s.key('tab', 1100);
    s.keyUp('shift', 1200);
    s.key('shift', 1300);
    expect(s.actions()).toEqual(['press key shift', 'press key tab', 'press key shift']);
    expect(s.rows()[0]?.frame).toBe('f1000');
  });

  it('lets shift inside typing neither flush the buffer nor record anything', () => {
    const s = new Session();
    s.typeKeys('say ', 1000);
    const ops = s.keyDown('shift', 1500);
    expect(ops).toEqual([]);
    s.key('h', 1520);
    s.keyUp('shift', 1540);
    s.typeKeys('i', 1600);
    expect(s.actions()).toEqual(['type text: say Hi']);
  });

  it('records shift held from inside typing when a non-text key or a click follows it', () => {
    const s = new Session();
    s.typeKeys('abc', 1000);
    s.keyDown('shift', 1500);
    s.key('left', 1600);
    s.key('left', 1700);
    s.keyUp('shift', 1800);
    expect(s.actions()).toEqual(['type text: abc', 'press key shift', 'press key left', 'press key left']);
    expect(s.rows()[1]).toMatchObject({ time: 1500, frame: 'f1500' });

    const click = new Session();
    click.typeKeys('abc', 1000);
    click.keyDown('shift', 1500);
    click.click(40, 40, 1600);
    expect(click.actions()).toEqual(['type text: abc', 'press key shift', 'click (40, 40)']);
  });
});

describe('hotkeys', () => {
  it('turns the just-recorded press key ctrl into hotkey (ctrl, a), keeping its frame', () => {
    const s = new Session();
    s.keyDown('ctrl', 1000);
    expect(s.keyDown('a', 1200)).toEqual([{ op: 'update', id: 1, action: { kind: 'hotkey', keys: ['ctrl', 'a'] } }]);
    s.keyUp('a', 1250);
    s.keyUp('ctrl', 1300);
    expect(s.rows()).toEqual([{ id: 1, action: { kind: 'hotkey', keys: ['ctrl', 'a'] }, time: 1000, frame: 'f1000' }]);
  });

  it('adds a second hotkey while ctrl stays held (ctrl+a, ctrl+b), ignoring ctrl repeat', () => {
    const s = new Session();
    s.keyDown('ctrl', 1000);
    s.key('a', 1200);
    s.keyDown('ctrl', 1300);
    s.key('b', 1600);
    s.keyUp('ctrl', 1700);
    expect(s.rows()).toEqual([
      { id: 1, action: { kind: 'hotkey', keys: ['ctrl', 'a'] }, time: 1000, frame: 'f1000' },
      { id: 2, action: { kind: 'hotkey', keys: ['ctrl', 'b'] }, time: 1600, frame: 'f1600' },
    ]);
  });

  it('records a repeated combination each time (ctrl+z held repeats undo)', () => {
    const s = new Session();
    s.keyDown('ctrl', 1000);
    s.keyDown('z', 1100);
    s.keyDown('z', 1600);
    s.keyUp('z', 1700);
    s.keyUp('ctrl', 1800);
    expect(s.actions()).toEqual(['hotkey (Ctrl, Z)', 'hotkey (Ctrl, Z)']);
  });

  it('flushes typing and records the hotkey after it', () => {
    const s = new Session();
    s.typeKeys('draft', 1000);
    s.keyDown('ctrl', 2000);
    s.key('s', 2100);
    s.keyUp('ctrl', 2200);
    expect(s.rows().map((r) => [show(r.action), r.frame])).toEqual([
      ['type text: draft', 'f1020'],
      ['hotkey (Ctrl, S)', 'f2000'],
    ]);
  });

  it('records a press key ctrl released before the next key as its own action', () => {
    const s = new Session();
    s.key('ctrl', 1000);
    s.typeKeys('a', 1100);
    expect(s.actions()).toEqual(['press key ctrl', 'press key a']);
  });

  it('records alt+tab and win+d, replacing the modifier press', () => {
    const s = new Session();
    s.keyDown('alt', 1000);
    s.key('tab', 1100);
    s.key('tab', 1300);
    s.keyUp('alt', 1400);
    s.keyDown('cmd', 2000);
    s.key('d', 2100);
    s.keyUp('cmd', 2200);
    expect(s.rows().map((r) => [show(r.action), r.frame])).toEqual([
      ['hotkey (alt, tab)', 'f1000'],
      ['hotkey (alt, tab)', 'f1300'],
      ['hotkey (cmd, d)', 'f2000'],
    ]);
  });

  it('records shift+delete as a hotkey, outside and inside typing', () => {
    const s = new Session();
    s.keyDown('shift', 1000);
    s.key('delete', 1100);
    s.keyUp('shift', 1200);
    expect(s.rows()).toEqual([
      { id: 1, action: { kind: 'hotkey', keys: ['shift', 'delete'] }, time: 1000, frame: 'f1000' },
    ]);

    const typing = new Session();
    typing.typeKeys('ab', 1000);
    typing.keyDown('shift', 1500);
    typing.key('delete', 1600);
    typing.keyUp('shift', 1700);
    expect(typing.rows().map((r) => [show(r.action), r.frame])).toEqual([
      ['type text: ab', 'f1020'],
      ['hotkey (shift, delete)', 'f1500'],
    ]);
  });

  it('records other alt and cmd chords as hotkeys too', () => {
    const s = new Session();
    s.keyDown('alt', 1000);
    s.key('f', 1100);
    s.keyUp('alt', 1200);
    s.keyDown('cmd', 1300);
    s.key('q', 1400);
    s.keyUp('cmd', 1500);
    expect(s.actions()).toEqual(['hotkey (alt, f)', 'hotkey (cmd, q)']);
  });

  it('writes every held modifier in a chord, in ctrl-cmd-alt-shift order, as one hotkey', () => {
    const s = new Session();
    s.keyDown('shift', 1000);
    s.keyDown('ctrl', 1050);
    s.key('s', 1200);
    s.keyUp('ctrl', 1300);
    s.keyUp('shift', 1310);
    expect(s.rows()).toEqual([
      {
        id: 1,
        action: { kind: 'hotkey', keys: ['ctrl', 'shift', 's'] },
        time: 1000,
        frame: 'f1000',
      },
    ]);
  });

  it('keeps shift-only combinations outside the fixed set as separate key presses', () => {
    const s = new Session();
    s.keyDown('shift', 1000);
    s.key('f10', 1100);
    s.keyUp('shift', 1200);
    expect(s.actions()).toEqual(['press key shift', 'press key f10']);
  });

  it('takes a character the OS composed with AltGr (ctrl+alt) as text, dropping the presses', () => {
    const s = new Session();
    s.typeKeys('me', 1000);
    s.click(1, 1, 1500);
    s.keyDown('ctrl', 2000);
    s.keyDown('alt', 2010);
    s.key('q', 2100, '@');
    s.keyUp('alt', 2200);
    s.keyUp('ctrl', 2210);
    s.typeKeys('x', 2300);
    expect(s.actions()).toEqual(['type text: me', 'click (1, 1)', 'type text: @x']);
  });
});

describe('other keys', () => {
  it('records named keys as press key <name>', () => {
    const s = new Session();
    for (const [i, key] of ['esc', 'enter', 'f5', 'page_down', 'delete'].entries()) {
      s.key(key, 1000 + i * 100);
    }
    expect(s.actions()).toEqual([
      'press key esc',
      'press key enter',
      'press key f5',
      'press key page_down',
      'press key delete',
    ]);
  });
});

describe('wait', () => {
  it('records one wait per 6 s of idleness from the session start', () => {
    const s = new Session(0);
    expect(s.tick(5999)).toEqual([]);
    expect(s.tick(6000)).toEqual([{ op: 'add', id: 1, action: { kind: 'wait' }, time: 6000, frame: 'f6000' }]);
    s.tick(11_000);
    s.tick(12_000);
    expect(s.rows().map((r) => r.time)).toEqual([6000, 12_000]);
  });

  it('catches up on an irregular tick: +13 s gives waits at +6 s and +12 s', () => {
    const s = new Session(1000);
    const ops = s.tick(14_000);
    expect(ops.map((op) => op.op === 'add' && op.time)).toEqual([7000, 13_000]);
  });

  it('restarts the timer at each input and records due waits before the input', () => {
    const s = new Session(0);
    s.click(5, 5, 3000);
    s.tick(8999);
    expect(s.actions()).toEqual(['click (5, 5)']);
    // No tick came since; the key arrives at +13 s after the click's release.
    s.key('enter', 16_050);
    expect(s.rows().map((r) => [show(r.action), r.time])).toEqual([
      ['click (5, 5)', 3000],
      ['wait', 9050],
      ['wait', 15_050],
      ['press key enter', 16_050],
    ]);
  });

  it('records no wait while the last input was a text key', () => {
    const s = new Session(0);
    s.typeKeys('hello', 1000);
    s.tick(60_000);
    s.typeKeys(' world', 60_100);
    expect(s.actions()).toEqual(['type text: hello world']);
    s.key('enter', 61_000);
    s.tick(67_010);
    expect(s.actions()).toEqual(['type text: hello world', 'press key enter', 'wait']);
  });

  it('records no wait after a scroll until the next click', () => {
    const s = new Session(0);
    s.wheel(0, -1, 1000);
    s.tick(30_000);
    s.click(5, 5, 30_100);
    s.tick(36_149);
    expect(s.actions()).toEqual(['scroll (0, -1)', 'click (5, 5)']);
    s.tick(36_150);
    expect(s.actions()).toEqual(['scroll (0, -1)', 'click (5, 5)', 'wait']);
  });

  it('restarts after a scroll at the next non-text key', () => {
    const s = new Session(0);
    s.wheel(0, -1, 1000);
    s.key('page_down', 20_000);
    s.tick(26_010);
    expect(s.actions()).toEqual(['scroll (0, -1)', 'press key page_down', 'wait']);
  });

  it('records no wait while a modifier or the mouse button is held', () => {
    const s = new Session(0);
    s.keyDown('ctrl', 1000);
    s.tick(9000);
    s.key('c', 9100);
    s.keyUp('ctrl', 9200);
    expect(s.actions()).toEqual(['hotkey (Ctrl, C)']);

    s.mouseDown(10, 10, 10_000);
    s.tick(18_000);
    s.mouseUp(400, 10, 18_100);
    s.tick(24_099);
    expect(s.actions()).toEqual(['hotkey (Ctrl, C)', 'press (10, 10)', 'drag to (400, 10)']);
    s.tick(24_100);
    expect(s.actions().at(-1)).toBe('wait');
  });
});

describe('pause and resume', () => {
  it('records nothing while paused, flushes typing on pause and restarts the timer on resume', () => {
    const s = new Session(0);
    s.typeKeys('ab', 1000);
    s.pause(2000);
    s.key('c', 2100);
    s.click(5, 5, 2200);
    s.wheel(0, 1, 2300);
    expect(s.tick(30_000)).toEqual([]);
    s.agg.resume(40_000);
    s.typeKeys('de', 40_100);
    s.key('enter', 41_000);
    s.tick(46_999);
    s.tick(47_010);
    expect(s.rows().map((r) => [show(r.action), r.time])).toEqual([
      ['type text: ab', 1020],
      ['type text: de', 40_120],
      ['press key enter', 41_000],
      ['wait', 47_010],
    ]);
  });

  it('records the waits that fell due before the pause', () => {
    const s = new Session(0);
    expect(s.pause(13_000).map((op) => op.op === 'add' && op.time)).toEqual([6000, 12_000]);
  });

  it('keeps track of keys pressed while paused', () => {
    const s = new Session(0);
    s.pause(1000);
    s.key('caps_lock', 1100);
    s.keyDown('ctrl', 1200);
    s.agg.resume(2000);
    s.key('v', 2100);
    s.keyUp('ctrl', 2200);
    s.typeKeys('ok', 2300);
    expect(s.actions()).toEqual(['hotkey (Ctrl, V)', 'type text: OK']);
  });

  it('does not turn a click before the pause into a double click or a drag after it', () => {
    const s = new Session(0);
    s.mouseDown(5, 5, 1000);
    s.pause(1100);
    s.mouseUp(50, 50, 1200);
    s.agg.resume(1300);
    s.click(5, 5, 1400);
    expect(s.actions()).toEqual(['click (5, 5)', 'click (5, 5)']);
  });
});

describe('excluded pointer events (the app’s own windows)', () => {
  it('drops them but still flushes typing', () => {
    const s = new Session(0);
    s.typeKeys('ab', 1000);
    s.mouseDown(5, 5, 1500, 'left', true);
    s.mouseUp(5, 5, 1550, 'left', true);
    s.wheel(0, -1, 1600, true);
    s.typeKeys('cd', 1700);
    expect(s.actions()).toEqual(['type text: ab', 'type text: cd']);
  });

  it('does not make the first click of a double click, nor end a scroll into one', () => {
    const s = new Session(0);
    s.mouseDown(5, 5, 1000, 'left', true);
    s.mouseUp(5, 5, 1050, 'left', true);
    s.click(5, 5, 1200);
    s.wheel(0, -1, 1400);
    s.wheel(0, -1, 1450, true);
    s.wheel(0, -1, 1500);
    expect(s.actions()).toEqual(['click (5, 5)', 'scroll (0, -1)', 'scroll (0, -1)']);
  });

  it('keeps a click whose release is on the app’s window', () => {
    const s = new Session(0);
    s.mouseDown(5, 5, 1000);
    s.mouseUp(900, 5, 1500, 'left', true);
    expect(s.actions()).toEqual(['click (5, 5)']);
  });
});

describe('finish and fail', () => {
  it('flushes typing, adds finish with its frame and ignores everything after', () => {
    const s = new Session(0);
    s.typeKeys('ab', 1000);
    expect(s.finish(1500)).toEqual([{ op: 'add', id: 2, action: { kind: 'finish' }, time: 1500, frame: 'f1500' }]);
    s.typeKeys('cd', 1600);
    s.tick(60_000);
    expect(s.finish(61_000)).toEqual([]);
    expect(s.actions()).toEqual(['type text: ab', 'finish']);
  });

  it('drops a shift held inside typing instead of recording it', () => {
    const s = new Session(0);
    s.typeKeys('ab', 1000);
    s.keyDown('shift', 1300);
    s.fail(1400);
    expect(s.actions()).toEqual(['type text: ab', 'fail']);
  });

  it('records the waits due before the end, and ends while paused too', () => {
    const s = new Session(0);
    s.fail(7000);
    expect(s.actions()).toEqual(['wait', 'fail']);

    const paused = new Session(0);
    paused.pause(1000);
    paused.finish(50_000);
    expect(paused.actions()).toEqual(['finish']);
  });
});

describe('replayOps', () => {
  it('applies adds, updates and removes in order', () => {
    const ops: RecordingOp<number>[] = [
      { op: 'add', id: 1, action: { kind: 'key', key: 'a' }, time: 10, frame: 1 },
      { op: 'add', id: 2, action: { kind: 'wait' }, time: 20, frame: null },
      { op: 'update', id: 1, action: { kind: 'type', text: 'ab' } },
      { op: 'remove', id: 2 },
      { op: 'add', id: 3, action: { kind: 'finish' }, time: 30, frame: 3 },
    ];
    expect(replayOps(ops)).toEqual([
      { id: 1, action: { kind: 'type', text: 'ab' }, time: 10, frame: 1 },
      { id: 3, action: { kind: 'finish' }, time: 30, frame: 3 },
    ]);
  });

  it('rejects an operation on an unknown action', () => {
    expect(() => replayOps([{ op: 'remove', id: 7 }])).toThrow(/unknown action 7/);
  });
});

describe('an end-to-end session', () => {
  it('aggregates a realistic editing session into the expected actions', () => {
    const s = new Session(0);
    // Click the slide's title placeholder.
    s.click(960, 300, 1000);
    // Type "Hello wrld", notice the typo, erase "rld" and type "orld".
    let t = s.typeKeys('Hello wrld', 2000);
    for (let i = 0; i < 3; i++, t += 100) s.key('backspace', t);
    t = s.typeKeys('orld', t);
    s.tick(t + 1000);
    // Leave the text box, confirm, select all and bold it with ctrl held across both.
    s.key('esc', 5000);
    s.key('enter', 5500);
    s.keyDown('ctrl', 6000);
    s.key('a', 6200);
    s.keyDown('ctrl', 6700); // auto-repeat
    s.key('b', 6800);
    s.keyUp('ctrl', 7000);
    // Think for 7 s.
    for (let tick = 7100; tick <= 14_000; tick += 100) s.tick(tick);
    // Double click a word, drag a shape, scroll three notches down, open a context menu.
    s.click(500, 400, 14_000);
    s.click(501, 400, 14_200);
    s.mouseDown(100, 100, 15_000);
    s.mouseUp(300, 250, 15_600);
    s.wheel(0, -1, 16_000);
    s.wheel(0, -1, 16_100);
    s.wheel(0, -1, 16_200);
    s.tick(30_000);
    s.click(800, 600, 30_500, 'right');

    expect(s.actions()).toEqual([
      'click (960, 300)',
      'type text: Hello world',
      'press key esc',
      'press key enter',
      'hotkey (Ctrl, A)',
      'hotkey (Ctrl, B)',
      'wait',
      'double click (500, 400)',
      'press (100, 100)',
      'drag to (300, 250)',
      'scroll (0, -3)',
      'right click (800, 600)',
    ]);
    expect(s.rows().map((r) => r.frame)).toEqual([
      'f1000', // the click's press
      'f2020', // the first character, H
      'f5000',
      'f5500',
      'f6000', // ctrl going down
      'f6800', // b, while ctrl stays held
      'f13000', // 6 s after ctrl was released
      'f14000', // the first press of the double click
      'f15000', // the drag's press ...
      'f15000', // ... and its end
      'f16000', // the first notch
      'f30500',
    ]);
  });
});
