import fs from 'node:fs';
import path from 'node:path';

/** The renderer as the browser (or Electron's window) loads it: one page, one script, one style sheet. */
export interface RendererBundle {
  html: string;
  js: string;
  css: string;
}

/**
 * The renderer's sources: `src/renderer` next to this module when run from the sources (tsx),
 * or `../../src/renderer` from the compiled `dist/server`.
 */
export function rendererDir(): string {
  const here = import.meta.dirname;
  for (const dir of [path.resolve(here, '..', 'renderer'), path.resolve(here, '..', '..', 'src', 'renderer')]) {
    if (fs.existsSync(path.join(dir, 'main.ts'))) return dir;
  }
  throw new Error(`cannot find the renderer sources (src/renderer/main.ts) near ${here}`);
}

let cached: Promise<RendererBundle> | null = null;

/** Bundles the renderer's TypeScript with esbuild once per process (kept in memory). */
export function loadRendererBundle(): Promise<RendererBundle> {
  cached ??= (async () => {
    const dir = rendererDir();
    const { build } = await import('esbuild');
    const result = await build({
      entryPoints: [path.join(dir, 'main.ts')],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'chrome120',
      write: false,
      minify: false,
      sourcemap: false,
      legalComments: 'none',
      logLevel: 'silent',
    });
    const js = result.outputFiles[0]?.text;
    if (js === undefined) throw new Error('bundling the renderer produced no output');
    return {
      html: fs.readFileSync(path.join(dir, 'index.html'), 'utf8'),
      js,
      css: fs.readFileSync(path.join(dir, 'styles.css'), 'utf8'),
    };
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
