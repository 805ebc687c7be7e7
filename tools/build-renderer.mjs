// `npm run build`, after tsc: writes the renderer to dist/renderer (page, script, style sheet), so
// the packaged app serves it as it is and does not need esbuild at run time. The esbuild options
// live in one place, the compiled src/server/renderer-bundle.ts that also bundles in development.
import { BUILT_RENDERER_DIR, buildRenderer } from '../dist/server/renderer-bundle.js';

await buildRenderer();
process.stdout.write(`renderer written to ${BUILT_RENDERER_DIR}\n`);
