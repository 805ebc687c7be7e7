import fs from 'node:fs';
import path from 'node:path';
import { bundleForBrowser, buildInputs, readBuildOutput, writeBuildOutput } from '../library/build-output.js';

/** The renderer as the browser (or Electron's window) loads it: one page, one script, one style sheet. */
export interface RendererBundle {
  html: string;
  js: string;
  css: string;
}

/** The checkout (or the packaged app's root): two levels up from `src/server` and `dist/server` alike. */
export const PROJECT_ROOT = path.resolve(import.meta.dirname, '..', '..');

/** Where `npm run build` writes the renderer (`tools/build-renderer.mjs`); packaged with the app. */
export const BUILT_RENDERER_DIR = path.join(PROJECT_ROOT, 'dist', 'renderer');

/** The renderer's sources, `src/renderer` of the checkout; null in a packaged app (only dist/ ships). */
function sourcesDir(root: string): string | null {
  const dir = path.join(root, 'src', 'renderer');
  return fs.existsSync(path.join(dir, 'main.ts')) ? dir : null;
}

/** The renderer's sources, for bundling; an error when they are not there. */
export function rendererDir(root = PROJECT_ROOT): string {
  const dir = sourcesDir(root);
  if (!dir) throw new Error(`cannot find the renderer sources (src/renderer/main.ts) under ${root}`);
  return dir;
}

/**
 * The page's one style sheet, concatenated from these: the app's own, then the trajectory
 * viewer's (`tv-*` classes), the one source of the viewer's look for the app and the HTML export.
 */
const STYLE_SHEETS = ['src/renderer/styles.css', 'src/viewer/trajectory.css'];

/** Bundles the renderer's TypeScript with esbuild. */
async function bundleRenderer(root: string): Promise<RendererBundle & { inputs: string[] }> {
  const dir = rendererDir(root);
  const { js, bundled } = await bundleForBrowser(
    root,
    path.join(dir, 'main.ts'),
    // The views are TSX over Preact (src/renderer/tsconfig.json says the same for the type check).
    { format: 'esm', target: 'chrome120', jsx: 'automatic', jsxImportSource: 'preact' },
    'the renderer',
  );
  const [page, ...sheets] = [path.join(dir, 'index.html'), ...STYLE_SHEETS.map((f) => path.join(root, f))];
  return {
    html: fs.readFileSync(page!, 'utf8'),
    js,
    css: sheets.map((f) => fs.readFileSync(f, 'utf8')).join('\n'),
    inputs: buildInputs(
      bundled,
      [page!, ...sheets].map((f) => path.relative(root, f)),
    ),
  };
}

/** Writes the renderer to `outDir` (index.html, app.js, styles.css, inputs.json): `npm run build`. */
export async function buildRenderer(outDir = BUILT_RENDERER_DIR, root = PROJECT_ROOT): Promise<void> {
  const { html, js, css, inputs } = await bundleRenderer(root);
  writeBuildOutput(outDir, { 'index.html': html, 'styles.css': css, 'app.js': js }, 'app.js', inputs);
}

/**
 * The renderer built by `npm run build`, or null when there is none or when it is older than
 * the sources it was built from (a checkout edited since: the caller bundles in memory). In a
 * packaged app there are no sources and the build is always used.
 */
export function readPrebuiltRenderer(dir = BUILT_RENDERER_DIR, root = PROJECT_ROOT): RendererBundle | null {
  const files = readBuildOutput(dir, root, ['index.html', 'app.js', 'styles.css'], 'app.js', sourcesDir(root) !== null);
  return files && { html: files['index.html'], js: files['app.js'], css: files['styles.css'] };
}

let cached: Promise<RendererBundle> | null = null;

/** The renderer, once per process: the build when it is current, else bundled in memory (development). */
export function loadRendererBundle(): Promise<RendererBundle> {
  cached ??= (async () => {
    const built = readPrebuiltRenderer();
    if (built) return built;
    const { html, js, css } = await bundleRenderer(PROJECT_ROOT);
    return { html, js, css };
  })();
  cached.catch(() => (cached = null));
  return cached;
}

/** The page's Content-Security-Policy: nothing but this origin, no inline code, no remote content. */
export const RENDERER_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
