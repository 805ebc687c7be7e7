/**
 * The tracker page on a real display: the real `pcagent ui --web` child records the Xvfb desktop
 * (XRECORD hooks, X11 capture, AT-SPI) while the page is driven in headless Chromium (not on
 * that display) and a person's input is played with xdotool (XTEST). Each flow ends with the
 * library on disk checked: status, description, task, actions and frame files.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TrackerStateDto } from '../../src/api/contract.js';
import { formatAction } from '../../src/core/grammar.js';
import { Library } from '../../src/library/library.js';
import { launchChromium } from '../support/chromium.js';
import { pcagent, ROOT } from '../support/cli.js';
import { FIXTURE_DIR, tempDir } from '../support/fixture.js';
import { openPage, startUi, type UiPage, type UiServer } from '../support/ui-server.js';
import { startDisplay, type XSession, xdo } from '../support/xsession.js';

const SHOTS = path.join(ROOT, 'test-output', 'app');

let session: XSession;
let home: string;
let server: UiServer;
let browser: Browser;

beforeAll(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  session = await startDisplay({ width: 1024, height: 768 });
  home = tempDir('tracker-ui');
  const imported = pcagent(['--home', home, 'tasks', 'import', path.join(FIXTURE_DIR, 'tasks.json')]);
  expect(imported.status, imported.stderr).toBe(0);
  server = await startUi(home, session.env);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await session?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Moves the pointer and left-clicks on the bare desktop (openbox ignores it; the hooks do not). */
const clickAt = (x: number, y: number) => xdo(session, 'mousemove', String(x), String(y), 'click', '1');

async function trackerState(): Promise<TrackerStateDto> {
  const { reply } = await server.call('tracker.state');
  return (reply as { result: TrackerStateDto }).result;
}

/** Starts a recording from the page in `mode` and waits until it is live; returns its id. */
async function startFromPage(page: UiPage, mode: 'given' | 'free' | 'non-task'): Promise<number> {
  await page.locator(`#mode-${mode}`).check();
  await page.locator('#start').click();
  await expect.poll(() => page.locator('#live-status').textContent(), { timeout: 60_000 }).toBe('● recording');
  const live = (await trackerState()).live;
  expect(live).toMatchObject({ mode, status: 'recording' });
  return live!.id;
}

/** The live counter on the page, once it has reached `n` (waits are recorded after 6 s idle). */
async function waitForActions(page: UiPage, n: number): Promise<void> {
  await expect
    .poll(async () => Number(await page.locator('#live-actions').textContent()), { timeout: 30_000 })
    .toBeGreaterThanOrEqual(n);
}

/** What a recording holds: its actions in text form (without idle waits), frames checked on disk. */
function recorded(id: number) {
  const lib = Library.open(home, { readonly: true });
  try {
    const rec = lib.getRecording(id);
    const actions = lib.listActions(id);
    const frames = actions.map((a) => (a.frameId === null ? null : lib.getFrame(a.frameId)));
    return {
      rec,
      task: rec.taskId === null ? null : lib.getTask(rec.taskId),
      texts: actions.map((a) => formatAction(a.action, 'recorded')).filter((t) => t !== 'wait'),
      frameFiles: frames.map((f) => f && { exists: fs.existsSync(lib.absolutePath(f.path)), width: f.width }),
      dirExists: fs.existsSync(lib.recordingDir(id)),
    };
  } finally {
    lib.close();
  }
}

