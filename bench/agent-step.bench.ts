/**
 * Agent step latency, split into its parts, as `pcagent run` really runs: LibreOffice Impress on
 * a 1600×900 Xvfb (+ openbox), the embedded OCR grounder on the CPU, the nut-js/XTEST executor,
 * and a planner that answers at once (FakeModelServer, 0 ms latency: the `plan` part is the
 * client, the HTTP round trip and the base64 screenshot upload, not a model). The planner
 * alternates clicks on the slide's two placeholders with Escape, so every other step grounds.
 *
 * Reported: medians over the steps of screenshot (grab, PNG encode), plan, ground (click steps),
 * execute, settle (until the screen is still: X11 DAMAGE, 300 ms quiet), store (frame files +
 * marked frame) and the step total; the grounder's provider; steps per run. Run: npm run bench -- agent-step (needs a build: npm run build).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Library } from '../src/library/library.js';
import { pcagentAsync } from '../test/support/cli.js';
import { FakeModelServer } from '../test/support/openai-server.js';
import { startDisplay, startImpress } from '../test/support/xsession.js';
import { median, report } from './report.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);

const tmp = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), `pcagent-bench-${prefix}-`));
const session = await startDisplay({ width: 1600, height: 900 });
const server = await FakeModelServer.start({ latencyMs: 0 });
try {
  const impress = await startImpress(session, { profileDir: tmp('agent-impress') });
  try {
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
    const home = tmp('agent-home');
    const run = await pcagentAsync(
      [
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
      session.env,
      3_600_000,
    );
    if (run.code !== 0) throw new Error(`pcagent run exited ${run.code}: ${run.stderr}`);
    const { stdout: out, stderr: err } = run;
    const { id } = JSON.parse(out) as { id: number };
    const lib = Library.open(home, { readonly: true });
    type Timings = Record<
      'screenshotMs' | 'grabMs' | 'encodeMs' | 'planMs' | 'groundMs' | 'executeMs' | 'storeMs' | 'settleMs',
      number
    >;
    const steps = lib
      .listActions(id)
      .filter((a) => a.action.kind !== 'finish')
      .map((a) => ({ kind: a.action.kind, t: (a.extra.agent as { timings: Timings }).timings }));
    const clicks = steps.filter((s) => s.kind === 'click');
    const notFound = lib
      .listActions(id)
      .filter((a) => (a.extra.agent as { notFound: unknown[] }).notFound.length > 0).length;
    lib.close();
    const m = (key: keyof Timings, of = steps) => Math.round(median(of.map((s) => s.t[key])) * 10) / 10;
    const total = (s: (typeof steps)[number]) =>
      s.t.screenshotMs + s.t.planMs + s.t.groundMs + s.t.executeMs + s.t.settleMs + s.t.storeMs;
    report('agent-step', {
      screen: '1600x900 Xvfb, LibreOffice Impress',
      ocrProvider: /grounder: \S+ on (\S+);/.exec(err)?.[1] ?? 'unknown',
      steps: steps.length,
      clickSteps: clicks.length,
      targetsNotFound: notFound,
      screenshotMs: m('screenshotMs'),
      grabMs: m('grabMs'),
      pngEncodeMs: m('encodeMs'),
      planMs: m('planMs'),
      groundMsClick: m('groundMs', clicks),
      executeMsClick: m('executeMs', clicks),
      executeMsKey: m(
        'executeMs',
        steps.filter((s) => s.kind === 'key'),
      ),
      storeMs: m('storeMs'),
      stepMsClick: Math.round(median(clicks.map(total))),
      stepMsKey: Math.round(median(steps.filter((s) => s.kind === 'key').map(total))),
      settleMsClick: m('settleMs', clicks),
      settleMsKey: m(
        'settleMs',
        steps.filter((s) => s.kind === 'key'),
      ),
      loadAvg1m: Math.round(os.loadavg()[0]! * 100) / 100,
    });
  } finally {
    await impress.stop();
  }
} finally {
  await server.close();
  await session.stop();
}
