import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Library } from '../../src/library/library.js';
import { endRecording, startRecording } from '../../src/tracker/sessions.js';
import { launchChromium } from '../support/chromium.js';
import { pcagent, ROOT } from '../support/cli.js';
import { FIXTURE_DIR, FIXTURE_NAME, tempDir } from '../support/fixture.js';
import { FakeModelServer, type FakeRequest } from '../support/openai-server.js';
import { openPage, startUi, type UiPage, type UiServer } from '../support/ui-server.js';

const SHOTS = path.join(ROOT, 'test-output', 'app');

let home: string;
let ui: UiServer;
let browser: Browser;
let model: FakeModelServer;
/** The fake model's answers wait for this gate, so a test sees a job while it runs. */
let gate: { promise: Promise<void>; open: () => void };

function closeGate(): void {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  gate = { promise, open };
}

/** Answers the completion passes accept, from the system prompt of each request. */
function modelReply(r: FakeRequest): string {
  if (r.system.includes('You annotate recordings')) return "the 'Blank presentation' item";
  if (r.system.includes('You review annotations')) return 'Good';
  return `thought for step ${/\(step (\d+) of/.exec(r.text)?.[1] ?? '?'}`;
}

beforeAll(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  home = tempDir('ui-jobs');
  const imported = pcagent(['--home', home, 'import', FIXTURE_DIR]);
  expect(imported.status, imported.stderr).toBe(0);
  closeGate();
  // A FAKE OpenAI-compatible server (real HTTP, scripted answers), set as the completion model.
  model = await FakeModelServer.start({ fallback: async (r) => (await gate.promise, modelReply(r)) });
  fs.writeFileSync(
    path.join(home, 'settings.json'),
    JSON.stringify({ completion: { endpoint: model.url, model: 'fake' } }),
  );
  ui = await startUi(home);
  browser = await launchChromium();
});

afterAll(async () => {
  gate?.open();
  await browser?.close();
  await ui?.stop();
  await model?.close();
});

async function libraryPage(): Promise<UiPage> {
  const page = await openPage(browser, ui.url, 'library');
  await page.locator('#recordings tbody tr', { hasText: FIXTURE_NAME }).first().waitFor();
  return page;
}

const rowOf = (page: UiPage, stage: 'raw' | 'refined') =>
  page
    .locator('#recordings tbody tr', { hasText: FIXTURE_NAME })
    .filter({ has: page.locator(`td:text-is("${stage}")`) });

const jobItem = (page: UiPage, id: number) => page.locator(`#job-list li.job[data-job="${id}"]`);
const lastJobId = async (page: UiPage) =>
  Number(await page.locator('#job-list li.job').first().getAttribute('data-job'));
const alertText = (page: UiPage) => page.locator('#status [role="alert"]').textContent();

