import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Action } from '../../src/core/actions.js';
import { parseDescription } from '../../src/agents/grounding/description.js';
import { inRegion } from '../../src/agents/grounding/positions.js';
import { type ActionRecord, Library } from '../../src/library/library.js';
import { ingestBatch, writeBatch, type BatchRequestLine } from '../../src/pipeline/complete/batch.js';
import { ModelClient } from '../../src/models/client.js';
import {
  composeOfflineDescription,
  completeOffline,
  createOcrReader,
  type OfflineWord,
  positionPhrase,
} from '../../src/pipeline/complete/offline.js';
import { completeOnline, recordingSummary } from '../../src/pipeline/complete/online.js';
import { parseCustomId, resolveTargets, roundsLeft } from '../../src/pipeline/complete/plan.js';
import { knownPrices, resolvePrices } from '../../src/pipeline/complete/pricing.js';
import {
  checkMessages,
  cleanThought,
  parseCheckAnswer,
  promptActionText,
  semanticsMessages,
  thoughtMessages,
} from '../../src/pipeline/complete/prompts.js';
import { readCompletionSettings, resolveEndpoint } from '../../src/pipeline/complete/settings.js';
import { importTrackerFolder } from '../../src/pipeline/pc-tracker/import.js';
import { startPcagent } from '../support/cli.js';
import type { ChildRun } from '../support/child.js';
import { FIXTURE_DIR, tempDir, openTempLibrary, removeTempLibrary } from '../support/fixture.js';
import { chatCompletion, FakeModelServer, type FakeRequest } from '../support/openai-server.js';

// ── how the tests read requests ─────────────────────────────────────────────────────────

type Kind = 'desc' | 'check' | 'thought';

/** Which pass a request belongs to, from its system prompt. */
function kindOf(r: FakeRequest): Kind {
  if (r.system.includes('You annotate recordings')) return 'desc';
  if (r.system.includes('You review annotations')) return 'check';
  if (r.system.includes('inner thoughts')) return 'thought';
  throw new Error(`unknown request: ${r.system.slice(0, 80)}`);
}

/** The field a request asks for: `desc@407,275`, `check@407,275` or `thought#3` (step number). */
function fieldOf(r: FakeRequest): string {
  const kind = kindOf(r);
  if (kind === 'thought') return `thought#${/\(step (\d+) of \d+\)/.exec(r.text)![1]}`;
  const at = /Action: (?:right |double )?click \((\d+), (\d+)\)/.exec(r.text)!;
  return `${kind}@${at[1]},${at[2]}`;
}

function fieldsOf(a: ActionRecord): string[] {
  const out: string[] = [];
  const at = 'at' in a.action && a.action.at ? `${a.action.at.x},${a.action.at.y}` : '';
  if (a.description) out.push(`desc@${at}`);
  if (a.check) out.push(`check@${at}`);
  if (a.thought) out.push(`thought#${a.seq}`);
  return out;
}

/** A well-behaved model: names the element, approves descriptions, numbers its thoughts. */
function smartReply(r: FakeRequest): string {
  switch (kindOf(r)) {
    case 'desc': {
      const name = /named the element under the pointer "([^"]*)"/.exec(r.lastUser)?.[1] ?? 'unnamed';
      return `the '${name}' item`;
    }
    case 'check':
      return 'Good';
    case 'thought':
      return `thought for step ${/\(step (\d+) of/.exec(r.text)![1]}`;
  }
}

// ── fixtures ────────────────────────────────────────────────────────────────────────────

let home: string;
let lib: Library;
let server: FakeModelServer;

beforeEach(async () => {
  ({ home, lib } = openTempLibrary('complete'));
  server = await FakeModelServer.start({ fallback: smartReply });
});
afterEach(async () => {
  removeTempLibrary({ home, lib });
  await server.close();
});

async function importFixture(l: Library = lib): Promise<number> {
  const report = await importTrackerFolder(l, FIXTURE_DIR);
  return report.imported[0]!.id;
}

function client(options: Partial<ConstructorParameters<typeof ModelClient>[0]> = {}): ModelClient {
  return new ModelClient({ endpoint: server.url, model: 'fake-vlm', backoffMs: 5, timeoutMs: 5_000, ...options });
}

async function complete(ids: number[], options: Partial<ConstructorParameters<typeof ModelClient>[0]> = {}) {
  const c = client(options);
  const report = await completeOnline(lib, resolveTargets(lib, ids, false), { client: c });
  return { report, stats: c.stats };
}

/** A recording of `actions`, with a small PNG frame (and a "marked" copy) for each click. */
async function syntheticRecording(actions: Action[], names: string[] = []): Promise<number> {
  const rec = lib.createRecording({
    kind: 'human',
    mode: 'free',
    source: 'test',
    description: 'write the words',
    status: 'finished',
  });
  const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#36c' } })
    .png()
    .toBuffer();
  actions.forEach((action, i) => {
    const click = action.kind === 'click';
    const frame = click ? lib.saveFrame(rec.id, `f${i}.png`, png, { format: 'png', width: 64, height: 48 }) : null;
    const marked = click
      ? lib.saveFrame(rec.id, `f${i}_marked.png`, png, { format: 'png', width: 64, height: 48, role: 'marked' })
      : null;
    lib.appendAction(rec.id, {
      time: 1_700_000_000_000 + i * 1000,
      action,
      element: click ? { name: names[i] ?? '', rect: null } : null,
      frameId: frame?.id ?? null,
      markedFrameId: marked?.id ?? null,
    });
  });
  return rec.id;
}

// ── pure parts ──────────────────────────────────────────────────────────────────────────

