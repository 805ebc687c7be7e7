/**
 * The eval runner on the whole impress-basic suite with the test's scripted plans, on a private
 * Xvfb + openbox: success rate, and the runner's own overhead per task (set-up, Impress start,
 * close, checks — everything but the agent's steps). Goal: overhead ≤ 15 s a task on a 2-core
 * machine; the scripted plans succeed on every task they can express.
 * Run: `npm run build && npm run bench -- eval`.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDisplay } from '../test/support/xsession.js';
import { report } from './report.js';

const root = path.resolve(import.meta.dirname, '..');
const session = await startDisplay({ width: 1280, height: 800 });
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pcagent-eval-bench-'));
try {
  const out = path.join(work, 'report');
  const r = spawnSync(
    process.execPath,
    [
      path.join(root, 'bin', 'pcagent.js'),
      '--home',
      path.join(work, 'home'),
      'eval',
      'impress-basic',
      '--plan',
      path.join(root, 'test', 'eval', 'plans', 'impress-basic.yaml'),
      '--report',
      out,
    ],
    { env: session.env, encoding: 'utf8', timeout: 1_800_000 },
  );
  process.stdout.write(
    r.stdout
      .split('\n')
      .filter((l) => !l.startsWith('  step'))
      .join('\n'),
  );
  const json = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8')) as {
    attempts: Array<{ task: string; outcome: string; overheadMs: number; ms: number }>;
  };
  const overhead = json.attempts.map((a) => a.overheadMs / 1000).sort((a, b) => a - b);
  report('eval', {
    tasks: json.attempts.length,
    successes: json.attempts.filter((a) => a.outcome === 'success').length,
    failed:
      json.attempts
        .filter((a) => a.outcome !== 'success')
        .map((a) => a.task)
        .join(', ') || 'none',
    overhead_median_s: overhead[Math.floor(overhead.length / 2)]!,
    overhead_max_s: overhead.at(-1)!,
    attempt_mean_s: json.attempts.reduce((n, a) => n + a.ms, 0) / json.attempts.length / 1000,
  });
} finally {
  await session.stop();
  fs.rmSync(work, { recursive: true, force: true });
}
