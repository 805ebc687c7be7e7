/**
 * A private desktop (`pcagent eval --display auto`, and the end-to-end tests' harness): an Xvfb
 * screen of a chosen size with what LibreOffice and the agents need on it — a D-Bus session
 * bus, the AT-SPI bus launcher (the accessibility tree) and openbox (without a window manager
 * new dialogs get no keyboard focus). The eval runner starts one per screen size, so
 * `--perturb resolution=WxH` gets a fresh screen of that size. Debian packages: xvfb x11-utils
 * openbox dbus at-spi2-core.
 *
 * Every daemon runs in its own process group so that stop() also ends what it spawned (the
 * accessibility bus's dbus-daemon and registry); groups still running when this process exits
 * without stop() are killed then.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';

export interface DesktopOptions {
  /** Colour depth; default 24. */
  readonly depth?: number;
  /** true: `+extension RECORD`, false: `-extension RECORD`; default: Xvfb's own default. */
  readonly record?: boolean;
  /** Prefix of the scratch directory's name in the system temp folder. */
  readonly dirPrefix?: string;
}

export interface OwnedDesktop {
  /** ':N' */
  readonly display: string;
  readonly width: number;
  readonly height: number;
  /** Environment for programs on this desktop: DISPLAY, DBUS_SESSION_BUS_ADDRESS, XDG_* … */
  readonly env: NodeJS.ProcessEnv;
  /** Private scratch directory (runtime dir, XDG dirs, the daemons' log); removed by stop(). */
  readonly dir: string;
  stop(): Promise<void>;
}

/** Start-up failed; `log` is the end of what the daemons wrote (the scratch dir is gone). */
export class DesktopStartError extends Error {
  constructor(
    message: string,
    readonly log: string,
  ) {
    super(message);
  }
}

const AT_SPI_LAUNCHERS = ['/usr/libexec/at-spi-bus-launcher', '/usr/lib/at-spi2-core/at-spi-bus-launcher'];

// ---------------------------------------------------------------------------------------
// daemons

interface Daemon {
  readonly name: string;
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  /** Whether the process has exited. */
  readonly done: boolean;
}

/** Process groups still running, killed if this process exits without stop(). */
const liveGroups = new Set<number>();
let exitHookInstalled = false;

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  }
}

/**
 * Spawns `cmd` in its own process group, stdout and stderr appended to `logFile`.
 * `reports`: the daemon writes its address on stdout (dbus-daemon) or fd 3 (Xvfb), piped.
 */
function spawnDaemon(
  name: string,
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  logFile: string,
  reports?: 'stdout' | 'fd3',
): Daemon {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => liveGroups.forEach((pid) => killGroup(pid, 'SIGKILL')));
  }
  const log = fs.openSync(logFile, 'a');
  const child = spawn(cmd, args, {
    env,
    detached: true,
    stdio: ['ignore', reports === 'stdout' ? 'pipe' : log, log, reports === 'fd3' ? 'pipe' : 'ignore'],
  });
  fs.closeSync(log);
  let done = false;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  void exited.then(() => {
    done = true;
    if (child.pid) liveGroups.delete(child.pid);
  });
  if (child.pid) liveGroups.add(child.pid);
  return {
    name,
    child,
    exited,
    get done() {
      return done;
    },
  };
}

/** SIGTERM to the daemon's whole group, SIGKILL after `graceMs`. */
async function stopDaemon(d: Daemon, graceMs = 3000): Promise<void> {
  const pid = d.child.pid;
  if (pid === undefined) return;
  if (!d.done) {
    killGroup(pid, 'SIGTERM');
    await within(d.exited, graceMs);
  }
  killGroup(pid, 'SIGKILL'); // leftovers in the group (e.g. children that ignored SIGTERM)
  await d.exited;
  liveGroups.delete(pid);
}

/** Whether `p` settles within `ms` (without leaving a timer that keeps the process alive). */
async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([p.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The first line a daemon writes on `stream` (Xvfb -displayfd, dbus-daemon --print-address). */
function firstLine(stream: Readable | null | undefined, d: Daemon, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    if (!stream) return reject(new Error(`${d.name}: no pipe`));
    let buf = '';
    const fail = (why: string): void => {
      clearTimeout(timer);
      reject(new Error(`${d.name} ${why}`));
    };
    const timer = setTimeout(() => fail(`did not start within ${timeoutMs} ms`), timeoutMs);
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      buf += chunk;
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(buf.slice(0, nl).trim());
      }
    });
    void d.exited.then(() => fail('exited during start-up (is it installed?)'));
  });
}

// ---------------------------------------------------------------------------------------
// commands on the desktop

/** Runs a program with `env` and returns its stdout (trimmed); the error carries its stderr. */
export function runOn(env: NodeJS.ProcessEnv, cmd: string, args: string[], timeoutMs = 15_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')}: ${err.message}\n${stderr}`));
      else resolve(stdout.trim());
    });
  });
}

/**
 * Polls `probe` until it returns a value other than null/undefined/false. A probe that
 * throws ends the wait with its error (so "soffice exited" fails at once, not at the timeout).
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false>,
  timeoutMs = 20_000,
  intervalMs = 100,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null && value !== undefined && value !== false) return value;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** A probe's "not yet" for commands that fail until the thing waited for is up. */
