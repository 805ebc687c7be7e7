/**
 * `complete` when the endpoint is down or the user presses Ctrl+C: a refused connection gives up
 * after a few retries (sooner than a 5xx, which means a live server), the CLI says at the first
 * failure that it is retrying, and SIGINT stops the run, keeps every finished field and says how
 * to resume. Fake: the OpenAI-compatible model server (test/support/openai-server.ts, real HTTP);
 * everything else is real (the built CLI, a SQLite library on disk, the reference fixture).
 */
import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Library } from '../../src/library/library.js';
import { ModelClient, UNREACHABLE_RETRIES } from '../../src/models/client.js';
import { importTrackerFolder } from '../../src/pipeline/pc-tracker/import.js';
import { startPcagent } from '../support/cli.js';
import { FIXTURE_DIR, tempDir } from '../support/fixture.js';
import { FakeModelServer } from '../support/openai-server.js';

let home: string;
let server: FakeModelServer;
beforeEach(async () => {
  home = tempDir('complete-interrupt');
  server = await FakeModelServer.start({ fallback: 'the item' });
});
afterEach(async () => {
  await server.close();
  fs.rmSync(home, { recursive: true, force: true });
});

const ask = (c: ModelClient) => c.chat([{ role: 'user', content: 'hello' }], 16);

describe('retries', () => {
  it('connection refused gives up after a few retries; a 5xx gets every retry', async () => {
    const down = await FakeModelServer.start();
    const url = down.url;
    await down.close();
    const refused = new ModelClient({ endpoint: url, model: 'm', maxRetries: 5, backoffMs: 5 });
    await expect(ask(refused)).rejects.toThrow(/connection refused/);
    expect(refused.stats.retries).toBe(UNREACHABLE_RETRIES);
    expect(UNREACHABLE_RETRIES).toBeLessThan(5);

    server.setFallback({ status: 500 });
    const failing = new ModelClient({ endpoint: server.url, model: 'm', maxRetries: 5, backoffMs: 5 });
    await expect(ask(failing)).rejects.toThrow(/HTTP 500/);
    expect(failing.stats.retries).toBe(5);
  });
});

describe('pcagent complete, interrupted', () => {
  it('Ctrl+C: says what was kept and how to resume, exit 130; the fields are in the library', async () => {
    const lib = Library.open(home);
    const id = (await importTrackerFolder(lib, FIXTURE_DIR)).imported[0]!.id;
    lib.close();
    server.latencyMs = 150;
    const run = startPcagent(
      ['--home', home, 'complete', String(id), '--endpoint', server.url, '--model', 'm', '--concurrency', '1'],
      { ...process.env, OPENAI_API_KEY: '' },
    );
    for (let i = 0; i < 200 && server.chats.length < 3; i++) await new Promise((r) => setTimeout(r, 50));
    expect(server.chats.length).toBeGreaterThanOrEqual(3);
    run.child.kill('SIGINT');
    const { code, stderr } = await run.done;
    expect(code).toBe(130);
    const line = stderr.trim().split('\n').at(-1)!;
    const m =
      /^pcagent: interrupted: (\d+) fields? completed and kept, (\d+) still missing; run the same command again to resume$/.exec(
        line,
      );
    expect(m, stderr).not.toBeNull();
    const kept = Number(m![1]);
    expect(kept).toBeGreaterThanOrEqual(2);
    const again = Library.open(home);
    try {
      const fields = again
        .listActions(id)
        .flatMap((a) => [a.description, a.check, a.thought].filter((f) => f?.source === 'model'));
      expect(fields).toHaveLength(kept);
    } finally {
      again.close();
    }
  }, 60_000);
});