describe('answers and prompt forms', () => {
  it('reads check answers, tolerating case, quotes and emphasis', () => {
    expect(parseCheckAnswer('Good')).toEqual({ kind: 'good' });
    expect(parseCheckAnswer(' **good.** ')).toEqual({ kind: 'good' });
    expect(parseCheckAnswer("Wrong. Correct Description: the 'Save' button in the dialog.")).toEqual({
      kind: 'wrong',
      correction: "the 'Save' button in the dialog",
    });
    expect(parseCheckAnswer('wrong, correct description: <the Start button>')).toEqual({
      kind: 'wrong',
      correction: 'the Start button',
    });
    expect(parseCheckAnswer('The description looks fine to me').kind).toBe('malformed');
    expect(parseCheckAnswer('Wrong.').kind).toBe('malformed');
    expect(parseCheckAnswer('Wrong. Correct Description: the item inside the red rectangle').kind).toBe('malformed');
  });

  it('prompts give the model every rule of the reference (click semantics, check, thought)', () => {
    const frame = 'data:image/png;base64,AAAA';
    const click: Action = { kind: 'click', at: { x: 5, y: 5 } };
    const semantics = JSON.stringify(semanticsMessages({ action: click, element: null, imageUrl: frame }));
    const check = JSON.stringify(checkMessages({ action: click, element: null, imageUrl: frame, description: 'x' }));
    const thought = JSON.stringify(
      thoughtMessages({
        task: 't',
        steps: [{ action: click, description: 'x', thought: null }],
        index: 0,
        imageUrl: null,
      }),
    );
    const clickRules = [
      /marked point first, then the rectangle/,
      /accessibility name comes last/,
      /in your own words[^"]*instead of repeating the accessibility name/,
      /empty area plus its position[^.]*empty area in the left thumbnail panel/,
      /no hedging words such as \\"seems\\", \\"appears\\"/,
      /'Click to add Title', 'Click to add Text', 'Click to add Subtitle'/,
      /slide thumbnail panel/,
    ];
    for (const rule of clickRules) {
      expect(semantics).toMatch(rule);
      expect(check).toMatch(rule);
    }
    // Check: reasoning, then the answer line in one of two forms; a correction replaces.
    expect(check).toMatch(/First reason briefly/);
    expect(check).toContain('Answer: Good');
    expect(check).toContain('Answer: Wrong. Correct Description:');
    expect(check).toMatch(/A correction replaces the description/);
    // Thought: the 11-action glossary, both purposes of a drag, reflection cues and limits.
    for (const action of [
      'click',
      'right click',
      'double click',
      'drag',
      'scroll',
      'press key',
      'hotkey',
      'type text',
      'wait',
      'finish',
      'fail',
    ]) {
      expect(thought).toContain(`* ${action}: `);
    }
    expect(thought).toMatch(/either to move something[^"]*or to select a range/);
    expect(thought).toMatch(/screen matches what your last thought planned/);
    expect(thought).toMatch(/fixes an earlier mistake/);
    expect(thought).toMatch(/exploring/);
    expect(thought).toMatch(/first person/);
    expect(thought).toMatch(/Do not evaluate the action after the fact/);
    expect(thought).toMatch(/later actions may inform what this action is for, but never announce/);
  });

  it('cleans thoughts: no label, no Action tail', () => {
    expect(cleanThought('Thought: I open the menu.\n\nAction: click element: File')).toBe('I open the menu.');
    expect(cleanThought('"I type the title."')).toBe('I type the title.');
    expect(cleanThought('  ')).toBe('');
  });

  it('writes actions in the planner form, clicks by their description', () => {
    const click: Action = { kind: 'click', at: { x: 1, y: 2 } };
    expect(promptActionText({ action: click, description: "the 'Insert' tab", thought: null })).toBe(
      "click element: the 'Insert' tab",
    );
    expect(promptActionText({ action: click, description: null, thought: null })).toBe('click (1, 2)');
    expect(promptActionText({ action: { kind: 'key', key: 'enter' }, description: null, thought: null })).toBe(
      'press key: enter',
    );
    expect(
      promptActionText({ action: { kind: 'drag_to', at: { x: 3, y: 4 } }, description: null, thought: null }),
    ).toBe('drag to (3, 4)');
  });

  // Retry-After, endpoints and reasoning-model limits: test/models/client.test.ts.
  it('knows a few prices, round-trips custom ids', () => {
    expect(knownPrices('gpt-4o-2024-08-06')).toEqual({ input: 2.5, output: 10 });
    expect(knownPrices('gpt-4o-mini-2024-07-18')).toEqual({ input: 0.15, output: 0.6 });
    expect(knownPrices('qwen2-vl-72b')).toBeNull();
    expect(resolvePrices('gpt-4o', {}, true)).toMatchObject({ input: 1.25, output: 5 });
    expect(resolvePrices('local', { priceIn: 1 })).toMatchObject({ input: 1, output: 0, source: 'flags' });
    expect(parseCustomId('r12-a345-check')).toEqual({ recordingId: 12, actionId: 345, pass: 'check' });
    expect(parseCustomId('r1-a2-other')).toBeNull();
  });

  it('settings: flags win; the file key goes only to the file endpoint, OPENAI_API_KEY anywhere', () => {
    const file = { endpoint: 'https://api.openai.com/v1', model: 'gpt-4o', apiKey: 'sk-file' };
    expect(resolveEndpoint({}, file, {})).toEqual({ endpoint: file.endpoint, model: 'gpt-4o', apiKey: 'sk-file' });
    expect(resolveEndpoint({ endpoint: 'http://127.0.0.1:8000/v1', model: 'qwen' }, file, {})).toEqual({
      endpoint: 'http://127.0.0.1:8000/v1',
      model: 'qwen',
      apiKey: undefined,
    });
    expect(resolveEndpoint({ endpoint: 'http://127.0.0.1:8000/v1' }, file, { OPENAI_API_KEY: 'sk-env' }).apiKey).toBe(
      'sk-env',
    );
    expect(resolveEndpoint({ endpoint: 'http://x/v1' }, { apiKey: 'sk-file' }, {}).apiKey).toBe('sk-file');
  });

  it('settings: a file that is not JSON is refused without quoting it', () => {
    fs.writeFileSync(path.join(home, 'settings.json'), '{"completion": {"apiKey": "sk-do-not-print" ');
    expect(() => readCompletionSettings(home)).toThrow(/settings\.json is not valid JSON$/);
    try {
      readCompletionSettings(home);
    } catch (err) {
      expect((err as Error).message).not.toContain('sk-do-not-print');
    }
  });
});

// ── offline descriptions ────────────────────────────────────────────────────────────────

describe('offline description composer', () => {
  const frame = { width: 1920, height: 1080 };
  const menu: OfflineWord[] = [
    { text: 'File', box: [10, 60, 48, 84], lineIndex: 0 },
    { text: 'Home', box: [80, 60, 132, 84], lineIndex: 0 },
    { text: 'Insert', box: [165, 60, 222, 84], lineIndex: 0 },
    { text: 'Draw', box: [255, 60, 305, 84], lineIndex: 0 },
  ];

  it("names the menu item under the click: the 'Insert' item in the menu bar at the top-left", () => {
    expect(composeOfflineDescription({ words: menu, point: { x: 190, y: 72 }, frame, elementName: 'Insert' })).toBe(
      "the 'Insert' item in the menu bar at the top-left",
    );
    // Without an accessibility name the text alone does it; a role gives the noun.
    expect(composeOfflineDescription({ words: menu, point: { x: 190, y: 72 }, frame, role: 'page tab' })).toBe(
      "the 'Insert' tab in the menu bar at the top-left",
    );
  });

  it('grows a label along its line while words are close, and stops at wide gaps', () => {
    const words: OfflineWord[] = [
      { text: 'Click', box: [856, 514, 980, 570], lineIndex: 3 },
      { text: 'to', box: [1002, 514, 1064, 570], lineIndex: 3 },
      { text: 'add', box: [1086, 514, 1204, 570], lineIndex: 3 },
      { text: 'title', box: [1226, 514, 1330, 570], lineIndex: 3 },
      { text: 'Notes', box: [1700, 514, 1790, 570], lineIndex: 3 },
    ];
    expect(composeOfflineDescription({ words, point: { x: 1048, y: 546 }, frame, elementName: 'Unknown' })).toBe(
      "the 'Click to add title' item in the center of the screen",
    );
  });

  it('prefers the accessibility name when it is written near the click (label under a thumbnail)', () => {
    const words: OfflineWord[] = [
      { text: 'Blank', box: [270, 330, 315, 356], lineIndex: 6 },
      { text: 'Presentation', box: [311, 330, 406, 356], lineIndex: 6 },
      { text: 'Turing', box: [491, 332, 542, 355], lineIndex: 7 },
    ];
    const rect = { left: 225, top: 181, right: 450, bottom: 371 };
    expect(
      composeOfflineDescription({
        words,
        point: { x: 407, y: 275 },
        frame,
        elementName: 'Blank Presentation',
        elementRect: rect,
      }),
    ).toBe("the 'Blank Presentation' item at the top-left of the screen");
  });

  it('uses the name for icons whose glyph reads as a stray letter, and says when nothing is readable', () => {
    // The close button's glyph read as 'x', with a 'Share' button and its '~' glyph just below.
    const words: OfflineWord[] = [
      { text: 'x', box: [1881, 21, 1894, 42], lineIndex: 0 },
      { text: 'Share', box: [1838, 67, 1889, 95], lineIndex: 1 },
      { text: '~', box: [1885, 67, 1900, 95], lineIndex: 1 },
    ];
    expect(composeOfflineDescription({ words, point: { x: 1877, y: 21 }, frame, elementName: 'Close' })).toBe(
      "the 'Close' item in the title bar at the top-right",
    );
    expect(composeOfflineDescription({ words, point: { x: 1877, y: 21 }, frame })).toBe(
      "the item next to the text 'Share' in the title bar at the top-right",
    );
    expect(
      composeOfflineDescription({
        words: [],
        point: { x: 828, y: 1075 },
        frame,
        elementName: 'Start',
        role: 'push button',
      }),
    ).toBe("the 'Start' button in the taskbar at the bottom");
    expect(composeOfflineDescription({ words: [], point: { x: 960, y: 540 }, frame, elementName: '' })).toBe(
      'an unlabelled item in the center of the screen',
    );
  });

  it('keeps visible text and the differing name apart, and marks text that is only nearby', () => {
    const words: OfflineWord[] = [{ text: 'Share', box: [1838, 67, 1889, 95], lineIndex: 0 }];
    expect(composeOfflineDescription({ words, point: { x: 1860, y: 80 }, frame, elementName: 'Share options' })).toBe(
      "the 'Share' item in the menu bar at the top-right (accessibility name 'Share options')",
    );
    expect(composeOfflineDescription({ words, point: { x: 1820, y: 80 }, frame, elementName: '' })).toBe(
      "the item next to the text 'Share' in the menu bar at the top-right",
    );
  });

  it('position words are the ones the OCR grounder reads back, and hold for the click point', () => {
    for (let x = 5; x < 1920; x += 97) {
      for (let y = 3; y < 1080; y += 41) {
        const description = `the 'OK' item ${positionPhrase({ x, y }, frame)}`;
        const query = parseDescription(description);
        expect(query.text).toBe('OK');
        expect(query.positions.length).toBeGreaterThan(0);
        for (const p of query.positions)
          expect(inRegion(p, { x, y }, frame, query.positions), `${description} at ${x},${y}`).toBe(true);
      }
    }
  });

  it('on the fixture frames with the real OCR engine: the Blank Presentation click', async () => {
    const id = await importFixture();
    const actions = lib.listActions(id);
    // Every other click already has a description: it is skipped (and so not read).
    for (const a of actions) {
      if (a.seq !== 3 && a.action.kind === 'click')
        lib.updateAction(a.id, { description: { text: 'by hand', source: 'human' } });
    }
    const reader = await createOcrReader();
    const read: string[] = [];
    const report = await completeOffline(lib, resolveTargets(lib, [id], false), {
      reader: { read: (file) => (read.push(path.basename(file)), reader.read(file)) },
    });
    expect(report.recordings[0]).toMatchObject({ id, described: 1, failures: [] });
    expect(read).toEqual(['20241126_161524_3.png']); // the plain frame, not the marked copy
    const a3 = lib.listActions(id)[2]!;
    expect(a3.description).toEqual({ text: expect.stringContaining("'Blank Presentation'"), source: 'offline' });
    expect(a3.thought).toBeNull();
    expect(lib.listActions(id).every((a) => a.thought === null && a.check === null)).toBe(true);
  }, 120_000);
});

// ── online completion against the fake server ───────────────────────────────────────────

describe('online completion', () => {
  it('describes, checks and explains the fixture; each request carries what it should', async () => {
    const id = await importFixture();
    const { report, stats } = await complete([id]);
    expect(report.stopped).toBeNull();
    expect(report.recordings[0]).toMatchObject({
      described: 6,
      checked: 6,
      corrected: 0,
      thoughts: 8,
      pending: { desc: 0, check: 0, thought: 0 },
    });
    expect(stats).toMatchObject({ requests: 20, retries: 0, failed: 0 });
    expect(stats.promptTokens).toBeGreaterThan(0);

    const actions = lib.listActions(id);
    const blank = actions[2]!;
    expect(blank.description).toEqual({ text: "the 'Blank Presentation' item", source: 'model' });
    expect(blank.check).toEqual({ text: 'Good', source: 'model' });
    expect(actions.map((a) => a.thought?.text)).toEqual(actions.map((a) => `thought for step ${a.seq}`));
    expect(actions[4]!.description).toBeNull(); // typing is not described

    const marked = fs.readFileSync(lib.absolutePath(lib.getFrame(blank.markedFrameId!).path)).toString('base64');
    const descReq = server.chats.find((r) => fieldOf(r) === 'desc@407,275')!;
    expect(descReq.images).toEqual([`data:image/png;base64,${marked}`]);
    expect(descReq.lastUser).toContain('"Blank Presentation"');
    expect(descReq.model).toBe('fake-vlm');
    const checkReq = server.chats.find((r) => fieldOf(r) === 'check@407,275')!;
    expect(checkReq.images).toEqual([`data:image/png;base64,${marked}`]);
    expect(checkReq.lastUser).toContain("Description of the clicked element: the 'Blank Presentation' item");
    // Every thought came after all checks, in step order within the recording.
    const kinds = server.chats.map(kindOf);
    expect(kinds.lastIndexOf('check')).toBeLessThan(kinds.indexOf('thought'));
    expect(server.chats.filter((r) => kindOf(r) === 'thought').map(fieldOf)).toEqual(
      actions.map((a) => `thought#${a.seq}`),
    );
    const thought4 = server.chats.find((r) => fieldOf(r) === 'thought#4')!;
    expect(thought4.text).toContain(
      "Step 3:\nThought: thought for step 3\nAction: click element: the 'Blank Presentation' item",
    );
    expect(thought4.text).toContain('- type text: Hello, world');
    expect(thought4.text).toContain('Task: create a new blank slide with title "Hello, world" on desktop.');
    expect(thought4.images).toHaveLength(1);

    // Resume: nothing left, nothing asked.
    server.reset();
    const again = await complete([id]);
    expect(again.stats.requests).toBe(0);
    expect(server.chats).toHaveLength(0);
  });

  it('thought prompts carry at most 10 earlier steps (with thoughts) and at most 10 later actions', async () => {
    const actions: Action[] = [{ kind: 'click', at: { x: 10, y: 10 } }];
    for (let i = 2; i <= 29; i++) actions.push({ kind: 'type', text: `word ${i}` });
    actions.push({ kind: 'finish' });
    const id = await syntheticRecording(actions, ['File']);
    const { report } = await complete([id], { concurrency: 4 });
    expect(report.recordings[0]).toMatchObject({ described: 1, checked: 1, thoughts: 30 });
    const step15 = server.chats.find((r) => fieldOf(r) === 'thought#15')!;
    const history = [...step15.text.matchAll(/^Step (\d+):\nThought: thought for step (\d+)\nAction: (.*)$/gm)];
    expect(history.map((m) => Number(m[1]))).toEqual([5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
    expect(history.every((m) => m[1] === m[2])).toBe(true);
    const later = [...step15.text.matchAll(/^- (.*)$/gm)].map((m) => m[1]);
    expect(later).toEqual([16, 17, 18, 19, 20, 21, 22, 23, 24, 25].map((n) => `type text: word ${n}`));
    expect(step15.text).toContain('The action to explain (step 15 of 30): type text: word 15');
    expect(step15.images).toEqual([]); // typing without a frame: text only
    const step2 = server.chats.find((r) => fieldOf(r) === 'thought#2')!;
    expect(step2.text).toContain("Step 1:\nThought: thought for step 1\nAction: click element: the 'File' item");
    const last = server.chats.find((r) => fieldOf(r) === 'thought#30')!;
    expect(last.text).toContain('Later actions: none');
  });

  it('retries 429 (honouring Retry-After) and 500, then succeeds', async () => {
    const id = await syntheticRecording([{ kind: 'click', at: { x: 5, y: 5 } }, { kind: 'finish' }], ['OK']);
    server.next({ status: 429, headers: { 'retry-after-ms': '30' } }).next({ status: 500 }, 1);
    const retries: string[] = [];
    const c = client({
      concurrency: 1,
      onRetry: (r) =>
        retries.push(`${r.attempt}:${r.reason.replace(/\d{4,5}/, 'PORT')}:${r.delayMs <= 5 ? 'backoff' : r.delayMs}`),
    });
    const report = await completeOnline(lib, resolveTargets(lib, [id], false), { client: c });
    expect(report.recordings[0]).toMatchObject({ described: 1, checked: 1, thoughts: 2 });
    expect(c.stats).toMatchObject({ requests: 6, retries: 2, failed: 0 });
    expect(retries).toEqual([
      // 500: exponential backoff (5 ms base, with jitter); 429: the server's Retry-After.
      '1:http://127.0.0.1:PORT/v1 answered HTTP 500: fake error 500:backoff',
      '2:http://127.0.0.1:PORT/v1 answered HTTP 429: fake error 429:30',
    ]);
    // The retried request is the same request again.
    expect(server.chats.slice(0, 3).map(fieldOf)).toEqual(['desc@5,5', 'desc@5,5', 'desc@5,5']);
  });

  it('a hanging request times out and is retried', async () => {
    const id = await syntheticRecording([{ kind: 'click', at: { x: 5, y: 5 } }, { kind: 'finish' }], ['OK']);
    server.next({ hang: true });
    const { report, stats } = await complete([id], { timeoutMs: 300 });
    expect(report.recordings[0]).toMatchObject({ described: 1, checked: 1, thoughts: 2 });
    expect(stats).toMatchObject({ retries: 1, requests: 5 });
  });

  it('gives up after the retries with an endpoint error and keeps what was done', async () => {
    const id = await syntheticRecording([{ kind: 'click', at: { x: 5, y: 5 } }, { kind: 'finish' }], ['OK']);
    server.when((r) => kindOf(r) === 'thought', { status: 503 });
    const { report, stats } = await complete([id], { maxRetries: 2 });
    expect(report.stopped?.message).toMatch(/answered HTTP 503: fake error 503 \(gave up after 2 retries\)$/);
    expect(stats).toMatchObject({ requests: 2 + 3, retries: 2, failed: 1 });
    const [click] = lib.listActions(id);
    expect(click!.description?.text).toBe("the 'OK' item");
    expect(click!.check?.text).toBe('Good');
    expect(report.recordings[0]!.pending).toEqual({ desc: 0, check: 0, thought: 2 });
  });

  it('re-asks a malformed check answer up to 3 times, in the same conversation', async () => {
    const id = await syntheticRecording(
      [{ kind: 'click', at: { x: 5, y: 5 } }, { kind: 'click', at: { x: 9, y: 9 } }, { kind: 'finish' }],
      ['A', 'B'],
    );
    // Click A: two bad answers, then Good. Click B: bad every time.
    let askedA = 0;
    server.when(
      (r) => kindOf(r) === 'check' && fieldOf(r) === 'check@5,5',
      () => (++askedA < 3 ? 'I think so' : 'Good'),
    );
    server.when((r) => kindOf(r) === 'check' && fieldOf(r) === 'check@9,9', 'Maybe.');
    const { report } = await complete([id]);
    const r = report.recordings[0]!;
    expect(r.checked).toBe(1);
    expect(r.unresolved).toEqual([
      expect.objectContaining({ seq: 2, pass: 'check', message: expect.stringContaining('after 3 asks') }),
    ]);
    const checksB = server.chats.filter((q) => fieldOf(q) === 'check@9,9');
    expect(checksB).toHaveLength(3);
    const third = checksB[2]!.body!.messages!;
    expect(third.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user', 'assistant', 'user']);
    expect(third[2]!.content).toBe('Maybe.');
    expect(checksB[2]!.images).toHaveLength(1); // the image is sent once per request, in the first user turn
    const [a, b] = lib.listActions(id);
    expect(a!.check?.text).toBe('Good');
    expect(b!.check).toBeNull();
    // Thoughts wait for every check: none were asked.
    expect(server.chats.some((q) => kindOf(q) === 'thought')).toBe(false);
    expect(r.pending).toEqual({ desc: 0, check: 1, thought: 3 });
  });

  it('a correction replaces the description, and thoughts use the corrected one', async () => {
    const id = await importFixture();
    server.when(
      (r) => fieldOf(r) === 'check@407,275',
      "Wrong. Correct Description: the 'Blank Presentation' thumbnail in the first row of the template gallery",
    );
    const { report } = await complete([id]);
    expect(report.recordings[0]).toMatchObject({ checked: 6, corrected: 1 });
    const blank = lib.listActions(id)[2]!;
    expect(blank.description).toEqual({
      text: "the 'Blank Presentation' thumbnail in the first row of the template gallery",
      source: 'model',
    });
    expect(blank.check).toEqual({ text: 'Corrected', source: 'model' });
    const thought4 = server.chats.find((r) => fieldOf(r) === 'thought#4')!;
    expect(thought4.text).toContain(
      "Action: click element: the 'Blank Presentation' thumbnail in the first row of the template gallery",
    );
  });

  it('refusals are never stored: asked again, then left empty and counted in the summary', async () => {
    const actions: Action[] = [
      { kind: 'click', at: { x: 5, y: 5 } },
      { kind: 'click', at: { x: 9, y: 9 } },
      { kind: 'finish' },
    ];
    const refusedDesc = await syntheticRecording(actions, ['A', 'B']);
    server.when((r) => fieldOf(r) === 'desc@9,9', "I'm sorry, I can't assist with that.");
    const first = (await complete([refusedDesc])).report.recordings[0]!;
    expect(server.chats.filter((c) => fieldOf(c) === 'desc@9,9')).toHaveLength(3);
    expect(first.refused).toBe(1);
    expect(lib.listActions(refusedDesc)[1]!.description).toBeNull();
    expect(recordingSummary(first)).toContain('1 refused answer left empty');

    server.reset();
    const refusedThought = await syntheticRecording(actions, ['A', 'B']);
    server.when((r) => fieldOf(r) === 'thought#1', 'I’m sorry, but I can’t help with that request.');
    const second = (await complete([refusedThought])).report.recordings[0]!;
    expect(server.chats.filter((c) => fieldOf(c) === 'thought#1')).toHaveLength(3);
    expect(second.refused).toBe(1);
    const stored = lib.listActions(refusedThought);
    // The refused thought stays empty; the later ones are still written.
    expect(stored.map((a) => a.thought?.text ?? null)).toEqual([null, 'thought for step 2', 'thought for step 3']);
    for (const a of [...stored, ...lib.listActions(refusedDesc)]) {
      for (const field of [a.description, a.check, a.thought]) expect(field?.text ?? '').not.toMatch(/sorry/i);
    }
  });

  it('the check answer follows the reasoning, after "Answer:"', async () => {
    const id = await syntheticRecording([{ kind: 'click', at: { x: 5, y: 5 } }, { kind: 'finish' }], ['A']);
    server.when(
      (r) => kindOf(r) === 'check',
      'The point is on the blue area, not on a button labelled A.\nAnswer: **Wrong. Correct Description: an empty blue area in the top-left corner**',
    );
    await complete([id]);
    expect(lib.listActions(id)[0]!.description?.text).toBe('an empty blue area in the top-left corner');
  });

  it('a request refused on its own (HTTP 400) skips that field; the others complete', async () => {
    const id = await syntheticRecording(
      [{ kind: 'click', at: { x: 5, y: 5 } }, { kind: 'click', at: { x: 9, y: 9 } }, { kind: 'finish' }],
      ['A', 'B'],
    );
    server.when((r) => fieldOf(r) === 'desc@9,9', { status: 400 }, { times: 1 });
    const { report } = await complete([id]);
    const r = report.recordings[0]!;
    expect(report.stopped).toBeNull();
    expect(r.failures).toEqual([
      expect.objectContaining({ seq: 2, pass: 'desc', message: expect.stringContaining('HTTP 400') }),
    ]);
    expect(r).toMatchObject({ described: 1, checked: 1, thoughts: 0, pending: { desc: 1, check: 1, thought: 3 } });
    // The next run asks only for what is missing.
    server.reset();
    const again = await complete([id]);
    expect(server.chats.map(fieldOf)).toEqual(['desc@9,9', 'check@9,9', 'thought#1', 'thought#2', 'thought#3']);
    expect(again.report.recordings[0]!.pending).toEqual({ desc: 0, check: 0, thought: 0 });
  });

  it('completes the refined child of a raw recording', async () => {
    const raw = await importFixture();
    const child = lib.createRecording({
      kind: 'human',
      mode: 'free',
      stage: 'refined',
      parentId: raw,
      source: 'refine',
      status: 'finished',
    });
    for (const a of lib.listActions(raw).slice(0, 2)) {
      lib.appendAction(child.id, {
        time: a.time,
        action: a.action,
        element: a.element,
        frameId: a.frameId,
        markedFrameId: a.markedFrameId,
      });
    }
    const targets = resolveTargets(lib, [raw], false);
    expect(targets.map((t) => [t.recording.id, t.refinedFrom])).toEqual([[child.id, raw]]);
    expect(resolveTargets(lib, [], true).map((t) => t.recording.id)).toEqual([child.id]);
    const { report } = await complete([raw]);
    expect(report.recordings[0]).toMatchObject({ id: child.id, refinedFrom: raw, described: 2, thoughts: 2 });
    expect(lib.listActions(raw).every((a) => a.description === null)).toBe(true);
  });
});

// ── batch files ─────────────────────────────────────────────────────────────────────────

/** Plays the batch engine: sends each request of a batch input file to the fake server and
 *  writes the answers in the OpenAI Batch output format. */
async function runBatchFile(input: string, output: string, url: string): Promise<BatchRequestLine[]> {
  const lines = fs
    .readFileSync(input, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as BatchRequestLine);
  const out: string[] = [];
  for (const [i, line] of lines.entries()) {
    const res = await fetch(`${url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(line.body),
    });
    const body = await res.json();
    out.push(
      JSON.stringify({
        id: `batch_req_${i}`,
        custom_id: line.custom_id,
        response: { status_code: res.status, request_id: `req_${i}`, body },
        error: null,
      }),
    );
  }
  fs.writeFileSync(output, `${out.join('\n')}\n`);
  return lines;
}

describe('batch files', () => {
  it('round trip: descriptions, then checks, then all thoughts; provenance batch', async () => {
    const id = await importFixture();
    const dir = tempDir('batch');
    const targets = () => resolveTargets(lib, [id], false);
    const actions = lib.listActions(id);
    const blank = actions[2]!;

    // Round 1: the six descriptions.
    const w1 = writeBatch(lib, targets(), { file: path.join(dir, 'in1.jsonl'), model: 'gpt-4o' });
    expect(w1).toMatchObject({ requests: { desc: 6, check: 0, thought: 0 }, roundsLeft: 3 });
    const sent1 = await runBatchFile(w1.file, path.join(dir, 'out1.jsonl'), server.url);
    expect(sent1[2]).toMatchObject({
      custom_id: `r${id}-a${blank.id}-desc`,
      method: 'POST',
      url: '/v1/chat/completions',
      body: { model: 'gpt-4o', max_tokens: expect.any(Number) },
    });
    expect(JSON.stringify(sent1[2]!.body.messages)).toContain('data:image/png;base64,');
    const in1 = ingestBatch(lib, path.join(dir, 'out1.jsonl'));
    expect(in1).toMatchObject({ lines: 6, applied: { desc: 6 }, failed: [], recordingIds: [id], model: 'gpt-4o' });
    expect(in1.usage.promptTokens).toBeGreaterThan(0);
    expect(lib.getAction(blank.id).description).toEqual({ text: "the 'Blank Presentation' item", source: 'batch' });
    expect(roundsLeft(lib.listActions(id))).toBe(2);

    // Round 2: checks. One answer is malformed and one line failed: they stay pending.
    const w2 = writeBatch(lib, targets(), { file: path.join(dir, 'in2.jsonl'), model: 'gpt-4o' });
    expect(w2).toMatchObject({ requests: { desc: 0, check: 6, thought: 0 }, roundsLeft: 2 });
    server.when((r) => fieldOf(r) === 'check@407,275', 'Wrong. Correct Description: the blank presentation thumbnail');
    server.when((r) => fieldOf(r) === 'check@828,1075', 'Looks right');
    server.when((r) => fieldOf(r) === 'check@1877,21', { status: 500 });
    await runBatchFile(w2.file, path.join(dir, 'out2.jsonl'), server.url);
    const in2 = ingestBatch(lib, path.join(dir, 'out2.jsonl'));
    expect(in2.applied).toEqual({ desc: 0, check: 4, corrected: 1, thought: 0 });
    expect(in2.malformed).toHaveLength(1);
    expect(in2.failed).toEqual([expect.objectContaining({ message: expect.stringContaining('HTTP 500') })]);
    expect(lib.getAction(blank.id)).toMatchObject({
      description: { text: 'the blank presentation thumbnail', source: 'batch' },
      check: { text: 'Corrected', source: 'batch' },
    });
    // Ingesting the same file again changes nothing.
    expect(ingestBatch(lib, path.join(dir, 'out2.jsonl')).skipped).toBe(4);

    // Round 3 asks the two open checks again; thoughts wait for them.
    server.reset();
    const w3 = writeBatch(lib, targets(), { file: path.join(dir, 'in3.jsonl'), model: 'gpt-4o' });
    expect(w3.requests).toEqual({ desc: 0, check: 2, thought: 0 });
    await runBatchFile(w3.file, path.join(dir, 'out3.jsonl'), server.url);
    expect(ingestBatch(lib, path.join(dir, 'out3.jsonl')).applied.check).toBe(2);

    // Round 4: every thought in one round.
    const w4 = writeBatch(lib, targets(), { file: path.join(dir, 'in4.jsonl'), model: 'gpt-4o' });
    expect(w4).toMatchObject({ requests: { desc: 0, check: 0, thought: 8 }, roundsLeft: 1 });
    const sent4 = await runBatchFile(w4.file, path.join(dir, 'out4.jsonl'), server.url);
    expect(sent4.map((l) => parseCustomId(l.custom_id)!.pass)).toEqual(Array(8).fill('thought'));
    expect(JSON.stringify(sent4[3]!.body.messages)).toContain(
      'Action: click element: the blank presentation thumbnail',
    );
    expect(ingestBatch(lib, path.join(dir, 'out4.jsonl')).applied.thought).toBe(8);
    const done = lib.listActions(id);
    expect(done.every((a) => a.thought?.source === 'batch')).toBe(true);
    expect(roundsLeft(done)).toBe(0);
    expect(writeBatch(lib, targets(), { file: path.join(dir, 'in5.jsonl'), model: 'gpt-4o' })).toMatchObject({
      requests: { desc: 0, check: 0, thought: 0 },
      roundsLeft: 0,
    });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reports bad result lines and ids it does not know, and applies the rest', async () => {
    const id = await importFixture();
    const a = lib.listActions(id)[0]!;
    const file = path.join(home, 'results.jsonl');
    const ok = (customId: string, content: string) =>
      JSON.stringify({
        id: 'x',
        custom_id: customId,
        response: { status_code: 200, body: chatCompletion(content) },
        error: null,
      });
    fs.writeFileSync(
      file,
      [
        ok(`r${id}-a${a.id}-desc`, "the 'Start' button"),
        '{not json',
        ok(`r${id}-a999999-desc`, 'x'),
        ok(`r${id + 1}-a${a.id}-thought`, 'x'),
        JSON.stringify({
          id: 'y',
          custom_id: `r${id}-a${a.id}-thought`,
          response: null,
          error: { code: 'batch_expired', message: 'expired' },
        }),
        ok('something-else', 'x'),
      ].join('\n'),
    );
    const report = ingestBatch(lib, file);
    expect(report.applied.desc).toBe(1);
    expect(report.failed.map((f) => f.line)).toEqual([2, 3, 4, 5, 6]);
    expect(report.failed[3]!.message).toBe('error: expired');
  });
});

// ── the CLI, spawned, against the fake server ───────────────────────────────────────────

/** Spawns the built CLI on `home` without blocking the event loop (the fake server runs in this process). */
const cli = (args: string[], env: NodeJS.ProcessEnv = {}): ChildRun =>
  startPcagent(['--home', home, ...args], { ...process.env, OPENAI_API_KEY: '', ...env });

function libraryFiles(): string {
  return fs
    .readdirSync(home)
    .filter((f) => f.startsWith('library.db'))
    .map((f) => fs.readFileSync(path.join(home, f)).toString('latin1'))
    .join('\n');
}

describe('pcagent complete', () => {
  it('resumes after SIGKILL mid-run without asking again for any finished field; the key is never stored', async () => {
    const id = await importFixture();
    lib.close();
    const key1 = `sk-test-${Math.random().toString(36).slice(2)}-env`;
    const key2 = `sk-test-${Math.random().toString(36).slice(2)}-settings`;
    server.latencyMs = 40;
    const running: { run?: ChildRun } = {};
    server.next((r) => {
      if (r.index === 7) running.run!.child.kill('SIGKILL');
      return r.index >= 7 ? { hang: true } : smartReply(r);
    }, 1000);
    const run1 = (running.run = cli(
      ['complete', String(id), '--endpoint', server.url, '--model', 'm', '--concurrency', '2'],
      {
        OPENAI_API_KEY: key1,
      },
    ));
    const r1 = await run1.done;
    expect(r1.signal).toBe('SIGKILL');
    expect(server.chats.every((r) => r.headers.authorization === `Bearer ${key1}`)).toBe(true);

    lib = Library.open(home);
    const doneBefore = new Set(lib.listActions(id).flatMap(fieldsOf));
    const answered = server.chats.filter((r) => r.index < 7).map(fieldOf);
    expect(doneBefore.size).toBeGreaterThan(0);
    expect(doneBefore.size).toBeLessThanOrEqual(answered.length);
    for (const f of doneBefore) expect(answered).toContain(f);

    // Second run: endpoint, model and key from settings.json.
    fs.writeFileSync(
      path.join(home, 'settings.json'),
      JSON.stringify({ completion: { endpoint: server.url, model: 'm', apiKey: key2 } }),
    );
    server.reset();
    server.latencyMs = 0;
    const r2 = await cli(['complete', String(id), '--json']).done;
    expect(r2.stderr).toBe('');
    expect(r2.code).toBe(0);
    const asked = server.chats.map(fieldOf);
    for (const f of asked) expect(doneBefore.has(f), `${f} was asked again`).toBe(false);
    expect(new Set(asked).size).toBe(asked.length);
    expect(asked.length + doneBefore.size).toBe(20);
    expect(server.chats.every((r) => r.headers.authorization === `Bearer ${key2}`)).toBe(true);
    const summary = JSON.parse(r2.stdout);
    expect(summary).toMatchObject({ mode: 'online', model: 'm', requests: asked.length, pending: 0, stopped: null });
    const all = lib.listActions(id);
    expect(all.filter((a) => a.thought).length).toBe(8);

    // --batch-out writes nothing secret either.
    const batchFile = path.join(home, 'round.jsonl');
    lib.updateAction(all[0]!.id, { thought: null });
    const r3 = await cli(['complete', String(id), '--batch-out', batchFile], { OPENAI_API_KEY: key1 }).done;
    expect(r3.code).toBe(0);
    expect(r3.stdout).toMatch(/wrote 1 request .*1 round left/s);
    const results = path.join(home, 'results.jsonl');
    await runBatchFile(batchFile, results, server.url);
    const r4 = await cli(['complete', '--batch-in', results]).done;
    expect(r4.code).toBe(0);
    expect(r4.stdout).toContain('read 1 result from');
    expect(r4.stdout).toContain('every recording of this batch is complete');
    expect(lib.getAction(all[0]!.id).thought).toEqual({ text: 'thought for step 1', source: 'batch' });

    const everything = [
      libraryFiles(),
      r1.stdout,
      r1.stderr,
      r2.stdout,
      r2.stderr,
      r3.stdout,
      r3.stderr,
      r4.stdout,
      fs.readFileSync(results, 'utf8'),
      fs.readFileSync(batchFile, 'utf8'),
    ].join('\n');
    expect(everything).not.toContain(key1);
    expect(everything).not.toContain(key2);
  });

  it('an endpoint that goes away: one-line error, exit 1, every finished field kept', async () => {
    const id = await importFixture();
    lib.close();
    let closing: Promise<void> | undefined;
    server.next((r) => {
      if (r.index < 4) return smartReply(r);
      closing ??= server.close();
      return { drop: true };
    }, 100);
    const r = await cli([
      'complete',
      String(id),
      '--endpoint',
      server.url,
      '--model',
      'm',
      '--concurrency',
      '1',
      '--retries',
      '2',
      '--backoff-ms',
      '10',
    ]).done;
    await closing;
    expect(r.code).toBe(1);
    // Said at the first failure, then once at the end with what was kept.
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^pcagent: cannot reach http:\/\/127\.0\.0\.1:\d+\/v1: \S+.*; retrying \(in [\d.]+ s\)…$/);
    expect(lines[1]).toMatch(
      /^pcagent: cannot reach http:\/\/127\.0\.0\.1:\d+\/v1: connection refused \(gave up after 2 retries\); 4 finished fields kept, \d+ still missing: run again to resume$/,
    );
    lib = Library.open(home);
    const fields = lib.listActions(id).flatMap(fieldsOf);
    expect(fields).toHaveLength(4);
    expect(r.stdout).toMatch(/requests: \d+ \(\d+ retries\)/);
    server = await FakeModelServer.start({ fallback: smartReply }); // for afterEach
  });

  it('refuses a call without an endpoint or without ids, with a one-line reason', async () => {
    const id = await importFixture();
    const r = await cli(['complete', String(id)]).done;
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([
      'pcagent: no model endpoint: pass --endpoint URL (and --model NAME) or set completion.endpoint in settings.json',
    ]);
    const r2 = await cli(['complete']).done;
    expect(r2.stderr.trim()).toBe('pcagent: name recording ids or use --all');
  });
});
