/**
 * Dataset export throughput and memory (`pcagent export --format …`): 20 recordings × 25 steps of
 * 1920×1080 PNG frames (UI-like and photo-like, like the reference fixture), clicks with marked
 * copies, most steps completed. Each format runs in its own process, so its peak RSS
 * (`maxRSS`) is its own; the pc-tracker export is the same-run baseline the others are compared to.
 * Memory must stay flat in the number of recordings: each format also runs on the first 5
 * recordings, and the peak RSS of 20 vs 5 recordings is reported.
 * Run: npm run bench -- export   (or npx tsx bench/export.bench.ts)
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Action } from '../src/core/actions.js';
import { Library } from '../src/library/library.js';
import { EXPORT_FORMATS, type ExportFormat, exportRecordings } from '../src/pipeline/export/index.js';
import { report } from './report.js';
import { buttonAt, createBenchRecording, framePool, rng, writePooledFrame } from './synthetic-frames.js';

const RECORDINGS = 20;
const STEPS = 25;
const SMALL = 5;
const POOL = 8;

function actionAt(i: number, r: () => number): Action {
  const at = { x: Math.floor(50 + r() * 1800), y: Math.floor(50 + r() * 980) };
  const cycle: Action[] = [
    { kind: 'click', at },
    { kind: 'type', text: 'Hello, world' },
    { kind: 'click', at },
    { kind: 'hotkey', keys: ['ctrl', 's'] },
    { kind: 'scroll', dx: 0, dy: -3 },
    { kind: 'double_click', at },
    { kind: 'key', key: 'enter' },
  ];
  return i === STEPS - 1 ? { kind: 'finish' } : cycle[i % cycle.length]!;
}

async function buildDataset(home: string): Promise<{ frames: number; bytes: number }> {
  const lib = Library.open(home);
  const pool = await framePool(POOL, (i) => i % 3 === 2);
  const r = rng(7);
  let frames = 0;
  let bytes = 0;
  for (let n = 0; n < RECORDINGS; n++) {
    const rec = createBenchRecording(lib, `bench task ${n}: make a title slide`, { stage: 'refined' });
    const dir = rec.dir;
    for (let i = 0; i < STEPS; i++) {
      const action = actionAt(i, r);
      const img = pool[(n * 5 + i) % POOL]!;
      frames++;
      bytes += img.data.byteLength;
      const [saved] = lib.appendSteps(rec.id, [
        {
          frame: writePooledFrame(lib, dir, `${i + 1}.png`, img),
          action: { seq: i + 1, time: 1_732_000_000_000 + n * 100_000 + i * 1500, action },
        },
      ]);
      const click = 'at' in action && action.at;
      let markedFrameId: number | null = saved!.frameId;
      if (click) {
        const marked = pool[(n * 5 + i + 1) % POOL]!;
        const m = writePooledFrame(lib, dir, `${i + 1}_marked.png`, marked);
        markedFrameId = lib.addFrameRow(rec.id, m.path, { ...m.meta, role: 'marked' }).id;
        frames++;
        bytes += marked.data.byteLength;
      }
      lib.updateAction(saved!.id, {
        markedFrameId,
        element: click ? buttonAt(click) : null,
        // Every 5th click stays without a description (an incomplete step).
        description: click && i % 5 !== 0 ? { text: `the button number ${i} in the toolbar`, source: 'model' } : null,
        thought: { text: `I do step ${i + 1} because the task needs it.`, source: 'model' },
      });
    }
  }
  lib.close();
  return { frames, bytes };
}

interface Run {
  seconds: number;
  /** CPU seconds of the process (libvips threads included): less sensitive to other load. */
  cpuSeconds: number;
  steps: number;
  images: number;
  maxRssMb: number;
  outMb: number;
}

/** Child: export `count` recordings of `home` in `format` into `out`; prints a Run as JSON. */
async function child(format: ExportFormat, home: string, out: string, count: number): Promise<void> {
  const lib = Library.open(home, { readonly: true });
  const recordings = lib.listRecordings().slice(0, count);
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const result = await exportRecordings(lib, recordings, format, out);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(c0);
  lib.close();
  const run: Omit<Run, 'outMb'> = {
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    steps: result.totals.steps,
    images: result.totals.images,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  };
  process.stdout.write(`${JSON.stringify(run)}\n`);
}

function folderBytes(dir: string): number {
  let n = 0;
  for (const f of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (f.isFile()) n += fs.statSync(path.join(f.parentPath, f.name)).size;
  }
  return n;
}

function runFormat(format: ExportFormat, home: string, count: number): Run {
  const out = path.join(home, `out-${format}-${count}`);
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', import.meta.filename, '--child', format, home, out, String(count)],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`${format} export failed: ${r.stderr}`);
  const run = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Omit<Run, 'outMb'>;
  const outMb = folderBytes(out) / 2 ** 20;
  fs.rmSync(out, { recursive: true, force: true });
  return { ...run, outMb };
}

if (process.argv[2] === '--child') {
  const [, , , format, home, out, count] = process.argv;
  await child(format as ExportFormat, home!, out!, Number(count));
} else {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'pcagent-bench-export-'));
  try {
    const t0 = Date.now();
    const data = await buildDataset(home);
    process.stdout.write(
      `dataset: ${RECORDINGS} recordings × ${STEPS} steps, ${data.frames} frames, ${(data.bytes / 2 ** 20).toFixed(0)} MB, built in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`,
    );
    const numbers: Record<string, number | string> = { cores: os.cpus().length, steps: RECORDINGS * STEPS };
    const runs = new Map<ExportFormat, Run>();
    for (const format of EXPORT_FORMATS) {
      const all = runFormat(format, home, RECORDINGS);
      const small = runFormat(format, home, SMALL);
      runs.set(format, all);
      numbers[`${format}: steps/s`] = all.steps / all.seconds;
      numbers[`${format}: s`] = all.seconds;
      numbers[`${format}: steps per CPU-second`] = all.steps / all.cpuSeconds;
      numbers[`${format}: peak RSS MB (${RECORDINGS} recordings)`] = all.maxRssMb;
      numbers[`${format}: peak RSS MB (${SMALL} recordings)`] = small.maxRssMb;
      numbers[`${format}: output MB`] = all.outMb;
    }
    const base = runs.get('pc-tracker')!;
    for (const format of EXPORT_FORMATS) {
      if (format === 'pc-tracker') continue;
      const run = runs.get(format)!;
      numbers[`${format} / pc-tracker time`] = run.seconds / base.seconds;
      numbers[`${format} / pc-tracker CPU time`] = run.cpuSeconds / base.cpuSeconds;
    }
    numbers['load average (1 min) at the end'] = os.loadavg()[0]!;
    report('export', numbers);
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}
