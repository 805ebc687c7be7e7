/**
 * How long the agents' look at the desktop's windows takes on a real desktop: LibreOffice
 * Impress on a 1600×900 Xvfb (+ openbox). Reported: medians of `list()` (the window list over
 * EWMH) with Impress alone and with its Save dialog open, and of `describe()` (AT-SPI) for the
 * Impress main window, the Save file chooser (the biggest dialog an agent meets) and a small
 * GTK message dialog ("Confirm File Format" when saving as .pptx); the first description of
 * each dialog (the application builds its accessible objects then) is reported apart.
 * Goal (issue 11): a description within 300 ms. Run: npm run bench -- windows.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { QUIET_PROFILE } from '../src/eval/impress.js';
import { diffWindows, type DesktopWindow } from '../src/core/windows-diff.js';
import type { DesktopWindows } from '../src/platform/windows/desktop-windows.js';
import { openDesktopWindows } from '../src/platform/windows/open-desktop-windows.js';
import { key, startDisplay, startImpress, typeText, waitFor } from '../test/support/xsession.js';
import { median, report } from './report.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);

async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const value = await f();
  return [value, performance.now() - start];
}

async function medianOf(f: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) times.push((await timed(f))[1]);
  return median(times);
}

function newWindow(windows: DesktopWindows, before: DesktopWindow[], match: (w: DesktopWindow) => boolean) {
  return waitFor('a new window', async () => diffWindows(before, await windows.list()).appeared.find(match), 30_000);
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pcagent-bench-windows-'));
const session = await startDisplay({ width: 1600, height: 900 });
try {
  const profileDir = path.join(work, 'profile');
  fs.mkdirSync(path.join(profileDir, 'user'), { recursive: true });
  fs.writeFileSync(
    path.join(profileDir, 'user', 'registrymodifications.xcu'),
    QUIET_PROFILE.replace(/(name="WarnAlienFormat"[^]*?<value>)false/, '$1true'),
  );
  const impress = await startImpress(session, { profileDir });
  const windows = await openDesktopWindows({
    display: session.display,
    sessionBusAddress: session.env.DBUS_SESSION_BUS_ADDRESS,
  });
  try {
    await windows.ready();
    const numbers: Record<string, number | string> = { rounds: ROUNDS };
    const alone = await windows.list();
    const main = alone.find((w) => w.pid === impress.pid)!;
    numbers['list, Impress alone (ms)'] = await medianOf(() => windows.list());
    numbers['describe Impress main window, first (ms)'] = (await timed(() => windows.describe(main, 10_000)))[1];
    numbers['describe Impress main window (ms)'] = await medianOf(() => windows.describe(main, 10_000));

    await key(session, 'ctrl+s');
    const save = await newWindow(windows, alone, (w) => w.title === 'Save');
    numbers['list, with the Save dialog (ms)'] = await medianOf(() => windows.list());
    const [first, firstMs] = await timed(() => windows.describe(save, 10_000));
    numbers['describe Save file chooser, first (ms)'] = firstMs;
    numbers['describe Save file chooser (ms)'] = await medianOf(() => windows.describe(save, 10_000));
    numbers['Save file chooser, buttons'] = first?.buttons.join(', ') ?? 'none';
    const bounded = await windows.describe(save);
    numbers['describe Save file chooser within 300 ms, complete'] = String(bounded?.complete ?? 'null');

    const withSave = await windows.list();
    await typeText(session, path.join(work, 'deck.pptx'));
    await key(session, 'Return');
    const alert = await newWindow(windows, withSave, (w) => w.modal && w.title !== 'Save');
    numbers['describe message dialog, first (ms)'] = (await timed(() => windows.describe(alert, 10_000)))[1];
    numbers['describe message dialog (ms)'] = await medianOf(() => windows.describe(alert, 10_000));
    report('windows', numbers);
    await key(session, 'Escape');
  } finally {
    await windows.close();
    await impress.stop();
  }
} finally {
  await session.stop();
  fs.rmSync(work, { recursive: true, force: true });
}
