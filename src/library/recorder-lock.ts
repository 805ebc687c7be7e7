import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Lock files of live recordings, one per recording, under the data directory. */
export const LOCKS_DIR = 'locks';

/**
 * Who records a recording: enough to tell, from any process on any boot, whether that recorder
 * can still be alive. The boot id tells a lock left by a power cut from one whose pid was reused
 * after a reboot; the host keeps a data directory shared over the network from judging another
 * machine's processes.
 */
export interface RecorderLock {
  recordingId: number;
  pid: number;
  bootId: string;
  host: string;
  /** The screen it records (X display, or `desktop`), for refusing a second recorder on it. */
  screen: string;
  since: number;
}

let cachedBootId: string | undefined;

/** Linux: the kernel's boot id; elsewhere the boot time to the minute (uptime drifts by seconds). */
export function bootId(): string {
  if (cachedBootId !== undefined) return cachedBootId;
  try {
    cachedBootId = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    cachedBootId = `boot-${Math.round((Date.now() - os.uptime() * 1000) / 60_000)}`;
  }
  return cachedBootId;
}

/** The screen this process would record: the X display on Linux, else the one desktop. */
export function currentScreen(): string {
  return process.platform === 'linux' ? (process.env.DISPLAY ?? ':0') : 'desktop';
}

export function lockPath(home: string, recordingId: number): string {
  return path.join(home, LOCKS_DIR, `recording-${recordingId}.json`);
}

/** Written before the recording row commits, so a reader that sees the row sees the lock. */
export function writeRecorderLock(home: string, recordingId: number, now = Date.now()): RecorderLock {
  const lock: RecorderLock = {
    recordingId,
    pid: process.pid,
    bootId: bootId(),
    host: os.hostname(),
    screen: currentScreen(),
    since: now,
  };
  const file = lockPath(home, recordingId);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // Tiny and rewritten only at start: a plain write is enough (a torn file reads as no lock,
  // which makes the recording interrupted — the same verdict as a recorder that died).
  fs.writeFileSync(file, JSON.stringify(lock));
  return lock;
}

export function readRecorderLock(home: string, recordingId: number): RecorderLock | null {
  try {
    const lock = JSON.parse(fs.readFileSync(lockPath(home, recordingId), 'utf8')) as RecorderLock;
    return typeof lock.pid === 'number' && typeof lock.bootId === 'string' ? lock : null;
  } catch {
    return null;
  }
}

export function removeRecorderLock(home: string, recordingId: number): void {
  fs.rmSync(lockPath(home, recordingId), { force: true });
}

/** All lock files present (live or stale). */
export function listRecorderLocks(home: string): RecorderLock[] {
  let names: string[];
  try {
    names = fs.readdirSync(path.join(home, LOCKS_DIR));
  } catch {
    return [];
  }
  const locks: RecorderLock[] = [];
  for (const name of names) {
    const m = /^recording-(\d+)\.json$/.exec(name);
    const lock = m ? readRecorderLock(home, Number(m[1])) : null;
    if (lock) locks.push(lock);
  }
  return locks;
}

/**
 * Whether the recorder behind a lock may still run. Another host's recorder is assumed alive
 * (we cannot see its processes); on this host it is alive when it is from this boot and its
 * pid exists.
 */
export function recorderAlive(lock: RecorderLock | null): boolean {
  if (!lock) return false;
  if (lock.host !== os.hostname()) return true;
  if (lock.bootId !== bootId()) return false;
  return lock.pid === process.pid || processAlive(lock.pid);
}

/** Whether a process with this id exists on this machine. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
