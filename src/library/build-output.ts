/**
 * Browser code that `npm run build` bundles into dist/ (the app's renderer, the HTML export's
 * trajectory viewer): writing a build, and reading it back only while it is current. A build lists
 * the checkout's files it was made from (`inputs.json`); when any of them is newer than the build
 * (a checkout edited since, tests under vitest) the caller bundles in memory instead. A packaged
 * app ships no sources and always uses its build.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { BuildOptions } from 'esbuild';

const INPUTS_FILE = 'inputs.json';

/** The files a build read, relative to the root with `/`: esbuild's inputs (not node_modules) plus `extra`. */
export function buildInputs(bundled: readonly string[], extra: readonly string[]): string[] {
  return [...bundled.filter((f) => !f.includes('node_modules')), ...extra].map((f) => f.split(path.sep).join('/'));
}

/**
 * Writes `files` (name → text) to `outDir` with the inputs list; `stamp` (one of the names) last:
 * its time is the build's time, which the sources are compared with.
 */
export function writeBuildOutput(
  outDir: string,
  files: Readonly<Record<string, string>>,
  stamp: string,
  inputs: readonly string[],
): void {
  fs.mkdirSync(outDir, { recursive: true });
  for (const [name, text] of Object.entries(files)) if (name !== stamp) fs.writeFileSync(path.join(outDir, name), text);
  fs.writeFileSync(path.join(outDir, INPUTS_FILE), `${JSON.stringify(inputs, null, 2)}\n`);
  fs.writeFileSync(path.join(outDir, stamp), files[stamp] ?? '');
}

/**
 * The build's files `names` (name → text), or null when there is none or, where the checkout has
 * the sources (`haveSources`), when one of its inputs is newer than `stamp` or gone.
 */
export function readBuildOutput<N extends string>(
  outDir: string,
  root: string,
  names: readonly N[],
  stamp: N,
  haveSources: boolean,
): Record<N, string> | null {
  let builtAt: number;
  let inputs: unknown;
  try {
    builtAt = fs.statSync(path.join(outDir, stamp)).mtimeMs;
    inputs = JSON.parse(fs.readFileSync(path.join(outDir, INPUTS_FILE), 'utf8'));
  } catch {
    return null;
  }
  if (!Array.isArray(inputs)) return null;
  if (haveSources) {
    for (const input of inputs) {
      const stat = typeof input === 'string' ? fs.statSync(path.join(root, input), { throwIfNoEntry: false }) : null;
      if (!stat || stat.mtimeMs > builtAt) return null;
    }
  }
  try {
    return Object.fromEntries(names.map((n) => [n, fs.readFileSync(path.join(outDir, n), 'utf8')])) as Record<
      N,
      string
    >;
  } catch {
    return null;
  }
}

/**
 * The esbuild options every browser bundle of ours shares (the renderer, the trajectory
 * viewer): one in-memory, unminified, self-contained bundle and its input list (metafile).
 */
const BROWSER_BUNDLE = {
  bundle: true,
  platform: 'browser',
  write: false,
  metafile: true,
  minify: false,
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'silent',
} as const;

/** What a browser bundle differs in: its entry file, output format and targets, JSX. */
export type BrowserBundleOptions = Pick<BuildOptions, 'format' | 'target' | 'jsx' | 'jsxImportSource'>;

/**
 * Bundles `entry` (under `root`) for the browser with esbuild, imported lazily (a packaged app
 * does not ship it): the script and the files it was made from (esbuild's, relative to `root`).
 * `what` names the bundle in the error when esbuild produces nothing.
 */
export async function bundleForBrowser(
  root: string,
  entry: string,
  options: BrowserBundleOptions,
  what: string,
): Promise<{ js: string; bundled: string[] }> {
  const { build } = await import('esbuild');
  const result = await build({ ...BROWSER_BUNDLE, absWorkingDir: root, entryPoints: [entry], ...options });
  const js = result.outputFiles[0]?.text;
  if (js === undefined) throw new Error(`bundling ${what} produced no output`);
  return { js, bundled: Object.keys(result.metafile.inputs) };
}
