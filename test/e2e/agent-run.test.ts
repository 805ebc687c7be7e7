/**
 * `pcagent run` end to end on a real X server: LibreOffice Impress on Xvfb 1600×900 (+ openbox),
 * the REAL OCR grounder and the REAL executor (XTEST), and a scripted planner: FakeModelServer
 * answers each planner request with the next action of a fixed plan over real HTTP. The agent
 * fills the title slide, meets a click target that does not exist (the next request must name it
 * and ask for a new plan), saves through the GTK Save dialog by typing a full path, and finishes.
 * The saved file must hold the typed texts; the run must be a stored agent recording.
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Library } from '../../src/library/library.js';
import { pcagent, pcagentAsync, startPcagent, testOutputDir } from '../support/cli.js';
import { tempDir } from '../support/fixture.js';
import { FakeModelServer, type FakeRequest } from '../support/openai-server.js';
import { type XSession, readSlideTexts, screenshot, waitFor, xdo } from '../support/xsession.js';
import { useImpressDesktop } from '../support/hooks.js';

const OUT = testOutputDir();
let session: XSession;
let server: FakeModelServer;

/** Folders a run saved into: Impress is stopped with the deck open, so they hold its lock file. */
const outDirs: string[] = [];
// Registered first, so it runs last (after hooks run in reverse order): once Impress has stopped.
afterAll(() => {
  for (const dir of outDirs) fs.rmSync(dir, { recursive: true, force: true });
});
useImpressDesktop({ width: 1600, height: 900 }, 'agent-impress', (d) => (session = d.session));
beforeAll(async () => {
  server = await FakeModelServer.start();
});
afterAll(async () => {
  await server?.close();
});

const runCli = pcagentAsync;

