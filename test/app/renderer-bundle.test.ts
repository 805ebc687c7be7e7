/**
 * The renderer built by `npm run build` (dist/renderer) is what a packaged app serves; a
 * checkout whose sources changed since the build bundles in memory instead. Builds go to
 * temporary folders here, never to the checkout's dist/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildRenderer, PROJECT_ROOT, readPrebuiltRenderer, rendererDir } from '../../src/server/renderer-bundle.js';
import { tempDir } from '../support/fixture.js';

const LONG_AGO = new Date('2001-01-01T00:00:00Z');

describe('prebuilt renderer', () => {
  it('writes the page, script and style sheet, and serves them while the sources are older', async () => {
    const out = tempDir('renderer-build');
    await buildRenderer(out);
    expect(fs.readdirSync(out).sort()).toEqual(['app.js', 'index.html', 'inputs.json', 'styles.css']);
    const inputs = JSON.parse(fs.readFileSync(path.join(out, 'inputs.json'), 'utf8')) as string[];
    expect(inputs).toContain('src/renderer/main.ts');
    expect(inputs).toContain('src/renderer/views/tracker.tsx');
    // The trajectory viewer's style sheet is part of the page's: a change to it rebuilds.
    expect(inputs).toContain('src/viewer/trajectory.css');
    expect(inputs.some((f) => f.includes('node_modules'))).toBe(false);

    const built = readPrebuiltRenderer(out);
    expect(built).not.toBeNull();
    const src = rendererDir();
    expect(built!.html).toBe(fs.readFileSync(path.join(src, 'index.html'), 'utf8'));
    // One style sheet: the app's, then the export viewer's (`tv-*`), the one source of the viewer's look.
    const viewerCss = fs.readFileSync(path.join(PROJECT_ROOT, 'src', 'viewer', 'trajectory.css'), 'utf8');
    expect(built!.css).toBe(`${fs.readFileSync(path.join(src, 'styles.css'), 'utf8')}\n${viewerCss}`);
    expect(built!.js).toContain('Start recording');
    expect(built!.js).not.toMatch(/^import /m); // one self-contained module
  });

  it('a build older than the sources is not used in a checkout, but is in a packaged app', async () => {
    const out = tempDir('renderer-stale');
    await buildRenderer(out);
    fs.utimesSync(path.join(out, 'app.js'), LONG_AGO, LONG_AGO);
    expect(readPrebuiltRenderer(out, PROJECT_ROOT)).toBeNull();
    // A packaged app has dist/ but no src/: whatever its file times, the build is the renderer.
    const packaged = tempDir('renderer-packaged');
    const served = readPrebuiltRenderer(out, packaged);
    expect(served?.js).toBe(fs.readFileSync(path.join(out, 'app.js'), 'utf8'));
  });

  it('no build, or one without its inputs list, is not used', async () => {
    expect(readPrebuiltRenderer(tempDir('renderer-none'))).toBeNull();
    const out = tempDir('renderer-partial');
    await buildRenderer(out);
    fs.rmSync(path.join(out, 'inputs.json'));
    expect(readPrebuiltRenderer(out)).toBeNull();
  });
});
