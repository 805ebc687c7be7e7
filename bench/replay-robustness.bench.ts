/**
 * Replay robustness (issue 13): human demonstrations of a few impress-basic tasks are recorded
 * at 1920×1080 (test/support/demonstrations.ts: `pcagent record` + xdotool, refined and
 * completed offline), then one command replays each under every perturbation, semantically and
 * with the `--coordinates` baseline, on desktops `pcagent eval` starts itself:
 *
 *   pcagent eval impress-basic --replay --compare-coordinates --display auto \
 *     --perturb resolution=1600x900,resolution=1280x800,window=restored,sidebar=closed --report DIR
 *
 * Prints the table (success per perturbation, semantic vs coordinates) that report.json and
 * report.html hold. Goal: semantic ≥ 90 %, coordinates ≤ 20 %.
 * Run: `npm run build && npm run bench -- replay-robustness` (about a minute per replay on a
 * 2-core machine; PCAGENT_BENCH_TASKS=title-only,two-slides picks the demonstrated tasks).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { IMPRESS_BASIC_DEMOS, recordSuiteDemonstrations, replaySuite } from '../test/support/demonstrations.js';
import { report } from './report.js';

const PERTURBATIONS = ['resolution=1600x900', 'resolution=1280x800', 'window=restored', 'sidebar=closed'];
const tasks = (process.env.PCAGENT_BENCH_TASKS ?? Object.keys(IMPRESS_BASIC_DEMOS).join(','))
  .split(',')
  .filter(Boolean);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pcagent-replay-bench-'));
const home = path.join(work, 'home');
try {
  const t0 = Date.now();
  await recordSuiteDemonstrations(home, tasks);
  process.stdout.write(`${tasks.length} demonstrations recorded in ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
  const out = path.join(work, 'report');
  const { run: r, report: json } = await replaySuite(home, tasks, PERTURBATIONS, out, {
    args: ['--display', 'auto'],
    timeoutMs: 4 * 3_600_000,
  });
  process.stdout.write(r.stdout);
  if (r.code !== 0 || !json) throw new Error(`pcagent eval exited ${r.code}: ${r.stderr}`);
  const rate = (name: string): number => {
    const all = Object.values(json.summary.byAgent[name] ?? {});
    const total = all.reduce((n, t) => n + t.total, 0);
    return total ? (100 * all.reduce((n, t) => n + t.successes, 0)) / total : 0;
  };
  const perPerturbation = Object.fromEntries(
    PERTURBATIONS.flatMap((p) =>
      [json.agent, json.baseline].map((n) => {
        const t = json.summary.byAgent[n]?.[p];
        return [
          `${n.includes('coordinates') ? 'coordinates' : 'semantic'} ${p} %`,
          t ? (100 * t.successes) / t.total : 0,
        ];
      }),
    ),
  );
  report('replay-robustness', {
    demonstrations: tasks.length,
    semantic_pct: rate(json.agent),
    coordinates_pct: rate(json.baseline),
    ...perPerturbation,
  });
  if (process.env.PCAGENT_BENCH_KEEP) process.stdout.write(`report kept in ${out}\n`);
} finally {
  if (!process.env.PCAGENT_BENCH_KEEP) fs.rmSync(work, { recursive: true, force: true });
}
