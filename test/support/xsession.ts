/**
 * A private X desktop for end-to-end tests: Xvfb (with or without RECORD), openbox (without
 * a window manager new dialogs get no keyboard focus), a private D-Bus session bus and the
 * AT-SPI bus launcher (accessibility), plus LibreOffice Impress and xdotool helpers.
 * SPEC §4 lists the facts this relies on. Debian packages: xvfb x11-utils xdotool openbox dbus
 * at-spi2-core libreoffice-impress libreoffice-gtk3 fonts-dejavu-core imagemagick unzip.
 *
 * The desktop and the Impress launcher are the product's own (`pcagent eval --display auto`,
 * src/eval/desktop.ts and src/eval/impress.ts): the tests start what users' evaluations start.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DesktopStartError, runOn, startOwnedDesktop, waitFor, type OwnedDesktop } from '../../src/eval/desktop.js';

import { tempDir } from './fixture.js';

export { readSlideTexts } from './slide-texts.js';
import { findWindows as findWindowsOn, startImpress as startImpressApp } from '../../src/eval/impress.js';

export interface DisplayOptions {
  readonly width: number;
  readonly height: number;
  /** Colour depth; default 24. */
  readonly depth?: number;
  /** Start Xvfb with the RECORD extension (default true); false passes `-extension RECORD`. */
  readonly record?: boolean;
}

/** The desktop a test runs on: the product's private desktop (src/eval/desktop.ts). */
export type XSession = OwnedDesktop;

export interface WindowGeometry {
  /** X window id (decimal, as xdotool prints it). */
  readonly id: string;
  /** Client area in screen pixels (xwininfo's absolute position: below openbox's title bar). */
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

// ---------------------------------------------------------------------------------------
// the desktop: the product's own private desktop (src/eval/desktop.ts)

/** Runs a program on the session's desktop and returns its stdout (trimmed). */
export const exec = (
  session: Pick<XSession, 'env'>,
  cmd: string,
  args: string[],
  timeoutMs = 15_000,
): Promise<string> => runOn(session.env, cmd, args, timeoutMs);

export { waitFor };

/**
 * Starts Xvfb on a free display (with RECORD unless `record: false`), then a D-Bus session
 * bus, the AT-SPI bus launcher and openbox; a failure says what the daemons logged.
 */
export async function startDisplay(options: DisplayOptions): Promise<XSession> {
  const { width, height, depth = 24, record = true } = options;
  try {
    return await startOwnedDesktop(width, height, { depth, record, dirPrefix: 'pcagent-x-' });
  } catch (err) {
    if (err instanceof DesktopStartError) throw new Error(`${err.message}; log:\n${err.log}`);
    throw err;
  }
}

// ---------------------------------------------------------------------------------------
// input and screen (xdotool drives XTEST, like a person's input; SPEC §4)

/** Runs xdotool on the session's display. */
export const xdo = (session: XSession, ...args: string[]): Promise<string> => exec(session, 'xdotool', args);

/** Moves the pointer to (x, y) and clicks `button` (1 left, 2 middle, 3 right). */
export async function click(session: XSession, x: number, y: number, button = 1): Promise<void> {
  // No `mousemove --sync`: it never returns when the pointer is already there.
  await xdo(session, 'mousemove', String(Math.round(x)), String(Math.round(y)), 'click', String(button));
}

/** Types text into the focused window, `delayMs` between keystrokes. */
export async function typeText(session: XSession, text: string, delayMs = 12): Promise<void> {
  await xdo(session, 'type', '--delay', String(delayMs), '--', text);
}

/** Presses keys or combinations in xdotool's names: 'Return', 'ctrl+s', 'Escape'. */
export async function key(session: XSession, ...keys: string[]): Promise<void> {
  await xdo(session, 'key', ...keys);
}

/** Saves the whole screen as PNG (ImageMagick `import`). */
export async function screenshot(session: XSession, path: string): Promise<void> {
  await exec(session, 'import', ['-display', session.display, '-window', 'root', path], 30_000);
}

/** The screen as raw RGB bytes (cheaper to compare than PNGs). */
async function grabRgb(session: XSession): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile(
      'import',
      ['-display', session.display, '-window', 'root', '-depth', '8', 'rgb:-'],
      { env: session.env, encoding: 'buffer', maxBuffer: session.width * session.height * 3 + 1024, timeout: 30_000 },
      (err, stdout) => (err ? reject(err) : resolve(stdout)),
    );
  });
}

function changedPixels(a: Buffer, b: Buffer): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let changed = 0;
  for (let i = 0; i < a.length; i += 3) if (a[i] !== b[i] || a[i + 1] !== b[i + 1] || a[i + 2] !== b[i + 2]) changed++;
  return changed;
}

