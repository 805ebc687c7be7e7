/**
 * Commands that need a screen say so when there is none (instead of nut-js's segmentation
 * fault), commands that load the OCR models print nothing about GPUs nobody asked for, and
 * `run` with its planner down says why once, in its one closing line, and keeps no empty
 * recording. The planner "down" is a closed port on loopback; the display is a real Xvfb.
 */
import path from 'node:path';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pcagent } from '../support/cli.js';
import { FIXTURE_DIR, tempDir } from '../support/fixture.js';
import { startDisplay, type XSession } from '../support/xsession.js';

const NO_DISPLAY = { DISPLAY: '' };
let home: string;
let session: XSession | undefined;
beforeAll(async () => {
  home = tempDir('truthful');
  session = await startDisplay({ width: 1024, height: 768 });
}, 60_000);
afterAll(async () => {
  await session?.stop();
  fs.rmSync(home, { recursive: true, force: true });
});

describe('commands that act on the screen', () => {
  it('run without DISPLAY: one line, exit 1, no crash, no recording', () => {
    const r = pcagent(
      ['--home', home, 'run', 'x', '--planner', 'http://127.0.0.1:9/v1', '--planner-model', 'm'],
      NO_DISPLAY,
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('pcagent: run needs a display: DISPLAY is not set\n');
    expect(r.stdout).toBe('');
    expect(JSON.parse(pcagent(['--home', home, '--json', 'list']).stdout)).toEqual([]);
  });

  it('run and replay with an unreachable DISPLAY: one line naming it, exit 1', () => {
    const run = pcagent(['--home', home, 'run', 'x', '--planner', 'http://127.0.0.1:9/v1', '--planner-model', 'm'], {
      DISPLAY: ':93',
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^pcagent: the agent needs an X11 display: cannot connect to the X server on :93 .*\n$/);
    expect(pcagent(['--home', home, 'import', FIXTURE_DIR]).status).toBe(0);
    const replay = pcagent(['--home', home, 'replay', '1'], NO_DISPLAY);
    expect(replay.status).toBe(1);
    expect(replay.stderr).toBe('pcagent: replay needs a display: DISPLAY is not set\n');
  });

  it('run with the planner down: the reason once, in the closing line, and nothing kept', () => {
    const r = pcagent(
      [
        '--home',
        home,
        'run',
        'Type hello',
        '--planner',
        'http://127.0.0.1:9/v1',
        '--planner-model',
        'm',
        '--settle-ms',
        '0',
      ],
      session!.env,
    );
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^stopped at step 1: the planner failed: .*127\.0\.0\.1:9.* \(nothing was recorded\)\n$/);
    // stderr holds only the set-up line: no second copy of the error, no blank line, no GPU noise.
    expect(r.stderr.split('\n').filter(Boolean)).toEqual([
      expect.stringMatching(/^planner: m at http:\/\/127\.0\.0\.1:9\/v1; grounder: auto on cpu;/),
    ]);
    expect(r.stderr.startsWith('\n')).toBe(false);
    const kinds = (JSON.parse(pcagent(['--home', home, '--json', 'list']).stdout) as { kind: string }[]).map(
      (x) => x.kind,
    );
    expect(kinds).not.toContain('agent');
  });
});

describe('quiet model loading', () => {
  it('locate loads the OCR models and prints its answer only (no Vulkan or GPU lines)', () => {
    const shots = path.join(FIXTURE_DIR, 'screenshot');
    const image = path.join(shots, fs.readdirSync(shots).sort()[0]!);
    const r = pcagent(['locate', image, 'PowerPoint', '--json'], { PCAGENT_DEVICE: '' });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toMatchObject({ grounder: 'auto' });
  });
});
