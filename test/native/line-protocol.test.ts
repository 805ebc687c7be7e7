import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  checkHelperGreeting,
  createHelperProvider,
  LineChild,
  parseElementReply,
  parseElementsReply,
  type LineChildOptions,
} from '../../src/platform/a11y/helper-process.js';

/**
 * A stand-in helper: greets per its mode, then answers requests one at a time, like the real
 * helpers. A request is JSON: {"id"} echoes {"id","pid"}; "delay" waits first; "die" exits.
 * Modes: "ok", "refuse" (greets with an error), "crash" (dies before greeting, with stderr).
 * A request "x y" answers with an element, and "elements" with a list of two, so the provider
 * can be tested end to end.
 */
const CHILD = `
const mode = process.argv.at(-1);
if (mode === 'crash') { process.stderr.write('boom: missing assembly'); process.exit(3); }
const say = (v) => process.stdout.write(JSON.stringify(v) + '\\n');
say(mode === 'refuse' ? { ready: false, error: 'no permission' } : { ready: true });
let queue = Promise.resolve();
let buffer = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  buffer += chunk;
  let nl;
  while ((nl = buffer.indexOf('\\n')) >= 0) {
    const line = buffer.slice(0, nl);
    buffer = buffer.slice(nl + 1);
    queue = queue.then(() => answer(line));
  }
});
async function answer(line) {
  if (line === 'elements') {
    return say([
      { name: 'Bold', description: 'Bold (Ctrl+B)', role: 'Button', states: ['enabled', 'showing', 'bogus'],
        rect: { left: 10, top: 20, right: 40, bottom: 50 }, windowTitle: 'Doc', inPopup: false },
      { name: 'No place', role: 'Pane', rect: null },
    ]);
  }
  const point = /^(\\S+) (\\S+)$/.exec(line);
  if (point) {
    const [x, y] = [Number(point[1]), Number(point[2])];
    return say(x < 0 ? null : { name: 'OK', role: 'Button', rect: { left: x, top: y, right: x + 10, bottom: y + 5 },
      windowTitle: 'Doc', appName: 'app' });
  }
  const req = JSON.parse(line);
  if (req.delay) await new Promise((r) => setTimeout(r, req.delay));
  if (req.die) process.exit(1);
  say({ id: req.id, pid: process.pid });
}
`;

const children: LineChild[] = [];
afterEach(async () => {
  await Promise.all(children.splice(0).map((c) => c.close()));
});

function lineChild(mode = 'ok', options: Partial<LineChildOptions> = {}): LineChild {
  const child = new LineChild({
    command: process.execPath,
    args: ['-e', CHILD, mode],
    checkGreeting: checkHelperGreeting,
    stuckAfterMs: 400,
    ...options,
  });
  children.push(child);
  return child;
}

async function ask(child: LineChild, request: object, deadlineMs = 2000): Promise<{ id: number; pid: number } | null> {
  const reply = await child.request(JSON.stringify(request), deadlineMs);
  return reply === null ? null : (JSON.parse(reply) as { id: number; pid: number });
}

describe('LineChild', () => {
  it('matches concurrent replies to requests in order, from one long-lived child', async () => {
    const child = lineChild();
    const replies = await Promise.all([1, 2, 3, 4, 5].map((id) => ask(child, { id, delay: id % 2 ? 20 : 0 })));
    expect(replies.map((r) => r?.id)).toEqual([1, 2, 3, 4, 5]);
    expect(new Set(replies.map((r) => r?.pid)).size).toBe(1);
  });

  it('gives null at the deadline and discards the late reply without killing a slow child', async () => {
    const child = lineChild();
    expect(await child.start()).toBe(true);
    const first = await ask(child, { id: 1 });
    expect(await ask(child, { id: 2, delay: 150 }, 30)).toBeNull();
    // Sent while the late reply is still due: it must get its own reply, from the same child.
    expect(await ask(child, { id: 3 })).toEqual({ id: 3, pid: first?.pid });
  });

  it('kills a child that stays stuck and answers the next request from a new one', async () => {
    const child = lineChild();
    const first = await ask(child, { id: 1 });
    expect(await ask(child, { id: 2, delay: 60_000 }, 50)).toBeNull();
    await new Promise((r) => setTimeout(r, 500)); // past stuckAfterMs (400)
    const next = await ask(child, { id: 3 });
    expect(next?.id).toBe(3);
    expect(next?.pid).not.toBe(first?.pid);
  });

  it('gives null for requests a dying child owed and restarts it on the next request', async () => {
    const child = lineChild();
    const first = await ask(child, { id: 1 });
    const [dying, queued] = await Promise.all([ask(child, { die: true }), ask(child, { id: 2 })]);
    expect([dying, queued]).toEqual([null, null]);
    const next = await ask(child, { id: 3 });
    expect(next?.id).toBe(3);
    expect(next?.pid).not.toBe(first?.pid);
  });

  it('close settles pending requests with null and refuses later ones', async () => {
    const child = lineChild();
    await child.start();
    const pending = ask(child, { id: 1, delay: 300 });
    await child.close();
    expect(await pending).toBeNull();
    expect(await ask(child, { id: 2 })).toBeNull();
    expect(await child.start()).toBe(false);
  });

  it('gives up at once, reporting the reason once, when the greeting refuses', async () => {
    const onError = vi.fn();
    const child = lineChild('refuse', { onError });
    expect(await child.start()).toBe(false);
    expect(await ask(child, { id: 1 })).toBeNull();
    expect(onError).toHaveBeenCalledTimes(1);
    expect(child.failure?.message).toBe('accessibility helper cannot work: no permission');
  });

  it('retries a child that dies before greeting, then gives up with its stderr', async () => {
    const onError = vi.fn();
    const child = lineChild('crash', { onError, maxFailedStarts: 2 });
    expect(await ask(child, { id: 1 })).toBeNull();
    await vi.waitFor(() => expect(onError).toHaveBeenCalledTimes(1));
    expect(child.failure?.message).toMatch(/failed to start 2 times \(exit code 3\): boom: missing assembly/);
  });

  it('gives up when the command cannot be spawned at all', async () => {
    const child = lineChild('ok', { command: '/nonexistent/helper', maxFailedStarts: 1 });
    expect(await child.start()).toBe(false);
    expect(child.failure?.message).toMatch(/ENOENT/);
  });

  it('rejects requests that would break the framing', () => {
    expect(() => lineChild().request('1\n2', 100)).toThrow(RangeError);
  });
});

