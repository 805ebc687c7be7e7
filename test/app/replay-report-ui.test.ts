/**
 * The library viewer shows a replay's per-step report and an agent run's step timings: a real
 * library on disk holds a human recording, its replay (kind `agent`, mode `replay`, one
 * `extra.replay` report per step, as `pcagent replay` stores them) and an agent run with
 * `extra.agent.timings`; the real `pcagent ui --web` serves it to Debian's Chromium.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReplayStep } from '../../src/agents/replay/replay.js';
import { Library } from '../../src/library/library.js';
import { launchChromium } from '../support/chromium.js';
import { ROOT } from '../support/cli.js';
import { tempDir } from '../support/fixture.js';
import { openPage, startUi, type UiPage, type UiServer } from '../support/ui-server.js';

const SHOTS = path.join(ROOT, 'test-output', 'app');

let home: string;
let ui: UiServer;
let browser: Browser;
let replayId: number;
let runId: number;

const png = (r: number, g: number, b: number) =>
  sharp({ create: { width: 640, height: 400, channels: 3, background: { r, g, b } } })
    .png()
    .toBuffer();

/** The replay's steps as `replayRecording` reports them (the stored form: candidates without boxes). */
const STEPS: ReplayStep[] = [
  {
    seq: 1,
    action: "click element: the 'Blank presentation' item",
    outcome: 'found',
    description: "the 'Blank presentation' item",
    point: { x: 120, y: 80 },
    score: 0.97,
    grounder: 'a11y',
    verified: true,
    settleMs: 320,
    ms: 410,
  },
  {
    seq: 2,
    action: "click element: the 'Bold' button",
    outcome: 'found',
    description: "the 'Bold' button",
    point: { x: 300, y: 40 },
    score: 0.81,
    grounder: 'visual',
    verified: true,
    retried: true,
    settleMs: 1250,
    ms: 2900,
  },
  { seq: 3, action: 'type Quarterly Review', outcome: 'done', verified: true, settleMs: 300, ms: 640 },
  {
    seq: 4,
    action: 'hotkey (ctrl, s)',
    outcome: 'unexpected-window',
    window: { title: 'Keep current format', buttons: ['Use Word 2007-365!', 'Use ODF Format!'] },
    error: "a window the recording never saw: 'Keep current format'",
    settleMs: 5000,
    ms: 5200,
  },
];

beforeAll(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  home = tempDir('replay-report');
  const lib = Library.open(home);
  const t = Date.now() - 60_000;
  // The demonstration: five actions (the replay stopped at the fourth).
  const source = lib.createRecording({ kind: 'human', mode: 'free', source: 'test', description: 'Make a deck' });
  const sourceActions = [
    { kind: 'click', at: { x: 120, y: 80 } },
    { kind: 'click', at: { x: 300, y: 40 } },
    { kind: 'type', text: 'Quarterly Review' },
    { kind: 'hotkey', keys: ['ctrl', 's'] },
    { kind: 'finish' },
  ] as const;
  for (const [i, action] of sourceActions.entries()) lib.appendAction(source.id, { time: t + i * 1000, action });
  lib.updateRecording(source.id, { status: 'finished', endedAt: t + 5000 });

  const replay = lib.createRecording({
    kind: 'agent',
    mode: 'replay',
    source: `replay:${source.id}`,
    parentId: source.id,
    description: 'Make a deck',
    meta: { mode: 'semantic', grounder: 'auto' },
  });
  replayId = replay.id;
  for (const [i, step] of STEPS.entries()) {
    const frame = lib.saveFrame(replay.id, `${step.seq}.png`, await png(40 * i, 90, 160), {
      format: 'png',
      width: 640,
      height: 400,
    });
    lib.appendAction(replay.id, {
      time: t + 10_000 + i * 1000,
      action: sourceActions[i]!,
      frameId: frame.id,
      extra: { replay: step },
    });
  }
  lib.updateRecording(replay.id, { status: 'failed', endedAt: t + 20_000 });

  // An agent run: its steps carry their timings.
  const run = lib.createRecording({ kind: 'agent', mode: 'run', source: 'agent', description: 'Open the menu' });
  runId = run.id;
  lib.appendAction(run.id, {
    time: t + 30_000,
    action: { kind: 'click', at: { x: 10, y: 10 }, target: 'the menu' },
    thought: { text: 'Open the menu first.', source: 'agent' },
    extra: {
      agent: {
        step: 1,
        timings: {
          settleMs: 312.4,
          screenshotMs: 45.2,
          grabMs: 30,
          encodeMs: 15.2,
          planMs: 1830.6,
          groundMs: 210.1,
          executeMs: 95.5,
          storeMs: 12,
        },
      },
    },
  });
  lib.updateRecording(run.id, { status: 'finished', endedAt: t + 31_000 });
  lib.close();
  ui = await startUi(home);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await ui?.stop();
});

