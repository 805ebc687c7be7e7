/**
 * Refinement throughput (SPEC §2.3): 50 raw recordings × 20 actions of 1920×1080 PNG frames
 * (UI-like ~100 KB and photo-like ~1.5 MB, like the reference fixture's 150 KB–1.8 MB), refined
 * with marks. Goal: ≥ 30 marked frames/s on a 2-core machine.
 * - default: concurrency 2, step 6 compares frame hashes
 * - baseline (same run): concurrency 1 → the ratio concurrency buys
 * - --compare-pixels: step 6 also decodes frames whose hashes differ (what that option costs)
 * - PNG zlib level of the written frames: encode time and size for levels 1 / 3 / 6
 * Run: npm run bench -- refine   (or npx tsx bench/refine.bench.ts)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { Action } from '../src/core/actions.js';
import { Library } from '../src/library/library.js';
import { PNG_COMPRESSION, renderFrame } from '../src/pipeline/refine/frames.js';
import { marksOverlay } from '../src/core/marks.js';
import { refinableRecordings, refineRecordings, type RunOptions } from '../src/pipeline/refine/refine.js';
import { report } from './report.js';
import { buttonAt, createBenchRecording, framePool, makeFrame, rng, writePooledFrame } from './synthetic-frames.js';

const RECORDINGS = 50;
const POOL = 16;

/** 20 raw actions per recording: 12 pointer actions that get marks (one is a press + drag to). */
function template(r: () => number): Action[] {
  const click = (kind: 'click' | 'double_click' | 'right_click' = 'click'): Action => ({
    kind,
    at: { x: Math.floor(50 + r() * 1800), y: Math.floor(50 + r() * 980) },
  });
  return [
    { kind: 'wait' },
    click(),
    click(),
    { kind: 'type', text: 'Hello, world' },
    click(),
    { kind: 'press', at: { x: 300, y: 400 } },
    { kind: 'drag_to', at: { x: 900, y: 500 } },
    click(),
    { kind: 'scroll', dx: 0, dy: -3 },
    click(),
    { kind: 'key', key: 'ctrl' },
    { kind: 'hotkey', keys: ['ctrl', 's'] },
    click(),
    click(),
    { kind: 'type', text: 'slide title' },
    click(),
    click('double_click'),
    click(),
    click('right_click'),
    { kind: 'finish' },
  ];
}

async function buildDataset(lib: Library): Promise<{ frames: number; bytes: number }> {
  const pool = await framePool(POOL, (i) => i % 2 === 1);
  const r = rng(42);
  let frames = 0;
  let bytes = 0;
  for (let n = 0; n < RECORDINGS; n++) {
    const rec = createBenchRecording(lib, `bench task ${n}`);
    const dir = rec.dir;
    const steps = template(r).map((action, i) => {
      // consecutive frames differ (so step 6 keeps them but must compare them)
      const img = pool[(n * 7 + i) % POOL]!;
      frames++;
      bytes += img.data.byteLength;
      const at = 'at' in action && action.at ? action.at : null;
      return {
        frame: writePooledFrame(lib, dir, `${i + 1}.png`, img),
        action: {
          seq: i + 1,
          time: Date.now() + i * 1000,
          action,
          element: at ? buttonAt(at) : null,
        },
      };
    });
    lib.appendSteps(rec.id, steps);
    lib.updateRecording(rec.id, { endedAt: Date.now() + 20_000 });
  }
  return { frames, bytes };
}

interface RunResult {
  seconds: number;
  /** CPU seconds of this process (libvips threads included): less sensitive to other load. */
  cpuSeconds: number;
  actions: number;
  marked: number;
  peakRssMb: number;
}

