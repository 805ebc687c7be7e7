import { createHash, type Hash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { sha256File } from './checksum.js';
import { findModel, type ModelEntry, type ModelFile, type ModelLookup } from './manifest.js';

/**
 * Downloads a model's files over HTTP(S). A download goes to `<file>.part`; an interrupted one
 * resumes from the part's length with a Range request; the finished file is checked against
 * the manifest's size and SHA-256 before it is renamed into place, so a model path never
 * points at a partial or corrupt file.
 */

export interface PullProgress {
  readonly id: string;
  readonly path: string;
  readonly received: number;
  readonly total: number;
}

export interface PullOptions extends Pick<ModelLookup, 'manifest'> {
  /** Folder the file paths are resolved against; defaults to the model's http(s) source. */
  readonly baseUrl?: string;
  /** Usually `modelsDir(dataDir)`. */
  readonly destDir: string;
  readonly onProgress?: (progress: PullProgress) => void;
  readonly signal?: AbortSignal;
}

export interface PulledFile {
  readonly path: string;
  readonly dest: string;
  /** Bytes already in the `.part` file that were kept (0 for a fresh download). */
  readonly resumedFrom: number;
  readonly downloaded: number;
  /** The file was already in place with the right checksum. */
  readonly alreadyPresent: boolean;
}

export async function pullModel(id: string, options: PullOptions): Promise<PulledFile[]> {
  const entry = findModel(id, options);
  const base = options.baseUrl ?? (/^https?:\/\//.test(entry.source) ? entry.source : undefined);
  if (!base) throw new Error(`model ${id} comes from ${entry.source}: pass baseUrl to pull it from a mirror`);
  const pulled: PulledFile[] = [];
  for (const file of entry.files) pulled.push(await pullFile(entry, file, fileUrl(base, file.path), options));
  return pulled;
}

function fileUrl(base: string, filePath: string): URL {
  return new URL(filePath, base.endsWith('/') ? base : `${base}/`);
}

async function pullFile(entry: ModelEntry, file: ModelFile, url: URL, options: PullOptions): Promise<PulledFile> {
  const dest = path.join(options.destDir, file.path);
  if (fs.existsSync(dest) && fs.statSync(dest).size === file.size && (await sha256File(dest)) === file.sha256) {
    return { path: file.path, dest, resumedFrom: 0, downloaded: 0, alreadyPresent: true };
  }
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const part = `${dest}.part`;
  let offset = fs.existsSync(part) ? fs.statSync(part).size : 0;
  if (offset > file.size) offset = 0;

  const report = (received: number): void =>
    options.onProgress?.({ id: entry.id, path: file.path, received, total: file.size });

  let downloaded = 0;
  let hash: Hash;
  if (offset === file.size) {
    hash = await hashPrefix(part);
  } else {
    const headers: Record<string, string> = offset > 0 ? { Range: `bytes=${offset}-` } : {};
    const res = await fetch(url, { headers, signal: options.signal });
    if (res.status === 200) {
      // The server ignored the Range header: start over.
      offset = 0;
    } else if (res.status === 206) {
      const start = /^bytes (\d+)-/.exec(res.headers.get('content-range') ?? '')?.[1];
      if (Number(start) !== offset) throw new Error(`${url}: server resumed at byte ${start}, expected ${offset}`);
    } else {
      throw new Error(`${url}: HTTP ${res.status} ${res.statusText}`);
    }
    if (!res.body) throw new Error(`${url}: empty response`);
    hash = offset > 0 ? await hashPrefix(part) : createHash('sha256');
    const fd = fs.openSync(part, offset > 0 ? 'a' : 'w');
    try {
      report(offset);
      const reader = res.body.getReader();
      for (let next = await reader.read(); !next.done; next = await reader.read()) {
        fs.writeSync(fd, next.value);
        hash.update(next.value);
        downloaded += next.value.byteLength;
        report(offset + downloaded);
      }
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }

  const size = fs.statSync(part).size;
  const sha256 = hash.digest('hex');
  if (size !== file.size || sha256 !== file.sha256) {
    fs.rmSync(part, { force: true });
    throw new Error(
      `${url}: checksum mismatch (got ${size} bytes, sha256 ${sha256}; expected ${file.size} bytes, sha256 ${file.sha256})`,
    );
  }
  fs.renameSync(part, dest);
  return { path: file.path, dest, resumedFrom: offset, downloaded, alreadyPresent: false };
}

/** A hash already fed with the bytes kept from an earlier, interrupted download. */
async function hashPrefix(file: string): Promise<Hash> {
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash;
}
