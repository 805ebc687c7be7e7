import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApiEventName, ApiEvents, JobDto } from '../../src/api/contract.js';
import type { Library } from '../../src/library/library.js';
import { importTrackerFolder } from '../../src/pipeline/pc-tracker/import.js';
import { type Backend, createBackend } from '../../src/server/handlers.js';
import { FIXTURE_DIR, openTempLibrary, removeTempLibrary } from '../support/fixture.js';
import { FakeModelServer, type FakeRequest } from '../support/openai-server.js';

let home: string;
let lib: Library;
let backend: Backend;
let events: { event: ApiEventName; payload: unknown }[];
let rawId: number;

beforeEach(async () => {
  ({ home, lib } = openTempLibrary('jobs'));
  rawId = (await importTrackerFolder(lib, FIXTURE_DIR)).imported[0]!.id;
  backend = createBackend(lib);
  events = [];
  backend.on(<E extends ApiEventName>(event: E, payload: ApiEvents[E]) => void events.push({ event, payload }));
});

afterEach(async () => {
  await backend.close();
  removeTempLibrary({ home, lib });
});

function jobEvents(id: number): JobDto[] {
  return events.filter((e) => e.event === 'job' && (e.payload as JobDto).id === id).map((e) => e.payload as JobDto);
}

/** Resolves with the job's last event once it has ended. */
async function ended(id: number): Promise<JobDto> {
  await expect.poll(() => jobEvents(id).at(-1)?.status, { timeout: 60_000 }).not.toBe('running');
  return jobEvents(id).at(-1)!;
}

async function start(method: string, input: unknown): Promise<JobDto> {
  return (await backend.call(method, input)) as JobDto;
}

/** A reply the completion passes accept, from the system prompt of each request. */
function modelReply(r: FakeRequest): string {
  if (r.system.includes('You annotate recordings')) return "the 'Blank presentation' item";
  if (r.system.includes('You review annotations')) return 'Good';
  return `thought for step ${/\(step (\d+) of/.exec(r.text)?.[1] ?? '?'}`;
}

/** A FAKE model server (real HTTP, scripted replies) whose answers wait until `release()`. */
async function gatedServer(): Promise<{ server: FakeModelServer; release: () => void }> {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const server = await FakeModelServer.start({ fallback: async (r) => (await gate, modelReply(r)) });
  fs.writeFileSync(
    path.join(home, 'settings.json'),
    JSON.stringify({ completion: { endpoint: server.url, model: 'fake' } }),
  );
  return { server, release };
}

