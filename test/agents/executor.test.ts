/**
 * The executor: fail-safe corners and drag paths, and real XTEST injection on Xvfb observed by `xev`
 * (x11-utils), which prints every event the X server delivers to its window: root coordinates,
 * buttons, keysyms and the characters the client's keymap turns them into. nut-js ties its
 * process to the display, so the executor runs in a child process.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Action } from '../../src/core/actions.js';
import { dragPath, inCorner } from '../../src/agents/executor/executor.js';
import { ROOT, startTsx } from '../support/cli.js';
import { tempDir } from '../support/fixture.js';
import { type XSession, exec, startDisplay, waitFor, xdo } from '../support/xsession.js';

describe('executor plans (pure)', () => {
  it('knows the corners and the drag path', () => {
    const size = { width: 800, height: 600 };
    expect(inCorner({ x: 0, y: 0 }, size)).toBe(true);
    expect(inCorner({ x: 797, y: 2 }, size)).toBe(true);
    expect(inCorner({ x: 2, y: 599 }, size)).toBe(true);
    expect(inCorner({ x: 3, y: 0 }, size)).toBe(false);
    expect(inCorner({ x: 0, y: 300 }, size)).toBe(false);
    expect(inCorner({ x: 400, y: 597 }, size)).toBe(false);
    expect(dragPath({ x: 0, y: 0 }, { x: 10, y: 5 }, 2)).toEqual([
      { x: 5, y: 3 },
      { x: 10, y: 5 },
    ]);
  });
});

// ── real injection ─────────────────────────────────────────────────────────────────────

interface XEvent {
  type: string;
  root: { x: number; y: number } | null;
  state: number;
  button?: number;
  keysym?: string;
  chars?: string;
}

/** xev's output, event by event. */
function parseXev(log: string): XEvent[] {
  return log
    .split(/\n\s*\n/)
    .map((block) => {
      const type = /^(\w+) event/m.exec(block.trim())?.[1] ?? '';
      const root = /root:\((-?\d+),(-?\d+)\)/.exec(block);
      const state = /state (0x[0-9a-f]+)/.exec(block);
      const button = /button (\d+)/.exec(block);
      const keysym = /keysym 0x[0-9a-f]+, ([^)]+)\)/.exec(block);
      const chars = /XLookupString gives \d+ bytes: (?:\([0-9a-f ]+\) )?"(.*)"/.exec(block);
      const event: XEvent = {
        type,
        root: root ? { x: Number(root[1]), y: Number(root[2]) } : null,
        state: state ? Number(state[1]) : 0,
      };
      if (button) event.button = Number(button[1]);
      if (keysym) event.keysym = keysym[1];
      if (chars) event.chars = chars[1];
      return event;
    })
    .filter((e) => e.type !== '');
}

const CHILD = `
import { createExecutor } from ${JSON.stringify(path.join(ROOT, 'src/agents/executor/nut-executor.ts'))};
const runs = JSON.parse(process.argv[2]);
for (const run of runs) {
  const executor = await createExecutor(run.options ?? {});
  for (const action of run.actions) {
    try {
      await executor.perform(action);
      console.log(JSON.stringify({ ok: true }));
    } catch (err) {
      console.log(JSON.stringify({ ok: false, name: err.name, message: err.message }));
    }
  }
  await executor.close();
}
`;

let session: XSession;
let childFile: string;
let xevLog: string;
let xev: ReturnType<typeof spawn>;

/** Runs executors in a child process; one result line per action. */
async function runExecutor(
  runs: { options?: object; actions: Action[] }[],
): Promise<{ ok: boolean; name?: string; message?: string }[]> {
  const r = await startTsx(childFile, [JSON.stringify(runs)], session.env).done;
  if (r.code !== 0) throw new Error(`executor child exited ${r.code}: ${r.stderr}`);
  return r.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { ok: boolean });
}

const events = (): XEvent[] => parseXev(fs.readFileSync(xevLog, 'utf8'));

/** Events after the first `from` ones, once `done` accepts them. */
async function eventsAfter(from: number, done: (e: XEvent[]) => boolean): Promise<XEvent[]> {
  return waitFor(
    'the injected events to reach xev',
    async () => {
      const list = events().slice(from);
      return done(list) && list;
    },
    10_000,
  );
}

async function startXev(): Promise<void> {
  session = await startDisplay({ width: 800, height: 600 });
  const dir = tempDir('executor');
  childFile = path.join(dir, 'executor-child.mts');
  fs.writeFileSync(childFile, CHILD);
  xevLog = path.join(dir, 'xev.log');
  const fd = fs.openSync(xevLog, 'w');
  // stdbuf: xev's output must not sit in a pipe buffer while the test reads the log.
  xev = spawn('stdbuf', ['-oL', 'xev', '-geometry', '800x600+0+0', '-event', 'keyboard', '-event', 'mouse'], {
    env: session.env,
    stdio: ['ignore', fd, fd],
  });
  const id = await waitFor(
    'the xev window',
    async () =>
      (await xdo(session, 'search', '--onlyvisible', '--name', '^Event Tester$').catch(() => '')).split('\n')[0],
  );
  await xdo(session, 'windowfocus', '--sync', id);
}

const presses = (list: XEvent[], type = 'ButtonPress') => list.filter((e) => e.type === type);

