/**
 * The planner against a scripted OpenAI-compatible server over real HTTP (FakeModelServer):
 * what it sends (system prompt with the planner forms, task, at most 10 earlier steps, the
 * screenshot as a data URL), how it reads answers, re-asks after malformed ones and asks for a
 * new plan when click targets were not found. Then the agent loop driven by that planner, with
 * a real library on disk and an in-memory screen, grounder and executor (the real ones run in
 * test/e2e/agent-run.test.ts).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { type Executor, FailSafeError } from '../../src/agents/executor/executor.js';
import type { Grounder } from '../../src/agents/grounding/grounder.js';
import { RunControl } from '../../src/agents/loop/control.js';
import { isDestructive, runAgent, type RunAgentOptions } from '../../src/agents/loop/run-agent.js';
import { encodePng, type Screenshot } from '../../src/agents/loop/screenshot.js';
import { Planner, PlannerError, type PlannerStep } from '../../src/agents/planner/planner.js';
import { PC_AGENT_INSTRUCTIONS } from '../../src/agents/planner/profiles/pc-agent.js';
import { UI_TARS_INSTRUCTIONS } from '../../src/agents/planner/profiles/ui-tars.js';
import type { Action } from '../../src/core/actions.js';
import { Library } from '../../src/library/library.js';
import { tempDir } from '../support/fixture.js';
import type { FakeModelServer } from '../support/openai-server.js';
import { contentText } from '../support/openai-server.js';
import { useFakeModelServer } from '../support/hooks.js';
import { waitFor } from '../support/xsession.js';

let server: FakeModelServer;
const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'); // a PNG header is enough for the wire
const dataUrl = `data:image/png;base64,${png.toString('base64')}`;

useFakeModelServer((s) => (server = s));

/** Replies in this order, one per request. */
const script = (...replies: string[]) => replies.forEach((r) => server.when(() => true, r, { times: 1 }));

const planner = (options: Partial<ConstructorParameters<typeof Planner>[0]> = {}) =>
  new Planner({ endpoint: server.url, model: 'ui-planner-7b', apiKey: 'test-key', ...options });

const history: PlannerStep[] = Array.from({ length: 12 }, (_, i) => ({
  thought: `thought number ${i + 1}`,
  action: i % 2 ? { kind: 'type', text: `text ${i + 1}` } : { kind: 'click', target: `the 'Button ${i + 1}' button` },
}));

