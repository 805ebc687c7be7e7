/**
 * The input hooks against a real X server: Xvfb, input injected through XTEST by xdotool.
 *
 * The hooks run in a child Node process: once uiohook has started, the process dies with its
 * X server (Xlib's default I/O error handler exits), so the test process must not be the one
 * holding the hook when the display is stopped.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { UiohookKey } from 'uiohook-napi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeKeyName } from '../../src/core/keys.js';
import { buildKeymap, UIOHOOK_KEY_NAMES } from '../../src/tracker/input/keymap.js';
import { checkRecordExtension, InputHooksUnavailableError } from '../../src/tracker/input/record-extension.js';
import { startDisplay, xdo, type XSession } from '../support/xsession.js';

const HOOKS_URL = pathToFileURL(new URL('../../src/tracker/input/hooks.ts', import.meta.url).pathname).href;

/**
 * A process that starts the hooks (frame reference 7), prints each event as a JSON line, and
 * stops on any stdin input. With REPORT_MOVES=1 it prints pointer motion as {"move":[x,y]}.
 */
const CHILD = `
import { startInputHooks } from ${JSON.stringify(HOOKS_URL)};
const print = (v) => process.stdout.write(JSON.stringify(v) + '\\n');
const onPointerMove = process.env.REPORT_MOVES ? (x, y) => print({ move: [x, y] }) : undefined;
try {
  const hooks = await startInputHooks(print, { currentFrame: () => 7, onPointerMove });
  process.stdout.write('"ready"\\n');
  process.stdin.once('data', () => { hooks.stop(); process.exit(0); });
} catch (err) {
  process.stderr.write(err.message + '\\n');
  process.exit(1);
}`;

function spawnHooks(display: string, moves = false): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHILD], {
    env: { ...process.env, DISPLAY: display, ...(moves ? { REPORT_MOVES: '1' } : {}) },
  });
}

interface Child {
  readonly events: Array<Record<string, unknown>>;
  /** Resolves once `predicate` matches an event received after this call. */
  waitFor(predicate: (e: Record<string, unknown>) => boolean): Promise<void>;
  stop(): Promise<number | null>;
}

