/**
 * Settling after an action (issue 11 §1): how long the screen settler takes on a static screen
 * (a step's split into screenshot / plan / ground / execute / settle: `npm run bench -- agent-step`).
 *
 * 1. Static screen, 1600×900 Xvfb (+ openbox): the settler (X11 DAMAGE, and the frame-hash
 *    fallback forced) with the default 300 ms quiet interval, against a baseline measured in the
 *    same run: a plain 300 ms timer. Goal: settle ≤ 350 ms (ratio ≤ 1.17). Measured on the bare
 *    desktop and again over an idle LibreOffice Impress window.
 *
 * Run: npm run build && npm run bench -- settle
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openX11Backend } from '../src/platform/capture/x11-backend.js';
import { openSettler, type SettleMethod } from '../src/platform/capture/settle.js';
import { exec, startDisplay, startImpress, type XSession } from '../test/support/xsession.js';
import { median, report } from './report.js';

const SAMPLES = 12;
const QUIET_MS = 300;

const r1 = (x: number) => Math.round(x * 10) / 10;
const tmp = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), `pcagent-bench-${prefix}-`));

/** Medians of a plain timer (the baseline) and of each settler on the screen as it is. */
async function staticSettle(session: XSession): Promise<{ timer: number } & Record<SettleMethod, number>> {
  const backend = await openX11Backend({ display: session.display });
  try {
    const timer: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const t0 = performance.now();
      await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
      timer.push(performance.now() - t0);
    }
    const out = { timer: r1(median(timer)), damage: NaN, 'frame-hash': NaN };
    for (const method of ['damage', 'frame-hash'] as const) {
      const settler = await openSettler({ backend, display: session.display, method });
      try {
        const ms: number[] = [];
        for (let i = 0; i < SAMPLES; i++) {
          await settler.mark();
          const r = await settler.settle({ quietMs: QUIET_MS });
          if (!r.settled) throw new Error(`${method}: the static screen did not settle`);
          ms.push(r.ms);
        }
        out[method] = r1(median(ms));
      } finally {
        settler.close();
      }
    }
    return out;
  } finally {
    backend.close();
  }
}

const session = await startDisplay({ width: 1600, height: 900 });
try {
  await exec(session, 'xsetroot', ['-solid', '#305070']);
  const bare = await staticSettle(session);
  const impress = await startImpress(session, { profileDir: tmp('settle-impress') });
  try {
    const idle = await staticSettle(session);
    report('settle', {
      screen: '1600x900 Xvfb + openbox; LibreOffice Impress for the idle and step rows',
      quietMs: QUIET_MS,
      baselineTimerMs: bare.timer,
      staticBareDamageMs: bare.damage,
      staticBareFrameHashMs: bare['frame-hash'],
      staticImpressDamageMs: idle.damage,
      staticImpressFrameHashMs: idle['frame-hash'],
      ratioDamageVsTimer: r1((idle.damage / idle.timer) * 100) / 100,
      ratioFrameHashVsTimer: r1((idle['frame-hash'] / idle.timer) * 100) / 100,
      loadAvg1m: Math.round(os.loadavg()[0]! * 100) / 100,
    });
  } finally {
    await impress.stop();
  }
} finally {
  await session.stop();
}
