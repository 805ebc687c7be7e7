import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/chromium.js';
import { testOutputDir } from '../support/cli.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Library } from '../../src/library/library.js';
import { exportRecordings } from '../../src/pipeline/export/index.js';
import { removeTempLibrary, tempDir } from '../support/fixture.js';
import { completedFixture, DESCRIPTIONS, THOUGHTS } from './export-setup.js';

const SCREENSHOTS = testOutputDir();

let home: string;
let out: string;
let lib: Library;
let page: string;
let browser: Browser;

beforeAll(async () => {
  ({ home, lib } = await completedFixture('html-home'));
  out = tempDir('html-out');
  // Step 6 loses its marked frame, so the viewer must draw the marks itself.
  const sixth = lib.listActions(1)[5]!;
  lib.updateAction(sixth.id, {
    markedFrameId: null,
    thought: { text: 'I close the start screen <b>now</b>.', source: 'human' },
  });
  const report = await exportRecordings(lib, [lib.getRecording(1)], 'html', out);
  page = report.recordings[0]!.files[0]!;
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  if (lib) removeTempLibrary({ home, lib });
  fs.rmSync(out, { recursive: true, force: true });
});

describe('html export', () => {
  it('writes one self-contained file per recording and an index', () => {
    expect(path.basename(page)).toBe('free_task_20241126_161517_r1.html');
    const html = fs.readFileSync(page, 'utf8');
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:;`);
    expect(html).not.toMatch(/\b(?:src|href)=["']?(?!data:|#)[a-z]+:/i);
    expect(html).not.toContain('<b>now</b>'); // text is escaped inside the page's JSON
    expect(html.match(/pcv\.frame\(/g)).toHaveLength(8);
    // The trajectory viewer (src/viewer) inlined: its one style sheet and one script, no external file.
    const viewerCss = fs.readFileSync(path.join(import.meta.dirname, '../../src/viewer/trajectory.css'), 'utf8');
    expect(html.split('<style>')).toHaveLength(2);
    expect(html).toContain(`<style>${viewerCss}</style>`);
    expect(html).toContain('<body class="tv tv-page">');
    expect(html).not.toMatch(/<script[^>]*\bsrc=/);
    expect(html).not.toMatch(/<link\b/);
    const index = fs.readFileSync(path.join(out, 'index.html'), 'utf8');
    expect(index).toContain(`<style>${viewerCss}</style>`);
    expect(index).toContain('<table class="tv-table">');
    expect(index).toContain('href="free_task_20241126_161517_r1.html"');
    expect(index).toContain('create a new blank slide with title &#34;Hello, world&#34; on desktop.');
  });

  it('steps through the recording with the keyboard in Chromium, making no network request', async () => {
    const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
    const tab = await context.newPage();
    const requests: string[] = [];
    tab.on('request', (r) => requests.push(r.url()));
    const errors: string[] = [];
    tab.on('pageerror', (e) => errors.push(e.message));
    tab.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await tab.goto(pathToFileURL(page).href);
    await tab.waitForSelector('body[data-loaded=true]');

    const counter = tab.locator('#counter');
    const thought = tab.locator('#thought');
    await expect.poll(() => counter.textContent()).toBe('Step 1 of 8');
    expect(await thought.textContent()).toBe(THOUGHTS[0]);
    expect(await tab.locator('#d-planner').textContent()).toBe(`click element: ${DESCRIPTIONS[0]}`);
    expect(await tab.locator('#d-element').textContent()).toBe('Start');
    expect(await tab.locator('#frame').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(
      1920,
    );
    expect(await tab.locator('#overlay svg').count()).toBe(0); // step 1 shows its marked frame

    await tab.keyboard.press('ArrowRight');
    expect(await counter.textContent()).toBe('Step 2 of 8');
    expect(await thought.textContent()).toBe(THOUGHTS[1]);
    expect(await tab.locator('#d-time').textContent()).toMatch(
      /^\+2\.0 s {2}\(\+2\.0 s after the previous step, 2024-11-26_16:15:21\)$/,
    );
    expect(await tab.locator('#list button').nth(1).getAttribute('aria-current')).toBe('step');

    await tab.keyboard.press('End');
    expect(await counter.textContent()).toBe('Step 8 of 8');
    expect(await tab.locator('#next').isDisabled()).toBe(true);
    await tab.keyboard.press('k');
    await tab.keyboard.press('k');
    expect(await counter.textContent()).toBe('Step 6 of 8');
    expect(await thought.textContent()).toBe('I close the start screen <b>now</b>.');
    expect(await tab.locator('#d-incomplete').isVisible()).toBe(true);
    // No marked frame here: the click's marks are drawn over the plain frame.
    expect(await tab.locator('#overlay svg circle').count()).toBeGreaterThan(0);
    expect(await tab.locator('#d-marks').textContent()).toBe('drawn by this viewer on the plain frame');
    await tab.screenshot({ path: path.join(SCREENSHOTS, 'export-html-1080p.png') });

    await tab.keyboard.press('Home');
    expect(await counter.textContent()).toBe('Step 1 of 8');
    expect(await tab.locator('#prev').isDisabled()).toBe(true);
    await tab.keyboard.press('j');
    expect(await counter.textContent()).toBe('Step 2 of 8');
    await tab.getByRole('button', { name: /^Step 5: type text: Hello, world$/ }).click();
    expect(await counter.textContent()).toBe('Step 5 of 8');
    await tab.getByRole('button', { name: 'Next step (Right arrow or j)' }).click();
    expect(await counter.textContent()).toBe('Step 6 of 8');
    expect(tab.url()).toMatch(/#step-6$/);
    // z shows the frame at its actual size (scrollable) and back.
    await tab.keyboard.press('z');
    expect(await tab.locator('#zoom').getAttribute('aria-pressed')).toBe('true');
    expect((await tab.locator('#stage').boundingBox())!.width).toBe(1920);
    await tab.keyboard.press('z');
    expect((await tab.locator('#stage').boundingBox())!.width).toBeLessThan(1920);

    expect(errors).toEqual([]);
    expect(requests.filter((u) => !u.startsWith('data:'))).toEqual([pathToFileURL(page).href]);
    await context.close();
  });

  it('is readable on a HiDPI screen and opens at the step named in the address', async () => {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 2 });
    const tab = await context.newPage();
    await tab.goto(`${pathToFileURL(page).href}#step-3`);
    await tab.waitForSelector('body[data-loaded=true]');
    expect(await tab.locator('#counter').textContent()).toBe('Step 3 of 8');
    // The frame fits the viewer without scrolling the page.
    const box = (await tab.locator('#stage').boundingBox())!;
    expect(box.y + box.height).toBeLessThanOrEqual(900);
    expect(box.width / box.height).toBeCloseTo(1920 / 1080, 1);
    await tab.screenshot({ path: path.join(SCREENSHOTS, 'export-html-hidpi.png') });
    await context.close();
  });
});
