/**
 * Refined recordings keep their unchanged frames as rows of the raw recording (shared by id):
 * every export format must still carry an image for every step that has a frame, at the
 * default size (where most frames are shared) and at another size (where all are new). Runs
 * the real CLI on the reference fixture; Parquet is read back with hyparquet.
 */
import fs from 'node:fs';
import path from 'node:path';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Library } from '../../src/library/library.js';
import { pcagent } from '../support/cli.js';
import { FIXTURE_DIR, tempDir } from '../support/fixture.js';

for (const size of ['1920x1080', '1280x720']) {
  describe(`exports of a recording refined to ${size}`, () => {
    let home: string;
    let framed: number; // steps of the refined recording that have a frame
    let shared: number; // of those, frames that belong to the raw recording
    beforeAll(() => {
      home = tempDir(`refined-frames-${size}`);
      expect(pcagent(['--home', home, 'import', FIXTURE_DIR]).status).toBe(0);
      const refine = pcagent(['--home', home, 'refine', '--all', '--size', size]);
      expect(refine.status, refine.stderr).toBe(0);
      const lib = Library.open(home);
      try {
        const refined = lib.listRecordings({}).find((r) => r.stage === 'refined')!;
        const own = new Set(lib.listFrames(refined.id).map((f) => f.id));
        const steps = lib.listActions(refined.id).filter((a) => a.frameId !== null);
        framed = steps.length;
        shared = steps.filter((a) => !own.has(a.frameId!)).length;
      } finally {
        lib.close();
      }
    });
    afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

    const exportTo = (format: string): string => {
      const out = path.join(home, `out-${format}`);
      const r = pcagent(['--home', home, 'export', '--all', '--format', format, '--out', out]);
      expect(r.status, r.stderr).toBe(0);
      return out;
    };

    it('has steps with frames (shared with the raw recording at the default size)', () => {
      expect(framed).toBeGreaterThan(0);
      if (size === '1920x1080') expect(shared).toBeGreaterThan(0);
      else expect(shared).toBe(0);
    });

    it('sharegpt: an image file for every framed step', () => {
      const out = exportTo('sharegpt');
      const records = fs
        .readFileSync(path.join(out, 'pcagent.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { images: string[] });
      const images = records.flatMap((r) => r.images);
      expect(images).toHaveLength(framed);
      for (const img of images) expect(fs.statSync(path.join(out, img)).size).toBeGreaterThan(1000);
    });

    it('parquet: an image in every framed row, read back by hyparquet', async () => {
      const out = exportTo('parquet');
      const rows = (await parquetReadObjects({
        file: await asyncBufferFromFile(path.join(out, 'pcagent.parquet')),
        utf8: false,
      })) as Array<{
        image: { bytes: Uint8Array } | null;
      }>;
      const withImage = rows.filter((r) => r.image !== null && r.image.bytes.byteLength > 1000);
      expect(withImage).toHaveLength(framed);
    });

    it('pc-tracker: a screenshot file for every framed line', () => {
      const out = exportTo('pc-tracker');
      const jsonl = fs.readdirSync(out).find((f) => f.endsWith('.jsonl'))!;
      const lines = fs
        .readFileSync(path.join(out, jsonl), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { screenshot: string | null });
      const shots = lines.filter((l) => l.screenshot);
      expect(shots).toHaveLength(framed);
      for (const l of shots) expect(fs.existsSync(path.join(out, l.screenshot!))).toBe(true);
    });

    it('html: the viewer gets a frame for every framed step', () => {
      const out = exportTo('html');
      const page = fs.readdirSync(out).find((f) => f !== 'index.html' && f.endsWith('.html'))!;
      const html = fs.readFileSync(path.join(out, page), 'utf8');
      const given = new Set([...html.matchAll(/\.(?:frame|same)\((\d+)/g)].map((m) => Number(m[1])));
      expect(given.size).toBe(framed);
    });
  });
}