describe('tracker page on a real display (Xvfb, xdotool)', () => {
  it('given task: start, record, pause (nothing recorded), resume, finish, edit the description', async () => {
    const taskId = (await trackerState()).task!.id;
    const page = await openPage(browser, server.url, 'tracker');
    await expect.poll(() => page.locator('#task-text').textContent()).toMatch(/Star Wars/);
    const id = await startFromPage(page, 'given');
    // The task list cannot move while a task is being recorded.
    expect(await page.locator('#task-next').isDisabled()).toBe(true);

    await clickAt(100, 100);
    await sleep(300);
    await clickAt(200, 150);
    await sleep(300);
    await xdo(session, 'type', '--delay', '60', 'hello');
    await waitForActions(page, 3);
    await page.screenshot({ path: path.join(SHOTS, 'tracker-recording.png') });

    await page.locator('#pause').click();
    await expect.poll(() => page.locator('#live-status').textContent()).toBe('❚❚ paused');
    expect((await trackerState()).live?.status).toBe('paused');
    await expect.poll(() => recorded(id).rec.status).toBe('paused');
    const beforePause = Number(await page.locator('#live-actions').textContent());
    await clickAt(300, 300);
    await xdo(session, 'type', '--delay', '60', 'zz');
    // Let the hooks deliver the paused input before resuming (events arrive in order).
    await sleep(1_500);
    await page.screenshot({ path: path.join(SHOTS, 'tracker-paused.png') });
    expect(Number(await page.locator('#live-actions').textContent())).toBe(beforePause);

    await page.locator('#resume').click();
    await expect.poll(() => page.locator('#live-status').textContent()).toBe('● recording');
    await clickAt(400, 200);
    await waitForActions(page, beforePause + 1);
    await page.locator('#finish').click();
    await expect.poll(() => page.locator('#start').count()).toBe(1);

    // The recording that just ended is the one offered for editing, with the task's wording.
    await expect.poll(() => page.locator('#after-recording').inputValue()).toBe(String(id));
    expect(await page.locator('#after-description').inputValue()).toMatch(/Star Wars/);
    await page.locator('#after-description').fill('Make a three-slide Star Wars deck in Impress');
    await page.screenshot({ path: path.join(SHOTS, 'tracker-after-given.png') });
    await page.locator('#after-save').click();
    await expect.poll(() => page.locator('#status').textContent()).toContain(`Recording ${id} saved.`);
    await expect.poll(() => page.locator('#count-given-finished').textContent()).toBe('1');
    // The next open task is offered.
    await expect.poll(() => page.locator('#task-text').textContent()).not.toMatch(/Star Wars/);

    const r = recorded(id);
    expect(r.rec).toMatchObject({
      status: 'finished',
      mode: 'given',
      taskId,
      description: 'Make a three-slide Star Wars deck in Impress',
    });
    expect(r.task?.status).toBe('finished');
    // Lone modifier presses are left to refinement; nothing from the paused interval.
    expect(r.texts).toEqual(['click (100, 100)', 'click (200, 150)', 'type text: hello', 'click (400, 200)', 'finish']);
    for (const f of r.frameFiles) expect(f).toEqual({ exists: true, width: 1024 });
    expect(page.errors).toEqual([]);
    await page.close();
  }, 180_000);

  it('free task: a real recording is discarded with its files', async () => {
    const page = await openPage(browser, server.url, 'tracker');
    const id = await startFromPage(page, 'free');
    await clickAt(120, 220);
    await sleep(300);
    await clickAt(220, 320);
    await waitForActions(page, 2);
    await page.locator('#fail').click();
    await expect.poll(() => page.locator('#after-recording').inputValue()).toBe(String(id));
    const before = recorded(id);
    expect(before.rec.status).toBe('failed');
    expect(before.texts).toEqual(['click (120, 220)', 'click (220, 320)', 'fail']);
    expect(before.dirExists).toBe(true);
    await page.screenshot({ path: path.join(SHOTS, 'tracker-after-free.png') });

    page.once('dialog', (d) => void d.accept());
    await page.locator('#after-discard').click();
    await expect.poll(() => page.locator('#status').textContent()).toContain(`Recording ${id} discarded.`);
    await expect.poll(() => page.locator(`#after-recording option[value="${id}"]`).count()).toBe(0);
    const after = recorded(id);
    expect(after.rec.status).toBe('discarded');
    expect(after.texts).toEqual([]);
    expect(after.dirExists).toBe(false);
    expect(page.errors).toEqual([]);
    await page.close();
  }, 180_000);

  it('non-task: the stop hotkey ends it (not recorded), and save keeps it', async () => {
    const page = await openPage(browser, server.url, 'tracker');
    const id = await startFromPage(page, 'non-task');
    await clickAt(500, 400);
    await waitForActions(page, 1);
    // The recorder's own hooks watch for Ctrl+Shift+F12 (no Electron here).
    await xdo(session, 'key', 'ctrl+shift+F12');
    await expect.poll(() => page.locator('#start').count(), { timeout: 30_000 }).toBe(1);
    await expect.poll(() => page.locator('#after-recording').inputValue()).toBe(String(id));
    // A non-task recording has no description to write: only save or discard.
    expect(await page.locator('#after-description').count()).toBe(0);
    await page.screenshot({ path: path.join(SHOTS, 'tracker-after-non-task.png') });
    await page.locator('#after-save').click();
    await expect.poll(() => page.locator('#status').textContent()).toContain(`Recording ${id} kept in the library.`);

    const r = recorded(id);
    expect(r.rec).toMatchObject({ status: 'finished', mode: 'non-task', taskId: null, description: null });
    expect(r.texts).toEqual(['click (500, 400)', 'finish']);
    for (const f of r.frameFiles) expect(f).toEqual({ exists: true, width: 1024 });
    // Finishing again is refused: nothing is running (stopping is idempotent inside).
    const again = await server.call('tracker.finish', { outcome: 'finished' });
    expect(again.reply).toMatchObject({ ok: false, error: { message: 'no recording is running' } });
    expect(page.errors).toEqual([]);
    await page.close();
  }, 180_000);
});
