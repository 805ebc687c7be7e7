/**
 * The app's Evaluate screen, end to end with real parts: the real `pcagent ui --web` serves the
 * renderer to Debian's Chromium. Without a display the screen lists the built-in suite and says
 * why it cannot start; on a private X desktop (Xvfb + openbox) it runs a task of the built-in
 * `impress-basic` suite in a fresh LibreOffice Impress with the test's scripted plans (the
 * desktop agent with real XTEST input), shows the attempt in its table and writes the report.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Library } from '../../src/library/library.js';
import { launchChromium } from '../support/chromium.js';
import { ROOT } from '../support/cli.js';
import { tempDir } from '../support/fixture.js';
import { openPage, startUi, type UiServer } from '../support/ui-server.js';
import { startDisplay, type XSession } from '../support/xsession.js';

const SHOTS = path.join(ROOT, 'test-output', 'app');
const PLANS = path.join(ROOT, 'test', 'eval', 'plans', 'impress-basic.yaml');

let browser: Browser;
beforeAll(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

describe('Evaluate screen', () => {
  it('without a display: lists the built-in suite and its tasks, says why it cannot start, checks a suite file', async () => {
    const home = tempDir('eval-ui');
    const ui = await startUi(home);
    try {
      const page = await openPage(browser, ui.url, 'evaluate');
      await expect
        // The first call loads the eval modules: seconds on a loaded machine.
        .poll(() => page.locator('#eval-suite option').first().textContent(), { timeout: 15_000 })
        .toMatch(/^impress-basic \(built in, \d+ tasks\)$/);
      expect(await page.locator('#eval-info').textContent()).toBe('an eval needs a display: DISPLAY is not set');
      const boxes = page.locator('#eval-tasks input[type="checkbox"]');
      expect(await boxes.count()).toBeGreaterThanOrEqual(20);
      expect(await page.locator('#eval-tasks legend').textContent()).toMatch(/^Tasks \((\d+) of \1\)$/);
      expect(await page.locator('#eval-start').isDisabled()).toBe(true);
      // A suite file with a bad field: its error, naming the field.
      const bad = path.join(home, 'bad-suite.yaml');
      fs.writeFileSync(
        bad,
        'name: broken\ntasks:\n  - id: a\n    level: trivial\n    instruction: x\n    checks: []\n',
      );
      await page.locator('#eval-suite').selectOption('');
      await page.locator('#eval-suite-path').fill(bad);
      await page.locator('#eval-suite-load').click();
      await expect.poll(() => page.locator('#status [role="alert"]').textContent()).toContain('tasks[0].level');
      await page.screenshot({ path: path.join(SHOTS, 'evaluate-no-display.png') });
      // The back end refuses a start too (not only the disabled button).
      const { status, reply } = await ui.call('eval.start', {
        suite: 'impress-basic',
        agent: { kind: 'plan', file: PLANS },
      });
      expect(status).toBe(422);
      expect((reply as { error: { message: string } }).error.message).toBe(
        'an eval needs a display: DISPLAY is not set',
      );
      expect(page.errors).toEqual([]);
      await page.close();
    } finally {
      await ui.stop();
    }
  });

  describe('on an X desktop with LibreOffice Impress', () => {
    let session: XSession;
    let ui: UiServer;
    let home: string;
    beforeAll(async () => {
      session = await startDisplay({ width: 1280, height: 800 });
      home = tempDir('eval-ui-x');
      ui = await startUi(home, { ...session.env, PCAGENT_DEVICE: 'cpu' });
    }, 120_000);
    afterAll(async () => {
      await ui?.stop();
      await session?.stop();
    });

    it('runs a task with scripted plans: progress, the attempt in the table, the report written', async () => {
      const page = await openPage(browser, ui.url, 'evaluate');
      await page.locator('#eval-task-title-only').waitFor({ timeout: 15_000 });
      expect(await page.locator('#eval-info').textContent()).toMatch(/^Each attempt starts LibreOffice Impress/);
      // Only the first task.
      const boxes = page.locator('#eval-tasks input[type="checkbox"]');
      const n = await boxes.count();
      for (let i = 0; i < n; i++) {
        const box = boxes.nth(i);
        if ((await box.getAttribute('id')) !== 'eval-task-title-only') await box.uncheck();
      }
      expect(await page.locator('#eval-tasks legend').textContent()).toBe(`Tasks (1 of ${n})`);
      await page.locator('#eval-plan').fill(PLANS);
      await page.locator('#eval-grounder').selectOption('ocr');
      await page.locator('#eval-start').click();
      await expect
        .poll(() => page.locator('#eval-message').textContent())
        .toMatch(/attempt 1 of 1: title-only|succeeded/);
      expect(await page.locator('#eval-stop').isDisabled()).toBe(false);
      await page.screenshot({ path: path.join(SHOTS, 'evaluate-running.png') });
      await expect
        .poll(() => page.locator('#eval-status .badge').textContent(), { timeout: 240_000, interval: 1000 })
        .not.toBe('running');
      expect(await page.locator('#eval-message').textContent()).toBe('1 / 1 attempts succeeded');
      const row = page.locator('#eval-attempts tbody tr[data-task="title-only"]');
      expect(await row.getAttribute('data-outcome')).toBe('success');
      expect(await row.locator('td').nth(6).textContent()).toMatch(/^(\d+) \/ \1 checks passed$/);
      const recording = Number((await row.locator('td').nth(7).textContent())!.slice(1));
      const report = (await page.locator('#eval-report').textContent())!;
      expect(report.startsWith(path.join(home, 'evals', 'eval-'))).toBe(true);
      expect(fs.readFileSync(report, 'utf8')).toContain('title-only');
      const json = JSON.parse(fs.readFileSync(path.join(path.dirname(report), 'report.json'), 'utf8')) as {
        attempts: { task: string; outcome: string }[];
      };
      expect(json.attempts.map((a) => [a.task, a.outcome])).toEqual([['title-only', 'success']]);
      // The attempt's agent recording is in the library.
      const lib = Library.open(home, { readonly: true });
      try {
        expect(lib.getRecording(recording).kind).toBe('agent');
      } finally {
        lib.close();
      }
      await page.screenshot({ path: path.join(SHOTS, 'evaluate-done.png') });
      expect(page.errors).toEqual([]);
      await page.close();
    }, 300_000);

    it("replays the library's demonstrations: a task without one fails with that reason", async () => {
      const page = await openPage(browser, ui.url, 'evaluate');
      await page.locator('#eval-task-title-only').waitFor({ timeout: 15_000 });
      const boxes = page.locator('#eval-tasks input[type="checkbox"]');
      const n = await boxes.count();
      for (let i = 0; i < n; i++) {
        const box = boxes.nth(i);
        if ((await box.getAttribute('id')) !== 'eval-task-title-only') await box.uncheck();
      }
      await page.locator('#eval-agent-replay').check();
      expect(await page.locator('#eval-coordinates').isChecked()).toBe(false);
      // The page may still show the previous eval's report: wait for this one's.
      const before = await page
        .locator('#eval-report')
        .textContent({ timeout: 1000 })
        .catch(() => null);
      await page.locator('#eval-start').click();
      await expect
        .poll(
          async () =>
            (await page.locator('#eval-status .badge').textContent()) !== 'running' &&
            (await page
              .locator('#eval-report')
              .textContent({ timeout: 1000 })
              .catch(() => null)) !== before,
          { timeout: 240_000, interval: 1000 },
        )
        .toBe(true);
      expect(await page.locator('#eval-message').textContent()).toBe('0 / 1 attempts succeeded');
      const row = page.locator('#eval-attempts tbody tr[data-task="title-only"]');
      expect(await row.getAttribute('data-outcome')).not.toBe('success');
      expect(await row.textContent()).toMatch(/no finished recording in the library has the task "title-only"/);
      expect(page.errors).toEqual([]);
      await page.close();
    }, 300_000);

    it('Stop ends the eval with the running attempt, skips the rest and still writes the report', async () => {
      const page = await openPage(browser, ui.url, 'evaluate');
      await page.locator('#eval-task-title-only').waitFor({ timeout: 15_000 });
      // The first two tasks.
      const boxes = page.locator('#eval-tasks input[type="checkbox"]');
      const n = await boxes.count();
      for (let i = 2; i < n; i++) await boxes.nth(i).uncheck();
      await page.locator('#eval-plan').fill(PLANS);
      await page.locator('#eval-grounder').selectOption('ocr');
      await page.locator('#eval-start').click();
      await expect.poll(() => page.locator('#eval-message').textContent()).toMatch(/^attempt 1 of 2: /);
      await page.locator('#eval-stop').click();
      await expect
        .poll(() => page.locator('#eval-status .badge').textContent(), { timeout: 120_000, interval: 1000 })
        .toBe('stopped');
      // A stop while Impress starts ends the eval after that attempt; while the agent works, at once.
      expect(await page.locator('#eval-message').textContent()).toMatch(
        /^[01] \/ 1 attempts succeeded \(stopped early\)$/,
      );
      expect(await page.locator('#eval-attempts tbody tr').count()).toBe(1);
      expect(fs.existsSync((await page.locator('#eval-report').textContent())!)).toBe(true);
      expect(await page.locator('#eval-start').isDisabled()).toBe(false);
      expect(page.errors).toEqual([]);
      await page.close();
    }, 200_000);
  });
});
