/**
 * Cognition completion throughput: requests/s of the whole online pipeline (prompt building,
 * frame encoding, HTTP through the openai client, parsing, one commit per field) against the
 * local fake model server answering every request after 50 ms, at concurrency 1, 8 and 32.
 * Ratios are against concurrency 1 in the same run.
 *
 * Workload: 24 recordings of a click plus 3 typing steps and finish → per recording 1
 * description, 1 check, 5 thoughts (168 requests); thoughts of one recording are sequential, so
 * at most 24 requests can be in flight in the thought phase. Frames are small PNGs except in the
 * `c8_1080p` row, which sends the fixture's real 1920×1080 marked frames (≈1.6 MB base64 each).
 * The fake server runs in this process and shares its CPU.
 * Run: npm run bench -- complete
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { Library } from '../src/library/library.js';
import { ModelClient } from '../src/models/client.js';
import { completeOnline } from '../src/pipeline/complete/online.js';
import { resolveTargets } from '../src/pipeline/complete/plan.js';
import { FakeModelServer } from '../test/support/openai-server.js';
import { report } from './report.js';

const LATENCY_MS = 50;
const RECORDINGS = 24;
const FIXTURE_FRAME = path.resolve(
  import.meta.dirname,
  '..',
  '..',
  'shared',
  'fixtures',
  'pc-tracker-example',
  'screenshot',
  '20241126_161524_3_marked.png',
);

function reply(system: string): string {
  if (system.includes('You review annotations')) return 'Good';
  if (system.includes('inner thoughts')) return 'I continue with the task.';
  return "the 'OK' button in the dialog";
}

async function workload(lib: Library, frame: Buffer): Promise<number[]> {
  const ids: number[] = [];
  for (let r = 0; r < RECORDINGS; r++) {
    const rec = lib.createRecording({
      kind: 'human',
      mode: 'free',
      source: 'bench',
      description: 'type three words',
      status: 'finished',
    });
    const f = lib.saveFrame(rec.id, 'click.png', frame, { format: 'png', width: 1920, height: 1080, role: 'marked' });
    lib.appendAction(rec.id, {
      time: 0,
      action: { kind: 'click', at: { x: 500, y: 300 } },
      element: { name: 'OK', rect: null },
      markedFrameId: f.id,
    });
    for (let i = 0; i < 3; i++) lib.appendAction(rec.id, { time: i + 1, action: { kind: 'type', text: `word ${i}` } });
    lib.appendAction(rec.id, { time: 9, action: { kind: 'finish' } });
    ids.push(rec.id);
  }
  return ids;
}

async function measure(
  server: FakeModelServer,
  concurrency: number,
  frame: Buffer,
): Promise<{ rps: number; requests: number; seconds: number }> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'pcagent-bench-complete-'));
  const lib = Library.open(home);
  try {
    const ids = await workload(lib, frame);
    const client = new ModelClient({ endpoint: server.url, model: 'bench', concurrency });
    const t0 = performance.now();
    const result = await completeOnline(lib, resolveTargets(lib, ids, false), { client });
    const seconds = (performance.now() - t0) / 1000;
    if (result.stopped || result.recordings.some((r) => r.pending.thought > 0))
      throw new Error('bench run did not complete');
    return { rps: client.stats.requests / seconds, requests: client.stats.requests, seconds };
  } finally {
    lib.close();
    fs.rmSync(home, { recursive: true, force: true });
  }
}

const server = await FakeModelServer.start({ latencyMs: LATENCY_MS, fallback: (r) => reply(r.system) });
try {
  const small = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#36c' } })
    .png()
    .toBuffer();
  await measure(server, 8, small); // warm-up: module loading, JIT, connection pool
  const c1 = await measure(server, 1, small);
  const c8 = await measure(server, 8, small);
  const c32 = await measure(server, 32, small);
  const big = fs.existsSync(FIXTURE_FRAME) ? await measure(server, 8, fs.readFileSync(FIXTURE_FRAME)) : null;
  report('complete', {
    server_latency_ms: LATENCY_MS,
    requests_per_run: c1.requests,
    c1_requests_per_s: c1.rps,
    c8_requests_per_s: c8.rps,
    c32_requests_per_s: c32.rps,
    c8_vs_c1: c8.rps / c1.rps,
    c32_vs_c1: c32.rps / c1.rps,
    c1_ideal_requests_per_s: 1000 / LATENCY_MS,
    ...(big ? { c8_1080p_requests_per_s: big.rps, c8_1080p_vs_c8_small: big.rps / c8.rps } : {}),
  });
} finally {
  await server.close();
}
