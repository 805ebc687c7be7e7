/**
 * Every export of a refined recording carries its images. Refinement keeps unchanged frames as
 * rows of the raw recording (shared by id), so each format must resolve frames through the same
 * lookup refinement uses, not only the refined recording's own frames. Real parts: the reference
 * fixture imported into a SQLite library on disk, refined by the real pipeline (sharp), exported,
 * and read back by independent readers (hyparquet for Parquet, JSON.parse, the file system).
 */
import fs from 'node:fs';
import path from 'node:path';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TrajectoryDto } from '../../src/api/contract.js';
import { frameLookup } from '../../src/library/frame-lookup.js';
import type { Library } from '../../src/library/library.js';
import { type Recording } from '../../src/library/library.js';
import { exportRecordings } from '../../src/pipeline/export/index.js';
import { PARQUET_FILE } from '../../src/pipeline/export/parquet.js';
import { SHAREGPT_FILE, type ShareGptRecord } from '../../src/pipeline/export/sharegpt.js';
import { refinableRecordings, refineRecordings } from '../../src/pipeline/refine/refine.js';
import { createBackend } from '../../src/server/handlers.js';
import { openFixtureLibrary, tempDir } from '../support/fixture.js';
import { useTempLibrary } from '../support/hooks.js';

let out: string;
let lib: Library;
useTempLibrary(
  () => openFixtureLibrary('refined-export-home'),
  (t) => (lib = t.lib),
);
beforeEach(() => {
  out = tempDir('refined-export-out');
});
afterEach(() => {
  fs.rmSync(out, { recursive: true, force: true });
});

/** Refines the fixture at `size` and returns the refined child and the bytes of each step's plain frame. */
async function refined(size?: {
  width: number;
  height: number;
}): Promise<{ child: Recording; frames: (Buffer | null)[] }> {
  await refineRecordings(lib, refinableRecordings(lib), size ? { size } : {});
  const child = lib.listRecordings({ stage: 'refined' })[0]!;
  const lookup = frameLookup(lib, child.id);
  const frames = lib.listActions(child.id).map((a) => {
    const f = lookup(a.frameId);
    return f ? fs.readFileSync(lib.absolutePath(f.path)) : null;
  });
  return { child, frames };
}

describe.each([
  ['the default size (1920x1080: frames mostly shared with the raw recording)', undefined],
  ['1280x720 (every frame rescaled into the refined recording)', { width: 1280, height: 720 }],
])('export of a refined recording at %s', (_label, size) => {
  it('sharegpt: every step with a frame has its image', async () => {
    const { child, frames } = await refined(size);
    const withFrame = frames.filter(Boolean).length;
    expect(withFrame).toBeGreaterThan(0);
    if (!size) {
      // The case the bug hid in: some frames belong to the raw parent, not the refined child.
      const own = new Set(lib.listFrames(child.id).map((f) => f.id));
      expect(lib.listActions(child.id).some((a) => a.frameId !== null && !own.has(a.frameId))).toBe(true);
    }
    const report = await exportRecordings(lib, [child], 'sharegpt', out);
    expect(report.totals.images).toBe(withFrame);
    const records = fs
      .readFileSync(path.join(out, SHAREGPT_FILE), 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as ShareGptRecord);
    expect(records).toHaveLength(frames.length);
    records.forEach((rec, i) => {
      if (!frames[i]) return expect(rec.images).toEqual([]);
      expect(rec.images).toHaveLength(1);
      expect(fs.readFileSync(path.join(out, rec.images[0]!)).equals(frames[i]!)).toBe(true);
    });
  });

  it('parquet: every row of a step with a frame has the image bytes (read back by hyparquet)', async () => {
    const { child, frames } = await refined(size);
    const report = await exportRecordings(lib, [child], 'parquet', out);
    expect(report.totals.images).toBe(frames.filter(Boolean).length);
    const rows = (await parquetReadObjects({
      file: await asyncBufferFromFile(path.join(out, PARQUET_FILE)),
      utf8: false,
    })) as { image: { bytes: Uint8Array } | null }[];
    expect(rows).toHaveLength(frames.length);
    rows.forEach((row, i) => {
      if (!frames[i]) return expect(row.image).toBeNull();
      expect(Buffer.from(row.image!.bytes).equals(frames[i]!)).toBe(true);
    });
  });

  it('pc-tracker: every step with a frame has its screenshot file', async () => {
    const { child, frames } = await refined(size);
    const report = await exportRecordings(lib, [child], 'pc-tracker', out);
    expect(report.totals.images).toBeGreaterThanOrEqual(frames.filter(Boolean).length);
    const jsonl = fs.readdirSync(out).find((f) => f.endsWith('.jsonl'))!;
    const lines = fs
      .readFileSync(path.join(out, jsonl), 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { screenshot?: string | null });
    expect(lines).toHaveLength(frames.length);
    lines.forEach((line, i) => {
      if (!frames[i]) return;
      expect(typeof line.screenshot).toBe('string');
      expect(fs.readFileSync(path.join(out, line.screenshot!)).equals(frames[i]!)).toBe(true);
    });
  });

  it('html: every step with a frame embeds a screenshot, and the app viewer finds every frame', async () => {
    const { child, frames } = await refined(size);
    const report = await exportRecordings(lib, [child], 'html', out);
    const page = report.files.find((f) => f.endsWith('.html') && !f.endsWith('index.html'))!;
    const html = fs.readFileSync(page, 'utf8');
    const embedded = (html.match(/pcv\.frame\(/g) ?? []).length + (html.match(/pcv\.same\(/g) ?? []).length;
    expect(embedded).toBe(frames.filter(Boolean).length);

    const backend = createBackend(lib);
    try {
      const trajectory = (await backend.call('library.getTrajectory', { id: child.id })) as TrajectoryDto;
      trajectory.steps.forEach((s, i) => expect(s.frame !== null).toBe(frames[i] !== null));
    } finally {
      await backend.close();
    }
  });
});
