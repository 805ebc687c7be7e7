/**
 * `pcagent eval` end to end on a real desktop: Xvfb + openbox, LibreOffice Impress started
 * fresh for every attempt, the scripted plans of test/eval/plans/impress-basic.yaml executed
 * by the desktop agent (real XTEST input, OCR grounding for menu items), files checked after
 * Impress is closed. A representative subset runs here (every kind of check, .odp and .pptx,
 * keyboard and menu work); `npm run bench -- eval` runs the whole suite. A second suite made
 * here checks that a time-out and a missing plan fail their task with the reason while the
 * suite goes on.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Library } from '../../src/library/library.js';
import { pcagentAsync, ROOT } from '../support/cli.js';
import { tempDir } from '../support/fixture.js';
import { type XSession } from '../support/xsession.js';
import { useDisplay } from '../support/hooks.js';

const PLANS = path.join(ROOT, 'test', 'eval', 'plans', 'impress-basic.yaml');
const SUBSET = [
  'title-subtitle',
  'bold-bullet',
  'reorder-slides',
  'notes-second-slide',
  'convert-to-pptx',
  'delete-slide',
];

let session: XSession;
useDisplay({ width: 1280, height: 800 }, (s) => (session = s));

const runCli = (args: string[]): ReturnType<typeof pcagentAsync> => pcagentAsync(args, session.env, 480_000);

interface ReportJson {
  id: string;
  attempts: Array<{
    task: string;
    outcome: string;
    reason: string;
    overheadMs: number;
    agent: { recordingId: number | null; steps: number } | null;
    checks: Array<{ pass: boolean; detail: string }>;
  }>;
  summary: { total: number; successes: number };
}

describe('pcagent eval on LibreOffice Impress', () => {
  it('passes the scripted plans, links each attempt to its trajectory, and writes the report', async () => {
    const home = tempDir('eval-home');
    const report = path.join(tempDir('eval-report'), 'out');
    const r = await runCli([
      '--home',
      home,
      'eval',
      'impress-basic',
      '--plan',
      PLANS,
      '--tasks',
      SUBSET.join(','),
      '--report',
      report,
    ]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(`^impress-basic: ${SUBSET.length} / ${SUBSET.length} tasks succeeded \\(`, 'm'),
    );
    const json = JSON.parse(fs.readFileSync(path.join(report, 'report.json'), 'utf8')) as ReportJson;
    // Attempts run in the suite's order.
    expect(json.attempts.map((a) => [a.task, a.outcome, a.reason]).sort()).toEqual(
      SUBSET.map((t) => [t, 'success', '']).sort(),
    );
    const lib = Library.open(home);
    try {
      for (const a of json.attempts) {
        expect(a.checks.every((c) => c.pass)).toBe(true);
        const rec = lib.getRecording(a.agent!.recordingId!);
        expect(rec.kind).toBe('agent');
        expect(rec.meta.eval).toEqual({ run: json.id, task: a.task, repeat: 1, perturbation: 'none' });
      }
    } finally {
      lib.close();
    }
    const html = fs.readFileSync(path.join(report, 'report.html'), 'utf8');
    const links = [...html.matchAll(/href="(trajectories\/[^"]+\.html)"/g)].map((m) => m[1]!);
    expect(links).toHaveLength(SUBSET.length);
    for (const link of links) expect(fs.existsSync(path.join(report, link))).toBe(true);
    // No lock files or profiles are left behind.
    expect(fs.existsSync(path.join(report, 'profiles'))).toBe(false);
    for (const t of SUBSET)
      expect(fs.readdirSync(path.join(report, 'attempts', t)).filter((f) => f.startsWith('.~lock'))).toEqual([]);
  }, 480_000);

  it('fails a task that runs out of time or has no plan, with the reason, and goes on', async () => {
    const home = tempDir('eval-fail-home');
    const suiteDir = tempDir('eval-fail-suite');
    fs.writeFileSync(
      path.join(suiteDir, 'suite.yaml'),
      [
        'name: failing',
        'tasks:',
        '  - { id: slow, level: easy, timeLimit: 8, instruction: "Save as {dir}/a.odp", checks: [{ type: file, file: a.odp }] }',
        '  - { id: unplanned, level: easy, instruction: "Save as {dir}/b.odp", checks: [{ type: file, file: b.odp }] }',
        '',
      ].join('\n'),
    );
    const plans = path.join(suiteDir, 'plans.yaml');
    fs.writeFileSync(plans, `slow:\n${'  - wait\n'.repeat(30)}`);
    const report = path.join(suiteDir, 'report');
    const r = await runCli(['--home', home, 'eval', suiteDir, '--plan', plans, '--report', report]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^failing: 0 \/ 2 tasks succeeded/m);
    const json = JSON.parse(fs.readFileSync(path.join(report, 'report.json'), 'utf8')) as ReportJson;
    expect(json.attempts.map((a) => [a.task, a.outcome])).toEqual([
      ['slow', 'fail'],
      ['unplanned', 'fail'],
    ]);
    expect(json.attempts[0]!.reason).toBe('time limit of 8 s reached');
    expect(json.attempts[1]!.reason).toBe('the agent crashed: the plan file has no plan for task unplanned');
    expect(json.attempts[1]!.checks[0]!.detail).toBe('b.odp: no such file');
  }, 240_000);
});
