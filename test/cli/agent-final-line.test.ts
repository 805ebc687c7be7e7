/**
 * `run` and `replay` never crash and never contradict themselves:
 * - without a display they say so in one line before the native input modules load (nut-js
 *   would abort the process: `Could not open main display`, exit 139), and store nothing;
 * - replay's final line matches its stored status and exit code (SPEC §3): `completed` only
 *   when every step was executed, else `stopped at step N: <reason>` and exit 1.
 * Real parts: the built CLI, the reference fixture refined in a SQLite library, Xvfb + openbox
 * (test/support/xsession.ts), the real OCR models and nut-js input.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pcagent } from '../support/cli.js';
import { FIXTURE_DIR, tempDir } from '../support/fixture.js';
import { startDisplay, type XSession } from '../support/xsession.js';

let home: string;
beforeAll(() => {
  home = tempDir('agent-line-home');
  expect(pcagent(['--home', home, 'import', FIXTURE_DIR]).status).toBe(0);
  expect(pcagent(['--home', home, 'refine', '--all']).status).toBe(0);
});
afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

const listed = () => JSON.parse(pcagent(['--home', home, '--json', 'list']).stdout) as { id: number; status: string }[];

describe('without a display', () => {
  const noDisplay = { DISPLAY: '', WAYLAND_DISPLAY: '' };
  it.each([
    ['run', ['run', 'Open the menu', '--planner', 'http://127.0.0.1:9/v1', '--planner-model', 'm']],
    ['replay', ['replay', '1']],
  ])('%s: one line saying DISPLAY is not set, exit 1, nothing stored', (name, args) => {
    const before = listed().length;
    const r = pcagent(['--home', home, ...args], noDisplay);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([`pcagent: ${name} needs a display: DISPLAY is not set`]);
    expect(r.stdout).toBe('');
    expect(listed()).toHaveLength(before);
  });
});

describe.skipIf(process.platform !== 'linux')('replay on a desktop that does not show the recorded app', () => {
  let session: XSession;
  beforeAll(async () => {
    session = await startDisplay({ width: 1280, height: 800 });
  }, 60_000);
  afterAll(() => session?.stop());

  // run with the planner down: test/cli/truthful-output.test.ts (nothing empty is kept).

  it('--keep-going runs every step but says where it stopped, exits 1, stores failed', () => {
    const r = pcagent(['--home', home, 'replay', '1', '--keep-going', '--settle-ms', '0'], session.env);
    const lines = r.stdout.trimEnd().split('\n');
    expect(r.stdout.startsWith('\n')).toBe(false);
    // No blank line from native code either (WebGPU probed without a Vulkan loader printed one).
    expect(
      r.stderr
        .split('\n')
        .slice(0, -1)
        .filter((l) => l.trim() === ''),
    ).toEqual([]);
    expect(lines).toHaveLength(9); // 8 steps and the final line
    const last = lines.at(-1)!;
    expect(last).toMatch(
      /^replay (\d+) of recording \d+ \(semantic\): \d+ steps, 0 grounded, \d+ not found, \d+ verified — stopped at step 1: /,
    );
    expect(last).not.toMatch(/completed/);
    expect(r.status).toBe(1);
    const replayId = Number(/^replay (\d+)/.exec(last)![1]);
    expect(listed().find((x) => x.id === replayId)?.status).toBe('failed');
  }, 120_000);
});
