import fs from 'node:fs';
import { processAlive } from '../library/recorder-lock.js';

/** How often the parent is checked: a recorder left without its parent stops within this. */
const POLL_MS = 1_000;
/** Wrappers that run us as a child without passing signals on (`npx` runs bins under `sh -c`). */
const WRAPPERS = new Set(['sh', 'dash', 'bash', 'zsh', 'npm', 'npx', 'npm exec']);

function commandName(pid: number): string | null {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return null;
  }
}

function parentOf(pid: number): number | null {
  try {
    // Field 4 of /proc/PID/stat, after the command name in parentheses (which may hold spaces).
    const rest = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!;
    return Number(rest.split(' ')[1]);
  } catch {
    return null;
  }
}

/**
 * Calls `onGone` once when the process that started us dies, so that a recorder whose script
 * or terminal went away never keeps recording. Watches the parent and, on Linux, while the
 * parent is a shell or npm wrapper, the process above it too (the one a script really started
 * and would signal). Returns a function that stops watching.
 */
export function watchParent(onGone: (pid: number) => void): () => void {
  const watched = [process.ppid];
  if (process.platform === 'linux') {
    for (let pid = process.ppid; watched.length < 4;) {
      const name = commandName(pid);
      const up = parentOf(pid);
      if (!name || !(WRAPPERS.has(name) || name.startsWith('npm')) || !up || up <= 1) break;
      watched.push(up);
      pid = up;
    }
  }
  const timer = setInterval(() => {
    // Re-parenting (to init or a subreaper) also means the parent is gone, even if its pid was reused.
    const gone = process.ppid !== watched[0] ? watched[0]! : watched.find((pid) => !processAlive(pid));
    if (gone !== undefined) {
      clearInterval(timer);
      onGone(gone);
    }
  }, POLL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
