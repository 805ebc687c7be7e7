// `npm run build`, after tsc: writes the trajectory viewer (src/viewer: script + style sheet) to
// dist/viewer, where `pcagent export --format html` reads it to inline into each page; a packaged
// app has no esbuild. The esbuild options live in the compiled src/pipeline/export/viewer-bundle.ts,
// which also bundles in memory when the sources are newer than this build.
import { BUILT_VIEWER_DIR, buildViewer } from '../dist/pipeline/export/viewer-bundle.js';

await buildViewer();
process.stdout.write(`trajectory viewer written to ${BUILT_VIEWER_DIR}\n`);
