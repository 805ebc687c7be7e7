import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/chromium.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Library } from '../../src/library/library.js';
import { endRecording, startRecording } from '../../src/tracker/sessions.js';
import { pcagent, ROOT } from '../support/cli.js';
import { openPage, startUi, type UiPage, type UiServer } from '../support/ui-server.js';
import { FIXTURE_DIR, FIXTURE_NAME, tempDir } from '../support/fixture.js';

const SHOTS = path.join(ROOT, 'test-output', 'app');

let home: string;
let server: UiServer;
let url: string;
let origin: string;
let token: string;
let browser: Browser;

async function newPage(hash: string): Promise<UiPage> {
  return openPage(browser, url, hash);
}

beforeAll(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  home = tempDir('ui');
  const imported = pcagent(['--home', home, 'import', FIXTURE_DIR]);
  expect(imported.status, imported.stderr).toBe(0);
  server = await startUi(home);
  url = server.url;
  origin = new URL(url).origin;
  token = new URL(url).searchParams.get('token')!;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('pcagent ui --web', () => {
  it('listens on 127.0.0.1 only and refuses requests without the token', async () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]{48}$/);
    expect((await fetch(`${origin}/`)).status).toBe(403);
    expect((await fetch(`${origin}/?token=${'0'.repeat(48)}`)).status).toBe(403);
    expect((await fetch(`${origin}/app.js`)).status).toBe(403);
    expect((await fetch(`${origin}/frames/1`)).status).toBe(403);
    expect((await fetch(`${origin}/api/events`)).status).toBe(403);
    const call = (headers: Record<string, string>, body = '{}', method = 'library.listRecordings') =>
      fetch(`${origin}/api/${method}?token=${token}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...headers },
        body,
      });
    // API calls need the header: the token in the query string is not enough.
    expect((await call({})).status).toBe(403);
    expect((await call({ 'X-PCAgent-Token': 'nope' })).status).toBe(403);
    const ok = await call({ 'X-PCAgent-Token': token });
    expect(ok.status).toBe(200);
    const reply = (await ok.json()) as { ok: boolean; result: { name: string }[] };
    expect(reply.result.map((r) => r.name)).toEqual([FIXTURE_NAME]);
    // The contract is checked on the server too.
    const bad = await call({ 'X-PCAgent-Token': token }, '{"id":"1"}', 'library.getTrajectory');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({
      ok: false,
      error: { kind: 'invalid-input', message: 'library.getTrajectory: id: expected a number' },
    });
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
  });

  it('library viewer shows the fixture frames and actions, with keyboard navigation', async () => {
    const page = await newPage('library');
    const row = page.locator('#recordings tbody tr', { hasText: FIXTURE_NAME });
    await row.waitFor();
    await expect.poll(() => row.locator('td').nth(5).textContent()).toBe('8');
    await page.screenshot({ path: path.join(SHOTS, 'library.png') });
    // Filters: nothing failed; the human recordings include the fixture.
    await page.locator('#filter-status').selectOption('failed');
    await expect.poll(() => page.locator('#recordings tbody').textContent()).toBe('No recordings.');
    await page.locator('#filter-status').selectOption('');
    await page.locator('#filter-kind').selectOption('human');
    await row.waitFor();
    // Importing the same folder again changes nothing and says so.
    await page.locator('#import-dir').fill(FIXTURE_DIR);
    await page.locator('#import-run').click();
    // The import reads the folder again (seconds on a loaded machine); the message then shows for 3 s.
    await expect
      .poll(() => page.locator('#status').textContent(), { timeout: 15_000 })
      .toBe('Imported 0 recordings, 1 already in the library; 0 new tasks.');
    await row.locator('button.open-recording').click();
    await expect.poll(() => page.locator('#step-position').textContent()).toBe('Step 1 of 8');
    await expect.poll(() => page.locator('ol.steps li').count()).toBe(8);
    const natural = () =>
      page.locator('#frame-image').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth);
    await expect.poll(natural).toBe(1920);
    const first = await page.locator('#step-action').textContent();
    expect(first).toMatch(/\S/);
    await page.screenshot({ path: path.join(SHOTS, 'viewer-step1.png') });
    const src1 = await page.locator('#frame-image').getAttribute('src');
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => page.locator('#step-position').textContent()).toBe('Step 2 of 8');
    expect(await page.locator('#step-action').textContent()).not.toBe(first);
    await expect.poll(natural).toBe(1920);
    expect(await page.locator('#frame-image').getAttribute('src')).not.toBe(src1);
    await page.keyboard.press('End');
    await expect.poll(() => page.locator('#step-position').textContent()).toBe('Step 8 of 8');
    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => page.locator('#step-position').textContent()).toBe('Step 7 of 8');
    await expect.poll(natural).toBe(1920);
    await page.screenshot({ path: path.join(SHOTS, 'viewer-step7.png') });
    expect(page.errors).toEqual([]);
    await page.close();
  });

  it('free task: a finished recording is described and saved to the library', async () => {
    // A free-task recording that just finished (what the live recorder leaves behind).
    const lib = Library.open(home);
    const rec = startRecording(lib, { mode: 'free' });
    endRecording(lib, rec.id, 'finished');
    lib.close();

    const page = await newPage('tracker');
    await page.locator('#mode-free').check();
    await page.locator('#after-recording').selectOption(String(rec.id));
    await page.locator('#after-description').fill('Create a new file named notes.txt on the desktop');
    await page.locator('#after-level').selectOption('easy');
    await page.screenshot({ path: path.join(SHOTS, 'tracker-free.png') });
    const before = Number(await page.locator('#count-free-finished').textContent());
    await page.locator('#after-save').click();
    await expect.poll(() => page.locator('#status').textContent()).toContain(`Recording ${rec.id} saved.`);
    await expect.poll(async () => Number(await page.locator('#count-free-finished').textContent())).toBe(before + 1);

    const check = Library.open(home, { readonly: true });
    const saved = check.getRecording(rec.id);
    check.close();
    expect(saved.description).toBe('Create a new file named notes.txt on the desktop');
    expect(saved.level).toBe('easy');

    // An empty description is refused with the contract's message, shown to the user.
    await page.locator('#after-description').fill('   ');
    await page.locator('#after-save').click();
    await expect
      .poll(() => page.locator('#status [role="alert"]').textContent())
      .toBe('tracker.describe: description: cannot be empty');

    // Discard the recording: it leaves the list.
    page.once('dialog', (d) => void d.accept());
    await page.locator('#after-discard').click();
    await expect.poll(() => page.locator('#status').textContent()).toContain(`Recording ${rec.id} discarded.`);
    await expect.poll(() => page.locator(`#after-recording option[value="${rec.id}"]`).count()).toBe(0);
    expect(page.errors).toEqual([]);
    await page.close();
  });

  it('given tasks: next / previous / bad, and starting without a display says why', async () => {
    const page = await newPage('tracker');
    const text = page.locator('#task-text');
    await expect.poll(() => text.textContent()).toMatch(/Star Wars/);
    await page.locator('#task-next').click();
    await expect.poll(() => text.textContent()).toMatch(/MacBook Air/);
    await page.locator('#task-previous').click();
    await expect.poll(() => text.textContent()).toMatch(/Star Wars/);
    await page.locator('#start').click();
    await expect
      .poll(() => page.locator('#status [role="alert"]').textContent())
      .toMatch(/^cannot start recording: .*DISPLAY/);
    await page.screenshot({ path: path.join(SHOTS, 'tracker-given.png') });
    // Marking bad asks first: dismissed, the task stays; accepted, the next one is given.
    const asked: string[] = [];
    page.once('dialog', (d) => {
      asked.push(d.message());
      void d.dismiss();
    });
    await page.locator('#task-bad').click();
    await expect.poll(() => asked.length).toBe(1);
    expect(asked[0]).toMatch(/^Mark task #\d+ as bad\?/);
    await expect.poll(() => page.locator('#counters').textContent()).toContain('0marked bad');
    await expect.poll(() => text.textContent()).toMatch(/Star Wars/);
    page.once('dialog', (d) => void d.accept());
    await page.locator('#task-bad').click();
    await expect.poll(() => text.textContent()).toMatch(/MacBook Air/);
    await expect.poll(() => page.locator('#counters').textContent()).toContain('1marked bad');
    expect(page.errors).toEqual([]);
    await page.close();
  });

  it('every screen is keyboard operable, labelled, and fits 1080p on a HiDPI display', async () => {
    const page = await browser.newPage({ viewport: { width: 1920, height: 1080 }, deviceScaleFactor: 2 });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${url}#tracker`);
    await page.locator('#live-panel button').first().waitFor();
    for (const view of ['tracker', 'library', 'agent', 'evaluate', 'settings']) {
      // Reach the section's button with Tab alone, open it with Enter.
      await page.locator('body').focus();
      let reached = false;
      for (let i = 0; i < 10 && !reached; i++) {
        await page.keyboard.press('Tab');
        reached = await page.evaluate((v) => (document.activeElement as HTMLElement | null)?.dataset.view === v, view);
      }
      expect(reached, `Tab reaches the ${view} button`).toBe(true);
      await page.keyboard.press('Enter');
      await expect
        .poll(() => page.locator(`nav button[data-view="${view}"]`).getAttribute('aria-current'))
        .toBe('page');
      await page.waitForLoadState('networkidle');
      await page.screenshot({ path: path.join(SHOTS, `hidpi-1080p-${view}.png`) });
      // Nothing wider than the window; every form control has a visible label or an aria-label.
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1920);
      const unlabelled = await page.evaluate(() =>
        Array.from(document.querySelectorAll<HTMLInputElement>('main input, main select, main textarea'))
          .filter((el) => el.type !== 'hidden' && el.labels?.length === 0 && !el.getAttribute('aria-label'))
          .map((el) => el.id || el.outerHTML.slice(0, 80)),
      );
      expect(unlabelled, `unlabelled controls on ${view}`).toEqual([]);
    }
    expect(errors).toEqual([]);
    await page.close();
  });
});
