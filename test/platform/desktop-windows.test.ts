/**
 * The desktop's windows on a real Xvfb with openbox and LibreOffice Impress: the list read
 * over our X11 client against xprop / xdotool / xwininfo as independent witnesses, and the
 * descriptions of real dialogs (GTK's Save file chooser, the "Confirm File Format" alert that
 * saving as .pptx asks when the profile asks for it) read from AT-SPI.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUIET_PROFILE } from '../../src/eval/impress.js';
import {
  describeWindowLine,
  diffWindows,
  isDialogWindow,
  unexpectedWindows,
  type DesktopWindow,
} from '../../src/core/windows-diff.js';
import type { DesktopWindows } from '../../src/platform/windows/desktop-windows.js';
import { openDesktopWindows } from '../../src/platform/windows/open-desktop-windows.js';
import { X11WindowList } from '../../src/platform/windows/x11.js';
import {
  exec,
  key,
  startDisplay,
  startImpress,
  typeText,
  waitFor,
  windowGeometry,
  xdo,
  type Impress,
  type XSession,
} from '../support/xsession.js';

let session: XSession;
let impress: Impress;
let windows: DesktopWindows;
let work: string;

/** Long enough for the first walk into a dialog on a loaded machine; speed is measured elsewhere. */
const DESCRIBE_MS = 10_000;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'pcagent-windows-'));
  session = await startDisplay({ width: 1280, height: 800 });
  // The quiet profile silences the "keep the format?" question; this test wants it asked.
  const profileDir = join(work, 'profile');
  mkdirSync(join(profileDir, 'user'), { recursive: true });
  const asking = QUIET_PROFILE.replace(/(name="WarnAlienFormat"[^]*?<value>)false/, '$1true');
  expect(asking).not.toBe(QUIET_PROFILE);
  writeFileSync(join(profileDir, 'user', 'registrymodifications.xcu'), asking);
  impress = await startImpress(session, { profileDir });
  windows = await openDesktopWindows({
    display: session.display,
    sessionBusAddress: session.env.DBUS_SESSION_BUS_ADDRESS,
  });
  expect(await windows.ready()).toBe(true);
}, 180_000);