async function startHooksChild(display: string, moves = false): Promise<Child> {
  const child = spawnHooks(display, moves);
  const events: Array<Record<string, unknown>> = [];
  let waiters: Array<{ from: number; predicate: (e: Record<string, unknown>) => boolean; resolve(): void }> = [];
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<void>((resolve, reject) => {
    void exited.then((code) => reject(new Error(`hooks child exited (${code}): ${stderr}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const value = JSON.parse(line) as unknown;
      if (value === 'ready') return resolve();
      events.push(value as Record<string, unknown>);
      waiters = waiters.filter((w) => {
        const hit = events.slice(w.from).some(w.predicate);
        if (hit) w.resolve();
        return !hit;
      });
    });
  });
  await ready;
  return {
    events,
    waitFor: (predicate) => new Promise<void>((resolve) => waiters.push({ from: events.length, predicate, resolve })),
    async stop() {
      child.stdin.write('stop\n');
      return exited;
    },
  };
}

const isF12Up = (e: Record<string, unknown>): boolean => e.type === 'keyup' && e.key === 'f12';

describe('input hooks under Xvfb', () => {
  let session: XSession;
  let child: Child;

  beforeAll(async () => {
    session = await startDisplay({ width: 640, height: 480 });
    child = await startHooksChild(session.display);
  });

  afterAll(async () => {
    if (child) expect(await child.stop()).toBe(0);
    await session?.stop();
  });

  it('reports XTEST clicks, wheel notches, keys and drags as raw input events', async () => {
    // uiohook is listening once start() returns; F12 round trips make the boundaries explicit.
    const marker = child.waitFor(isF12Up);
    await xdo(session, 'key', 'F12');
    await marker;
    const from = child.events.length;
    const started = Date.now();

    await xdo(session, 'mousemove', '100', '200', 'click', '1');
    await xdo(session, 'click', '3');
    await xdo(session, 'click', '5', 'click', '5', 'click', '5'); // wheel down ×3
    await xdo(session, 'click', '4'); // wheel up
    await xdo(session, 'key', 'a', 'shift+a', 'ctrl+s', 'Escape', 'Return', 'F5', 'Page_Up');
    await xdo(session, 'mousemove', '300', '300', 'mousedown', '1', 'mousemove', '400', '450', 'mouseup', '1');
    const done = child.waitFor(isF12Up);
    await xdo(session, 'key', 'F12');
    await done;

    const got = child.events.slice(from, -2); // without the closing F12 press
    const shape = got.map(({ time: _t, frame: _f, ...rest }) => rest);
    const key = (k: string) => [
      { type: 'keydown', key: k },
      { type: 'keyup', key: k },
    ];
    expect(shape).toEqual([
      { type: 'mousedown', button: 'left', x: 100, y: 200 },
      { type: 'mouseup', button: 'left', x: 100, y: 200 },
      { type: 'mousedown', button: 'right', x: 100, y: 200 },
      { type: 'mouseup', button: 'right', x: 100, y: 200 },
      { type: 'wheel', dx: 0, dy: -1 },
      { type: 'wheel', dx: 0, dy: -1 },
      { type: 'wheel', dx: 0, dy: -1 },
      { type: 'wheel', dx: 0, dy: 1 },
      ...key('a'),
      // xdotool releases a combination in pressing order
      { type: 'keydown', key: 'shift' },
      { type: 'keydown', key: 'a' },
      { type: 'keyup', key: 'shift' },
      { type: 'keyup', key: 'a' },
      { type: 'keydown', key: 'ctrl' },
      { type: 'keydown', key: 's' },
      { type: 'keyup', key: 'ctrl' },
      { type: 'keyup', key: 's' },
      ...key('esc'),
      ...key('enter'),
      ...key('f5'),
      ...key('page_up'),
      { type: 'mousedown', button: 'left', x: 300, y: 300 },
      { type: 'mouseup', button: 'left', x: 400, y: 450 },
    ]);
    for (const [i, e] of got.entries()) {
      expect(e.frame).toBe(7);
      expect(e.time).toBeGreaterThanOrEqual(i === 0 ? started : (got[i - 1]!.time as number));
    }
  });

  it('reports the middle button and horizontal wheel (button 6 = left, 7 = right)', async () => {
    const from = child.events.length;
    const done = child.waitFor(isF12Up);
    await xdo(session, 'mousemove', '50', '60', 'click', '2', 'click', '6', 'click', '7', 'key', 'F12');
    await done;
    const shape = child.events.slice(from, -2).map(({ time: _t, frame: _f, ...rest }) => rest);
    expect(shape).toEqual([
      { type: 'mousedown', button: 'middle', x: 50, y: 60 },
      { type: 'mouseup', button: 'middle', x: 50, y: 60 },
      { type: 'wheel', dx: -1, dy: 0 },
      { type: 'wheel', dx: 1, dy: 0 },
    ]);
  });
});

describe('pointer motion under Xvfb', () => {
  it('goes to onPointerMove with screen coordinates, not to the input events', async () => {
    const session = await startDisplay({ width: 640, height: 480 });
    try {
      const child = await startHooksChild(session.display, true);
      const moved = (x: number, y: number) => (e: Record<string, unknown>) =>
        JSON.stringify(e.move) === JSON.stringify([x, y]);
      const arrived = child.waitFor(moved(120, 130));
      await xdo(session, 'mousemove', '50', '60');
      await xdo(session, 'mousemove', '120', '130');
      await arrived;
      const done = child.waitFor(isF12Up);
      await xdo(session, 'key', 'F12');
      await done;
      const moves = child.events.filter((e) => 'move' in e).map((e) => e.move);
      expect(moves).toContainEqual([50, 60]);
      expect(moves).toContainEqual([120, 130]);
      expect(child.events.every((e) => 'move' in e || typeof e.type === 'string')).toBe(true);
      expect(await child.stop()).toBe(0);
    } finally {
      await session.stop();
    }
  }, 60_000);
});

describe('without the RECORD extension', () => {
  let session: XSession;
  beforeAll(async () => {
    session = await startDisplay({ width: 320, height: 240, record: false });
  });
  afterAll(async () => session?.stop());

  it('checkRecordExtension rejects with a one-line reason', async () => {
    const err = await checkRecordExtension(session.display).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputHooksUnavailableError);
    expect((err as InputHooksUnavailableError).reason).toBe('record-missing');
    expect((err as Error).message).toBe(
      `the X server on ${session.display} has no RECORD extension; start Xvfb with +extension RECORD`,
    );
  });

  it('a process starting the hooks there exits 1 with that line instead of aborting', async () => {
    const child = spawnHooks(session.display);
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const [code, signal] = await new Promise<[number | null, string | null]>((resolve) =>
      child.once('exit', (c, s) => resolve([c, s])),
    );
    expect({ code, signal, stderr }).toEqual({
      code: 1,
      signal: null,
      stderr: `the X server on ${session.display} has no RECORD extension; start Xvfb with +extension RECORD\n`,
    });
  });
});

describe('checkRecordExtension without a usable display', () => {
  it('names an unset DISPLAY', async () => {
    // CI exports a DISPLAY for other tests; the default parameter must not pick it up here.
    const saved = process.env.DISPLAY;
    delete process.env.DISPLAY;
    const err = await checkRecordExtension(undefined)
      .catch((e: unknown) => e)
      .finally(() => {
        if (saved !== undefined) process.env.DISPLAY = saved;
      });
    expect(err).toMatchObject({ reason: 'display-unset', message: expect.stringMatching(/^DISPLAY is not set/) });
  });

  it('names an unreachable display', async () => {
    const err = await checkRecordExtension(':64999').catch((e: unknown) => e);
    expect(err).toMatchObject({
      reason: 'display-unreachable',
      message: 'cannot connect to the X server on :64999 (ENOENT)',
    });
  });
});

describe('keymap', () => {
  const keymap = buildKeymap(UiohookKey);

  it('maps every key to a canonical grammar key name', () => {
    for (const [, name] of UIOHOOK_KEY_NAMES) expect(normalizeKeyName(name)).toBe(name);
  });

  it('gives left and right modifiers one name, numpad keys what they type, punctuation its base character', () => {
    const pairs: Array<[keyof typeof UiohookKey, string]> = [
      ['Shift', 'shift'],
      ['ShiftRight', 'shift'],
      ['CtrlRight', 'ctrl'],
      ['AltRight', 'alt'],
      ['MetaRight', 'cmd'],
      ['NumpadEnter', 'enter'],
      ['Numpad7', '7'],
      ['NumpadAdd', '+'],
      ['NumpadEnd', 'end'],
      ['Quote', "'"],
      ['Backquote', '`'],
      ['Backslash', '\\'],
      ['F12', 'f12'],
      [0, '0'],
      ['Z', 'z'],
    ];
    for (const [code, name] of pairs) expect(keymap.get(UiohookKey[code])).toBe(name);
    expect(keymap.get(UiohookKey.PrintScreen)).toBeUndefined();
  });
});