async function run(lib: Library, options: RunOptions & { comparePixels: boolean }): Promise<RunResult> {
  for (const r of lib.listRecordings({ stage: 'refined' })) lib.deleteRecording(r.id);
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 25);
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const result = await refineRecordings(
    lib,
    refinableRecordings(lib),
    { comparePixels: options.comparePixels },
    options,
  );
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(c0);
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage.rss());
  if (result.statistics.refined !== RECORDINGS)
    throw new Error(`refined ${result.statistics.refined} of ${RECORDINGS}`);
  return {
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    actions: result.statistics.actionsIn,
    marked: result.statistics.steps.markedFrames,
    peakRssMb: peak / 2 ** 20,
  };
}

/** One marked frame at a time: CPU ms and size per PNG zlib level, and sharp's own composite. */
async function pngLevels(dir: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const files: string[] = [];
  for (const [i, photo] of [
    [100, false],
    [101, true],
  ] as const) {
    const file = path.join(dir, `level-${i}.png`);
    fs.writeFileSync(file, await makeFrame(i, photo));
    files.push(file);
  }
  const overlay = marksOverlay(
    { kind: 'click', at: { x: 500, y: 400 } },
    { name: '', rect: { left: 400, top: 350, right: 600, bottom: 450 } },
    { width: 1920, height: 1080 },
  )!;
  const measure = async (label: string, fn: (file: string) => Promise<number>) => {
    const c0 = process.cpuUsage();
    let size = 0;
    for (let k = 0; k < 5; k++) for (const f of files) size += await fn(f);
    const c = process.cpuUsage(c0);
    out[`${label}: CPU ms per marked frame`] = (c.user + c.system) / 1000 / (5 * files.length);
    out[`${label}: KB per frame`] = size / 1024 / (5 * files.length);
  };
  for (const level of [1, 3, 6]) {
    await measure(`png level ${level}`, async (file) => {
      const r = await renderFrame({ file, format: 'png', resizeTo: null, overlays: [overlay], pngCompression: level });
      return r.marked[0]!.data.byteLength;
    });
  }
  await measure(`sharp composite on the whole frame, level ${PNG_COMPRESSION}`, async (file) => {
    const b = await sharp(file)
      .composite([{ input: Buffer.from(overlay.svg), left: overlay.left, top: overlay.top }])
      .png({ compressionLevel: PNG_COMPRESSION })
      .toBuffer();
    return b.byteLength;
  });
  return out;
}

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'pcagent-bench-refine-'));
try {
  const lib = Library.open(home);
  const t0 = Date.now();
  const data = await buildDataset(lib);
  process.stdout.write(
    `dataset: ${RECORDINGS} recordings, ${data.frames} frames, ${(data.bytes / 2 ** 20).toFixed(0)} MB, built in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`,
  );

  const def = await run(lib, { concurrency: 2, comparePixels: false });
  const serial = await run(lib, { concurrency: 1, comparePixels: false });
  const pixels = await run(lib, { concurrency: 2, comparePixels: true });
  const levels = await pngLevels(home);
  lib.close();
  report('refine', {
    cores: os.cpus().length,
    'load average (1 min) at the end': os.loadavg()[0]!,
    'raw actions': def.actions,
    'marked frames': def.marked,
    'default (concurrency 2): s': def.seconds,
    'default: actions/s': def.actions / def.seconds,
    'default: marked frames/s (goal >= 30)': def.marked / def.seconds,
    'default: marked frames per CPU-second': def.marked / def.cpuSeconds,
    'default: peak RSS MB': def.peakRssMb,
    'baseline concurrency 1: marked frames/s': serial.marked / serial.seconds,
    'concurrency 2 / concurrency 1 speed-up': serial.seconds / def.seconds,
    'baseline: peak RSS MB': serial.peakRssMb,
    '--compare-pixels (concurrency 2): marked frames/s': pixels.marked / pixels.seconds,
    '--compare-pixels cost (time / default time)': pixels.seconds / def.seconds,
    ...levels,
  });
} finally {
  fs.rmSync(home, { recursive: true, force: true });
}
