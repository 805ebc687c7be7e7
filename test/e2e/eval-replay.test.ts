/**
 * `pcagent eval --replay` end to end: a person's demonstration of an impress-basic task is
 * recorded at 1920×1080 (test/support/demonstrations.ts), then one command replays it under a
 * screen size eval picks itself (`--display auto`: a private Xvfb + openbox per attempt, no
 * DISPLAY needed), semantically and with the `--coordinates` baseline, and writes the
 * comparison per perturbation into report.json and report.html. Without a display of its own,
 * a screen size is refused with the reason; a task nobody demonstrated fails with the reason.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pcagent } from '../support/cli.js';
import { recordSuiteDemonstrations, replaySuite } from '../support/demonstrations.js';
import { tempDir } from '../support/fixture.js';

const home = tempDir('eval-replay');
beforeAll(async () => {
  await recordSuiteDemonstrations(home, ['title-only']);
}, 300_000);
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

describe('pcagent eval --replay', () => {
  it('refuses a screen size on a display it does not own, in one line', () => {
    const r = pcagent(
      [
        '--home',
        home,
        'eval',
        'impress-basic',
        '--replay',
        '--display',
        'current',
        '--perturb',
        'resolution=1280x800',
        '--report',
        path.join(home, 'unused'),
      ],
      { DISPLAY: ':0' },
    );
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim()).toMatch(/resolution=1280x800 needs a display the runner owns: add --display auto/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('replays the demonstration on its own desktops, semantic beside coordinates, into the report', async () => {
    const report = path.join(tempDir('eval-replay-report'), 'out');
    const { run: r, report: json } = await replaySuite(
      home,
      ['title-only', 'title-subtitle'],
      ['resolution=1280x800'],
      report,
      { timeoutMs: 900_000 },
    );
    expect(r.code, r.stdout + r.stderr).toBe(0);
    if (!json) throw new Error('no report.json');
    expect([json.agent, json.baseline]).toEqual(['replay (semantic)', 'replay (coordinates)']);
    expect(json.attempts.map((a) => [a.task, a.by, a.perturbation])).toEqual([
      ['title-only', 'replay (semantic)', 'resolution=1280x800'],
      ['title-only', 'replay (coordinates)', 'resolution=1280x800'],
      ['title-subtitle', 'replay (semantic)', 'resolution=1280x800'],
      ['title-subtitle', 'replay (coordinates)', 'resolution=1280x800'],
    ]);
    const [semantic, , undemonstrated] = json.attempts;
    // The demonstration typed the file name only: the replay saved it into the attempt's folder.
    expect(semantic!.outcome, semantic!.reason).toBe('success');
    expect(semantic!.agent!.reason).toMatch(/^replay of recording \d+: completed$/);
    expect(undemonstrated!.outcome).toBe('fail');
    expect(undemonstrated!.reason).toMatch(/no finished recording in the library has the task "title-subtitle"/);
    expect(json.summary.byAgent['replay (semantic)']!['resolution=1280x800']).toEqual({ total: 2, successes: 1 });
    // The same table in the terminal and the HTML report.
    expect(r.stdout).toMatch(/^perturbation\s+replay \(semantic\)\s+replay \(coordinates\)$/m);
    expect(r.stdout).toMatch(/^resolution=1280x800\s+50 % \(1\/2\)\s+\d+ % \(\d\/2\)$/m);
    const html = fs.readFileSync(path.join(report, 'report.html'), 'utf8');
    expect(html).toContain('<h2>replay (semantic) vs replay (coordinates)</h2>');
    expect(html).toMatch(/<tr><td>resolution=1280x800<\/td><td>50 % \(1 \/ 2\)<\/td><td>\d+ % \(\d \/ 2\)<\/td><\/tr>/);
  }, 900_000);
});
