/**
 * A desktop the eval runner owns (`pcagent eval --display auto`): a private Xvfb screen of a
 * chosen size with what LibreOffice and the agents need on it — a D-Bus session bus, the AT-SPI
 * bus launcher (the accessibility tree) and openbox (without a window manager new dialogs get
 * no keyboard focus). The runner starts one per screen size, so `--perturb resolution=WxH`
 * gets a fresh screen of that size. Debian packages: xvfb x11-utils openbox dbus at-spi2-core.
 *
 * Every daemon runs in its own process group so that stop() also ends what it spawned (the
 * accessibility bus's dbus-daemon and registry).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';

export interface OwnedDesktop {
  /** ':N' */
  readonly display: string;
  readonly width: number;
  readonly height: number;
  /** Environment for programs on this desktop: DISPLAY, DBUS_SESSION_BUS_ADDRESS, XDG_* … */
  readonly env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

const AT_SPI_LAUNCHERS = ['/usr/libexec/at-spi-bus-launcher', '/usr/lib/at-spi2-core/at-spi-bus-launcher'];
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

interface Daemon {
  readonly name: string;
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
}

/** `reports`: the daemon writes its address on stdout (dbus-daemon) or fd 3 (Xvfb). */
function spawnDaemon(
  name: string,
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  log: number,
  reports?: 'stdout' | 'fd3',
): Daemon {
  const child = spawn(cmd, args, {
    env,
    detached: true,
    stdio: ['ignore', reports === 'stdout' ? 'pipe' : log, log, reports === 'fd3' ? 'pipe' : 'ignore'],
  });
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  return { name, child, exited };
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

async function stopDaemon(d: Daemon): Promise<void> {
  killGroup(d.child.pid, 'SIGTERM');
  const timer = sleep(3000).then(() => killGroup(d.child.pid, 'SIGKILL'));
  await Promise.race([d.exited, timer]);
  killGroup(d.child.pid, 'SIGKILL');
  await d.exited;
}

/** The first line a daemon writes on `stream` (Xvfb -displayfd, dbus-daemon --print-address). */
function firstLine(stream: Readable | null, d: Daemon, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    if (!stream) return reject(new Error(`${d.name}: no pipe`));
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`${d.name} did not start within ${timeoutMs} ms`)), timeoutMs);
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      buf += chunk;
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(buf.slice(0, nl).trim());
      }
    });
    void d.exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${d.name} exited during start-up (is it installed?)`));
    });
  });
}

function exec(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(cmd, args, { env, timeout: 5000 }, (err, stdout) => (err ? reject(err) : resolve(stdout))),
  );
}

async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** Starts a private desktop of `width`×`height`; one line on failure, nothing left running. */
export async function startOwnedDesktop(width: number, height: number): Promise<OwnedDesktop> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pcagent-eval-x-'));
  const runtimeDir = path.join(dir, 'runtime');
  fs.mkdirSync(runtimeDir, { mode: 0o700 });
  const log = fs.openSync(path.join(dir, 'desktop.log'), 'a');
  const daemons: Daemon[] = [];
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    for (const d of [...daemons].reverse()) await stopDaemon(d);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    // Xvfb picks a free display number itself (-displayfd), so concurrent runs never race.
    const xvfb = spawnDaemon(
      'Xvfb',
      'Xvfb',
      ['-displayfd', '3', '-screen', '0', `${width}x${height}x24`, '-nolisten', 'tcp', '-noreset'],
      process.env,
      log,
      'fd3',
    );
    daemons.push(xvfb);
    const display = `:${await firstLine(xvfb.child.stdio[3] as Readable, xvfb, 20_000)}`;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DISPLAY: display,
      XDG_RUNTIME_DIR: runtimeDir,
      XDG_CONFIG_HOME: path.join(dir, 'config'),
      XDG_CACHE_HOME: path.join(dir, 'cache'),
      GDK_BACKEND: 'x11',
      GSETTINGS_BACKEND: 'memory',
    };
    delete env.WAYLAND_DISPLAY;
    delete env.NO_AT_BRIDGE; // "1" would switch GTK's accessibility bridge off
    delete env.DBUS_SESSION_BUS_ADDRESS;
    delete env.AT_SPI_BUS_ADDRESS;
    await waitFor('the X server', () => exec('xdpyinfo', ['-display', display], env).then(() => true));

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
    const dbusSend = (...args: string[]) => exec('dbus-send', ['--session', '--print-reply=literal', ...args], env);
    await waitFor('the AT-SPI bus', () =>
      dbusSend('--dest=org.a11y.Bus', '/org/a11y/bus', 'org.a11y.Bus.GetAddress').then((r) => r.includes(':')),
    );

    daemons.push(spawnDaemon('openbox', 'openbox', [], env, log));
    await waitFor('openbox', () =>
      exec('xprop', ['-root', '_NET_SUPPORTING_WM_CHECK'], env).then((out) => out.includes('window id')),
    );
    return { display, width, height, env, stop };
  } catch (err) {
    await stop();
    throw new Error(`could not start a ${width}x${height} desktop: ${(err as Error).message}`);
  } finally {
    fs.closeSync(log);
  }
}