describe('library jobs in the app', () => {
  it('refine from the library: the job shows progress, ends done, the refined recording is listed', async () => {
    const page = await libraryPage();
    await expect.poll(() => page.locator('#jobs-empty').isVisible()).toBe(true);
    // From the keyboard: focus the row's Refine button and press Enter.
    await rowOf(page, 'raw').locator('button.job-refine').focus();
    await page.keyboard.press('Enter');
    await page.locator('#job-list li.job').first().waitFor();
    const job = jobItem(page, await lastJobId(page));
    await expect.poll(() => job.getAttribute('data-status'), { timeout: 60_000 }).toBe('done');
    const count = await job.locator('.job-count').textContent();
    const [, done, total] = /^(\d+) \/ (\d+) frames$/.exec(count ?? '') ?? [];
    expect(Number(total)).toBeGreaterThan(0);
    expect(done).toBe(total);
    expect(await job.locator('progress').evaluate((p: HTMLProgressElement) => [p.value, p.max])).toEqual([
      Number(total),
      Number(total),
    ]);
    expect(await job.locator('.job-message').textContent()).toMatch(/^refined recording 1 → 2 .*: 8 → \d+ actions/);
    // The list was refreshed: the refined recording is there, and its Refine button is off.
    await rowOf(page, 'refined').waitFor();
    expect(await rowOf(page, 'refined').locator('button.job-refine').isDisabled()).toBe(true);
    await page.screenshot({ path: path.join(SHOTS, 'library-jobs.png'), fullPage: true });
    // Its Open button shows the refined recording.
    await job.locator('button.job-open').click();
    await expect.poll(() => page.locator('#viewer-title').textContent()).toBe(`#2 ${FIXTURE_NAME}`);
    expect(page.errors).toEqual([]);
    await page.close();
  });

  it('complete with the settings model: running with progress, the same recording is busy, thoughts in the viewer', async () => {
    const page = await libraryPage();
    closeGate();
    const requestsBefore = model.requests.length;
    await rowOf(page, 'raw').locator('button.job-complete').click();
    await page.locator('#job-list li.job[data-status="running"]').waitFor();
    const id = await lastJobId(page);
    const job = jobItem(page, id);
    await expect.poll(() => model.requests.length, { timeout: 60_000 }).toBeGreaterThan(requestsBefore);
    expect(await job.locator('.job-count').textContent()).toMatch(/^0 \/ \d+ fields$/);
    await expect.poll(() => rowOf(page, 'raw').locator('.row-busy').textContent()).toBe('complete running');
    // A second job on a recording that is being completed is refused, with the reason.
    await rowOf(page, 'raw').locator('button.job-refine').click();
    await expect
      .poll(() => alertText(page))
      .toBe(`recording 1 is busy: complete job ${id} is running on it; wait for it to end or cancel it`);
    await page.screenshot({ path: path.join(SHOTS, 'library-jobs-running.png'), fullPage: true });
    gate.open();
    await expect.poll(() => job.getAttribute('data-status'), { timeout: 60_000 }).toBe('done');
    expect(await job.locator('.job-message').textContent()).toMatch(/^recording 2: .*, 8 thoughts; complete$/);
    await expect.poll(() => rowOf(page, 'raw').locator('.row-busy').textContent()).toBe('');
    // The refined recording (the one completed) now has a thought for each step.
    await rowOf(page, 'refined').locator('button.open-recording').click();
    await expect.poll(() => page.locator('#step-thought').textContent()).toBe('thought for step 1');
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => page.locator('#step-thought').textContent()).toBe('thought for step 2');
    await expect.poll(() => page.locator('#step-description').textContent()).not.toBe('—');
    await page.screenshot({ path: path.join(SHOTS, 'library-jobs-viewer.png'), fullPage: true });
    expect(page.errors).toEqual([]);
    await page.close();
  });

  it('cancel a running job from the jobs panel', async () => {
    // Take the thoughts away again so that completion has work to do.
    const lib = Library.open(home);
    for (const a of lib.listActions(2)) lib.updateAction(a.id, { thought: null });
    lib.close();
    const page = await libraryPage();
    closeGate();
    const requestsBefore = model.requests.length;
    await rowOf(page, 'refined').locator('button.job-complete').click();
    await page.locator('#job-list li.job[data-status="running"]').waitFor();
    const job = jobItem(page, await lastJobId(page));
    await expect.poll(() => model.requests.length, { timeout: 60_000 }).toBeGreaterThan(requestsBefore);
    await job.locator('button.job-cancel').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => job.locator('.job-message').textContent()).toBe('cancelling…');
    gate.open();
    await expect.poll(() => job.getAttribute('data-status'), { timeout: 60_000 }).toBe('cancelled');
    expect(await job.locator('.job-message').textContent()).toMatch(/^cancelled: recording 2: .*still missing/);
    expect(await job.locator('button.job-cancel').count()).toBe(0);
    expect(page.errors).toEqual([]);
    await page.close();
  });

  it('export html and pc-tracker: files on disk; a folder that is not empty is refused', async () => {
    const page = await libraryPage();
    // Nothing chosen yet: the export says what to do.
    await page.locator('#export-run').click();
    await expect.poll(() => alertText(page)).toBe('Select the recordings to export first (the boxes in the # column).');
    await rowOf(page, 'refined').locator('input.select-recording').check();
    await expect.poll(() => page.locator('#export-run').textContent()).toBe('Export selected (1)');
    await page.locator('#export-format').selectOption('html');
    await page.locator('#export-out').fill('exports/html');
    await page.locator('#export-run').click();
    await page.locator('#job-list li.job', { hasText: 'Export' }).first().waitFor();
    const html = jobItem(page, await lastJobId(page));
    await expect.poll(() => html.getAttribute('data-status'), { timeout: 60_000 }).toBe('done');
    const htmlDir = path.join(home, 'exports', 'html');
    expect(await html.locator('.job-output').textContent()).toBe(htmlDir);
    const htmlFiles = fs.readdirSync(htmlDir);
    expect(htmlFiles).toContain('index.html');
    const viewerFile = htmlFiles.find((f) => f !== 'index.html' && f.endsWith('.html'));
    expect(viewerFile).toBeDefined();
    expect(fs.readFileSync(path.join(htmlDir, viewerFile!), 'utf8')).toContain('thought for step 1');

    const trackerDir = path.join(tempDir('ui-jobs-export'), 'pc-tracker');
    await page.locator('#export-format').selectOption('pc-tracker');
    await page.locator('#export-out').fill(trackerDir);
    await page.locator('#export-run').click();
    await expect
      .poll(async () => jobItem(page, await lastJobId(page)).textContent(), { timeout: 30_000 })
      .toContain(trackerDir);
    const tracker = jobItem(page, await lastJobId(page));
    await expect.poll(() => tracker.getAttribute('data-status'), { timeout: 60_000 }).toBe('done');
    const written = fs.readdirSync(trackerDir);
    expect(written.filter((f) => f.endsWith('.jsonl'))).toEqual([`${FIXTURE_NAME}.jsonl`]);
    expect(written).toContain(`${FIXTURE_NAME}.md`);
    expect(fs.readdirSync(path.join(trackerDir, 'screenshot')).length).toBeGreaterThan(0);
    const lines = fs
      .readFileSync(path.join(trackerDir, `${FIXTURE_NAME}.jsonl`), 'utf8')
      .trim()
      .split('\n');
    expect(lines.length).toBeGreaterThan(0);
    await page.screenshot({ path: path.join(SHOTS, 'library-jobs-export.png'), fullPage: true });

    // The same folder again: refused before anything is written.
    await page.locator('#export-run').click();
    await expect
      .poll(() => alertText(page))
      .toBe(`cannot export to ${trackerDir}: the folder is not empty; choose a new or empty folder`);
    expect(page.errors).toEqual([]);
    await page.close();
  });

  it('filters by task and date; replay asks the agent', async () => {
    const lib = Library.open(home);
    const task = lib.listTasks('open')[0]!;
    const given = startRecording(lib, { mode: 'given', taskId: task.id });
    endRecording(lib, given.id, 'finished');
    lib.close();
    const page = await libraryPage();
    const rows = page.locator('#recordings tbody tr');
    await expect.poll(() => rows.count()).toBe(3);
    await page.locator('#filter-task').selectOption(String(task.id));
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().getAttribute('data-recording')).toBe(String(given.id));
    expect(await page.locator('#recordings-count').textContent()).toBe('1 of 3 recordings');
    await page.locator('#filter-task').selectOption('none');
    await expect.poll(() => rows.count()).toBe(2);
    await page.locator('#filter-task').selectOption('');
    // The fixture was recorded on 2024-11-26; the given-task recording today.
    await page.locator('#filter-from').fill('2024-11-25');
    await page.locator('#filter-to').fill('2024-11-27');
    await expect.poll(() => rows.count()).toBe(2);
    await expect.poll(() => page.locator(`#recordings tr[data-recording="${given.id}"]`).count()).toBe(0);
    await page.screenshot({ path: path.join(SHOTS, 'library-jobs-filters.png'), fullPage: true });
    await page.locator('#filter-from').fill('2024-11-28');
    await expect
      .poll(() => page.locator('#recordings tbody').textContent())
      .toBe('The From date is after the To date.');
    await page.locator('#filter-clear').click();
    await expect.poll(() => rows.count()).toBe(3);
    // Replay goes to the agent, which needs a screen: this server has no DISPLAY, and says so.
    // (Replays that run are tested in agent-console.test.ts.)
    await rowOf(page, 'raw').locator('button.job-replay').click();
    await expect
      .poll(() => page.locator('#status [role="alert"]').textContent())
      .toBe('the agent needs a display: DISPLAY is not set');
    await page.close();
  });
});