describe('NutExecutor on Xvfb (XTEST), observed by xev', () => {
  beforeAll(startXev, 60_000);
  afterAll(async () => {
    xev?.kill();
    await session?.stop();
  });

  it('clicks, right-clicks, double-clicks, drags and scrolls at the exact points', async () => {
    const before = events().length;
    const results = await runExecutor([
      {
        actions: [
          { kind: 'click', at: { x: 300, y: 200 }, target: 'a' },
          { kind: 'right_click', at: { x: 320, y: 220 } },
          { kind: 'double_click', at: { x: 340, y: 240 } },
          { kind: 'drag', from: { x: 200, y: 300 }, to: { x: 400, y: 350 } },
          { kind: 'scroll', dx: 0, dy: 2 },
          { kind: 'scroll', dx: 0, dy: -1 },
          { kind: 'scroll', dx: 3, dy: 0 },
          { kind: 'scroll', dx: -1, dy: 0 },
        ],
      },
    ]);
    expect(results.every((r) => r.ok)).toBe(true);
    const list = await eventsAfter(before, (l) => presses(l).length >= 1 + 1 + 2 + 1 + 7);
    const buttons = presses(list).map((e) => [e.button, e.root!.x, e.root!.y]);
    expect(buttons).toEqual([
      [1, 300, 200],
      [3, 320, 220],
      [1, 340, 240],
      [1, 340, 240],
      [1, 200, 300],
      // wheel: 4 up, 5 down, 7 right, 6 left — one button press per notch
      [4, 400, 350],
      [4, 400, 350],
      [5, 400, 350],
      [7, 400, 350],
      [7, 400, 350],
      [7, 400, 350],
      [6, 400, 350],
    ]);
    const releases = presses(list, 'ButtonRelease').map((e) => [e.button, e.root!.x, e.root!.y]);
    expect(releases.slice(0, 5)).toEqual([
      [1, 300, 200],
      [3, 320, 220],
      [1, 340, 240],
      [1, 340, 240],
      [1, 400, 350],
    ]);
    // The drag moved with the button held (Button1Mask) in steps, ending on the target.
    const dragIndex = list.indexOf(presses(list)[4]!);
    const moves = list.slice(dragIndex).filter((e) => e.type === 'MotionNotify' && (e.state & 0x100) !== 0);
    expect(moves.length).toBeGreaterThanOrEqual(10);
    expect(moves.at(-1)!.root).toEqual({ x: 400, y: 350 });
  });

  it('presses keys and hotkeys, and types text with punctuation, Unicode and newlines', async () => {
    const before = events().length;
    const text = 'Hi! é€ 😀 ~ß\nok';
    const results = await runExecutor([
      {
        actions: [
          { kind: 'key', key: 'f5' },
          { kind: 'key', key: 'enter' },
          { kind: 'hotkey', keys: ['ctrl', 's'] },
          { kind: 'hotkey', keys: ['ctrl', 'shift', 'z'] },
          { kind: 'key', key: '!' },
          { kind: 'type', text },
        ],
      },
    ]);
    expect(results.every((r) => r.ok)).toBe(true);
    const list = await eventsAfter(before, (l) => presses(l, 'KeyPress').some((e) => e.chars === 'k'));
    const keyPresses = presses(list, 'KeyPress');
    const named = keyPresses.map((e) => e.keysym);
    expect(named.slice(0, 9)).toEqual([
      'F5',
      'Return',
      'Control_L',
      's',
      'Control_L',
      'Shift_L',
      'Z',
      'Shift_L',
      'exclam',
    ]);
    expect(keyPresses[3]!.state & 0x4).toBe(0x4); // s with Control held
    expect(keyPresses[6]!.state & 0x5).toBe(0x5); // z with Control and Shift held
    // What the window received as characters (modifier presses type nothing; Return is "\n").
    const typed = keyPresses
      .slice(9)
      .map((e) => (e.keysym === 'Return' ? '\n' : (e.chars ?? '')))
      .join('');
    expect(typed).toBe(text);
    // Every key that went down came up again.
    expect(presses(list, 'KeyRelease').length).toBe(keyPresses.length);
  });

  it('maps frame pixels to input pixels with the scale factor', async () => {
    const before = events().length;
    // Frames twice the input resolution (HiDPI): frame (600, 400) is input (300, 200).
    const screen = {
      logical: { width: 800, height: 600 },
      physical: { width: 1600, height: 1200 },
      scaleFactor: 2,
      origin: { x: 0, y: 0 },
    };
    const results = await runExecutor([{ options: { screen }, actions: [{ kind: 'click', at: { x: 601, y: 401 } }] }]);
    expect(results).toEqual([{ ok: true }]);
    const list = await eventsAfter(before, (l) => presses(l).length >= 1);
    expect(presses(list).map((e) => e.root)).toEqual([{ x: 301, y: 201 }]);
  });

  it('fail-safe: with the pointer in a corner the action is refused and nothing is injected', async () => {
    for (const [x, y] of [
      [0, 0],
      [798, 599],
    ] as const) {
      await xdo(session, 'mousemove', String(x), String(y));
      const before = events().length;
      const results = await runExecutor([
        {
          actions: [
            { kind: 'click', at: { x: 400, y: 300 } },
            { kind: 'type', text: 'x' },
          ],
        },
      ]);
      expect(results.map((r) => r.name)).toEqual(['FailSafeError', 'FailSafeError']);
      expect(results[0]!.message).toMatch(/corner/);
      // xev would show any injected press; the pointer has not moved either.
      expect(presses(events().slice(before)).length + presses(events().slice(before), 'KeyPress').length).toBe(0);
      expect(await exec(session, 'xdotool', ['getmouselocation', '--shell'])).toMatch(new RegExp(`X=${x}\\nY=${y}`));
    }
    // Near an edge but not in a corner: allowed.
    await xdo(session, 'mousemove', '0', '300');
    const ok = await runExecutor([{ actions: [{ kind: 'click', at: { x: 410, y: 310 } }] }]);
    expect(ok).toEqual([{ ok: true }]);
  });
});
