/**
 * The recorder's ordering, privacy and crash-safety rules against a real library on disk.
 * Frames here are small in-memory stand-ins written with sharp (the capture service and the
 * X server are exercised in the end-to-end recording test); accessibility answers come from a
 * scripted provider so the password and exclusion rules can be driven exactly.
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { formatAction } from '../../src/core/grammar.js';
import type { RawInput } from '../../src/core/input-events.js';
import type { Library } from '../../src/library/library.js';
import { sha256 } from '../../src/library/library.js';
import type { AccessibilityProvider, ElementAtPoint } from '../../src/platform/a11y/provider.js';
import { type LiveFrame, Recorder } from '../../src/tracker/recorder.js';
import { startRecording } from '../../src/tracker/sessions.js';
import { openTempLibrary } from '../support/fixture.js';
import { useTempLibrary } from '../support/hooks.js';

interface TestFrame extends LiveFrame {
  colour: number;
}
/** An input event without its time and frame (the helper stamps them). */
type TestInput = RawInput<TestFrame> extends infer E ? (E extends unknown ? Omit<E, 'time' | 'frame'> : never) : never;

let lib: Library;
useTempLibrary(
  () => openTempLibrary('recorder'),
  (t) => (lib = t.lib),
);

async function png(width: number, height: number, colour: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: colour, g: 0, b: 0 } } })
    .png()
    .toBuffer();
}

/** Writes `data` at `abs` (making its folder); its size and digest, as the recorder's writers return them. */
function writeFile(abs: string, data: Buffer): { bytes: number; sha256: string } {
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  fs.writeFileSync(abs, data);
  return { bytes: data.byteLength, sha256: sha256(data) };
}