describe('helper provider', () => {
  it('maps replies to elements and null replies to null', async () => {
    const provider = createHelperProvider('test', process.execPath, ['-e', CHILD, 'ok']);
    try {
      expect(await provider.ready()).toBe(true);
      expect(await provider.elementAt(100, 200)).toEqual({
        name: 'OK',
        role: 'Button',
        rect: { left: 100, top: 200, right: 110, bottom: 205 },
        windowTitle: 'Doc',
        appName: 'app',
      });
      expect(await provider.elementAt(-1, 0)).toBeNull();
      expect(await provider.elementAt(Number.NaN, 0)).toBeNull();
      // Elements without a rectangle and unknown state names are dropped.
      expect(await provider.elements()).toEqual([
        {
          name: 'Bold',
          description: 'Bold (Ctrl+B)',
          label: '',
          role: 'Button',
          states: ['enabled', 'showing'],
          rect: { left: 10, top: 20, right: 40, bottom: 50 },
          windowTitle: 'Doc',
          inPopup: false,
        },
      ]);
    } finally {
      await provider.close();
    }
  });

  it('reports a helper that cannot work once, through onError', async () => {
    const onError = vi.fn();
    const provider = createHelperProvider('test', process.execPath, ['-e', CHILD, 'refuse'], { onError });
    expect(await provider.elementAt(1, 1, 1000)).toBeNull();
    expect(await provider.elementAt(1, 1, 1000)).toBeNull();
    expect(onError).toHaveBeenCalledTimes(1);
    await provider.close();
  });
});

describe('reply parsing', () => {
  it('keeps well-formed fields and drops malformed ones', () => {
    expect(parseElementReply('null')).toBeNull();
    expect(parseElementReply('not json')).toBeNull();
    expect(
      parseElementReply('{"name":"Save","role":"Button","rect":{"left":1.4,"top":2,"right":30.6,"bottom":40}}'),
    ).toEqual({
      name: 'Save',
      role: 'Button',
      rect: { left: 1, top: 2, right: 31, bottom: 40 },
      windowTitle: '',
      appName: '',
    });
    // Empty or non-finite rectangles (UIA's empty Rect, AX without a size) are unknown, not zero.
    expect(parseElementReply('{"name":null,"rect":{"left":5,"top":5,"right":5,"bottom":9}}')?.rect).toBeNull();
    expect(parseElementReply('{"rect":{"left":"1","top":2,"right":3,"bottom":4}}')).toMatchObject({
      name: '',
      rect: null,
    });
  });

  it('reads an element list, [] for anything that is not one', () => {
    expect(parseElementsReply('null')).toEqual([]);
    expect(parseElementsReply('{"name":"x"}')).toEqual([]);
    expect(parseElementsReply('[1,"x",{"rect":{"left":0,"top":0,"right":2,"bottom":2},"inPopup":"yes"}]')).toEqual([
      {
        name: '',
        description: '',
        label: '',
        role: '',
        states: [],
        rect: { left: 0, top: 0, right: 2, bottom: 2 },
        windowTitle: '',
        inPopup: false,
      },
    ]);
  });

  it('accepts only a ready greeting', () => {
    expect(checkHelperGreeting('{"ready":true}')).toBeNull();
    expect(checkHelperGreeting('{"ready":false,"error":"denied"}')?.message).toMatch(/denied/);
    expect(checkHelperGreeting('PowerShell banner')?.message).toMatch(/unreadable greeting/);
  });
});
