import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium.js';
import { ROOT } from '../support/cli.js';
import { tempDir } from '../support/fixture.js';
import { FakeModelServer } from '../support/openai-server.js';
import { openPage, startUi, type UiPage, type UiServer } from '../support/ui-server.js';

const SHOTS = path.join(ROOT, 'test-output', 'app');
const KEYS = ['sk-completion-secret', 'sk-planner-secret', 'sk-vlm-secret'];

let home: string;
let server: UiServer;
let browser: Browser;
/** A FAKE OpenAI-compatible server (real HTTP on 127.0.0.1): it lists two models. */
let models: FakeModelServer;
/** A port nothing listens on. */
let closedPort: number;

const settingsFile = () => path.join(home, 'settings.json');
const readFile = () => JSON.parse(fs.readFileSync(settingsFile(), 'utf8')) as Record<string, unknown>;

/** A page of the Settings screen that records every API reply body, to check no key comes back. */
async function settingsPage(): Promise<UiPage & { replies: string[] }> {
  const page = (await openPage(browser, server.url, 'settings')) as UiPage & { replies: string[] };
  page.replies = [];
  page.on('response', (r) => {
    if (new URL(r.url()).pathname.startsWith('/api/'))
      void r.text().then(
        (t) => page.replies.push(t),
        () => {},
      );
  });
  await expect.poll(() => page.locator('#settings-home').textContent()).toBe(home);
  return page;
}

beforeAll(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  home = tempDir('settings-ui');
  server = await startUi(home);
  browser = await launchChromium();
  models = await FakeModelServer.start({ models: ['qwen2.5-vl-7b', 'molmo-7b'] });
  const closed = net.createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
  closedPort = (closed.address() as net.AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await models?.close();
});