describe('pcagent run on Impress (Xvfb, OCR grounder, XTEST executor, scripted planner)', () => {
  it('fills and saves the title slide, re-plans around a missing target, and stores the run', async () => {
    const home = tempDir('agent-run-home');
    const out = tempDir('agent-run-out');
    outDirs.push(out);
    const saved = path.join(out, 'quarterly.odp');
    const plan = [
      "The slide has an empty title placeholder, so I click it to type the title.\n\nAction: click element: the 'Click to add Title' placeholder",
      'The title placeholder is in edit mode.\n\nAction: type text: Quarterly Review',
      "Now the subtitle.\n\nAction: click element: 'Click to add Text'",
      'Action: type text: Prepared by PC Agent',
      "I will press the button that saves everything.\n\nAction: click element: 'Nonexistent Button'",
      // The re-plan after the missing target:
      'There is no such button; the keyboard shortcut saves too.\n\nAction: hotkey (Ctrl, S)',
      `The Save dialog is open with its Name field focused.\n\nAction: type text: ${saved}`,
      'Action: press key: enter',
      'The presentation is saved.\n\nAction: finish',
    ];
    const answered: { request: FakeRequest; answer: string }[] = [];
    server.reset().setFallback((request) => {
      const answer = plan[answered.length] ?? 'Action: fail';
      answered.push({ request, answer });
      return answer;
    });

    const result = await runCli(
      [
        '--home',
        home,
        'run',
        'Make a title slide "Quarterly Review", subtitle "Prepared by PC Agent", and save it',
        '--planner',
        server.url,
        '--planner-model',
        'fake-planner',
        '--settle-ms',
        '1500',
        '--device',
        'cpu',
      ],
      session.env,
    );
    await screenshot(session, path.join(OUT, 'agent-run-end.png'));
    expect(result.stderr).toMatch(/grounder: auto on cpu; capture: x11 1600x900; input: nut-js 1600x900/);
    expect(result.code, result.stderr).toBe(0);
    const id = Number(/^recording (\d+)$/m.exec(result.stdout)?.[1]);
    expect(result.stdout).toMatch(/^finished: the planner finished the task \(8 steps, recording \d+\)$/m);
    expect(result.stdout).toMatch(
      /^step 1: click element: the 'Click to add Title' placeholder\n {2}thought: The slide has an empty title placeholder/m,
    );
    expect(result.stdout).toMatch(/^ {2}grounding: auto → (ocr|a11y) "Click to add Title" at \(\d+, \d+\), score/m);
    expect(result.stdout).toMatch(/^ {2}not found: 'Nonexistent Button' \(.+\); asking for a new plan \(1\/3\)$/m);

    // Every request: the planner prompt and one screenshot of the whole screen.
    expect(answered).toHaveLength(plan.length);
    for (const { request } of answered) {
      expect(request.model).toBe('fake-planner');
      expect(request.system).toContain('click element: <target>');
      expect(request.images).toHaveLength(1);
      expect(request.images[0]).toMatch(/^data:image\/png;base64,/);
    }
    const first = Buffer.from(answered[0]!.request.images[0]!.split(',')[1]!, 'base64');
    expect(await sharp(first).metadata()).toMatchObject({ width: 1600, height: 900 });
    // The request after the missing target names it and asks for a new plan; the others do not.
    const replan = answered[5]!.request;
    expect(replan.lastUser).toContain("These click targets were not found on the screen:\n- 'Nonexistent Button'");
    expect(replan.lastUser).toMatch(/Make a new plan/);
    expect(answered.filter((a) => a.request.lastUser.includes('not found')).map((a) => a.request.index)).toEqual([
      replan.index,
    ]);
    // History: the re-plan request shows the four steps done so far, in the planner form.
    expect(replan.lastUser).toContain('Step 4:\nAction: type text: Prepared by PC Agent');
    expect(replan.lastUser).not.toMatch(/Step 5:/);

    // The saved presentation holds what the agent typed.
    await waitFor('the saved presentation', async () => fs.existsSync(saved), 20_000);
    const slides = await readSlideTexts(saved);
    expect(slides[0]).toEqual(['Quarterly Review', 'Prepared by PC Agent']);

    // The run is an agent recording, listed and shown like any other.
    const list = pcagent(['--home', home, '--json', 'list', '--kind', 'agent']);
    expect(list.status).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([
      expect.objectContaining({ id, kind: 'agent', mode: 'run', status: 'finished', actions: 8 }),
    ]);
    const shown = pcagent(['--home', home, '--json', 'show', String(id)]);
    const data = JSON.parse(shown.stdout) as {
      actions: { text: string; thought: { text: string } | null; action: { at?: { x: number; y: number } } }[];
    };
    const texts = data.actions.map((a) => a.text);
    expect(texts[1]).toBe('type text: Quarterly Review');
    expect(texts.slice(3)).toEqual([
      'type text: Prepared by PC Agent',
      'hotkey (Ctrl, S)',
      `type text: ${saved}`,
      'press key enter',
      'finish',
    ]);
    // Clicks were grounded on the placeholders (title rect 255..1131 × 240..331 at this size).
    const title = data.actions[0]!.action.at!;
    expect(title.x).toBeGreaterThanOrEqual(255);
    expect(title.x).toBeLessThan(1131);
    expect(title.y).toBeGreaterThanOrEqual(240);
    expect(title.y).toBeLessThan(331);
    expect(data.actions[2]!.action.at!.y).toBeGreaterThan(400);
    expect(data.actions[0]!.thought?.text).toMatch(/^The slide has an empty title placeholder/);

    const lib = Library.open(home, { readonly: true });
    try {
      const actions = lib.listActions(id);
      const hotkey = actions[4]!;
      const agent = hotkey.extra.agent as { notFound: { target: string; found: boolean }[]; plan: { raw: string } };
      expect(agent.notFound).toEqual([expect.objectContaining({ target: "'Nonexistent Button'", found: false })]);
      const click = actions[0]!;
      const extra = click.extra.agent as {
        grounding: { grounder: string; found: boolean; candidates: unknown[] };
        timings: Record<string, number>;
      };
      expect(extra.grounding).toMatchObject({ grounder: expect.stringMatching(/^auto → (ocr|a11y)$/), found: true });
      expect(Object.keys(extra.timings)).toEqual([
        'settleMs',
        'screenshotMs',
        'grabMs',
        'encodeMs',
        'planMs',
        'groundMs',
        'executeMs',
        'storeMs',
      ]);
      expect(click.description).toEqual({ text: "the 'Click to add Title' placeholder", source: 'agent' });
      // Frames: every step has its screenshot, clicks a marked copy; keep some for a person to look at.
      for (const a of actions) expect(fs.existsSync(lib.absolutePath(lib.getFrame(a.frameId!).path))).toBe(true);
      expect(actions.filter((a) => a.markedFrameId !== null).map((a) => a.seq)).toEqual([1, 3]);
      fs.copyFileSync(
        lib.absolutePath(lib.getFrame(click.markedFrameId!).path),
        path.join(OUT, 'agent-run-step1-marked.png'),
      );
      fs.copyFileSync(
        lib.absolutePath(lib.getFrame(actions[5]!.frameId!).path),
        path.join(OUT, 'agent-run-save-dialog.png'),
      );
      expect(lib.getRecording(id).meta).toMatchObject({
        agent: { planner: { model: 'fake-planner' }, grounder: 'auto', outcome: 'finished', steps: 8 },
      });
    } finally {
      lib.close();
    }
  }, 300_000);

  it('stops on SIGINT while the planner thinks, and on the fail-safe: one closing line, exit 1, no empty recording', async () => {
    const home = tempDir('agent-run-stop');
    server.reset().setFallback({ hang: true });
    const run = startPcagent(
      ['--home', home, 'run', 'Wait forever', '--planner', server.url, '--planner-model', 'slow', '--settle-ms', '0'],
      session.env,
    );
    await waitFor('the first planner request', async () => server.chats.length === 1, 60_000);
    run.child.kill('SIGINT');
    const { code, stdout, stderr } = await run.done;
    expect(code).toBe(1);
    expect(stdout).toBe('stopped at step 1: stopped by a signal (nothing was recorded)\n');
    expect(stderr).not.toMatch(/pcagent:/); // said once, not again as an error
    expect(JSON.parse(pcagent(['--home', home, '--json', 'list']).stdout)).toEqual([]);

    // The pointer in the top-left corner: the run refuses to act at all.
    server.reset().setFallback("Action: click element: 'Click to add Title'");
    await xdo(session, 'mousemove', '0', '0');
    const safe = await runCli(
      ['--home', home, 'run', 'Anything', '--planner', server.url, '--planner-model', 'm', '--settle-ms', '0'],
      session.env,
    );
    expect(safe.code).toBe(1);
    expect(safe.stdout).toMatch(/^stopped at step 1: fail-safe: the pointer is in a screen corner at \(0, 0\)/m);
    expect(server.chats).toHaveLength(0);
  }, 120_000);
});
