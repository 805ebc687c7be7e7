import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildViewer, readPrebuiltViewer } from '../../src/pipeline/export/viewer-bundle.js';
import { tempDir } from '../support/fixture.js';

const REPO = path.join(import.meta.dirname, '..', '..');

// A checkout of its own (copies of src/viewer and src/core), so that the test can age its sources.
let root: string;
let out: string;

beforeAll(() => {
  root = tempDir('viewer-root');
  for (const dir of ['src/viewer', 'src/core'])
    fs.cpSync(path.join(REPO, dir), path.join(root, dir), { recursive: true });
  out = path.join(root, 'dist', 'viewer');
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('trajectory viewer bundle', () => {
  it('is built into dist/viewer as one classic script and the style sheet, and read back while current', async () => {
    await buildViewer(out, root);
    const inputs = JSON.parse(fs.readFileSync(path.join(out, 'inputs.json'), 'utf8')) as string[];
    expect(inputs).toEqual(expect.arrayContaining(['src/viewer/trajectory.ts', 'src/viewer/trajectory.css']));
    expect(inputs.every((f) => f.startsWith('src/viewer/') || f.startsWith('src/core/'))).toBe(true);

    const built = readPrebuiltViewer(out, root)!;
    expect(built.css).toBe(fs.readFileSync(path.join(root, 'src/viewer/trajectory.css'), 'utf8'));
    // An IIFE, not a module: the page's inline frame scripts call window.pcv while it loads.
    expect(built.js).not.toMatch(/^\s*(import|export)\b/m);
    expect(built.js).toContain('.pcv = ');
    expect(built.js).not.toMatch(/<\/script/i);
  });

  it('is stale once a source is newer than the build, and always used where no sources ship', async () => {
    await buildViewer(out, root);
    const later = new Date(fs.statSync(path.join(out, 'trajectory.js')).mtimeMs + 5000);
    fs.utimesSync(path.join(root, 'src/viewer/trajectory.css'), later, later);
    expect(readPrebuiltViewer(out, root)).toBeNull();

    // A packaged app: dist only.
    fs.rmSync(path.join(root, 'src/viewer'), { recursive: true });
    expect(readPrebuiltViewer(out, root)?.js).toContain('.pcv = ');
    fs.rmSync(out, { recursive: true });
    expect(readPrebuiltViewer(out, root)).toBeNull();
  });
});