describe('Planner', () => {
  it('sends the planner prompt, the task, the last 10 steps and the screenshot; reads thought and action', async () => {
    server.next(
      "The title placeholder is empty, so I click it first.\n\nAction: click element: the 'Click to add Title' placeholder",
    );
    const plan = await planner().plan({ task: 'Make a title slide', history, screenshot: { png } });
    expect(plan.thought).toBe('The title placeholder is empty, so I click it first.');
    expect(plan.action).toEqual({ kind: 'click', target: "the 'Click to add Title' placeholder" });
    expect(plan.requests).toBe(1);
    expect(plan.usage.completionTokens).toBeGreaterThan(0);

    const [req] = server.chats;
    expect(req!.model).toBe('ui-planner-7b');
    expect(req!.headers.authorization).toBe('Bearer test-key');
    for (const form of [
      'click element: <target>',
      'double click element:',
      'drag from (x1, y1) to (x2, y2)',
      'scroll (dx, dy)',
      'press key: <key>',
      'hotkey (<key1>, <key2>)',
      'type text: <text>',
      'wait',
      'finish',
      'fail',
    ]) {
      expect(req!.system).toContain(form);
    }
    expect(req!.lastUser).toContain('Task: Make a title slide');
    // Steps 3 … 12 with their thoughts and planner-form actions; 1 and 2 are left out.
    expect(req!.lastUser).not.toMatch(/Step [12]:/);
    expect(req!.lastUser).not.toContain('thought number 2\n');
    expect(req!.lastUser).toContain("Step 3:\nThought: thought number 3\nAction: click element: the 'Button 3' button");
    expect(req!.lastUser).toContain('Step 12:\nThought: thought number 12\nAction: type text: text 12');
    expect(req!.lastUser.match(/^Step \d+:/gm)).toHaveLength(10);
    // The screenshot is the one image, after the text.
    expect(req!.images).toEqual([dataUrl]);
    const content = req!.body!.messages!.at(-1)!.content as { type: string }[];
    expect(content.map((p) => p.type)).toEqual(['text', 'image_url']);
  });

  it('re-asks after a malformed answer, saying what was wrong, then uses the good one', async () => {
    script('I should save the file now.', 'Saving.\n\nAction: hotkey (Ctrl, S)');
    const plan = await planner().plan({ task: 'Save', history: [], screenshot: { url: dataUrl } });
    expect(plan.action).toEqual({ kind: 'hotkey', keys: ['ctrl', 's'] });
    expect(plan.requests).toBe(2);
    expect(plan.problems).toEqual(['the answer has no "Action:" line']);
    const second = server.chats[1]!;
    const messages = second.body!.messages!;
    expect(messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(contentText(messages[2]!.content)).toBe('I should save the file now.');
    expect(second.lastUser).toMatch(/cannot be used: the answer has no "Action:" line/);
    expect(second.images).toEqual([dataUrl]); // the screenshot is still in the conversation
  });

  it('reports an invalid action with the grammar error, and gives up after 3 re-asks', async () => {
    server.setFallback('Let me look.\n\nAction: click (10, 20)');
    const error = await planner()
      .plan({ task: 'x', history: [], screenshot: { png } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlannerError);
    expect((error as PlannerError).message).toMatch(/no usable action in 4 answers/);
    expect((error as PlannerError).problems).toHaveLength(4);
    expect(server.chats).toHaveLength(4);
    expect(server.chats[1]!.lastUser).toMatch(/the action "click \(10, 20\)" is not valid: expected "element"/);
    server.setFallback('OK');
  });

  it('asks for a new plan naming the click targets that were not found', async () => {
    server.next("The save button is in the toolbar.\n\nAction: click element: the 'Save' icon");
    await planner().plan({
      task: 'Save',
      history,
      screenshot: { png },
      notFound: ["'Nonexistent Button'", 'the blue OK button'],
    });
    const text = server.chats[0]!.lastUser;
    expect(text).toContain(
      "These click targets were not found on the screen:\n- 'Nonexistent Button'\n- the blue OK button",
    );
    expect(text).toMatch(/Make a new plan/);
  });

  it('fails with a one-line reason when the endpoint fails', async () => {
    server.setFallback({ status: 500 });
    const error = await planner({ maxRetries: 0 })
      .plan({ task: 'x', history: [], screenshot: { png } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlannerError);
    expect((error as Error).message).toMatch(/^the planner failed: http:\/\/127\.0\.0\.1:\d+\/v1 answered HTTP 500/);
    server.setFallback('OK');
  });

  it('pc-agent profile: one user message, screenshot then text, the checkpoint layout, temperature 0.8, 512 tokens', async () => {
    server.next("I click the title placeholder.\n\nAction: click element: the 'Click to add Title' placeholder");
    // Executed clicks appear in the history by their coordinates.
    const steps: PlannerStep[] = [
      ...history,
      {
        thought: 'I open the Slide menu.',
        action: { kind: 'click', at: { x: 210, y: 12 }, target: "the 'Slide' menu" },
      },
    ];
    const plan = await planner({ profile: 'pc-agent' }).plan({
      task: 'Make a title slide',
      history: steps,
      screenshot: { png },
      notFound: ["the 'New Slide' item", 'the OK button'],
    });
    expect(plan.action).toEqual({ kind: 'click', target: "the 'Click to add Title' placeholder" });
    const [req] = server.chats;
    const body = req!.body as {
      messages: { role: string; content: { type: string }[] }[];
      temperature: number;
      max_tokens: number;
    };
    expect(body.temperature).toBe(0.8);
    expect(body.max_tokens).toBe(512);
    expect(body.messages.map((m) => m.role)).toEqual(['user']);
    expect(body.messages[0]!.content.map((p) => p.type)).toEqual(['image_url', 'text']);
    expect(req!.images).toEqual([dataUrl]);
    const text = contentText(body.messages[0]!.content);
    const shown = steps.slice(-10);
    const expectedHistory = shown
      .map((s, i) => {
        const a = s.action as Action;
        const action =
          a.kind === 'click' && a.at
            ? `click (${a.at.x}, ${a.at.y})`
            : a.kind === 'type'
              ? `type text: ${a.text}`
              : `click element: ${a.kind === 'click' ? a.target : ''}`;
        return `[${i + 1}] ${s.thought}\nAction: ${action}`;
      })
      .join('\n\n');
    expect(text).toBe(
      `${PC_AGENT_INSTRUCTIONS}Your task is: Make a title slide\n\n` +
        `History of the previous actions and thoughts you have done to reach the current screen: ${expectedHistory}\n\n` +
        '--------------------------------------------\n\n' +
        "Given the screenshot. What's the next step that you will do to help with the task?\n\n" +
        "Note: the element <the 'New Slide' item> and <the OK button> that you planned to click was not found on the screen; make a new plan.",
    );
    expect(text).toContain('[10] I open the Slide menu.\nAction: click (210, 12)');
  });

  it('pc-agent profile: None for an empty history; --planner-prompt text replaces the instructions', async () => {
    server.next('Start.\n\nAction: wait');
    await planner({ profile: 'pc-agent', instructions: 'CHECKPOINT WORDING\n\n' }).plan({
      task: 'T',
      history: [],
      screenshot: { png },
    });
    const text = contentText(server.chats[0]!.body!.messages![0]!.content);
    expect(
      text.startsWith(
        'CHECKPOINT WORDING\n\nYour task is: T\n\nHistory of the previous actions and thoughts you have done to reach the current screen: None\n\n',
      ),
    ).toBe(true);
  });

  it('generic profile: the instructions file replaces the system prompt; layout otherwise unchanged', async () => {
    server.next('Ok.\n\nAction: wait');
    await planner({ instructions: 'MY SYSTEM PROMPT' }).plan({ task: 'T', history: [], screenshot: { png } });
    const body = server.chats[0]!.body!;
    expect(body.messages!.map((m) => m.role)).toEqual(['system', 'user']);
    expect(body.messages![0]!.content).toBe('MY SYSTEM PROMPT');
    expect((body.messages![1]!.content as { type: string }[]).map((p) => p.type)).toEqual(['text', 'image_url']);
    expect((body as { temperature?: number }).temperature).toBe(0);
  });

  it('ui-tars profile: text then screenshot, answers parsed with @ui-tars/action-parser into screen pixels', async () => {
    const screen = await sharp({ create: { width: 1920, height: 1080, channels: 3, background: '#fff' } })
      .png()
      .toBuffer();
    // UI-TARS 1.5 points in the pixels of its resized image: sides rounded to multiples of 28 (1932×1092 here).
    server.next(
      "Thought: The Slide menu is in the menu bar.\nAction: click(start_box='<|box_start|>(966,546)<|box_end|>')",
    );
    const plan = await planner({ profile: 'ui-tars' }).plan({
      task: 'Add a slide',
      history: history.slice(0, 2),
      screenshot: { png: screen },
    });
    expect(plan.thought).toBe('The Slide menu is in the menu bar.');
    expect(plan.action).toEqual({ kind: 'click', at: { x: 960, y: 540 } });
    const body = server.chats[0]!.body!;
    expect(body.messages!.map((m) => m.role)).toEqual(['user']);
    const parts = body.messages![0]!.content as { type: string }[];
    expect(parts.map((p) => p.type)).toEqual(['text', 'image_url']);
    const text = contentText(parts);
    expect(text).toBe(
      `${UI_TARS_INSTRUCTIONS}Add a slide\n\n## History\n` +
        "Thought: thought number 1\nAction: click element: the 'Button 1' button\n\nThought: thought number 2\nAction: type text: text 2",
    );

    for (const [answer, action] of [
      ["Action: left_double(start_box='(0,0)')", { kind: 'double_click', at: { x: 0, y: 0 } }],
      ["Action: right_single(start_box='(1932,1092)')", { kind: 'right_click', at: { x: 1920, y: 1080 } }],
      [
        "Action: drag(start_box='(0,0)', end_box='(966,546)')",
        { kind: 'drag', from: { x: 0, y: 0 }, to: { x: 960, y: 540 } },
      ],
      ["Action: hotkey(key='ctrl s')", { kind: 'hotkey', keys: ['ctrl', 's'] }],
      ["Action: hotkey(key='enter')", { kind: 'key', key: 'enter' }],
      ["Action: type(content='Hello, world')", { kind: 'type', text: 'Hello, world' }],
      ["Action: scroll(start_box='(10,10)', direction='down')", { kind: 'scroll', dx: 0, dy: -5 }],
      ['Action: wait()', { kind: 'wait' }],
      ["Action: finished(content='done')", { kind: 'finish' }],
    ] as const) {
      server.reset();
      server.next(`Thought: t\n${answer}`);
      const p = await planner({ profile: 'ui-tars' }).plan({ task: 'T', history: [], screenshot: { png: screen } });
      expect(p.action).toEqual(action);
    }
  });
});

// ── the loop, with the real planner (over HTTP) and library, and in-memory screen/input ──────

describe('runAgent (real planner and library; an in-memory screen, grounder and executor)', () => {
  const W = 40;
  const H = 30;
  let shot: Screenshot;
  beforeAll(async () => {
    const data = Buffer.alloc(W * H * 3, 200);
    const rgb = { data, width: W, height: H, channels: 3 as const };
    shot = { rgb, png: await encodePng(rgb), width: W, height: H, capturedAt: Date.now(), grabMs: 0, encodeMs: 0 };
  });

  /** An executor that remembers what it was asked to do; `corner` trips its fail-safe. */
  function memoryExecutor(corner = false): Executor & { done: Action[] } {
    const done: Action[] = [];
    return {
      name: 'memory',
      frameSize: { width: W, height: H },
      done,
      perform: async (action) => void done.push(action),
      pointer: async () => ({ x: 5, y: 5 }),
      checkFailSafe: async () => {
        if (corner) throw new FailSafeError({ x: 0, y: 0 });
      },
      close: async () => undefined,
    };
  }

  /** Finds targets whose description mentions a known label, at a fixed point. */
  const grounder: Grounder = {
    name: 'labels',
    locate: async (description) =>
      description.includes('OK')
        ? {
            found: true,
            point: { x: 12, y: 8 },
            box: [10, 6, 15, 11],
            score: 0.9,
            source: 'labels',
            candidates: [{ text: 'OK', box: [10, 6, 15, 11], score: 0.9, reason: 'exact' }],
          }
        : { found: false, source: 'labels', candidates: [], reason: 'no text like it' },
  };

  const run = (lib: Library, executor: Executor, extra: Partial<RunAgentOptions> = {}) =>
    runAgent({
      task: 'Press OK',
      planner: planner(),
      grounder,
      executor,
      screenshot: async () => shot,
      lib,
      settleMs: 0,
      waitMs: 1,
      ...extra,
    });

  it('stores each step with frames, grounding and timings, and ends on finish', async () => {
    script(
      "I see the dialog.\n\nAction: click element: the 'OK' button",
      'Action: wait',
      'Action: scroll (0, -2)',
      'Done.\n\nAction: finish',
    );
    const lib = Library.open(tempDir('loop-finish'));
    const executor = memoryExecutor();
    const result = await run(lib, executor);
    expect(result).toMatchObject({ status: 'finished', reason: 'the planner finished the task', steps: 4 });
    expect(executor.done).toEqual([
      { kind: 'click', target: "the 'OK' button", at: { x: 12, y: 8 } },
      { kind: 'scroll', dx: 0, dy: -2 },
    ]);
    const rec = lib.getRecording(result.recording.id);
    expect(rec).toMatchObject({ kind: 'agent', mode: 'run', status: 'finished', description: 'Press OK' });
    const actions = lib.listActions(rec.id);
    expect(actions.map((a) => a.action.kind)).toEqual(['click', 'wait', 'scroll', 'finish']);
    expect(actions[0]!.markedFrameId).not.toBeNull();
    expect(actions.slice(1).every((a) => a.markedFrameId === null && a.frameId !== null)).toBe(true);
    const marked = await sharp(lib.absolutePath(lib.getFrame(actions[0]!.markedFrameId!).path))
      .raw()
      .toBuffer();
    expect([...marked.subarray((8 * W + 12) * 3, (8 * W + 12) * 3 + 3)]).toEqual([255, 0, 0]); // the dot at (12, 8)
    expect(actions[0]!.extra.agent).toMatchObject({
      step: 1,
      grounding: { grounder: 'labels', found: true, point: { x: 12, y: 8 } },
      notFound: [],
    });
    expect(actions[0]!.thought).toEqual({ text: 'I see the dialog.', source: 'agent' });
    // Later requests carry the history in the planner form.
    expect(server.chats[3]!.lastUser).toContain(
      "Step 1:\nThought: I see the dialog.\nAction: click element: the 'OK' button\n\nStep 2:\nAction: wait",
    );
    lib.close();
  });

  it('asks for at most 3 new plans when targets are not found, then fails naming them', async () => {
    server.setFallback("Action: click element: the 'Missing' button");
    const lib = Library.open(tempDir('loop-replan'));
    const executor = memoryExecutor();
    const notFound: number[] = [];
    const result = await run(lib, executor, { onNotFound: (n) => notFound.push(n.replan) });
    server.setFallback('OK');
    expect(result.status).toBe('failed');
    expect(result.reason).toMatch(/could not find the click target after 3 new plans: the 'Missing' button/);
    expect(notFound).toEqual([1, 2, 3, 4]);
    expect(server.chats).toHaveLength(4);
    expect(server.chats.map((r) => (r.lastUser.match(/^- the 'Missing' button$/gm) ?? []).length)).toEqual([
      0, 1, 2, 3,
    ]);
    expect(executor.done).toEqual([]);
    const [fail] = lib.listActions(result.recording.id);
    expect(fail!.action).toEqual({ kind: 'fail' });
    expect((fail!.extra.agent as { notFound: unknown[] }).notFound).toHaveLength(4);
    lib.close();
  });

  it('stops at the step limit, on the fail-safe, on a declined destructive hotkey, and when stopped', async () => {
    server.setFallback('Action: press key: tab');
    const lib = Library.open(tempDir('loop-end'));
    const limited = await run(lib, memoryExecutor(), { maxSteps: 2 });
    expect(limited).toMatchObject({
      status: 'failed',
      steps: 2,
      reason: 'reached the limit of 2 steps without finishing',
    });

    const safe = await run(lib, memoryExecutor(true));
    expect(safe).toMatchObject({ status: 'failed', steps: 0 });
    expect(safe.reason).toMatch(/^fail-safe: the pointer is in a screen corner/);

    server.setFallback('Action: hotkey (Alt, F4)');
    const asked: string[] = [];
    const declined = await run(lib, memoryExecutor(), { confirm: async (_a, text) => (asked.push(text), false) });
    expect(declined).toMatchObject({ status: 'failed', reason: 'the user declined "hotkey (alt, f4)"' });
    expect(asked).toEqual(['hotkey (alt, f4)']);

    const control = new RunControl();
    control.pause();
    const paused = run(lib, memoryExecutor(), { signal: control.signal, pause: control });
    await waitFor('the run to show as paused', async () => lib.listRecordings({ status: 'paused' }).length === 1);
    control.stop();
    expect(await paused).toMatchObject({ status: 'failed', reason: 'stopped by the user', steps: 0 });
    expect(lib.listRecordings({ kind: 'agent' }).map((r) => r.status)).toEqual([
      'failed',
      'failed',
      'failed',
      'failed',
    ]);
    server.setFallback('OK');
    lib.close();
  });

  it('keeps only the latest steps of a long run: numbered on, and each screenshot handed back once stored', async () => {
    let asked = 0;
    server.setFallback(() => (++asked <= 13 ? 'Action: press key: tab' : 'Action: finish'));
    const lib = Library.open(tempDir('loop-window'));
    let unreleased = 0;
    let most = 0;
    const result = await run(lib, memoryExecutor(), {
      screenshot: async () => {
        unreleased++;
        most = Math.max(most, unreleased);
        return { ...shot, release: () => void unreleased-- };
      },
    });
    server.setFallback('OK');
    expect(result).toMatchObject({ status: 'finished', steps: 14 });
    // Step 14's request: steps 4–13 (the last 10), numbered as they ran.
    const last = server.chats.at(-1)!.lastUser;
    expect(last).toContain('Latest steps (3 earlier ones not shown), oldest first:\nStep 4:\nAction: press key: tab');
    expect(last).toContain('Step 13:\nAction: press key: tab');
    expect(last).not.toContain('Step 3:');
    // The run holds one screenshot at a time (its pixels are reused) and hands back the last.
    expect(most).toBe(1);
    expect(unreleased).toBe(0);
    lib.close();
  });

  it('knows the destructive hotkeys', () => {
    expect(isDestructive({ kind: 'hotkey', keys: ['alt', 'f4'] })).toBe(true);
    expect(isDestructive({ kind: 'hotkey', keys: ['w', 'ctrl'] })).toBe(true);
    expect(isDestructive({ kind: 'hotkey', keys: ['ctrl', 's'] })).toBe(false);
    expect(isDestructive({ kind: 'key', key: 'delete' })).toBe(false);
  });
});