describe('pipeline jobs', () => {
  it('refine runs as a job: running at once, progress in order, one end event, a new recording', async () => {
    const first = await start('pipeline.refine', { id: rawId });
    expect(first).toMatchObject({ kind: 'refine', recordingIds: [rawId], status: 'running', done: 0, unit: 'frames' });
    // Only one job per recording: a second refine, or an export of it, is refused meanwhile.
    await expect(start('pipeline.refine', { id: rawId })).rejects.toThrow(
      `recording ${rawId} is busy: refine job ${first.id} is running on it; wait for it to end or cancel it`,
    );
    await expect(start('pipeline.export', { ids: [rawId], format: 'html', out: 'x' })).rejects.toThrow('is busy');

    const last = await ended(first.id);
    const refined = lib.listRecordings({ parentId: rawId, stage: 'refined' });
    expect(refined).toHaveLength(1);
    const refinedId = refined[0]!.id;
    expect(last).toMatchObject({ status: 'done', output: String(refinedId), endedAt: expect.any(Number) });
    expect(last.message).toMatch(new RegExp(`^refined recording ${rawId} → ${refinedId} .*: 8 → \\d+ actions`));
    const all = jobEvents(first.id);
    expect(all[0]).toMatchObject({ status: 'running', done: 0 });
    expect(all.slice(0, -1).every((j) => j.status === 'running')).toBe(true);
    expect(all.filter((j) => j.status !== 'running')).toHaveLength(1);
    const done = all.map((j) => j.done);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    expect(last.total).toBeGreaterThan(0);
    expect(last.done).toBe(last.total);
    // The end event comes after the library was told about the new recording.
    const libraryAt = events.findIndex(
      (e) => e.event === 'library' && (e.payload as { recordingId: number }).recordingId === refinedId,
    );
    expect(libraryAt).toBeGreaterThan(-1);
    expect(libraryAt).toBeLessThan(events.findIndex((e) => e.payload === last));
    expect(await backend.call('pipeline.jobs', {})).toEqual([last]);

    // Refining again finds the refined version (done, nothing new).
    const again = await start('pipeline.refine', { id: rawId });
    expect((await ended(again.id)).message).toMatch(/^already refined: recording/);
    // A refined recording is not refined again: the job fails and says why.
    const refineRefined = await start('pipeline.refine', { id: refinedId });
    expect(await ended(refineRefined.id)).toMatchObject({
      status: 'failed',
      message: expect.stringMatching(/already a refined recording/),
    });
    await expect(start('pipeline.refine', { id: 999 })).rejects.toThrow(/999/);
  });

  it('cancel stops a refine between frames and leaves no half-refined recording', async () => {
    const job = await start('pipeline.refine', { id: rawId });
    const cancelling = (await backend.call('pipeline.cancel', { jobId: job.id })) as JobDto;
    expect(cancelling).toMatchObject({ id: job.id, status: 'running', message: 'cancelling…' });
    const last = await ended(job.id);
    expect(last.status).toBe('cancelled');
    expect(last.message).toMatch(/^cancelled after \d+/);
    expect(lib.listRecordings({ parentId: rawId })).toEqual([]);
    // Cancelling an ended job changes nothing; an unknown one is an error.
    expect(await backend.call('pipeline.cancel', { jobId: job.id })).toEqual(last);
    await expect(backend.call('pipeline.cancel', { jobId: 99 })).rejects.toThrow('no job 99 in this session');
  });

  it('complete uses the settings model; cancel stops it and keeps the answered fields', async () => {
    await expect(start('pipeline.complete', { id: rawId })).rejects.toThrow(/^no completion model: set its endpoint/);
    const { server, release } = await gatedServer();
    try {
      const job = await start('pipeline.complete', { id: rawId });
      expect(job).toMatchObject({ kind: 'complete', status: 'running', unit: 'fields' });
      expect(job.total).toBeGreaterThan(0);
      await expect.poll(() => server.requests.length, { timeout: 30_000 }).toBeGreaterThan(0);
      await backend.call('pipeline.cancel', { jobId: job.id });
      release();
      const last = await ended(job.id);
      expect(last.status).toBe('cancelled');
      expect(last.message).toMatch(/^cancelled: recording \d+: /);
      // Requests on the wire were answered and kept; nothing new was asked after the cancel.
      const written = lib.listActions(rawId).filter((a) => a.description !== null).length;
      expect(written).toBeGreaterThan(0);
      expect(last.done).toBeLessThan(last.total!);
    } finally {
      release();
      await server.close();
    }
  });

  it('complete runs to the end: thoughts for every step', async () => {
    const { server, release } = await gatedServer();
    release();
    try {
      const job = await start('pipeline.complete', { id: rawId });
      const last = await ended(job.id);
      expect(last).toMatchObject({ status: 'done', done: job.total });
      expect(last.message).toMatch(/^recording \d+: .* 8 thoughts; complete$/);
      expect(lib.listActions(rawId).map((a) => a.thought?.text)).toContain('thought for step 1');
    } finally {
      await server.close();
    }
  });

  it('export writes to a new folder under the data directory and refuses to overwrite', async () => {
    const job = await start('pipeline.export', { ids: [rawId], format: 'pc-tracker', out: 'exports/one' });
    const out = path.join(home, 'exports', 'one');
    expect(job).toMatchObject({ kind: 'export', output: out, unit: 'steps', total: 8 });
    const last = await ended(job.id);
    expect(last).toMatchObject({ status: 'done', done: 8, output: out });
    expect(last.message).toBe(`exported 1 recording as pc-tracker to ${out}: 8 steps, 14 images`);
    expect(fs.readdirSync(out).filter((f) => f.endsWith('.jsonl'))).toHaveLength(1);
    await expect(start('pipeline.export', { ids: [rawId], format: 'html', out: 'exports/one' })).rejects.toThrow(
      `cannot export to ${out}: the folder is not empty; choose a new or empty folder`,
    );
    const file = path.join(home, 'exports', 'file.txt');
    fs.writeFileSync(file, 'x');
    await expect(start('pipeline.export', { ids: [rawId], format: 'html', out: file })).rejects.toThrow(
      `cannot export to ${file}: it is a file; choose a new folder`,
    );
    await expect(start('pipeline.export', { ids: [rawId], format: 'html', out: `${file}/sub` })).rejects.toThrow(
      'a folder on that path is a file',
    );
  });

  it('closing the back end cancels running jobs and waits for them', async () => {
    const { server, release } = await gatedServer();
    try {
      const job = await start('pipeline.complete', { id: rawId });
      await expect.poll(() => server.requests.length, { timeout: 30_000 }).toBeGreaterThan(0);
      const closing = backend.close();
      release();
      await closing;
      expect(jobEvents(job.id).at(-1)?.status).toBe('cancelled');
    } finally {
      release();
      await server.close();
    }
  });
});
