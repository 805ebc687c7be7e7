/**
 * LibreOffice Impress as the presentation program of an eval attempt (Linux, the current X
 * display): started with a fresh profile seeded so that it opens straight into the editor (no
 * template chooser, tip of the day, what's-new bar, recovery or "keep current format"
 * questions), optionally on a start file; ready once its main window is active and the screen
 * has stopped changing; closed by signalling soffice.bin and then its launcher; stale
 * `.~lock.<name>#` files are removed so the next attempt's save meets no "Document in Use".
 *
 * Windows are found with xdotool (Debian package `xdotool`): the window manager's list is the
 * truth about which window is active, and a missing xdotool is reported in one line.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { waitFor } from './desktop.js';

const run = promisify(execFile);

/**
 * Settings that make a fresh profile start straight into the editor. LibreOffice shows the
 * what's-new bar when ooSetupLastVersion is below its own version, so a far-future value
 * silences it for any version.
 */
export const QUIET_PROFILE = `<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Impress/Misc/NewDoc"><prop oor:name="AutoPilot" oor:op="fuse"><value>false</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="ShowTipOfTheDay" oor:op="fuse"><value>false</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="FirstRun" oor:op="fuse"><value>false</value></prop></item>
<item oor:path="/org.openoffice.Setup/Product"><prop oor:name="ooSetupLastVersion" oor:op="fuse"><value>99.9</value></prop></item>
<item oor:path="/org.openoffice.Office.Recovery/AutoSave"><prop oor:name="Enabled" oor:op="fuse"><value>false</value></prop></item>
<item oor:path="/org.openoffice.Office.Recovery/RecoveryInfo"><prop oor:name="Enabled" oor:op="fuse"><value>false</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Save/Document"><prop oor:name="WarnAlienFormat" oor:op="fuse"><value>false</value></prop></item>
</oor:items>
`;

/** Writes the quiet seed into a profile folder that has none yet. */
export function seedQuietProfile(profileDir: string): void {
  const seed = path.join(profileDir, 'user', 'registrymodifications.xcu');
  if (fs.existsSync(seed)) return;
  fs.mkdirSync(path.dirname(seed), { recursive: true });
  fs.writeFileSync(seed, QUIET_PROFILE);
}

/**
 * The environment that makes `workDir` the folder where the Save and Open dialogs of a new
 * document start: LibreOffice starts them in $HOME (its default "work" folder; with the GTK
 * dialogs of 7.4 the profile's Work path setting is not used). The per-user cache, settings and
 * data stay where they were, so fonts are not re-cached and nothing is written into `workDir`.
 */
export function workFolderEnv(env: NodeJS.ProcessEnv, workDir: string, profileDir: string): NodeJS.ProcessEnv {
  const home = env.HOME ?? os.homedir();
  return {
    ...env,
    HOME: path.resolve(workDir),
    XDG_CACHE_HOME: env.XDG_CACHE_HOME ?? path.join(home, '.cache'),
    XDG_CONFIG_HOME: env.XDG_CONFIG_HOME ?? path.join(home, '.config'),
    XDG_DATA_HOME: env.XDG_DATA_HOME ?? path.join(profileDir, 'data'),
  };
}

/** Start-up dialogs that a profile the seed did not silence may still show. */
const STARTUP_DIALOGS = ['^Select a Template$', '^Tip of the Day'];
const MAIN_WINDOW = ' - LibreOffice Impress$';

export interface ImpressApp {
  /** soffice.bin, the process that owns the windows. */
  readonly pid: number;
  readonly windowId: string;
  /** Milliseconds from launch until the main window was active and still. */
  readonly startupMs: number;
  stop(): Promise<void>;
}

export interface StartImpressOptions {
  readonly profileDir: string;
  readonly file?: string | null;
  /** Where the Save and Open dialogs of a new document start (the attempt's folder). */
  readonly workDir?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Whole start-up limit; default 90 s. */
  readonly timeoutMs?: number;
  /** A log file for soffice's own output. */
  readonly logFile?: string;
  /** Waits until the screen has stopped changing (the caller's capture); optional. */
  readonly settle?: (deadline: number) => Promise<void>;
}

async function xdotool(env: NodeJS.ProcessEnv, ...args: string[]): Promise<string> {
  try {
    const { stdout } = await run('xdotool', args, { env, timeout: 10_000 });
    return stdout.trim();
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { code?: string | number };
    if (e.code === 'ENOENT')
      throw new Error('xdotool is not installed (Debian package xdotool): eval needs it to find windows');
    return ''; // xdotool exits 1 when nothing matches
  }
}

/** Visible window ids whose title matches `pattern` (xdotool regex). */
export async function findWindows(env: NodeJS.ProcessEnv, pattern: string): Promise<string[]> {
  return (await xdotool(env, 'search', '--onlyvisible', '--name', pattern)).split('\n').filter(Boolean);
}

export async function activeWindow(env: NodeJS.ProcessEnv): Promise<string> {
  return xdotool(env, 'getactivewindow');
}

export async function windowName(env: NodeJS.ProcessEnv, id: string): Promise<string> {
  return xdotool(env, 'getwindowname', id);
}

