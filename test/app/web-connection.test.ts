/**
 * What the browser app says when its server goes away: the real `pcagent ui --web` is stopped
 * under an open page, then started again on the same port (a new run, so a new token).
 */
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium.js';
import { ROOT } from '../support/cli.js';
import { tempDir } from '../support/fixture.js';
import { openPage, startUi, type UiServer } from '../support/ui-server.js';

let browser: Browser;
const servers: UiServer[] = [];

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  for (const s of servers) await s.stop();
});

describe('ui --web connection states', () => {
  it('a stopped server is reported, and a restarted one (new token) says to open the new URL', async () => {
    const home = tempDir('ui-connection');
    const first = await startUi(home);
    servers.push(first);
    const page = await openPage(browser, first.url, 'tracker');
    await page.locator('#start').waitFor();

    await first.stop();
    await expect
      .poll(() => page.locator('#status [role="alert"]').textContent(), { timeout: 30_000 })
      .toBe('lost the connection to the PC Agent server; reconnecting…');
    await page.locator('#mode-free').check();
    await page.locator('#start').click();
    await expect
      .poll(() => page.locator('#status [role="alert"]').textContent())
      .toBe('the PC Agent server is not reachable (was `pcagent ui --web` stopped?)');
    await page.screenshot({ path: path.join(ROOT, 'test-output', 'app', 'connection-lost.png') });

    const second = await startUi(home, undefined, ['--port', new URL(first.url).port]);
    servers.push(second);
    expect(second.token).not.toBe(first.token);
    const refused =
      'the PC Agent server refused this page: open the URL that `pcagent ui --web` printed (each run has a new token)';
    // The event stream reconnects, meets the new server, and is refused.
    await expect.poll(() => page.locator('#status [role="alert"]').textContent(), { timeout: 30_000 }).toBe(refused);
    await page.locator('#start').click();
    await expect.poll(() => page.locator('#status [role="alert"]').textContent()).toBe(refused);
    await page.close();
  }, 90_000);
});
