/**
 * The screen settler on a real X server (Xvfb + openbox): DAMAGE on the root window, and the
 * frame-hash fallback forced on the same display. The screen is changed by xsetroot repainting
 * the root window in alternating colours from a shell loop.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { getEventListeners } from 'node:events';
import fs from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openX11Backend, type X11CaptureBackend } from '../../src/platform/capture/x11-backend.js';
import { openSettler, type ScreenSettler, type SettleMethod } from '../../src/platform/capture/settle.js';
import { exec, startDisplay, type XSession } from '../support/xsession.js';

let session: XSession;
let backend: X11CaptureBackend;
let painter: ChildProcess | null = null;

beforeAll(async () => {
  session = await startDisplay({ width: 800, height: 600 });
  backend = await openX11Backend({ display: session.display });
  await exec(session, 'xsetroot', ['-solid', '#203040']);
}, 60_000);

afterAll(async () => {
  backend?.close();
  await session?.stop();
});

afterEach(() => stopPainting());

/** Repaints the root window every `everyS` seconds, `times` times (forever when omitted). */
function paint(everyS: number, times?: number): void {
  const loop = times === undefined ? 'while true' : `for i in $(seq ${times})`;
  painter = spawn(
    'bash',
    ['-c', `${loop}; do xsetroot -solid '#aa2020'; sleep ${everyS}; xsetroot -solid '#2020aa'; sleep ${everyS}; done`],
    { env: session.env, stdio: 'ignore', detached: true },
  );
}

function stopPainting(): void {
  if (painter?.pid && painter.exitCode === null) {
    try {
      process.kill(-painter.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  painter = null;
}

const openFds = () => fs.readdirSync('/proc/self/fd').length;

describe.each<SettleMethod>(['damage', 'frame-hash'])('screen settler (%s)', (method) => {
  let settler: ScreenSettler;
  beforeAll(async () => {
    settler = await openSettler({ backend, display: session.display, method });
    expect(settler.method).toBe(method);
  });
  afterAll(() => settler?.close());

  it('settles a static screen in about the quiet interval, with no change seen', async () => {
    await settler.mark();
    const r = await settler.settle({ quietMs: 300, capMs: 5000 });
    expect(r.settled).toBe(true);
    expect(r.changed).toBe(false);
    expect(r.ms).toBeGreaterThanOrEqual(299);
    expect(r.ms).toBeLessThan(5000);
  });

  it('hits the cap on a screen that keeps changing', async () => {
    paint(0.1);
    await settler.mark();
    const r = await settler.settle({ quietMs: 400, capMs: 1500 });
    expect(r.settled).toBe(false);
    expect(r.changed).toBe(true);
    expect(r.ms).toBeGreaterThanOrEqual(1499);
  });

  it('settles once a change stops, after it', async () => {
    await settler.mark();
    paint(0.1, 4); // about 0.8 s of repainting
    const started = performance.now();
    const r = await settler.settle({ quietMs: 300, capMs: 5000 });
    await new Promise<void>((resolve) =>
      painter?.exitCode !== null ? resolve() : painter.once('exit', () => resolve()),
    );
    expect(r).toMatchObject({ settled: true, changed: true });
    // It waited for the repainting (≥ 0.7 s) and the quiet interval after it, not the cap.
    expect(r.ms).toBeGreaterThan(700 + 300 - 50);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('sees a change made between mark() and the settle', async () => {
    await settler.mark();
    await exec(session, 'xsetroot', ['-solid', '#30a030']);
    const r = await settler.settle({ quietMs: 200 });
    expect(r).toMatchObject({ settled: true, changed: true });
  });

  it('stops at once when aborted', async () => {
    paint(0.1);
    const abort = new AbortController();
    setTimeout(() => abort.abort(new Error('stopped by the user')), 200);
    const started = performance.now();
    await expect(settler.settle({ quietMs: 300, capMs: 5000, signal: abort.signal })).rejects.toThrow(
      'stopped by the user',
    );
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('leaks no listeners or connections over hundreds of calls', async () => {
    const abort = new AbortController();
    const fds = openFds();
    // A frame-hash settle grabs the screen twice; fewer calls say the same there.
    for (let i = 0; i < (method === 'damage' ? 300 : 100); i++) {
      await settler.mark();
      const r = await settler.settle({ quietMs: 5, capMs: 1000, signal: abort.signal });
      expect(r.settled).toBe(true);
    }
    expect(getEventListeners(abort.signal, 'abort')).toHaveLength(0);
    expect(openFds()).toBe(fds);
  });
});
