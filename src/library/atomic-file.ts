import fs from 'node:fs';
import path from 'node:path';

/**
 * Writes a file so that readers (and a process that crashes half-way) never see a partial one:
 * temporary file in the same folder, fsync, rename. The row that points at the file is
 * committed only after this returns, so a frame row never points at a missing file.
 */
export function writeFileAtomic(
  target: string,
  data: Uint8Array,
  options: { fsync?: boolean; mode?: number } = {},
): void {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const tmp = `${target}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, 'w', options.mode);
  try {
    try {
      // A temporary file left by a crash keeps its old mode on open: set it (secrets are 0600).
      if (options.mode !== undefined) fs.fchmodSync(fd, options.mode);
      writeAll(fd, data);
      if (options.fsync !== false) fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, target);
  } catch (err) {
    // A full disk must not leave a partial temporary file taking the space that is left.
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/** writeSync may write less than asked (e.g. near a full disk): loop until done or it throws. */
function writeAll(fd: number, data: Uint8Array): void {
  for (let off = 0; off < data.byteLength;) off += fs.writeSync(fd, data, off, data.byteLength - off);
}

/** Text file written atomically (exports: never a half-written file under its final name). */
export function writeTextAtomic(target: string, text: string): void {
  writeFileAtomic(target, Buffer.from(text, 'utf8'), { fsync: false });
}

/** Copies a file atomically (same guarantees as writeFileAtomic). */
export function copyFileAtomic(source: string, target: string): void {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const tmp = `${target}.tmp-${process.pid}`;
  try {
    fs.copyFileSync(source, tmp);
    fs.renameSync(tmp, target);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}