const notYet = (): false => false;

function busCall(env: NodeJS.ProcessEnv, dest: string, objectPath: string, method: string, ...args: string[]) {
  return runOn(
    env,
    'dbus-send',
    ['--session', '--print-reply=literal', `--dest=${dest}`, objectPath, method, ...args],
    5000,
  );
}

/** The end of a log file, or '(no log)'. */
function logTail(file: string, chars = 2000): string {
  try {
    return fs.readFileSync(file, 'utf8').slice(-chars);
  } catch {
    return '(no log)';
  }
}

// ---------------------------------------------------------------------------------------
// the desktop

/**
 * Starts a private desktop of `width`×`height`: Xvfb on a free display, then a D-Bus session
 * bus, the AT-SPI bus launcher and openbox. Xvfb picks the display number itself
 * (`-displayfd`: it probes the lock files and /tmp/.X11-unix atomically), so concurrent runs
 * never race for one. On failure a DesktopStartError (one line) and nothing left running.
 */
export async function startOwnedDesktop(
  width: number,
  height: number,
  options: DesktopOptions = {},
): Promise<OwnedDesktop> {
  const { depth = 24, record, dirPrefix = 'pcagent-eval-x-' } = options;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), dirPrefix));
  const runtimeDir = path.join(dir, 'runtime');
  fs.mkdirSync(runtimeDir, { mode: 0o700 });
  const log = path.join(dir, 'desktop.log');
  const daemons: Daemon[] = [];
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    for (const d of [...daemons].reverse()) await stopDaemon(d);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    const recordArgs = record === undefined ? [] : [record ? '+extension' : '-extension', 'RECORD'];
    const xvfb = spawnDaemon(
      'Xvfb',
      'Xvfb',
      ['-displayfd', '3', '-screen', '0', `${width}x${height}x${depth}`, ...recordArgs, '-nolisten', 'tcp', '-noreset'],
      process.env,
      log,
      'fd3',
    );
    daemons.push(xvfb);
    const display = `:${await firstLine(xvfb.child.stdio[3] as Readable, xvfb, 20_000)}`;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DISPLAY: display,
      // Private dirs: the AT-SPI bus socket lives in XDG_RUNTIME_DIR; own config, data and
      // cache homes keep the user's openbox/GTK settings out of this desktop (and its files
      // out of theirs).
      XDG_RUNTIME_DIR: runtimeDir,
      XDG_CONFIG_HOME: path.join(dir, 'config'),
      XDG_DATA_HOME: path.join(dir, 'data'),
      XDG_CACHE_HOME: path.join(dir, 'cache'),
      GDK_BACKEND: 'x11',
      GSETTINGS_BACKEND: 'memory',
    };
    delete env.WAYLAND_DISPLAY;
    delete env.NO_AT_BRIDGE; // "1" would switch GTK's accessibility bridge off
    delete env.DBUS_SESSION_BUS_ADDRESS;
    delete env.AT_SPI_BUS_ADDRESS;
    await waitFor('the X server', () => runOn(env, 'xdpyinfo', ['-display', display]).then(() => true, notYet), 10_000);

    // A socket path, not an abstract socket: dbus-next (the accessibility provider) cannot reach
    // abstract sockets without an optional native module.
    const bus = spawnDaemon(
      'dbus-daemon',
      'dbus-daemon',
      ['--session', '--nofork', '--print-address=1', `--address=unix:path=${path.join(runtimeDir, 'bus')}`],
      env,
      log,
      'stdout',
    );
    daemons.push(bus);
    env.DBUS_SESSION_BUS_ADDRESS = await firstLine(bus.child.stdout, bus, 10_000);

    const launcher = AT_SPI_LAUNCHERS.find((p) => fs.existsSync(p));
    if (!launcher) throw new Error('at-spi-bus-launcher not found (Debian package at-spi2-core)');
    daemons.push(spawnDaemon('at-spi-bus-launcher', launcher, ['--launch-immediately'], env, log));
    // NameHasOwner does not auto-start the service, which could race a second launcher.
    await waitFor('the AT-SPI bus launcher', () =>
      busCall(
        env,
        'org.freedesktop.DBus',
        '/org/freedesktop/DBus',
        'org.freedesktop.DBus.NameHasOwner',
        'string:org.a11y.Bus',
      ).then((reply) => reply.includes('true'), notYet),
    );
    await waitFor('the AT-SPI bus', () =>
      busCall(env, 'org.a11y.Bus', '/org/a11y/bus', 'org.a11y.Bus.GetAddress').then((r) => r.includes(':'), notYet),
    );

    daemons.push(spawnDaemon('openbox', 'openbox', [], env, log));
    await waitFor('openbox', () =>
      runOn(env, 'xprop', ['-root', '_NET_SUPPORTING_WM_CHECK']).then((out) => out.includes('window id'), notYet),
    );
    return { display, width, height, env, dir, stop };
  } catch (err) {
    const tail = logTail(log);
    await stop();
    throw new DesktopStartError(`could not start a ${width}x${height} desktop: ${(err as Error).message}`, tail);
  }
}
