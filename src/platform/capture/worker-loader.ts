/**
 * Starts a worker thread from a module next to the caller, whether the caller runs compiled
 * (`dist/…/x.js` → `./name.js`) or from TypeScript sources under vitest or tsx
 * (`src/…/x.ts` → `./name.ts`). Node 20 workers inherit neither the parent's module hooks nor
 * an `--import tsx` given in `execArgv`, so a `.ts` worker gets a small bootstrap that
 * registers tsx's ESM hooks inside the worker before importing the module.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

export function startSiblingWorker(callerUrl: string, name: string, options: WorkerOptions = {}): Worker {
  if (!callerUrl.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, callerUrl), options);
  const entry = new URL(`./${name}.ts`, callerUrl).href;
  const bootstrap =
    `import(${JSON.stringify(tsxEsmApiUrl())})` +
    `.then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}

let tsxApi: string | undefined;

/** The ESM build of `tsx/esm/api` (its CommonJS build cannot register ESM hooks). */
function tsxEsmApiUrl(): string {
  if (tsxApi) return tsxApi;
  const manifest = createRequire(import.meta.url).resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as {
    exports: Record<string, { import?: { default?: string } }>;
  };
  const entry = pkg.exports['./esm/api']?.import?.default;
  if (!entry) throw new Error('tsx has no ESM api entry; cannot start a TypeScript worker');
  tsxApi = pathToFileURL(path.join(path.dirname(manifest), entry)).href;
  return tsxApi;
}
