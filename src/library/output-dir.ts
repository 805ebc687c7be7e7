/**
 * Output folders chosen by the user (`export --out`, `complete --batch-out`, eval reports):
 * created one level at a time, and every way it can fail said in one line that names the path
 * and the reason. Node's recursive mkdir spins forever on some pseudo file systems (/proc
 * answers ENOENT for a folder it will never create) and reports raw codes elsewhere.
 */
import fs from 'node:fs';
import path from 'node:path';

export class OutputPathError extends Error {
  override readonly name = 'OutputPathError';
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`cannot write to ${path}: ${reason}`);
  }
}

const REASONS: Record<string, string> = {
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'not permitted',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  ENOTDIR: 'a part of the path is not a folder',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many symbolic links',
  // /proc, /sys and similar refuse new folders this way.
  ENOENT: 'folders cannot be created there',
};

/** The one-line reason for a file-system error code. */
export function fileSystemReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return (code && REASONS[code]) ?? (err instanceof Error ? err.message : String(err));
}

function probeWritable(dir: string): void {
  // access(W_OK) passes for root on read-only mounts of some kinds and on /proc: create and
  // remove a file instead, which is what the export will do.
  const probe = path.join(dir, `.pcagent-probe-${process.pid}`);
  try {
    fs.writeFileSync(probe, '');
    fs.rmSync(probe, { force: true });
  } catch (err) {
    throw new OutputPathError(dir, fileSystemReason(err));
  }
}

/**
 * Makes sure `dir` is a folder we can write in, creating it and its missing parents. Returns
 * the absolute path. Throws OutputPathError naming the first path that fails and why.
 */
export function ensureOutputDir(dir: string): string {
  const abs = path.resolve(dir);
  const missing: string[] = [];
  let at = abs;
  for (;;) {
    let stat: fs.Stats | null = null;
    try {
      stat = fs.statSync(at);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // ENOTDIR: a file stands somewhere above; walking up names that file.
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw new OutputPathError(at, fileSystemReason(err));
    }
    if (stat) {
      if (!stat.isDirectory()) throw new OutputPathError(at, 'not a folder');
      break;
    }
    missing.unshift(at);
    const parent = path.dirname(at);
    if (parent === at) throw new OutputPathError(at, 'no such file system');
    at = parent;
  }
  for (const m of missing) {
    try {
      fs.mkdirSync(m);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST' && fs.statSync(m).isDirectory()) continue;
      throw new OutputPathError(m, fileSystemReason(err));
    }
  }
  probeWritable(abs);
  return abs;
}
