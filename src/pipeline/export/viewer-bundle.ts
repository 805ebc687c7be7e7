/**
 * The trajectory viewer (`src/viewer/`: script and style sheet) as the HTML export inlines it.
 * `npm run build` (tools/build-viewer.mjs) writes it to dist/viewer, so a packaged app, which
 * ships neither the sources nor esbuild, only reads files; a checkout whose viewer sources are
 * newer than that build (tests under vitest, development) bundles it in memory instead.
 */
import fs from 'node:fs';
import path from 'node:path';
import { bundleForBrowser, buildInputs, readBuildOutput, writeBuildOutput } from '../../library/build-output.js';

/** The viewer's script (one classic script, no imports) and its style sheet, ready to inline. */
export interface ViewerBundle {
  js: string;
  css: string;
}

/** The checkout (or the packaged app's root): three levels up from `src/pipeline/export` and `dist/pipeline/export`. */
const PROJECT_ROOT = path.resolve(import.meta.dirname, '..', '..', '..');

/** Where `npm run build` writes the viewer. */
export const BUILT_VIEWER_DIR = path.join(PROJECT_ROOT, 'dist', 'viewer');

const SCRIPT_FILE = 'trajectory.js';
const STYLE_FILE = 'trajectory.css';

/** The viewer's sources, `src/viewer` of the checkout; null in a packaged app (only dist/ ships). */
function sourcesDir(root: string): string | null {
  const dir = path.join(root, 'src', 'viewer');
  return fs.existsSync(path.join(dir, 'trajectory.ts')) ? dir : null;
}

/**
 * Bundles the viewer with esbuild (imported lazily). An IIFE, not a module: the page's inline
 * frame scripts call `window.pcv` synchronously while the file is still loading, and a module
 * script would run only after the whole file has been parsed.
 */
async function bundleViewer(root: string): Promise<ViewerBundle & { inputs: string[] }> {
  const dir = sourcesDir(root);
  if (!dir) throw new Error(`cannot find the trajectory viewer sources (src/viewer/trajectory.ts) under ${root}`);
  const { js, bundled } = await bundleForBrowser(
    root,
    path.join(dir, 'trajectory.ts'),
    // Exported pages are opened in whatever browser the reader has, not only Electron's Chromium.
    { format: 'iife', target: ['es2020', 'chrome90', 'firefox90', 'safari14'] },
    'the trajectory viewer',
  );
  const css = path.relative(root, path.join(dir, STYLE_FILE));
  return { js, css: fs.readFileSync(path.join(root, css), 'utf8'), inputs: buildInputs(bundled, [css]) };
}

/** Writes the viewer to `outDir` (trajectory.js, trajectory.css, inputs.json): `npm run build`. */
export async function buildViewer(outDir = BUILT_VIEWER_DIR, root = PROJECT_ROOT): Promise<void> {
  const { js, css, inputs } = await bundleViewer(root);
  writeBuildOutput(outDir, { [STYLE_FILE]: css, [SCRIPT_FILE]: js }, SCRIPT_FILE, inputs);
}

/**
 * The viewer built by `npm run build`, or null when there is none or when it is older than the
 * sources it was built from. In a packaged app there are no sources and the build is always used.
 */
export function readPrebuiltViewer(dir = BUILT_VIEWER_DIR, root = PROJECT_ROOT): ViewerBundle | null {
  const files = readBuildOutput(dir, root, [SCRIPT_FILE, STYLE_FILE], SCRIPT_FILE, sourcesDir(root) !== null);
  return files && { js: files[SCRIPT_FILE], css: files[STYLE_FILE] };
}

let cached: Promise<ViewerBundle> | null = null;

/** The viewer, once per process: the build when it is current, else bundled in memory. */
export function loadViewerBundle(): Promise<ViewerBundle> {
  cached ??= (async () => {
    const { js, css } = readPrebuiltViewer() ?? (await bundleViewer(PROJECT_ROOT));
    // Inlined into <script> / <style>: text that would end the element early must not occur.
    if (/<\/script/i.test(js) || /<\/style/i.test(css)) {
      throw new Error('the trajectory viewer bundle contains a closing </script> or </style> tag');
    }
    return { js, css };
  })();
  cached.catch(() => (cached = null));
  return cached;
}
