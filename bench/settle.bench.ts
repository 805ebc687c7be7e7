/**
 * Settling after an action (issue 11 §1): how long the screen settler takes on a static screen,
 * and what a step of `pcagent run` spends on screenshot / plan / ground / execute / settle.
 *
 * 1. Static screen, 1600×900 Xvfb (+ openbox): the settler (X11 DAMAGE, and the frame-hash
 *    fallback forced) with the default 300 ms quiet interval, against a baseline measured in the
 *    same run: a plain 300 ms timer. Goal: settle ≤ 350 ms (ratio ≤ 1.17). Measured on the bare
 *    desktop and again over an idle LibreOffice Impress window.
 * 2. A step's split: `pcagent run` on Impress with the embedded OCR grounder on the CPU, the
 *    XTEST executor and a planner that answers at once (FakeModelServer, 0 ms latency: the `plan`
 *    part is the client and the HTTP round trip, not a model); the planner alternates clicks on
 *    the slide's placeholders with Escape. Medians over the steps.
 *
 * Run: npm run build && npm run bench -- settle   (BENCH_ROUNDS=n: plan rounds, default 3)
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Library } from '../src/library/library.js';
import { openX11Backend } from '../src/platform/capture/x11-backend.js';
import { openSettler, type SettleMethod } from '../src/platform/capture/settle.js';
import { FakeModelServer } from '../test/support/openai-server.js';
import { exec, startDisplay, startImpress, type XSession } from '../test/support/xsession.js';
import { report } from './report.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SAMPLES = 12;
const QUIET_MS = 300;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
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
const server = await FakeModelServer.start({ latencyMs: 0 });
try {
  await exec(session, 'xsetroot', ['-solid', '#305070']);
  const bare = await staticSettle(session);
  const impress = await startImpress(session, { profileDir: tmp('settle-impress') });
  try {
    const idle = await staticSettle(session);
    const plan: string[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      plan.push(
        "I click the title.\n\nAction: click element: the 'Click to add Title' placeholder",
        'Action: press key: esc',
        "I click the subtitle.\n\nAction: click element: 'Click to add Text'",
        'Action: press key: esc',
      );
    }
    plan.push('Action: finish');
    let n = 0;
    server.setFallback(() => plan[n++] ?? 'Action: fail');
    const home = tmp('settle-home');
    const child = spawn(
      process.execPath,
      [
        path.join(ROOT, 'bin', 'pcagent.js'),
        '--home',
        home,
        '--json',
        'run',
        'Click the placeholders',
        '--planner',
        server.url,
        '--planner-model',
        'bench',
        '--device',
        'cpu',
      ],
      { env: session.env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    if (code !== 0) throw new Error(`pcagent run exited ${code}: ${err}`);
    const { id } = JSON.parse(out) as { id: number };
    const lib = Library.open(home, { readonly: true });
    type Timings = Record<'screenshotMs' | 'planMs' | 'groundMs' | 'executeMs' | 'settleMs' | 'storeMs', number>;
    const steps = lib
      .listActions(id)
      .filter((a) => a.action.kind !== 'finish')
      .map((a) => {
        const agent = a.extra.agent as { timings: Timings; settle: { settled: boolean; changed: boolean } };
        return { kind: a.action.kind, t: agent.timings, settle: agent.settle };
      });
    lib.close();
    const clicks = steps.filter((s) => s.kind === 'click');
    const keys = steps.filter((s) => s.kind === 'key');
    const m = (key: keyof Timings, of = steps) => r1(median(of.map((s) => s.t[key])));
    const total = (s: (typeof steps)[number]) =>
      s.t.screenshotMs + s.t.planMs + s.t.groundMs + s.t.executeMs + s.t.settleMs + s.t.storeMs;
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
      steps: steps.length,
      settledSteps: steps.filter((s) => s.settle.settled).length,
      changedSteps: steps.filter((s) => s.settle.changed).length,
      screenshotMs: m('screenshotMs'),
      planMs: m('planMs'),
      groundMsClick: m('groundMs', clicks),
      executeMsClick: m('executeMs', clicks),
      executeMsKey: m('executeMs', keys),
      settleMsClick: m('settleMs', clicks),
      settleMsKey: m('settleMs', keys),
      storeMs: m('storeMs'),
      stepMsClick: Math.round(median(clicks.map(total))),
      stepMsKey: Math.round(median(keys.map(total))),
      loadAvg1m: Math.round(os.loadavg()[0]! * 100) / 100,
    });
  } finally {
    await impress.stop();
  }
} finally {
  await server.close();
  await session.stop();
}