/** Pid of the direct child of `parentPid` running `program`, from /proc. */
function childPid(parentPid: number, program: string): number | null {
  const comm = program.slice(0, 15);
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parentPid && stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) === comm) return Number(entry);
    } catch {
      // the process ended while we looked
    }
  }
  return null;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Names, sizes and times of a folder's files: changes while something writes there. */
function folderState(dir: string): string {
  try {
    return fs
      .readdirSync(dir)
      .sort()
      .map((n) => {
        const st = fs.statSync(path.join(dir, n), { throwIfNoEntry: false });
        return `${n}:${st?.size}:${st?.mtimeMs}`;
      })
      .join('|');
  } catch {
    return '';
  }
}

/**
 * Waits until LibreOffice has finished writing into `dir`: no `lu*.tmp` file (it writes a save
 * there and renames it into place) and nothing changed for half a second; at most `timeoutMs`.
 * An agent's last action may be the Enter that confirms a Save dialog, and the file is written
 * after the agent has returned: closing the application then would lose it.
 */
export async function waitForWrites(dir: string, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  let last = folderState(dir);
  let stillSince = Date.now();
  while (Date.now() < end) {
    await sleep(250);
    const now = folderState(dir);
    if (now !== last) {
      last = now;
      stillSince = Date.now();
    } else if (Date.now() - stillSince >= 500 && !/(^|\|)lu\w+\.tmp:/.test(now)) return;
  }
}

/** Removes LibreOffice's `.~lock.<name>#` files in a folder (left when an instance is killed). */
export function removeLockFiles(dir: string): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return removed;
  }
  for (const n of names) {
    if (n.startsWith('.~lock.') && n.endsWith('#')) {
      fs.rmSync(path.join(dir, n), { force: true });
      removed.push(n);
    }
  }
  return removed;
}

/**
 * Starts Impress (gtk3 VCL plugin, so that the accessibility tree is there for the a11y
 * grounder) and resolves once its main window is active and the screen has settled.
 */
export async function startImpress(o: StartImpressOptions): Promise<ImpressApp> {
  const given = o.env ?? process.env;
  const env = { ...(o.workDir ? workFolderEnv(given, o.workDir, o.profileDir) : given), SAL_USE_VCLPLUGIN: 'gtk3' };
  const started = Date.now();
  const deadline = started + (o.timeoutMs ?? 90_000);
  seedQuietProfile(o.profileDir);
  const log = o.logFile ? fs.openSync(o.logFile, 'a') : 'ignore';
  let launcher: ChildProcess;
  try {
    launcher = spawn(
      'soffice',
      [
        '--impress',
        '--norestore',
        '--nologo',
        `-env:UserInstallation=${pathToFileURL(o.profileDir).href}`,
        ...(o.file ? [o.file] : []),
      ],
      { env, stdio: ['ignore', log, log], detached: false },
    );
  } finally {
    if (typeof log === 'number') fs.closeSync(log);
  }
  let exited = false;
  let spawnError: Error | null = null;
  launcher.on('exit', () => (exited = true));
  launcher.on('error', (err) => (spawnError = err));
  const launcherPid = launcher.pid;

  let binPid: number | null = null;
  const stop = async (): Promise<void> => {
    const bin = binPid ?? (launcherPid !== undefined ? childPid(launcherPid, 'soffice.bin') : null);
    if (bin !== null && alive(bin)) {
      process.kill(bin, 'SIGTERM');
      const until = Date.now() + 10_000;
      while (alive(bin) && Date.now() < until) await sleep(50);
      if (alive(bin)) process.kill(bin, 'SIGKILL');
    }
    // oosplash exits by itself once soffice.bin has; make sure.
    if (!exited && launcherPid !== undefined && alive(launcherPid)) {
      const until = Date.now() + 5000;
      while (!exited && Date.now() < until) await sleep(50);
      if (!exited) launcher.kill('SIGKILL');
    }
  };

  try {
    const windowId = await waitFor(
      'the Impress main window',
      async () => {
        if (spawnError)
          throw new Error(
            (spawnError as NodeJS.ErrnoException).code === 'ENOENT'
              ? 'soffice is not installed (Debian package libreoffice-impress)'
              : `soffice could not start: ${(spawnError as Error).message}`,
          );
        if (exited) throw new Error(`soffice exited during start-up${o.logFile ? ` (its output: ${o.logFile})` : ''}`);
        for (const pattern of STARTUP_DIALOGS) {
          for (const id of await findWindows(env, pattern)) {
            await xdotool(env, 'windowfocus', '--sync', id);
            await xdotool(env, 'key', 'Escape');
          }
        }
        const [main] = await findWindows(env, MAIN_WINDOW);
        return main !== undefined && (await activeWindow(env)) === main && main;
      },
      deadline - Date.now(),
      250,
    );
    await o.settle?.(deadline);
    binPid = launcherPid !== undefined ? childPid(launcherPid, 'soffice.bin') : null;
    if (binPid === null) throw new Error('soffice.bin not found under its launcher');
    return { pid: binPid, windowId, startupMs: Date.now() - started, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