function setup(
  elementAt: (x: number, y: number) => ElementAtPoint | null,
  extra: Partial<ConstructorParameters<typeof Recorder<TestFrame>>[0]> = {},
) {
  const rec = startRecording(lib, { mode: 'non-task' });
  let current: TestFrame | null = null;
  let clock = 1_000_000;
  const a11y: AccessibilityProvider = {
    platform: 'test',
    elementAt: async (x, y) => elementAt(x, y),
    elements: async () => [],
    close: async () => {},
  };
  const recorder = new Recorder<TestFrame>({
    lib,
    recordingId: rec.id,
    frames: { latest: () => current },
    writeFrame: async (frame, abs) => ({
      ...writeFile(abs, await png(frame.width, frame.height, frame.colour)),
      width: frame.width,
      height: frame.height,
    }),
    writeRedacted: async (w, h, abs) => writeFile(abs, await png(w, h, 0)),
    a11y,
    now: () => clock,
    ...extra,
  });
  let nextId = 1;
  return {
    rec,
    recorder,
    show(colour: number) {
      current = { id: nextId++, width: 64, height: 48, capturedAt: clock, colour };
    },
    advance(ms: number) {
      clock += ms;
    },
    send(ev: TestInput) {
      recorder.input({ ...ev, time: clock, frame: current } as RawInput<TestFrame>);
      clock += 50;
    },
    /** A left click: press and release at (x, y), 50 ms apart. */
    click(x: number, y: number) {
      this.send({ type: 'mousedown', button: 'left', x, y });
      this.send({ type: 'mouseup', button: 'left', x, y });
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const texts = (id: number) => lib.listActions(id).map((a) => formatAction(a.action, 'recorded'));

describe('recorder', () => {
  it('commits actions in order with the frame current when each began and the element at press', async () => {
    const t = setup((x) =>
      x < 100
        ? {
            name: 'Title',
            role: 'paragraph',
            rect: { left: 0, top: 0, right: 100, bottom: 20 },
            windowTitle: 'Deck - Impress',
            appName: 'soffice',
          }
        : null,
    );
    t.show(10);
    t.click(50, 10);
    t.show(20);
    for (const k of ['h', 'i']) {
      t.send({ type: 'keydown', key: k });
      t.send({ type: 'keyup', key: k });
    }
    t.show(30);
    t.send({ type: 'mousedown', button: 'right', x: 300, y: 40 });
    t.send({ type: 'mouseup', button: 'right', x: 300, y: 40 });
    await t.recorder.stop('finished');
    expect(texts(t.rec.id)).toEqual(['click (50, 10)', 'type text: hi', 'right click (300, 40)', 'finish']);
    const actions = lib.listActions(t.rec.id);
    expect(actions[0]!.element).toEqual({
      name: 'Title',
      role: 'paragraph',
      rect: { left: 0, top: 0, right: 100, bottom: 20 },
    });
    expect(actions[0]).toMatchObject({ windowTitle: 'Deck - Impress', appName: 'soffice' });
    expect(actions[2]!.element).toBeNull();
    // Each action's frame is the one shown when it began, written before its row.
    const colours = await Promise.all(
      actions.map(
        async (a) =>
          (
            await sharp(lib.absolutePath(lib.getFrame(a.frameId!).path))
              .raw()
              .toBuffer()
          )[0],
      ),
    );
    expect(colours).toEqual([10, 20, 30, 30]);
    expect(lib.getRecording(t.rec.id).status).toBe('finished');
  });

  it('masks typing into a password field', async () => {
    const t = setup(() => ({
      name: 'Password',
      role: 'password text',
      rect: null,
      windowTitle: 'Login',
      appName: 'app',
    }));
    t.show(1);
    t.click(5, 5);
    for (const k of ['s', 'e', 'c', 'r', 'e', 't']) t.send({ type: 'keydown', key: k });
    await t.recorder.stop('finished');
    expect(texts(t.rec.id)).toEqual(['click (5, 5)', 'type text: ••••', 'finish']);
    expect(fs.readFileSync(lib.absolutePath('library.db')).includes('secret')).toBe(false);
  });

  it('stores a redacted placeholder frame for excluded applications', async () => {
    const t = setup(() => ({ name: 'Entry', role: 'entry', rect: null, windowTitle: 'Vault', appName: 'KeePassXC' }), {
      privacy: { excludedApps: ['keepass'] },
    });
    t.show(99);
    t.click(5, 5);
    await t.recorder.stop('finished');
    const frame = lib.getFrame(lib.listActions(t.rec.id)[0]!.frameId!);
    expect(frame.redacted).toBe(true);
    expect((await sharp(lib.absolutePath(frame.path)).raw().toBuffer())[0]).toBe(0);
  });

  it("drops clicks on the app's own windows", async () => {
    const t = setup(() => null);
    t.recorder.setOwnWindow(42, { left: 0, top: 0, right: 100, bottom: 100 });
    t.show(1);
    t.click(50, 50);
    t.click(150, 50);
    await t.recorder.stop('finished');
    expect(texts(t.rec.id)).toEqual(['click (150, 50)', 'finish']);
    expect(lib.getRecording(t.rec.id).meta.excludedWindows).toEqual([
      { id: 42, rect: { left: 0, top: 0, right: 100, bottom: 100 } },
    ]);
  });

  it("marks actions in the app's own browser tab (by window title) and stores no frame for them", async () => {
    const t = setup(
      (x) => ({
        name: x < 100 ? 'Finish' : 'Title',
        role: x < 100 ? 'push button' : 'paragraph',
        rect: null,
        windowTitle: x < 100 ? 'PC Agent - Chromium' : 'Deck - Impress',
        appName: x < 100 ? 'chromium' : 'soffice',
      }),
      { ownWindowTitles: [/^PC Agent( [-–—] .*)?$/] },
    );
    t.show(99);
    t.click(300, 5);
    t.click(5, 5);
    await t.recorder.stop('finished');
    const [own, other] = [lib.listActions(t.rec.id)[1]!, lib.listActions(t.rec.id)[0]!];
    expect(other.extra).toEqual({});
    expect(lib.getFrame(other.frameId!).redacted).toBe(false);
    expect(own.extra).toEqual({ ownWindow: true });
    expect(lib.getFrame(own.frameId!).redacted).toBe(true);
  });

  it("stopped from outside while the stop chord is held (the app's global shortcut), the chord leaves no trace", async () => {
    const t = setup(() => null, { stopHotkey: ['ctrl', 'shift', 'f12'], onStopHotkey: () => {} });
    t.show(1);
    t.send({ type: 'keydown', key: 'enter' });
    t.send({ type: 'keyup', key: 'enter' });
    t.send({ type: 'keydown', key: 'ctrl' });
    t.send({ type: 'keydown', key: 'shift' });
    await t.recorder.stop('finished');
    expect(texts(t.rec.id)).toEqual(['press key enter', 'finish']);
  });

  it('the stop hotkey ends the recording and is not recorded', async () => {
    let stopped = 0;
    const t = setup(() => null, { stopHotkey: ['ctrl', 'shift', 'f12'], onStopHotkey: () => stopped++ });
    t.show(1);
    t.send({ type: 'keydown', key: 'enter' });
    t.send({ type: 'keyup', key: 'enter' });
    t.send({ type: 'keydown', key: 'ctrl' });
    t.send({ type: 'keydown', key: 'shift' });
    t.send({ type: 'keydown', key: 'f12' });
    expect(stopped).toBe(1);
    await t.recorder.stop('failed');
    expect(texts(t.rec.id)).toEqual(['press key enter', 'fail']);
    expect(lib.getRecording(t.rec.id).status).toBe('failed');
  });

  it('records waits while idle and nothing while paused', async () => {
    const t = setup(() => null);
    t.show(1);
    t.advance(6_500);
    t.recorder.tick();
    t.recorder.pause();
    t.advance(20_000);
    t.recorder.tick();
    t.send({ type: 'keydown', key: 'a' });
    t.recorder.resume();
    t.send({ type: 'keydown', key: 'enter' });
    await t.recorder.stop('finished');
    expect(texts(t.rec.id)).toEqual(['wait', 'press key enter', 'finish']);
  });

  it('a click on a menu item that closes on release stores the item under the pointer at press', async () => {
    // Like AT-SPI (200–500 ms a walk): the answer reflects the UI as it is when the walk ends,
    // so a walk still running when the menu closes finds the toolbar button beneath it.
    let menuOpen = true;
    const element = (name: string): ElementAtPoint => ({
      name,
      role: name === 'New Slide' ? 'menu item' : 'push button',
      rect: { left: 40, top: 0, right: 160, bottom: 20 },
      windowTitle: 'Deck - Impress',
      appName: 'soffice',
    });
    const walk = async () => {
      await sleep(150);
      return element(menuOpen ? 'New Slide' : 'Paste');
    };
    const t = setup(() => null, {
      a11y: { platform: 'test', elementAt: walk, elements: async () => [], close: async () => {} },
    });
    t.show(10);
    // The person moves onto the item and aims for a moment, then clicks; the menu closes on release.
    for (const x of [20, 35, 50]) t.recorder.pointerMoved(x, 10);
    await sleep(400);
    t.click(50, 10);
    menuOpen = false;
    // Reopened; this time the press follows the motion at once (no rest): only a lookup at
    // press is possible, and it finds the button beneath — the limit of asking at press.
    await sleep(50);
    t.advance(1_000);
    menuOpen = true;
    t.recorder.pointerMoved(60, 10);
    t.click(60, 10);
    menuOpen = false;
    // Another click where the pointer still rests: it came to rest only after the previous
    // click, while the UI was still reacting to it, so no hover answer is trusted: asked at press.
    await sleep(400);
    t.advance(1_000);
    t.click(60, 10);
    await t.recorder.stop('finished');
    const names = lib.listActions(t.rec.id).map((a) => a.element?.name ?? null);
    expect(texts(t.rec.id)).toEqual(['click (50, 10)', 'click (60, 10)', 'click (60, 10)', 'finish']);
    expect(names).toEqual(['New Slide', 'Paste', 'Paste', null]);
    expect(t.recorder.pointer.stats).toMatchObject({ fromHover: 1, atPress: 2 });
  });

  it('an input whose frame is still being grabbed is stored with that frame once it arrives', async () => {
    const t = setup(() => null);
    t.show(10);
    let arrive!: (f: TestFrame) => void;
    const pending = new Promise<TestFrame>((resolve) => (arrive = resolve));
    // As live recording does after an idle spell: the event carries the grab it asked for.
    t.recorder.input({ type: 'mousedown', button: 'left', x: 5, y: 5, time: 2_000_000, frame: { pending } });
    t.recorder.input({ type: 'mouseup', button: 'left', x: 5, y: 5, time: 2_000_050, frame: { pending } });
    setTimeout(() => arrive({ id: 99, width: 64, height: 48, capturedAt: 2_000_003, colour: 77 }), 50);
    await t.recorder.stop('finished');
    const [click] = lib.listActions(t.rec.id);
    const frame = lib.getFrame(click!.frameId!);
    expect(frame.capturedAt).toBe(2_000_003);
    expect((await sharp(lib.absolutePath(frame.path)).raw().toBuffer())[0]).toBe(77);
  });
});
