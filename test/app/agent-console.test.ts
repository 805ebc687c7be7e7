/**
 * The agent console of the app, end to end: the real `pcagent ui --web` runs on a private X
 * desktop (Xvfb + openbox), with the REAL OCR grounder and the REAL executor (XTEST input). The
 * desktop shows a small order form in a visible Chromium window; the planner is FakeModelServer,
 * a FAKE OpenAI-compatible server answering each planner request with the next action of a
 * script over real HTTP. The console (headless Chromium) starts the run, shows its steps live
 * with marked frames and grounding, pauses, resumes and stops; runs are agent recordings.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Library } from '../../src/library/library.js';
import { launchChromium } from '../support/chromium.js';
import { ROOT } from '../support/cli.js';
import { tempDir } from '../support/fixture.js';
import { FakeModelServer, type FakeRequest } from '../support/openai-server.js';
import { openPage, startUi, type UiPage, type UiServer } from '../support/ui-server.js';
import { startDisplay, type XSession } from '../support/xsession.js';

const SHOTS = path.join(ROOT, 'test-output', 'app');
const FORM = `<!doctype html><title>Order form</title>
<body style="font: 32px sans-serif; margin: 60px">
<h1 style="font-size: 40px">Order form</h1>
<p>Quantity <input id="qty" placeholder="how many" style="font: 32px sans-serif; width: 240px"></p>
<p><button id="submit" style="font: 36px sans-serif; padding: 16px 40px">Submit order</button></p>
<p id="result">Not sent</p>
<script>
document.getElementById('submit').onclick = () => {
  document.getElementById('result').textContent = 'Order sent: ' + document.getElementById('qty').value;
};
</script></body>`;

let session: XSession;
let desktopBrowser: Browser;
let form: Page;
let consoleBrowser: Browser;
let planner: FakeModelServer;
let ui: UiServer;
let home: string;

beforeAll(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  session = await startDisplay({ width: 1280, height: 800 });
  desktopBrowser = await launchChromium({
    headedEnv: session.env,
    args: ['--window-position=0,0', '--window-size=1280,800', '--force-device-scale-factor=1'],
  });
  form = await desktopBrowser.newPage({ viewport: null });
  await form.setContent(FORM);
  planner = await FakeModelServer.start();
  home = tempDir('agent-console');
  ui = await startUi(home, { ...session.env, PCAGENT_DEVICE: 'cpu' });
  consoleBrowser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await ui?.stop();
  await consoleBrowser?.close();
  await desktopBrowser?.close();
  await planner?.close();
  await session?.stop();
});

async function consolePage(): Promise<UiPage> {
  const page = await openPage(consoleBrowser, ui.url, 'agent');
  await expect.poll(() => page.locator('#agent-info').textContent()).toContain('real input');
  return page;
}

describe('agent console (ui --web on Xvfb; real OCR grounder and XTEST input; FAKE planner server)', () => {
  it('runs a short plan: steps appear live with marked frames, thoughts and grounding; the run is stored', async () => {
    const plan = [
      "The quantity field is empty; I click into it first.\n\nAction: click element: the 'how many' field",
      'Action: type text: 3',
      "Now I submit the order.\n\nAction: click element: the 'Submit order' button",
      'The page says the order was sent.\n\nAction: finish',
    ];
    const answered: FakeRequest[] = [];
    planner.reset().setFallback((request) => {
      answered.push(request);
      return plan[answered.length - 1] ?? 'Action: fail';
    });

    const page = await consolePage();
    await page.screenshot({ path: path.join(SHOTS, 'agent-console-empty.png') });
    await page.locator('#agent-task').fill('Order 3 items with the order form');
    await page.locator('#agent-endpoint').fill(planner.url);
    await page.locator('#agent-model').fill('fake-planner');
    await page.locator('#agent-grounder').selectOption('ocr');
    await page.locator('#agent-run').click();
    await expect.poll(() => page.locator('#agent-status .badge').textContent(), { timeout: 120_000 }).toBe('finished');
    await page.screenshot({ path: path.join(SHOTS, 'agent-console-run.png'), fullPage: true });

    // What the agent did happened on the real desktop.
    expect(await form.locator('#result').textContent()).toBe('Order sent: 3');
    // The planner saw the task and a screenshot each step.
    expect(answered[0]!.text).toContain('Order 3 items with the order form');
    expect(answered[0]!.images[0]).toMatch(/^data:image\/png;base64,/);

    const items = page.locator('#agent-steps li.agent-step');
    await expect.poll(() => items.count()).toBe(4);
    await expect
      .poll(() => items.nth(2).locator('.step-action').textContent())
      .toBe("3. click element: the 'Submit order' button");
    expect(await items.nth(0).locator('.step-thought').textContent()).toBe(
      'The quantity field is empty; I click into it first.',
    );
    expect(await items.nth(2).locator('.step-grounding').textContent()).toMatch(
      /^ocr: the 'Submit order' button → \(\d+, \d+\) "Submit order", score/,
    );
    // Marked frames are loaded from the library (real PNGs at the screen's size).
    const width = await items
      .nth(2)
      .locator('img.thumb')
      .evaluate(
        (img: HTMLImageElement) =>
          new Promise((r) => (img.complete ? r(img.naturalWidth) : (img.onload = () => r(img.naturalWidth)))),
      );
    expect(width).toBe(1280);
    const status = (await page.locator('#agent-status').textContent())!;
    const id = Number(/recording #(\d+)/.exec(status)?.[1]);
    expect(status).toContain('grounder ocr on cpu');

    const lib = Library.open(home, { readonly: true });
    const rec = lib.getRecording(id);
    const actions = lib.listActions(id);
    lib.close();
    expect(rec).toMatchObject({ kind: 'agent', mode: 'run', status: 'finished' });
    expect(actions.map((a) => a.action.kind)).toEqual(['click', 'type', 'click', 'finish']);
    expect(actions[2]!.thought?.text).toBe('Now I submit the order.');
    expect(actions[2]!.markedFrameId).not.toBeNull();
    expect(page.errors).toEqual([]);
    await page.close();
  }, 180_000);

  it('replays the stored run on the reset form: clicks grounded again, steps shown in the console', async () => {
    const lib = Library.open(home, { readonly: true });
    const run = lib.listRecordings({ kind: 'agent' }).find((r) => r.mode === 'run' && r.status === 'finished')!;
    lib.close();
    await form.setContent(FORM);
    const page = await consolePage();
    const { status } = await ui.call('agent.replay', { id: run.id, settleMs: 500 });
    expect(status).toBe(200);
    // The console showed the earlier run (also "finished") until the replay's first event.
    await expect
      .poll(() => page.locator('#agent-status').textContent(), { timeout: 120_000 })
      .toMatch(/^finished Replay: Order 3 items with the order form/);
    await expect.poll(() => form.locator('#result').textContent()).toBe('Order sent: 3');
    const items = page.locator('#agent-steps li.agent-step');
    await expect.poll(() => items.count()).toBe(4);
    expect(await items.nth(2).locator('.step-grounding').textContent()).toMatch(
      /^replay: the 'Submit order' button → \(\d+, \d+\) "Submit order"/,
    );
    expect(await page.locator('#agent-status').textContent()).toContain('Replay: Order 3 items with the order form');
    await page.screenshot({ path: path.join(SHOTS, 'agent-console-replay.png'), fullPage: true });
    expect(page.errors).toEqual([]);
    await page.close();
  }, 180_000);

  it('pause holds the run between steps, resume goes on, stop ends it as stopped', async () => {
    let requests = 0;
    planner.reset().setFallback(() => {
      requests += 1;
      return 'Nothing to do yet; waiting for the page.\n\nAction: wait';
    });
    const page = await consolePage();
    await page.locator('#agent-task').fill('Wait for the page');
    await page.locator('#agent-endpoint').fill(planner.url);
    await page.locator('#agent-model').fill('fake-planner');
    await page.locator('#agent-run').click();
    // The console shows the earlier run until this one's first event.
    await expect.poll(() => page.locator('#agent-status').textContent()).toContain('Task: Wait for the page');
    const items = page.locator('#agent-steps li.agent-step');
    await expect.poll(() => items.count(), { timeout: 120_000 }).toBeGreaterThanOrEqual(1);
    await page.locator('#agent-pause').click();
    await expect.poll(() => page.locator('#agent-status .badge').textContent()).toBe('paused');
    await expect.poll(() => page.locator('#agent-pause').textContent()).toBe('Resume');
    // The step in progress may finish; after that nothing more is asked of the planner.
    const settled = async () => {
      const before = requests;
      await new Promise((r) => setTimeout(r, 8_000));
      return requests - before;
    };
    await settled();
    expect(await settled()).toBe(0);
    await page.screenshot({ path: path.join(SHOTS, 'agent-console-paused.png') });
    const pausedAt = await items.count();
    await page.locator('#agent-pause').click();
    await expect.poll(() => items.count(), { timeout: 60_000 }).toBeGreaterThan(pausedAt);
    await page.locator('#agent-stop').click();
    await expect.poll(() => page.locator('#agent-status .badge').textContent(), { timeout: 60_000 }).toBe('stopped');
    await expect.poll(() => page.locator('#agent-reason').textContent()).toContain('stopped');
    // A new run can start once this one ended.
    expect(await page.locator('#agent-run').isDisabled()).toBe(false);
    expect(page.errors).toEqual([]);
    await page.close();
  }, 240_000);

  it('refuses a run without a planner, and says why, before touching the screen', async () => {
    const page = await consolePage();
    await page.locator('#agent-task').fill('Do something');
    await page.locator('#agent-endpoint').fill('');
    await page.locator('#agent-model').fill('');
    await page.locator('#agent-run').click();
    await expect
      .poll(() => page.locator('#status [role="alert"]').textContent())
      .toBe('the planner needs an endpoint: set it in Settings → Planner or in the form');
    const { status, reply } = await ui.call('agent.run', { task: '  ' });
    expect(status).toBe(400);
    expect(reply).toEqual({ ok: false, error: { kind: 'invalid-input', message: 'agent.run: task: cannot be empty' } });
    await page.close();
  });
});
