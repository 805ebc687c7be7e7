/**
 * The folder a command writes its output into (`export --out`), checked and created before
 * anything is written. Each missing folder is created one at a time rather than with
 * `mkdirSync({ recursive: true })`, which spins forever under /proc and reports a read-only file
 * system as ENOENT. Every problem becomes one line that names the path and the reason.
 */
import fs from 'node:fs';
import path from 'node:path';

export class OutputDirError extends Error {
  override readonly name = 'OutputDirError';
}

const REASONS: Record<string, string> = {
  EROFS: 'read-only file system',
  EACCES: 'not writable (permission denied)',
  EPERM: 'not writable (operation not permitted)',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many symbolic links',
};

function reason(err: unknown, where: string): string {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  if (code === 'ENOTDIR') return `${where} is not a directory`;
  if (code === 'ENOENT' || code === 'EEXIST') return `${where} does not allow new folders`;
  return REASONS[code] ?? (err instanceof Error ? err.message : String(err));
}

/**
 * Makes sure `dir` is a folder this process can write files into, creating missing folders.
 * Returns the absolute path; throws OutputDirError (`cannot write to DIR: REASON`) otherwise and
 * then leaves no folder of its own behind.
 */
export function prepareOutputDir(dir: string): string {
  const abs = path.resolve(dir);
  const fail = (why: string): never => {
    throw new OutputDirError(`cannot write to ${abs}: ${why}`);
  };
  // The nearest existing ancestor, and the folders to create below it (outermost first).
  const missing: string[] = [];
  let existing = abs;
  for (;;) {
    try {
      const st = fs.statSync(existing);
      if (!st.isDirectory()) fail(`${existing} is not a directory`);
      break;
    } catch (err) {
      if (err instanceof OutputDirError) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') fail(reason(err, existing));
      const parent = path.dirname(existing);
      if (parent === existing) fail(reason(err, existing));
      missing.unshift(existing);
      existing = parent;
    }
  }
  const created: string[] = [];
  const undo = () => {
    for (const d of created.reverse()) fs.rmSync(d, { recursive: true, force: true });
  };
  try {
    for (const d of missing) {
      try {
        fs.mkdirSync(d);
      } catch (err) {
        fail(reason(err, path.dirname(d)));
      }
      created.push(d);
    }
    // A folder can exist and still refuse files (permissions, a read-only mount, /sys).
    const probe = path.join(abs, `.pcagent-write-test-${process.pid}`);
    try {
      fs.closeSync(fs.openSync(probe, 'wx'));
      fs.rmSync(probe, { force: true });
    } catch (err) {
      fail(reason(err, abs));
    }
  } catch (err) {
    undo();
    throw err;
  }
  return abs;
}