describe('the Settings screen (pcagent ui --web)', () => {
  it('shows the data directory, the local models and the execution provider; every field has a label', async () => {
    const page = await settingsPage();
    const rows = page.locator('#models-table tbody tr');
    // The first call loads onnxruntime and one small model to learn the provider: allow for it.
    await expect.poll(() => rows.count(), { timeout: 60_000 }).toBe(3);
    expect(await rows.nth(0).locator('td').allTextContents()).toEqual(['ppocr-v4-det', 'ocr-det', 'yes', '4.5 MB']);
    expect(await rows.nth(1).locator('td').allTextContents()).toEqual(['ppocr-v4-rec', 'ocr-rec', 'yes', '10.3 MB']);
    await expect
      .poll(() => page.locator('#execution-provider').textContent())
      .toMatch(/^Execution provider: (cpu|cuda|webgpu) \((auto|PCAGENT_DEVICE=\w+)[^)]*.*\)$/);
    const unlabelled = await page.locator('#settings-form').evaluate((form) =>
      Array.from(form.querySelectorAll<HTMLInputElement>('input, select, textarea'))
        .filter((el) => !el.labels || el.labels.length === 0)
        .map((el) => el.id),
    );
    expect(unlabelled).toEqual([]);
    // Defaults of a data directory without settings.json.
    expect(await page.locator('#grounder-name').inputValue()).toBe('auto');
    expect(await page.locator('#hotkey-stop').inputValue()).toBe('CommandOrControl+Shift+F12');
    expect(await page.locator('#hotkey-abort').inputValue()).toBe('CommandOrControl+Shift+F11');
    expect(fs.existsSync(settingsFile())).toBe(false);
    // Copy: to the clipboard, or (clipboard refused) the path is selected for Ctrl+C.
    await page.locator('#settings-copy-home').click();
    await expect
      .poll(() => page.locator('#status').textContent())
      .toMatch(/^(Data directory copied\.|The path is selected: press Ctrl\+C to copy it\.)$/);
    expect(page.errors).toEqual([]);
    await page.close();
  });

  it('saves every section to settings.json; keys are stored but never sent back', async () => {
    const page = await settingsPage();
    await page.locator('#completion-endpoint').fill('https://api.openai.com/v1');
    await page.locator('#completion-model').fill('gpt-4o');
    await page.locator('#completion-key').fill(KEYS[0]!);
    await page.locator('#planner-endpoint').fill(models.url);
    await page.locator('#planner-model').fill('qwen2.5-vl-7b');
    await page.locator('#planner-key').fill(KEYS[1]!);
    await page.locator('#grounder-name').selectOption('vlm');
    await page.locator('#vlm-endpoint').fill(models.url);
    await page.locator('#vlm-model').fill('molmo-7b');
    await page.locator('#vlm-key').fill(KEYS[2]!);
    await page.locator('#privacy-apps').fill('keepassxc\n\n  1Password  \n');
    await page.locator('#privacy-titles').fill('private browsing\n^Online banking');
    await page.locator('#hotkey-stop').fill('CommandOrControl+Shift+F9');
    await page.locator('#hotkey-abort').fill('Alt+Shift+Escape');
    // Keyboard: Enter in a field saves the form.
    await page.locator('#hotkey-abort').press('Enter');
    await expect.poll(() => page.locator('#status').textContent()).toBe('Settings saved.');
    expect(readFile()).toEqual({
      completion: { endpoint: 'https://api.openai.com/v1', model: 'gpt-4o', apiKey: KEYS[0] },
      planner: { endpoint: models.url, model: 'qwen2.5-vl-7b', apiKey: KEYS[1], profile: 'generic' },
      grounder: { name: 'vlm', vlm: { endpoint: models.url, model: 'molmo-7b', apiKey: KEYS[2] } },
      privacy: { excludedApps: ['keepassxc', '1Password'], excludedTitles: ['private browsing', '^Online banking'] },
      hotkeys: { stopRecording: 'CommandOrControl+Shift+F9', abortAgent: 'Alt+Shift+Escape' },
    });
    expect(fs.statSync(settingsFile()).mode & 0o077).toBe(0);
    for (const prefix of ['completion', 'planner', 'vlm']) {
      expect(await page.locator(`#${prefix}-key`).inputValue()).toBe('');
      expect(await page.locator(`#${prefix}-key-state`).textContent()).toBe('A key is stored in settings.json.');
    }
    await page.screenshot({ path: path.join(SHOTS, 'settings.png'), fullPage: true });

    // A fresh page shows what was saved, without any key.
    const again = await settingsPage();
    await expect.poll(() => again.locator('#planner-endpoint').inputValue()).toBe(models.url);
    expect(await again.locator('#grounder-name').inputValue()).toBe('vlm');
    expect(await again.locator('#privacy-apps').inputValue()).toBe('keepassxc\n1Password');
    expect(await again.locator('#hotkey-stop').inputValue()).toBe('CommandOrControl+Shift+F9');
    expect(await again.locator('#vlm-key').inputValue()).toBe('');
    const { reply } = await server.call('settings.get');
    const replies = [...page.replies, ...again.replies, JSON.stringify(reply)];
    expect(replies.length).toBeGreaterThan(4);
    for (const text of replies) for (const key of KEYS) expect(text).not.toContain(key);

    // Forgetting a key removes it from the file, and nothing else.
    await again.locator('#completion-forget-key').click();
    await expect.poll(() => again.locator('#completion-key-state').textContent()).toBe('No key stored.');
    expect(readFile().completion).toEqual({ endpoint: 'https://api.openai.com/v1', model: 'gpt-4o' });
    expect(page.errors).toEqual([]);
    expect(again.errors).toEqual([]);
    await page.close();
    await again.close();
  });

  it('"Test connection" lists the models of a reachable server and says why another cannot be reached', async () => {
    const page = await settingsPage();
    await page.locator('#planner-endpoint').fill(models.url);
    await page.locator('#planner-model').fill('qwen2.5-vl-7b');
    await page.locator('#planner-test').click();
    const planner = page.locator('#planner-test-result');
    await expect
      .poll(() => planner.textContent())
      .toMatch(
        new RegExp(
          `^Connected to 127\\.0\\.0\\.1:${models.port} in \\d+ ms: 2 models \\(qwen2\\.5-vl-7b, molmo-7b\\); "qwen2\\.5-vl-7b" is served\\.$`,
        ),
      );
    expect(await planner.getAttribute('class')).toBe('test-result ok');
    expect(models.requests.at(-1)).toMatchObject({ method: 'GET', path: '/v1/models' });

    // The form's values are tested before they are saved.
    await page.locator('#vlm-endpoint').fill(`http://127.0.0.1:${closedPort}/v1`);
    await page.locator('#vlm-test').focus();
    await page.keyboard.press('Enter');
    const vlm = page.locator('#vlm-test-result');
    await expect
      .poll(() => vlm.textContent())
      .toBe(`127.0.0.1:${closedPort} refused the connection: is the server running?`);
    expect(await vlm.getAttribute('class')).toBe('test-result error');
    await page.screenshot({ path: path.join(SHOTS, 'settings-test-connection.png'), fullPage: true });
    expect(page.errors).toEqual([]);
    await page.close();
  });

  it('an invalid hotkey or regular expression is refused with the contract message, and the field is marked', async () => {
    const before = fs.readFileSync(settingsFile(), 'utf8');
    const page = await settingsPage();
    const alert = page.locator('#status [role="alert"]');

    await page.locator('#hotkey-stop').fill('Shift+Foo');
    await page.locator('#settings-save').click();
    await expect
      .poll(() => alert.textContent())
      .toBe('settings.set: hotkeys.stopRecording: expected modifiers and a key, e.g. CommandOrControl+Shift+F12');
    expect(await page.locator('#hotkey-stop').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#hotkey-stop-error').textContent()).toBe(
      'expected modifiers and a key, e.g. CommandOrControl+Shift+F12',
    );
    // The first refused field gets the focus.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('hotkey-stop');

    await page.locator('#hotkey-stop').fill('Ctrl+Shift+F12');
    await page.locator('#privacy-titles').fill('private browsing\n(unclosed');
    await page.locator('#settings-save').click();
    await expect
      .poll(() => alert.textContent())
      .toBe('settings.set: privacy.excludedTitles.1: not a valid regular expression');
    expect(await page.locator('#hotkey-stop').getAttribute('aria-invalid')).toBeNull();
    expect(await page.locator('#privacy-titles').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#privacy-titles-error').textContent()).toBe(
      'Line 2 ("(unclosed"): not a valid regular expression',
    );
    await page.screenshot({ path: path.join(SHOTS, 'settings-errors.png'), fullPage: true });
    expect(fs.readFileSync(settingsFile(), 'utf8')).toBe(before);

    // Fixed, it saves.
    await page.locator('#privacy-titles').fill('private browsing\n\\(unclosed');
    await page.locator('#settings-save').click();
    await expect.poll(() => page.locator('#status').textContent()).toBe('Settings saved.');
    expect(readFile().hotkeys).toEqual({ stopRecording: 'Ctrl+Shift+F12', abortAgent: 'Alt+Shift+Escape' });
    expect((readFile().privacy as { excludedTitles: string[] }).excludedTitles).toEqual([
      'private browsing',
      '\\(unclosed',
    ]);
    expect(await page.locator('#privacy-titles').getAttribute('aria-invalid')).toBeNull();
    expect(page.errors).toEqual([]);
    await page.close();
  });
});