async function openRecording(id: number): Promise<UiPage> {
  const page = await openPage(browser, ui.url, 'library');
  await page.locator(`#recordings tr[data-recording="${id}"] button.open-recording`).click();
  await page.locator('#viewer').waitFor();
  return page;
}

const text = (page: UiPage, selector: string) => page.locator(selector).textContent();

describe('the replay report in the library viewer', () => {
  it('the API returns each step’s report and the summary, parsed', async () => {
    const { status, reply } = await ui.call('library.getTrajectory', { id: replayId });
    expect(status).toBe(200);
    const traj = (reply as { result: { replay: unknown; steps: { replay: unknown; timings: unknown }[] } }).result;
    expect(traj.replay).toEqual({
      sourceId: 1,
      mode: 'semantic',
      grounder: 'auto',
      steps: 4,
      total: 5,
      found: 2,
      verified: 3,
      retried: 1,
      running: false,
      completed: false,
      stoppedAt: { step: 4, reason: "a window the recording never saw: 'Keep current format'" },
    });
    expect(traj.steps.map((s) => s.replay)).toEqual(STEPS);
    expect(traj.steps.every((s) => s.timings === null)).toBe(true);
  });

  it('shows the summary, each step’s outcome, grounder, score, verified / retried, settle time and the window that stopped it', async () => {
    const page = await openRecording(replayId);
    await expect
      .poll(() => text(page, '#replay-counts'))
      .toBe(
        'Replay of recording #1: 4 of 5 steps replayed · 2 grounded · 3 verified · 1 retried · mode semantic · grounder auto',
      );
    expect(await text(page, '#replay-verdict')).toBe(
      "stopped at step 4: a window the recording never saw: 'Keep current format'",
    );
    // The step list marks each step's outcome.
    expect(await page.locator('ol.steps li [data-outcome]').allTextContents()).toEqual([
      'found',
      'found',
      'done',
      'unexpected window',
    ]);
    expect(await text(page, '#replay-outcome')).toBe('found');
    expect(await text(page, '#replay-grounder')).toBe('a11y');
    expect(await text(page, '#replay-score')).toBe('0.97');
    expect(await text(page, '#replay-verified')).toBe('yes');
    expect(await text(page, '#replay-retried')).toBe('—');
    expect(await text(page, '#replay-settle')).toBe('320 ms');
    expect(await text(page, '#replay-point')).toBe('(120, 80)');
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => text(page, '#replay-grounder')).toBe('visual');
    expect(await text(page, '#replay-score')).toBe('0.81');
    expect(await text(page, '#replay-retried')).toBe('yes');
    expect(await text(page, '#replay-settle')).toBe('1250 ms');
    await page.keyboard.press('End');
    await expect.poll(() => text(page, '#step-position')).toBe('Step 4 of 4');
    expect(await text(page, '#replay-outcome')).toBe('unexpected window');
    expect(await text(page, '#replay-window')).toBe(
      'Keep current format (buttons: Use Word 2007-365!, Use ODF Format!)',
    );
    expect(await text(page, '#replay-error')).toBe("a window the recording never saw: 'Keep current format'");
    expect(await text(page, '#replay-grounder')).toBe('—');
    const natural = () =>
      page.locator('#frame-image').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth);
    await expect.poll(natural).toBe(640);
    // The viewer has the export's look: its style sheet's custom properties apply in the app.
    expect(
      await page.locator('#viewer').evaluate((el) => getComputedStyle(el).getPropertyValue('--tv-accent').trim()),
    ).not.toBe('');
    await page.screenshot({ path: path.join(SHOTS, 'replay-report.png') });
    expect(page.errors).toEqual([]);
    await page.close();
  });

  it('shows an agent run step’s timings, and no replay report', async () => {
    const page = await openRecording(runId);
    await expect
      .poll(() => text(page, '#step-timings'))
      .toBe('settle 312 ms · screenshot 45 ms · plan 1831 ms · ground 210 ms · execute 96 ms');
    expect(await text(page, '#step-thought')).toBe('Open the menu first.');
    expect(await page.locator('#replay-summary, #replay-step').count()).toBe(0);
    expect(page.errors).toEqual([]);
    await page.close();
  });
});
