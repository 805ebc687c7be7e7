/**
 * A private X desktop for end-to-end tests: Xvfb (with or without RECORD), openbox (without
 * a window manager new dialogs get no keyboard focus), a private D-Bus session bus and the
 * AT-SPI bus launcher (accessibility), plus LibreOffice Impress and xdotool helpers.
 * SPEC §4 lists the facts this relies on. Debian packages: xvfb x11-utils xdotool openbox dbus
 * at-spi2-core libreoffice-impress libreoffice-gtk3 fonts-dejavu-core imagemagick unzip.
 *
 * The desktop itself is the product's (`pcagent eval --display auto`, src/eval/desktop.ts);
 * soffice runs as one of its daemons, in its own process group, so that stopping it also ends
 * soffice.bin under oosplash.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  DesktopStartError,
  logTail,
  runOn,
  spawnDaemon,
  startOwnedDesktop,
  stopDaemon,
  waitFor,
  type OwnedDesktop,
} from '../../src/eval/desktop.js';

import { tempDir } from './fixture.js';

export { readSlideTexts } from './slide-texts.js';
import { findWindows as findWindowsOn, QUIET_PROFILE } from '../../src/eval/impress.js';

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
  /** oosplash, the process this harness started (soffice.bin's parent). */
  readonly launcherPid: number;
  /** X id of the main window. */
  readonly windowId: string;
  /** Milliseconds from launch until the main window had settled. */
  readonly startupMs: number;
  /** The UserInstallation URL, for `soffice --convert-to` calls that the instance should serve. */
  readonly profileUrl: string;
  stop(): Promise<void>;
}

// The product's eval runner seeds Impress profiles the same way.
/** Start-up dialogs that a profile the seed did not silence may still show. */
const STARTUP_DIALOGS = ['^Select a Template$', '^Tip of the Day'];
const MAIN_WINDOW = ' - LibreOffice Impress$';

/** Pid of the direct child of `parentPid` running `program`, from /proc. */
function childPid(parentPid: number, program: string): number | null {
  const comm = program.slice(0, 15); // the kernel's command name is cut to 15 characters
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parentPid && stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) === comm) return Number(entry);
    } catch {
      // the process ended while we looked
    }
  }
  return null;
}

/** Sends a signal; false when the process is gone. Signal 0 only asks whether it is alive. */
function signal(pid: number, sig: NodeJS.Signals | 0): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

async function dismissStartupDialogs(session: XSession): Promise<boolean> {
  let dismissed = false;
  for (const pattern of STARTUP_DIALOGS) {
    for (const id of await findWindows(session, pattern)) {
      // The window may close between search and key; the next poll looks again.
      // XTEST keys go to the focused window (`key --window` would send synthetic events,
      // which GTK ignores), so focus the dialog first.
      await xdo(session, 'windowfocus', '--sync', id).catch(() => undefined);
      await xdo(session, 'key', 'Escape').catch(() => undefined);
      dismissed = true;
    }
  }
  return dismissed;
}

/**
 * Launches `soffice --impress` on the session (gtk3 VCL plugin, so that AT-SPI sees it),
 * dismisses start-up dialogs if any appear, and waits until the main window is mapped and
 * active and the screen has stopped changing. A fresh profile is ready in about 5 s on an
 * idle 2-core machine.
 */
export async function startImpress(session: XSession, options: ImpressOptions): Promise<Impress> {
  const { profileDir, file, timeoutMs = 90_000 } = options;
  const seed = join(profileDir, 'user', 'registrymodifications.xcu');
  if (!existsSync(seed)) {
    mkdirSync(join(profileDir, 'user'), { recursive: true });
    writeFileSync(seed, QUIET_PROFILE);
  }
  const profileUrl = pathToFileURL(profileDir).href;
  const env = { ...session.env, SAL_USE_VCLPLUGIN: 'gtk3' };
  const logFile = join(session.dir, `soffice-${basename(profileDir)}.log`);
  const started = Date.now();
  const launcher = spawnDaemon(
    'soffice',
    'soffice',
    ['--impress', '--norestore', '--nologo', `-env:UserInstallation=${profileUrl}`, ...(file ? [file] : [])],
    env,
    logFile,
  );
  const launcherPid = launcher.child.pid;
  if (launcherPid === undefined) throw new Error('soffice could not be started (Debian package libreoffice-impress)');

  let pid: number | null = null;
  const stop = async (): Promise<void> => {
    const bin = pid ?? childPid(launcherPid, 'soffice.bin');
    if (bin !== null && signal(bin, 'SIGTERM')) {
      await waitFor('soffice.bin to exit', async () => !signal(bin, 0), 10_000, 50).catch(() => signal(bin, 'SIGKILL'));
    }
    await stopDaemon(launcher, 5000); // oosplash exits by itself once soffice.bin has
  };

  try {
    const deadline = started + timeoutMs;
    const main = await waitFor(
      'the Impress main window',
      async () => {
        if (launcher.done) throw new Error(`soffice exited; log:\n${logTail(logFile)}`);
        if (await dismissStartupDialogs(session)) return null;
        const geometry = await windowGeometry(session, MAIN_WINDOW);
        const active = await xdo(session, 'getactivewindow').catch(() => '');
        return geometry !== null && active === geometry.id && geometry;
      },
      timeoutMs,
      250,
    );
    // The window is up before its contents are: the slide pane, the zoom and the sidebar's
    // fields arrive over the next second or so. Wait for the screen itself to stop changing.
    await waitForStillScreen(session, Math.max(1000, deadline - Date.now()));
    pid = childPid(launcherPid, 'soffice.bin');
    if (pid === null) throw new Error('soffice.bin not found under oosplash');
    return { pid, launcherPid, windowId: main.id, startupMs: Date.now() - started, profileUrl, stop };
  } catch (err) {
    await stop();
    throw err;
  }
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
