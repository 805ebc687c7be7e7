/**
 * A quiet, truthful command line: loading the OCR models says nothing about GPUs nobody asked
 * for (onnxruntime's WebGPU provider prints `Couldn't load Vulkan …` from native code when it
 * is tried in-process), and a long agent run adds no abort listener per step (the OpenAI SDK
 * never removes the one it adds to a request's signal). The planner talks to the fake
 * OpenAI-compatible server of test/support (real HTTP), the only fake here.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Planner } from '../../src/agents/planner/planner.js';
import { pcagent } from '../support/cli.js';
import { FIXTURE_DIR, tempDir } from '../support/fixture.js';
import { FakeModelServer } from '../support/openai-server.js';

let server: FakeModelServer;
beforeAll(async () => {
  server = await FakeModelServer.start();
});
afterAll(async () => {
  await server.close();
});

describe('a quiet command line', () => {
  it('loading the OCR models on the default device prints no GPU probing', () => {
    const image = path.join(FIXTURE_DIR, 'screenshot', '20241126_161519_1.png');
    expect(fs.existsSync(image)).toBe(true);
    const home = tempDir('quiet');
    // A fresh temporary folder: no WebGPU probe remembered from an earlier run.
    const r = pcagent(['--home', home, 'locate', image, 'File'], { PCAGENT_DEVICE: '', TMPDIR: home });
    expect(r.stdout).toMatch(/auto on \w+/);
    expect(r.stderr).not.toMatch(/vulkan|webgpu|warning/i);
    expect(r.stderr.trim()).toBe('');
  }, 120_000);

  it('a planner run of 30 steps adds no abort listener per step', async () => {
    server.setFallback('Action: press key: esc');
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    try {
      const run = new AbortController();
      const planner = new Planner({ endpoint: server.url, model: 'planner', apiKey: 'test-key' });
      const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
      for (let i = 0; i < 30; i++) {
        const plan = await planner.plan({ task: 'x', history: [], screenshot: { png }, signal: run.signal });
        expect(plan.action).toEqual({ kind: 'key', key: 'esc' });
      }
      // Warnings are emitted on the next tick.
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.filter((w) => /MaxListeners/.test(w))).toEqual([]);
  });
});
