/**
 * End to end on a real X server: LibreOffice Impress with a fresh profile, `pcagent record`
 * running, and xdotool (XTEST) playing a person's input. The recorded actions must be exactly
 * what the SPEC §2.1 rules predict, with exact coordinates.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { OcrEngine } from '../../src/agents/ocr/engine.js';
import { formatAction } from '../../src/core/grammar.js';
import { Library } from '../../src/library/library.js';
import { pcagent, testOutputDir } from '../support/cli.js';
import { tempDir } from '../support/fixture.js';
import { startRecorder } from '../support/recorder-process.js';
import { type XSession, screenshot, startDisplay, waitFor, xdo } from '../support/xsession.js';
import { useImpressDesktop } from '../support/hooks.js';

const OUT = testOutputDir();
let session: XSession;
let home: string;

useImpressDesktop({ width: 1600, height: 900 }, 'impress-profile', (d) => (session = d.session));
beforeAll(() => {
  home = tempDir('record-e2e');
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The words the OCR engine reads inside a region of a frame. */
async function textIn(file: string, r: { left: number; top: number; right: number; bottom: number }): Promise<string> {
  const ocr = await OcrEngine.create({ device: 'cpu' });
  const { words } = await ocr.recognize(file);
  return words
    .filter(({ box: [l, t, rt, b] }) => l >= r.left && t >= r.top && rt <= r.right && b <= r.bottom)
    .map((w) => w.text)
    .join(' ');
}

describe('pcagent record on Impress (Xvfb, xdotool)', () => {
  it('records the scripted session as the rules predict, with the right frames', async () => {
    const rec = await startRecorder(session.env, home, ['--mode', 'free', '--task', 'Title slide']);
    const x = (...args: string[]) => xdo(session, ...args);
    // Title placeholder "Click to add Title" at 1600×900 (see test/support/xsession.ts notes).
    await x('mousemove', '692', '285', 'click', '1');
    await sleep(600);
    await x('type', '--delay', '60', 'Hello wrld');
    await x('key', '--delay', '60', 'BackSpace', 'BackSpace', 'BackSpace');
    await x('type', '--delay', '60', 'orld');
    await sleep(300);
    await x('key', 'Escape');
    await sleep(300);
    await x('key', 'Return');
    await sleep(300);
    await x('key', 'ctrl+a');
    await sleep(300);
    await x('key', 'ctrl+b');
    await sleep(7_000);
    await x('mousemove', '692', '505', 'click', '--repeat', '2', '--delay', '80', '1');
    await sleep(600);
    await x('mousemove', '300', '680', 'mousedown', '1');
    await x('mousemove', '380', '700');
    await x('mousemove', '450', '720', 'mouseup', '1');
    await sleep(400);
    await x('click', '5', 'click', '5', 'click', '5');
    await sleep(400);
    await x('mousemove', '692', '285', 'click', '3');
    await sleep(800);
    await screenshot(session, path.join(OUT, 'record-impress-end.png'));
    rec.child.kill('SIGINT');
    expect(await rec.exited).toEqual({ code: 0, signal: null });
    expect(rec.stderr()).toMatch(/capture: x11/);
    expect(rec.stderr()).toMatch(/accessibility: at-spi/);

    const out = tempDir('record-e2e-out');
    expect(
      pcagent(['--home', home, 'export', String(rec.recordingId), '--format', 'pc-tracker', '--out', out]).status,
    ).toBe(0);
    const jsonl = fs.readdirSync(out).find((f) => f.endsWith('.jsonl'))!;
    const lines = fs
      .readFileSync(path.join(out, jsonl), 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { action: string; screenshot: string; element: string | null });
    // Lone modifier presses are left to refinement (SPEC §2.3 step 5).
    const actions = lines.map((l) => l.action).filter((a) => !/^press key (shift|ctrl)$/.test(a));
    expect(actions).toEqual([
      'click (692, 285)',
      'type text: Hello world',
      'press key esc',
      'press key enter',
      'hotkey (Ctrl, A)',
      'hotkey (Ctrl, B)',
      'wait',
      'double click (692, 505)',
      'press (300, 680)',
      'drag to (450, 720)',
      'scroll (0, -3)',
      'right click (692, 285)',
      'finish',
    ]);
    // AT-SPI named the title placeholder and the element is stored with the click.
    expect(lines[0]!.element).toMatch(/PresentationTitle/);
    expect(lines.find((l) => l.action === 'double click (692, 505)')!.element).toMatch(/PresentationSubtitle/);

    // The frame of `type text` is from before the typing; the double click's shows the text.
    const lib = Library.open(home, { readonly: true });
    const stored = lib.listActions(rec.recordingId);
    const frameOf = (text: string) =>
      lib.absolutePath(lib.getFrame(stored.find((a) => formatAction(a.action, 'recorded') === text)!.frameId!).path);
    const title = { left: 255, top: 240, right: 1131, bottom: 331 }; // the placeholder's rect
    // Before typing the title shows its placeholder or an empty edit box, never the text.
    expect(await textIn(frameOf('type text: Hello world'), title)).not.toMatch(/Hello|world/);
    expect(await textIn(frameOf('double click (692, 505)'), title)).toBe('Hello world');
    lib.close();
  }, 180_000);
});

describe('pcagent record: failures and crashes', () => {
  it('kill -9 mid-session: every action recorded before the kill is in the library with its frame', async () => {
    const desk = await startDisplay({ width: 800, height: 600 });
    try {
      const h = tempDir('record-kill');
      const rec = await startRecorder(desk.env, h, []);
      for (let i = 0; i < 6; i++) {
        await xdo(desk, 'mousemove', String(50 + i * 40), '100', 'click', '1');
        await sleep(150);
      }
      await xdo(desk, 'type', 'abc');
      const reported = await waitFor('six actions committed', async () => {
        const n = (rec.stderr().match(/^step \d+: /gm) ?? []).length;
        return n >= 6 ? n : null;
      });
      rec.child.kill('SIGKILL');
      expect((await rec.exited).signal).toBe('SIGKILL');
      const lib = Library.open(h);
      expect(lib.db.pragma('integrity_check', { simple: true })).toBe('ok');
      const actions = lib.listActions(rec.recordingId);
      expect(actions.length).toBeGreaterThanOrEqual(reported);
      expect(actions.slice(0, 6).map((a) => formatAction(a.action, 'recorded'))).toEqual(
        [0, 1, 2, 3, 4, 5].map((i) => `click (${50 + i * 40}, 100)`),
      );
      for (const a of actions) {
        expect(a.frameId).not.toBeNull();
        expect(fs.existsSync(lib.absolutePath(lib.getFrame(a.frameId!).path))).toBe(true);
      }
      lib.close();
    } finally {
      await desk.stop();
    }
  }, 120_000);

  it('a display without RECORD: one clear line, non-zero exit, no crash', async () => {
    const desk = await startDisplay({ width: 640, height: 480, record: false });
    try {
      const r = pcagent(['--home', tempDir('record-norecord'), 'record'], desk.env);
      expect(r.status).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^pcagent: .*RECORD/);
    } finally {
      await desk.stop();
    }
  }, 60_000);
});