/**
 * Waits until three screen grabs in a row are the same, give or take `tolerance` pixels (a
 * blinking text cursor must not keep the screen "moving").
 */
export async function waitForStillScreen(session: XSession, timeoutMs = 20_000, tolerance = 400): Promise<void> {
  let previous = await grabRgb(session);
  let stillFor = 0;
  await waitFor(
    'the screen to stop changing',
    async () => {
      const frame = await grabRgb(session);
      stillFor = changedPixels(previous, frame) <= tolerance ? stillFor + 1 : 0;
      previous = frame;
      return stillFor >= 2;
    },
    timeoutMs,
    300,
  );
}

/** Visible window ids whose title matches `namePattern` (xdotool regex, case-insensitive). */
export const findWindows = (session: XSession, namePattern: string): Promise<string[]> =>
  findWindowsOn(session.env, namePattern);

/**
 * Geometry of the first visible window whose title matches, or null. Uses xwininfo: under a
 * reparenting window manager xdotool's getwindowgeometry counts the title bar twice.
 */
export async function windowGeometry(session: XSession, namePattern: string): Promise<WindowGeometry | null> {
  const [id] = await findWindows(session, namePattern);
  if (!id) return null;
  const info = await exec(session, 'xwininfo', ['-id', id]).catch(() => null);
  if (!info) return null;
  const field = (label: string): number => Number(new RegExp(`${label}:\\s*(-?\\d+)`).exec(info)?.[1] ?? NaN);
  return {
    id,
    x: field('Absolute upper-left X'),
    y: field('Absolute upper-left Y'),
    width: field('Width'),
    height: field('Height'),
  };
}

// ---------------------------------------------------------------------------------------
// LibreOffice Impress

export interface ImpressOptions {
  /** Profile directory (UserInstallation); seeded for a quiet start when it has no profile yet. */
  readonly profileDir: string;
  /** Presentation to open; default a new one. */
  readonly file?: string;
  /** How long to wait for the main window to settle; default 90 s. */
  readonly timeoutMs?: number;
}

export interface Impress {
  /** soffice.bin, the process that owns the windows. */
  readonly pid: number;
  /** X id of the main window. */
  readonly windowId: string;
  /** Milliseconds from launch until the main window had settled. */
  readonly startupMs: number;
  /** The UserInstallation URL, for `soffice --convert-to` calls that the instance should serve. */
  readonly profileUrl: string;
  stop(): Promise<void>;
}

/**
 * Launches Impress on the session through the product's own launcher (src/eval/impress.ts:
 * gtk3 VCL plugin so that AT-SPI sees it, a quiet profile, start-up dialogs dismissed) and
 * waits until the main window is active and the screen has stopped changing. A fresh profile
 * is ready in about 5 s on an idle 2-core machine. soffice's output goes to the session folder.
 */
export async function startImpress(session: XSession, options: ImpressOptions): Promise<Impress> {
  const { profileDir, file, timeoutMs = 90_000 } = options;
  const app = await startImpressApp({
    profileDir,
    file,
    env: session.env,
    timeoutMs,
    logFile: join(session.dir, `soffice-${basename(profileDir)}.log`),
    // The window is up before its contents are: the slide pane, the zoom and the sidebar's
    // fields arrive over the next second or so.
    settle: (deadline) => waitForStillScreen(session, Math.max(1000, deadline - Date.now())),
  });
  return { ...app, profileUrl: pathToFileURL(profileDir).href };
}

/**
 * A fresh desktop with Impress on it (a new profile in a temporary folder named after
 * `profilePrefix`): the set-up of the tests that work on one Impress for a whole file.
 */
export async function startImpressDesktop(
  display: DisplayOptions,
  profilePrefix: string,
): Promise<{ session: XSession; impress: Impress }> {
  const session = await startDisplay(display);
  try {
    return { session, impress: await startImpress(session, { profileDir: tempDir(profilePrefix) }) };
  } catch (err) {
    await session.stop();
    throw err;
  }
}

/**
 * Converts a document with `soffice --headless --convert-to` (e.g. format 'pptx'); with a
 * running instance's profile the job is handed to that instance (about a second).
 * Returns the output path.
 */
export async function convertDocument(
  session: XSession,
  input: string,
  format: string,
  outDir: string,
  profileUrl: string,
): Promise<string> {
  await exec(
    { env: { ...session.env, SAL_USE_VCLPLUGIN: 'gtk3' } },
    'soffice',
    ['--headless', '--convert-to', format, '--outdir', outDir, `-env:UserInstallation=${profileUrl}`, input],
    120_000,
  );
  const out = join(outDir, `${basename(input).replace(/\.[^.]*$/, '')}.${format.split(':')[0]}`);
  if (!existsSync(out)) throw new Error(`soffice --convert-to ${format} wrote no ${out}`);
  return out;
}