afterAll(async () => {
  await windows?.close();
  await impress?.stop();
  await session?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

/** xprop's view of one property: the text after "=" or ":" ('' when the window lacks it). */
async function xprop(id: number, property: string): Promise<string> {
  const out = await exec(session, 'xprop', ['-id', String(id), property]);
  return /not found|no such atom/.test(out) ? '' : out.replace(/^[^=:]*[=:]\s*/, '');
}

const windowIdOf = (text: string): number => Number.parseInt(/0x[0-9a-f]+/i.exec(text)?.[0] ?? 'NaN', 16);

/** Waits until the list differs from `before` by a window that `match` accepts. */
function waitForNewWindow(before: DesktopWindow[], what: string, match: (w: DesktopWindow) => boolean) {
  return waitFor(what, async () => diffWindows(before, await windows.list()).appeared.find(match), 30_000, 100);
}

let main: DesktopWindow;
let saveDialog: DesktopWindow;

describe('the window list and dialog descriptions (Xvfb + openbox + Impress)', () => {
  it('lists the Impress window with its title, process, place and focus, as xprop, xdotool and xwininfo see them', async () => {
    const x11 = await X11WindowList.open(session.display);
    expect(await x11.ewmh()).toBe(true);
    x11.close();
    const list = await windows.list();
    const clientList = await exec(session, 'xprop', ['-root', '_NET_CLIENT_LIST']);
    const listed = [...clientList.matchAll(/0x[0-9a-f]+/gi)].map((m) => Number.parseInt(m[0], 16));
    expect(list.map((w) => w.id)).toEqual(listed);

    main = list.find((w) => w.id === Number(impress.windowId))!;
    expect(main).toBeDefined();
    expect(main.title).toBe(await xdo(session, 'getwindowname', impress.windowId));
    expect(main.title).toMatch(/^Untitled 1 - LibreOffice Impress$/);
    expect(main).toMatchObject({ kind: 'normal', modal: false, transientFor: null, pid: impress.pid, hidden: false });
    expect(main.app).toBe(/"([^"]*)"$/.exec(await xprop(main.id, 'WM_CLASS'))?.[1]);
    expect(Number(await xdo(session, 'getactivewindow'))).toBe(main.id);
    expect(list.filter((w) => w.active).map((w) => w.id)).toEqual([main.id]);

    const geometry = (await windowGeometry(session, ' - LibreOffice Impress$'))!;
    expect(main.rect).toEqual({
      left: geometry.x,
      top: geometry.y,
      right: geometry.x + geometry.width,
      bottom: geometry.y + geometry.height,
    });
    // The frame adds openbox's decorations (_NET_FRAME_EXTENTS: left, right, top, bottom).
    const [l, r, t, b] = (await xprop(main.id, '_NET_FRAME_EXTENTS')).split(/,\s*/).map(Number);
    expect(main.frame).toEqual({
      left: geometry.x - l!,
      top: geometry.y - t!,
      right: geometry.x + geometry.width + r!,
      bottom: geometry.y + geometry.height + b!,
    });
  });

  it('Ctrl+S opens the Save dialog: a new modal dialog transient for Impress, described with its buttons', async () => {
    const before = await windows.list();
    await key(session, 'ctrl+s');
    saveDialog = await waitForNewWindow(before, 'the Save dialog', (w) => w.title === 'Save');
    await waitFor('the Save dialog to have focus', async () =>
      (await windows.list()).find((w) => w.id === saveDialog.id && w.active),
    );

    expect(await xprop(saveDialog.id, '_NET_WM_WINDOW_TYPE')).toContain('_NET_WM_WINDOW_TYPE_DIALOG');
    expect(await xprop(saveDialog.id, '_NET_WM_STATE')).toContain('_NET_WM_STATE_MODAL');
    expect(windowIdOf(await xprop(saveDialog.id, 'WM_TRANSIENT_FOR'))).toBe(main.id);
    expect(saveDialog).toMatchObject({ kind: 'dialog', modal: true, transientFor: main.id, pid: impress.pid });
    expect(isDialogWindow(saveDialog)).toBe(true);
    expect(Number(await xdo(session, 'getactivewindow'))).toBe(saveDialog.id);

    const description = await windows.describe(saveDialog, DESCRIBE_MS);
    expect(description).toMatchObject({ title: 'Save', role: 'file chooser', complete: true });
    expect(description!.buttons).toEqual(expect.arrayContaining(['Cancel', 'Save']));
    expect(description!.text).toContain('Name:');
    const line = describeWindowLine(saveDialog, description);
    expect(line).toMatch(/^A dialog "Save" is open: .*Buttons: .*"Cancel", "Save"\.$/);
  });

  it('saving as .pptx asks to keep the format: an alert whose texts and buttons are read; answering closes it', async () => {
    const withSave = await windows.list();
    const file = join(work, 'deck.pptx');
    await typeText(session, file);
    await key(session, 'Return');
    // LibreOffice 7 titles it "Confirm File Format", later versions "Keep current format".
    const alert = await waitForNewWindow(withSave, 'the keep-format question', (w) => w.modal && w.title !== 'Save');
    expect(alert).toMatchObject({ kind: 'dialog', transientFor: main.id, pid: impress.pid });
    expect(alert.title).toBe(await xdo(session, 'getwindowname', String(alert.id)));
    expect(alert.title).toMatch(/File Format|current format/i);
    const now = await windows.list();
    expect(diffWindows(withSave, now).disappeared.map((w) => w.id)).toEqual([saveDialog.id]);
    // Against the desktop before Ctrl+S, with a recording that met the Save dialog: the alert is new.
    expect(unexpectedWindows([main], now, ['Save']).map((w) => w.id)).toEqual([alert.id]);

    const description = await windows.describe(alert, DESCRIBE_MS);
    expect(description).toMatchObject({ title: alert.title, role: 'alert', complete: true });
    expect(description!.buttons).toHaveLength(2);
    expect(description!.buttons.join(' ')).toMatch(/ODF Format/);
    expect(description!.buttons.join(' ')).toMatch(/PowerPoint/);
    expect(description!.text.join(' ')).toMatch(/PowerPoint/);
    const line = describeWindowLine(alert, description);
    expect(line).toContain(`A dialog "${alert.title}" is open: "This document may contain formatting`);
    expect(line).toMatch(/Buttons: "Use .*Format!?", "Use .*Format!?"\.$/);

    // Return answers with the default button, keeping the PowerPoint format.
    await waitFor('the alert to have focus', async () => Number(await xdo(session, 'getactivewindow')) === alert.id);
    await key(session, 'Return');
    const after = await waitFor('the alert to close and the deck to be saved', async () => {
      const list = await windows.list();
      const change = diffWindows(now, list);
      return change.disappeared.some((w) => w.id === alert.id) && change.retitled.length > 0 && { list, change };
    });
    expect(after.change.appeared).toEqual([]);
    expect(after.change.retitled).toEqual([
      {
        before: main.title,
        window: expect.objectContaining({ id: main.id, title: 'deck.pptx - LibreOffice Impress' }),
      },
    ]);
    expect(after.list.find((w) => w.active)?.id).toBe(main.id);
    expect(existsSync(file)).toBe(true);

    // The window is gone: its description is null, not an error, and comes at once.
    expect(await windows.describe(alert, DESCRIBE_MS)).toBeNull();
  });

  it('reads an ICCCM-only window (WM_NAME, no _NET_WM_NAME, no pid), and leaves it out once closed', async () => {
    const title = 'pcagent plain window';
    const before = await windows.list();
    const child = spawn('xmessage', ['-geometry', '+200+150', '-title', title, 'hello'], {
      env: session.env,
      stdio: 'ignore',
    });
    try {
      const plain = await waitForNewWindow(before, 'the xmessage window', (w) => w.title === title);
      expect(await xprop(plain.id, '_NET_WM_NAME')).toBe('');
      expect(await xprop(plain.id, 'WM_NAME')).toBe(`"${title}"`);
      expect(plain).toMatchObject({ kind: 'normal', modal: false, transientFor: null, pid: null, app: 'Xmessage' });
      expect(isDialogWindow(plain)).toBe(false);
      expect(describeWindowLine(plain)).toBe(`A window "${title}" is open.`);
    } finally {
      child.kill('SIGKILL');
    }
    await waitFor('the xmessage window to close', async () => (await windows.list()).every((w) => w.title !== title));
    expect(diffWindows(before, await windows.list())).toEqual({ appeared: [], disappeared: [], retitled: [] });
  });
});
