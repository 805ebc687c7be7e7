/**
 * Library write throughput (issue: foundation benchmark).
 * - batch: 10,000 actions, each with its frame row, in one transaction → actions/s (goal ≥ 100,000/s)
 * - single: actions committed one by one, as the recorder does → ms per committed action (goal ≤ 1 ms)
 * Baseline in the same run: the same single commits with synchronous=FULL (SQLite's default
 * durability), to show what WAL + NORMAL buys.
 * Run: npm run bench -- library
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Library } from '../src/library/library.js';
import { report } from './report.js';

const N_BATCH = 10_000;
const N_SINGLE = 2_000;

function prepare(lib: Library, recordingId: number, n: number, tag: string): string[] {
  const dir = lib.recordingDir(recordingId);
  fs.mkdirSync(dir, { recursive: true });
  const paths: string[] = [];
  for (let i = 0; i < n; i++) {
    const file = path.join(dir, `${tag}-${i}.png`);
    fs.writeFileSync(file, 'x');
    paths.push(lib.relativePath(file));
  }
  return paths;
}

function insert(lib: Library, recordingId: number, relPath: string, seq: number): void {
  const frame = lib.addFrameRow(recordingId, relPath, {
    format: 'png',
    width: 1920,
    height: 1080,
    bytes: 1,
    sha256: 'x',
  });
  lib.appendAction(recordingId, {
    seq,
    time: Date.now(),
    action: { kind: 'click', at: { x: seq % 1920, y: seq % 1080 } },
    element: { name: 'Button', rect: { left: 1, top: 2, right: 3, bottom: 4 } },
    frameId: frame.id,
  });
}

function singleCommits(lib: Library, label: string): { p50: number; p95: number; mean: number } {
  const rec = lib.createRecording({ kind: 'human', mode: 'non-task', source: 'bench' });
  const paths = prepare(lib, rec.id, N_SINGLE, label);
  const times: number[] = [];
  paths.forEach((p, i) => {
    const t0 = process.hrtime.bigint();
    insert(lib, rec.id, p, i + 1);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  });
  times.sort((a, b) => a - b);
  return {
    p50: times[Math.floor(times.length * 0.5)]!,
    p95: times[Math.floor(times.length * 0.95)]!,
    mean: times.reduce((s, t) => s + t, 0) / times.length,
  };
}

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'pcagent-bench-lib-'));
try {
  const lib = Library.open(home);
  const rec = lib.createRecording({ kind: 'human', mode: 'non-task', source: 'bench' });
  const paths = prepare(lib, rec.id, N_BATCH, 'batch');
  const t0 = process.hrtime.bigint();
  lib.appendSteps(
    rec.id,
    paths.map((p, i) => ({
      frame: { path: p, meta: { format: 'png', width: 1920, height: 1080, bytes: 1, sha256: 'x' } },
      action: {
        seq: i + 1,
        time: Date.now(),
        action: { kind: 'click', at: { x: i % 1920, y: i % 1080 } },
        element: { name: 'Button', rect: { left: 1, top: 2, right: 3, bottom: 4 } },
      },
    })),
  );
  const batchMs = Number(process.hrtime.bigint() - t0) / 1e6;

  const single = singleCommits(lib, 'single');
  lib.db.pragma('synchronous = FULL');
  const baseline = singleCommits(lib, 'full');
  lib.close();

  report('library', {
    batch_actions: N_BATCH,
    batch_ms: batchMs,
    batch_actions_per_s: Math.round((N_BATCH / batchMs) * 1000),
    single_commit_ms_p50: single.p50,
    single_commit_ms_p95: single.p95,
    single_commit_ms_mean: single.mean,
    baseline_sync_full_ms_mean: baseline.mean,
    speedup_vs_sync_full: baseline.mean / single.mean,
    goal_batch_actions_per_s: 100_000,
    goal_single_commit_ms: 1,
  });
} finally {
  fs.rmSync(home, { recursive: true, force: true });
}
