/**
 * `pcagent run` notices when it is stuck, on a real X server: Xvfb 1024×768 + openbox with no
 * window, the REAL executor (XTEST) and the REAL screen settler (X11 DAMAGE). The planner is
 * FAKED: FakeModelServer answers every request over real HTTP with the same UI-TARS click on the
 * empty desktop (the ui-tars profile: clicks come with their point, so no grounding is needed).
 * A click there changes nothing: after three such steps the next request tells the planner so,
 * and when it answers with the same click a fourth time the run stops as stuck.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Library } from '../../src/library/library.js';
import { noEffectNote } from '../../src/agents/planner/prompt.js';
import { runWithFakeUiTars } from '../support/cli.js';
import { tempDir } from '../support/fixture.js';
import { FakeModelServer, type FakeRequest } from '../support/openai-server.js';
import { exec, startDisplay, xdo, type XSession } from '../support/xsession.js';

let session: XSession;
let server: FakeModelServer;

beforeAll(async () => {
  session = await startDisplay({ width: 1024, height: 768 });
  await exec(session, 'xsetroot', ['-solid', '#305070']);
  server = await FakeModelServer.start();
}, 120_000);

afterAll(async () => {
  await server?.close();
  await session?.stop();
});

describe('pcagent run when the same action changes nothing (Xvfb, XTEST, DAMAGE, faked planner)', () => {
  it('tells the planner after the third unchanged click and stops as stuck on the fourth', async () => {
    const home = tempDir('agent-stuck-home');
    const requests: FakeRequest[] = [];
    server.reset().setFallback((request) => {
      requests.push(request);
      return "Thought: I click the middle of the desktop.\nAction: click(start_box='(500,400)')";
    });
    // The pointer where the click goes: the first step's pointer move is not a change either.
    await xdo(session, 'mousemove', '500', '400');

    const result = await runWithFakeUiTars(home, 'Open the file on the desktop', server.url, session.env);
    expect(result.code, result.stderr).toBe(1);
    const lines = result.stdout.trim().split('\n');
    expect(lines.at(-1)).toMatch(
      /^stopped at step 4: stuck: "click .*" changed nothing on the screen 3 times in a row \(recording \d+\)$/,
    );
    // Every executed step settled quickly on the still screen and says so with its timings.
    expect(result.stdout.match(/^ {2}timings: .*, settle \d+ ms$/gm)).toHaveLength(3);

    // Four requests: the fourth (after three unchanged clicks) carries the notice, the others do not.
    expect(requests).toHaveLength(4);
    const noticed = requests.map((r) => r.lastUser.includes(noEffectNote(3)));
    expect(noticed).toEqual([false, false, false, true]);
    expect(requests.slice(0, 3).some((r) => r.text.includes('changed nothing'))).toBe(false);

    // Stored: a failed run with the three clicks, each with its settle (settled, no change).
    const id = Number(/\(recording (\d+)\)$/.exec(lines.at(-1)!)?.[1]);
    const lib = Library.open(home, { readonly: true });
    try {
      const recording = lib.getRecording(id);
      expect(recording.status).toBe('failed');
      expect(recording.meta).toMatchObject({ agent: { outcome: 'failed', steps: 3, settle: 'damage' } });
      expect(String((recording.meta.agent as { reason: string }).reason)).toMatch(/^stuck: /);
      const actions = lib.listActions(id);
      expect(actions.map((a) => a.action.kind)).toEqual(['click', 'click', 'click']);
      for (const a of actions) {
        const agent = a.extra.agent as {
          settle: { settled: boolean; changed: boolean; capMs: number; ms: number };
          timings: { settleMs: number };
        };
        expect(agent.settle).toMatchObject({ settled: true, changed: false, capMs: 5000 });
        expect(agent.timings.settleMs).toBeGreaterThanOrEqual(agent.settle.ms);
      }
    } finally {
      lib.close();
    }
  }, 240_000);
});
