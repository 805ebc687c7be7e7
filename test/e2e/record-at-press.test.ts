/**
 * What a click is stored with, end to end on a real X server with `pcagent record` running and
 * xdotool (XTEST) playing a person's input:
 * - the accessibility element under the pointer when the button went down, also for a menu
 *   item whose menu closes on release (Impress: Slide → New Slide, which used to be stored as
 *   "Paste", the toolbar button beneath the closed menu);
 * - after an idle spell, a frame at most 100 ms older than the action that shows a change
 *   made 300 ms before it (the capture runs at 2 fps while idle).
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OcrEngine } from '../../src/agents/ocr/engine.js';
import { formatAction } from '../../src/core/grammar.js';
import { Library } from '../../src/library/library.js';
import { tempDir } from '../support/fixture.js';
import { startRecorder } from '../support/recorder-process.js';
import { findOnScreen } from '../support/screen-text.js';
import { exec, startDisplay, startImpress, waitForStillScreen, xdo } from '../support/xsession.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let ocr: OcrEngine;

beforeAll(async () => {
  ocr = await OcrEngine.create({ device: 'cpu' });
});

describe('pcagent record: the element and frame of a click (Xvfb, xdotool)', () => {
  const sessions: Array<{ stop(): Promise<void> }> = [];
  afterAll(async () => {
    for (const s of sessions.reverse()) await s.stop();
  });

  it('Slide → New Slide in Impress stores the menu item, not what is beneath the closed menu', async () => {
    const session = await startDisplay({ width: 1600, height: 900 });
    sessions.push(session);
    const impress = await startImpress(session, { profileDir: tempDir('at-press-profile') });
    sessions.push(impress);
    const home = tempDir('record-at-press');
    const rec = await startRecorder(session.env, home, ['--mode', 'free', '--task', 'Add a slide']);
    const x = (...args: string[]) => xdo(session, ...args);
    // A person: moves onto the target in a few steps, aims for a moment, clicks.
    const moveAndClick = async (to: { x: number; y: number }) => {
      const from = (await x('getmouselocation', '--shell')).split('\n').reduce<Record<string, number>>((m, l) => {
        const [k, v] = l.split('=');
        if (k && v) m[k] = Number(v);
        return m;
      }, {});
      for (const f of [0.3, 0.6, 0.9, 1]) {
        const px = Math.round(from.X! + (to.x - from.X!) * f);
        const py = Math.round(from.Y! + (to.y - from.Y!) * f);
        await x('mousemove', String(px), String(py));
        await sleep(30);
      }
      await sleep(700);
      await x('click', '1');
    };
    const slideMenu = await findOnScreen(ocr, session, 'Slide');
    await moveAndClick(slideMenu);
    await sleep(800);
    const newSlide = await findOnScreen(ocr, session, 'New Slide');
    await moveAndClick(newSlide);
    await waitForStillScreen(session);
    rec.child.kill('SIGINT');
    expect(await rec.exited).toEqual({ code: 0, signal: null });

    const lib = Library.open(home, { readonly: true });
    const clicks = lib.listActions(rec.recordingId).filter((a) => a.action.kind === 'click');
    lib.close();
    expect(clicks.map((a) => formatAction(a.action, 'recorded'))).toEqual([
      `click (${slideMenu.x}, ${slideMenu.y})`,
      `click (${newSlide.x}, ${newSlide.y})`,
    ]);
    expect(clicks[0]!.element?.name).toBe('Slide');
    expect(clicks[1]!.element).toMatchObject({ name: 'New Slide', role: 'menu item' });
    expect(clicks[1]!.appName).toMatch(/soffice|LibreOffice/i);
  }, 240_000);

  it('after an idle spell the first click gets a frame grabbed at most 100 ms before it, showing a change made 300 ms before it', async () => {
    const session = await startDisplay({ width: 800, height: 600 });
    sessions.push(session);
    const home = tempDir('record-fresh-frame');
    await exec(session, 'xsetroot', ['-solid', '#000000']);
    const rec = await startRecorder(session.env, home, []);
    const colours = ['#2060c0', '#c04020', '#20a040'];
    for (const [i, colour] of colours.entries()) {
      // Idle: no input for 3 s (the capture slows to 2 fps after 2 s), then the screen
      // changes without input, and 300 ms later the person clicks.
      await sleep(3_000);
      await exec(session, 'xsetroot', ['-solid', colour]);
      await sleep(300);
      await xdo(session, 'mousemove', String(100 + i * 200), '300', 'click', '1');
    }
    await sleep(500);
    rec.child.kill('SIGINT');
    expect(await rec.exited).toEqual({ code: 0, signal: null });

    const lib = Library.open(home, { readonly: true });
    const clicks = lib.listActions(rec.recordingId).filter((a) => a.action.kind === 'click');
    expect(clicks).toHaveLength(colours.length);
    const ages: number[] = [];
    for (const [i, click] of clicks.entries()) {
      const frame = lib.getFrame(click.frameId!);
      // Honest age: the frame's grab time against the time the press reached the recorder.
      const age = click.time - frame.capturedAt!;
      ages.push(age);
      expect(age).toBeLessThanOrEqual(100);
      const { data, info } = await sharp(lib.absolutePath(frame.path)).raw().toBuffer({ resolveWithObject: true });
      const at = (50 * info.width + 50) * info.channels; // the root background, away from the pointer
      const hex = `#${[0, 1, 2].map((c) => data[at + c]!.toString(16).padStart(2, '0')).join('')}`;
      expect(hex, `frame of click ${i + 1}`).toBe(colours[i]);
    }
    // `finish`, recorded at the stop 500 ms after the last change, gets a fresh frame too.
    const finish = lib.listActions(rec.recordingId).at(-1)!;
    expect(finish.action.kind).toBe('finish');
    const finishAge = finish.time - lib.getFrame(finish.frameId!).capturedAt!;
    expect(finishAge).toBeLessThanOrEqual(100);
    lib.close();
    console.log(`frame age of finish (ms): ${finishAge}`);
    console.log(`frame age at the first click after idle (ms): ${ages.join(', ')}`);
  }, 120_000);
});
