import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Action } from '../../src/core/actions.js';
import { GrammarError, formatAction, parseAction, tryParseAction, type ActionForm } from '../../src/core/grammar.js';
import { NAMED_KEYS } from '../../src/core/keys.js';

const FORMS: readonly ActionForm[] = ['recorded', 'planner', 'completed'];

/** Canonical texts of every form with the action each stands for. */
const CANONICAL: readonly (readonly [ActionForm, string, Action])[] = [
  ['recorded', 'click (828, 1075)', { kind: 'click', at: { x: 828, y: 1075 } }],
  ['recorded', 'right click (0, 0)', { kind: 'right_click', at: { x: 0, y: 0 } }],
  ['recorded', 'double click (-1920, -5)', { kind: 'double_click', at: { x: -1920, y: -5 } }],
  ['recorded', 'press (10, 20)', { kind: 'press', at: { x: 10, y: 20 } }],
  ['recorded', 'drag to (30, 40)', { kind: 'drag_to', at: { x: 30, y: 40 } }],
  ['recorded', 'drag from (1, 2) to (3, 4)', { kind: 'drag', from: { x: 1, y: 2 }, to: { x: 3, y: 4 } }],
  ['recorded', 'scroll (0, -3)', { kind: 'scroll', dx: 0, dy: -3 }],
  ['recorded', 'scroll (-2, 5)', { kind: 'scroll', dx: -2, dy: 5 }],
  ['recorded', 'scroll (0, 0)', { kind: 'scroll', dx: 0, dy: 0 }],
  ['recorded', 'press key enter', { kind: 'key', key: 'enter' }],
  ['recorded', 'press key space', { kind: 'key', key: 'space' }],
  ['recorded', 'press key c', { kind: 'key', key: 'c' }],
  ['recorded', 'press key :', { kind: 'key', key: ':' }],
  ['recorded', 'hotkey (Ctrl, S)', { kind: 'hotkey', keys: ['ctrl', 's'] }],
  ['recorded', 'hotkey (Ctrl, shift, S)', { kind: 'hotkey', keys: ['ctrl', 'shift', 's'] }],
  ['recorded', 'hotkey (Ctrl, ,)', { kind: 'hotkey', keys: ['ctrl', ','] }],
  ['recorded', 'hotkey (Ctrl, ))', { kind: 'hotkey', keys: ['ctrl', ')'] }],
  ['recorded', 'hotkey (Ctrl, ()', { kind: 'hotkey', keys: ['ctrl', '('] }],
  ['recorded', 'hotkey (Ctrl, 1)', { kind: 'hotkey', keys: ['ctrl', '1'] }],
  ['recorded', 'hotkey (Ctrl, f4)', { kind: 'hotkey', keys: ['ctrl', 'f4'] }],
  ['recorded', 'hotkey (alt, tab)', { kind: 'hotkey', keys: ['alt', 'tab'] }],
  ['recorded', 'hotkey (alt, f4)', { kind: 'hotkey', keys: ['alt', 'f4'] }],
  ['recorded', 'hotkey (shift, delete)', { kind: 'hotkey', keys: ['shift', 'delete'] }],
  ['recorded', 'hotkey (cmd, d)', { kind: 'hotkey', keys: ['cmd', 'd'] }],
  ['recorded', 'hotkey (cmd, space)', { kind: 'hotkey', keys: ['cmd', 'space'] }],
  ['recorded', 'type text: Hello, world', { kind: 'type', text: 'Hello, world' }],
  ['recorded', 'wait', { kind: 'wait' }],
  ['recorded', 'finish', { kind: 'finish' }],
  ['recorded', 'fail', { kind: 'fail' }],
  ['planner', 'click element: the Start button', { kind: 'click', target: 'the Start button' }],
  ['planner', 'right click element: the slide', { kind: 'right_click', target: 'the slide' }],
  ['planner', 'double click element: a file', { kind: 'double_click', target: 'a file' }],
  ['planner', 'drag from (1, 2) to (3, 4)', { kind: 'drag', from: { x: 1, y: 2 }, to: { x: 3, y: 4 } }],
  ['planner', 'scroll (0, 5)', { kind: 'scroll', dx: 0, dy: 5 }],
  ['planner', 'press key: enter', { kind: 'key', key: 'enter' }],
  ['planner', 'press key: :', { kind: 'key', key: ':' }],
  ['planner', 'hotkey (Ctrl, C)', { kind: 'hotkey', keys: ['ctrl', 'c'] }],
  ['planner', 'type text: hello', { kind: 'type', text: 'hello' }],
  ['planner', 'wait', { kind: 'wait' }],
  ['planner', 'finish', { kind: 'finish' }],
  ['planner', 'fail', { kind: 'fail' }],
  [
    'completed',
    "click <\\the 'Insert' tab in the ribbon>",
    { kind: 'click', target: "the 'Insert' tab in the ribbon" },
  ],
  ['completed', 'right click <\\the slide>', { kind: 'right_click', target: 'the slide' }],
  ['completed', 'double click <\\a file>', { kind: 'double_click', target: 'a file' }],
  ['completed', 'press (10, 20)', { kind: 'press', at: { x: 10, y: 20 } }],
  ['completed', 'drag to (30, 40)', { kind: 'drag_to', at: { x: 30, y: 40 } }],
  ['completed', 'press key esc', { kind: 'key', key: 'esc' }],
  ['completed', 'hotkey (Ctrl, V)', { kind: 'hotkey', keys: ['ctrl', 'v'] }],
  ['completed', 'type text: x', { kind: 'type', text: 'x' }],
  ['completed', 'finish', { kind: 'finish' }],
];

/** Payloads that must survive as typed text and as descriptions. */
const NASTY_TEXTS = [
  'a, b',
  'f(x, y) = (1, 2)',
  '"quoted" and \'single\'',
  'C:\\path\\to\\file',
  'a <\\b> c',
  '>',
  'ends with >',
  '<\\',
  '😀 emoji 👩‍💻',
  '中文输入 テキスト',
  'line one\nline two\n',
  '  leading and trailing  ',
  ' ',
  '\t',
  'type text: nested',
  'click (1, 2)',
  ')',
];

describe('canonical texts', () => {
  it.each(CANONICAL)('%s: %j', (form, text, action) => {
    expect(parseAction(text, form)).toEqual(action);
    expect(parseAction(text)).toEqual(action);
    expect(formatAction(action, form)).toBe(text);
  });

  it('covers every action kind in every form that has it', () => {
    const kinds = (form: ActionForm) =>
      new Set(CANONICAL.filter(([f]) => f === form).map(([, , action]) => action.kind));
    const all = ['click', 'right_click', 'double_click', 'drag', 'scroll', 'key', 'hotkey', 'type'];
    expect(kinds('recorded')).toEqual(new Set([...all, 'press', 'drag_to', 'wait', 'finish', 'fail']));
    expect(kinds('planner')).toEqual(new Set([...all, 'wait', 'finish', 'fail']));
    expect(kinds('completed')).toEqual(
      new Set(['click', 'right_click', 'double_click', 'press', 'drag_to', 'key', 'hotkey', 'type', 'finish']),
    );
  });
});

describe('lossless payloads', () => {
  it.each(NASTY_TEXTS)('typed text %j round-trips in every form', (text) => {
    for (const form of FORMS) {
      const action: Action = { kind: 'type', text };
      const formatted = formatAction(action, form);
      expect(formatted).toBe(`type text: ${text}`);
      expect(parseAction(formatted, form)).toEqual(action);
    }
  });

  it.each(NASTY_TEXTS.filter((text) => text.trim() !== ''))('description %j round-trips', (target) => {
    for (const form of ['planner', 'completed'] as const) {
      for (const kind of ['click', 'right_click', 'double_click'] as const) {
        const action: Action = { kind, target };
        expect(parseAction(formatAction(action, form), form)).toEqual(action);
      }
    }
  });
});

describe('key names', () => {
  const printable = [...Array.from({ length: 94 }, (_, i) => String.fromCharCode(33 + i))]
    .filter((char) => !/[A-Z]/.test(char))
    .concat(['é', '中', 'ß']);
  const keys = [...NAMED_KEYS, ...printable];

  it('round-trips every key in press key, in both spellings', () => {
    for (const key of keys) {
      const action: Action = { kind: 'key', key };
      expect(formatAction(action, 'recorded')).toBe(`press key ${key}`);
      expect(formatAction(action, 'planner')).toBe(`press key: ${key}`);
      for (const form of FORMS) expect(parseAction(formatAction(action, form), form)).toEqual(action);
    }
  });

  it('round-trips every key in hotkeys with and without Ctrl', () => {
    for (const key of keys) {
      for (const modifiers of [['ctrl'], ['alt'], ['ctrl', 'shift'], ['cmd', 'alt']]) {
        const action: Action = { kind: 'hotkey', keys: [...modifiers, key] };
        const text = formatAction(action, 'recorded');
        expect(parseAction(text)).toEqual(action);
        expect(formatAction(parseAction(text), 'recorded')).toBe(text);
      }
    }
  });

  it('writes Ctrl combinations like the reference and others in lower case', () => {
    expect(formatAction({ kind: 'hotkey', keys: ['ctrl', 'a'] }, 'recorded')).toBe('hotkey (Ctrl, A)');
    expect(formatAction({ kind: 'hotkey', keys: ['ctrl', 'ß'] }, 'recorded')).toBe('hotkey (Ctrl, ß)');
    expect(formatAction({ kind: 'hotkey', keys: ['ctrl', 'é'] }, 'recorded')).toBe('hotkey (Ctrl, É)');
    expect(formatAction({ kind: 'hotkey', keys: ['shift', 'ctrl', 'z'] }, 'recorded')).toBe('hotkey (shift, Ctrl, Z)');
    expect(formatAction({ kind: 'hotkey', keys: ['cmd', 'e'] }, 'recorded')).toBe('hotkey (cmd, e)');
  });
});

describe('lenient parsing, canonical formatting', () => {
  it.each<[string, ActionForm, string]>([
    ['Hotkey (CTRL, s)', 'recorded', 'hotkey (Ctrl, S)'],
    ['hotkey(control,shift,s)', 'recorded', 'hotkey (Ctrl, shift, S)'],
    ['hotkey ( Alt , Tab )', 'recorded', 'hotkey (alt, tab)'],
    ['hotkey (win, D)', 'recorded', 'hotkey (cmd, d)'],
    ['hotkey (ctrl, comma)', 'recorded', 'hotkey (Ctrl, ,)'],
    ['CLICK ( 1 ,2 )', 'recorded', 'click (1, 2)'],
    ['  Double   Click (1, 2)  \n', 'recorded', 'double click (1, 2)'],
    ['click (-0, 0)', 'recorded', 'click (0, 0)'],
    ['Right Click Element:the menu', 'planner', 'right click element: the menu'],
    ['press key Escape', 'recorded', 'press key esc'],
    ['press key  ', 'recorded', 'press key space'],
    ['press key PageUp\n', 'recorded', 'press key page_up'],
    ['press key: Return', 'planner', 'press key: enter'],
    ['press key:  ', 'planner', 'press key: space'],
    ['Press Key: A', 'planner', 'press key: a'],
    ['type text:hi', 'recorded', 'type text: hi'],
    ['TYPE TEXT: Keep CASE', 'recorded', 'type text: Keep CASE'],
    ['drag from(1,2)to(3,4)', 'planner', 'drag from (1, 2) to (3, 4)'],
    ['Wait\n', 'recorded', 'wait'],
    ['click <\\x>  ', 'completed', 'click <\\x>'],
  ])('%j (%s) → %j', (text, form, canonical) => {
    expect(formatAction(parseAction(text), form)).toBe(canonical);
  });

  it('reads -0 as 0', () => {
    const action = parseAction('scroll (-0, 0)');
    expect(action.kind === 'scroll' && Object.is(action.dx, 0)).toBe(true);
  });
});

describe('forms are distinct', () => {
  it.each<[string, ActionForm, number, string]>([
    ['click element: x', 'recorded', 6, '"("'],
    ['click <\\x>', 'recorded', 6, '"("'],
    ['click (1, 2)', 'planner', 6, '"element"'],
    ['click <\\x>', 'planner', 6, '"element"'],
    ['click (1, 2)', 'completed', 6, '"<\\"'],
    ['press (1, 2)', 'planner', 6, '"key"'],
    ['drag to (1, 2)', 'planner', 5, '"from"'],
    ['press key enter', 'planner', 9, '":"'],
  ])('%j is not %s', (text, form, position, expected) => {
    const result = tryParseAction(text, form);
    expect(result.ok).toBe(false);
    if (!result.ok) expect([result.error.position, result.error.expected]).toEqual([position, expected]);
  });

  it('reads the planner colon only right after "key", so "press key :" is the colon key', () => {
    expect(parseAction('press key :', 'recorded')).toEqual({ kind: 'key', key: ':' });
    expect(parseAction('press key: :', 'planner')).toEqual({ kind: 'key', key: ':' });
    expect(parseAction('press key:  ')).toEqual({ kind: 'key', key: 'space' });
  });
});

describe('formatting what a form cannot express', () => {
  it.each<[Action, ActionForm]>([
    [{ kind: 'click', target: 'x' }, 'recorded'],
    [{ kind: 'click', at: { x: 1, y: 2 } }, 'planner'],
    [{ kind: 'click', at: { x: 1, y: 2 } }, 'completed'],
    [{ kind: 'click', target: '  ' }, 'planner'],
    [{ kind: 'press', at: { x: 1, y: 2 } }, 'planner'],
    [{ kind: 'drag_to', at: { x: 1, y: 2 } }, 'planner'],
    [{ kind: 'click', at: { x: 1.5, y: 2 } }, 'recorded'],
    [{ kind: 'scroll', dx: 0, dy: Number.NaN }, 'recorded'],
    [{ kind: 'key', key: 'Enter' }, 'recorded'],
    [{ kind: 'key', key: ' ' }, 'recorded'],
    [{ kind: 'key', key: 'bogus' }, 'recorded'],
    [{ kind: 'hotkey', keys: ['ctrl'] }, 'recorded'],
    [{ kind: 'hotkey', keys: ['ctrl', 'S'] }, 'recorded'],
    [{ kind: 'type', text: '' }, 'recorded'],
  ])('%j in %s throws a RangeError', (action, form) => {
    expect(() => formatAction(action, form)).toThrow(RangeError);
  });

  it('writes only the description of a click that has both point and target', () => {
    const action: Action = { kind: 'click', at: { x: 5, y: 6 }, target: 'the OK button' };
    expect(formatAction(action, 'completed')).toBe('click <\\the OK button>');
    expect(formatAction(action, 'planner')).toBe('click element: the OK button');
    expect(formatAction(action, 'recorded')).toBe('click (5, 6)');
  });
});

describe('malformed input', () => {
  const ACTION_KEYWORDS =
    '"click", "right", "double", "press", "drag", "scroll", "hotkey", "type", "wait", "finish" or "fail"';

  it.each<[string, number, string]>([
    ['click (1, )', 10, 'an integer'],
    ['click (1, 2', 11, '")"'],
    ['click (1.5, 2)', 7, 'an integer'],
    ['click (1 2)', 9, '","'],
    ['click (99999999999999999999, 1)', 7, 'an integer'],
    ['click 3, 4)', 6, '"(", "element" or "<\\"'],
    ['click (1, 2) now', 13, 'end of input'],
    ['scroll (a, 2)', 8, 'an integer'],
    ['scroll (+1, 2)', 8, 'an integer'],
    ['hotkey ()', 8, 'a key name'],
    ['hotkey (ctrl, )', 14, 'a key name'],
    ['hotkey (ctrl)', 12, '","'],
    ['hotkey (ctrl, s', 15, '"," or ")"'],
    ['hotkey (ctrl+s)', 12, '","'],
    ['hotkey (ctrl, bogus)', 14, 'a key name'],
    ['hotkey ctrl, s', 7, '"("'],
    ['press key', 9, 'a key name'],
    ['press key ', 10, 'a key name'],
    ['press key bogus', 10, 'a key name'],
    ['press key ctrl+s', 10, 'a key name'],
    ['press key:', 10, 'a key name'],
    ['press keys', 6, '"(" or "key"'],
    ['type text', 9, '":"'],
    ['type text:', 10, 'text'],
    ['type text: ', 11, 'text'],
    ['type: hi', 4, '"text"'],
    ['clik (1, 2)', 0, ACTION_KEYWORDS],
    ['', 0, ACTION_KEYWORDS],
    ['Action: click (1, 2)', 0, ACTION_KEYWORDS],
    ['right (1, 2)', 6, '"click"'],
    ['click element:', 14, 'a description'],
    ['click element:   ', 15, 'a description'],
    ['click element the menu', 14, '":"'],
    ['click <\\>', 8, 'a description'],
    ['click <\\the menu', 16, '">"'],
    ['click <\\a> b', 11, 'end of input'],
    ['drag from (1,2) to', 18, '"("'],
    ['drag from (1, 2)', 16, '"to"'],
    ['drag (1, 2)', 5, '"to" or "from"'],
    ['waiting', 0, ACTION_KEYWORDS],
    ['finish now', 7, 'end of input'],
  ])('%j: expected %s at %i', (text, position, expected) => {
    const result = tryParseAction(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toBeInstanceOf(GrammarError);
    expect(result.error).toMatchObject({ input: text, position, expected });
  });

  it('explains the failure in one line', () => {
    expect(() => parseAction('click 3, 4)', 'recorded')).toThrow(new GrammarError('click 3, 4)', 6, '"("', 'click'));
    const error = tryParseAction('click 3, 4)', 'recorded');
    expect(error.ok ? '' : error.error.message).toBe('expected "(" after "click" at column 7 in "click 3, 4)"');
    const multiline = tryParseAction('scroll (1,\n x)');
    expect(multiline.ok ? '' : multiline.error.message).toBe(
      'expected an integer after "," at column 13 in "scroll (1,\\n x)"',
    );
    expect(multiline.ok ? '' : multiline.error.name).toBe('GrammarError');
  });
});

describe('tryParseAction', () => {
  it('returns the action or the error', () => {
    expect(tryParseAction('wait')).toEqual({ ok: true, action: { kind: 'wait' } });
    const result = tryParseAction('nope');
    expect(result.ok).toBe(false);
  });
});

describe('the reference recording', () => {
  /** `shared/` sits inside some checkouts and beside others. */
  function fixture(name: string): string {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const candidates = [`${root}shared/`, `${root}../shared/`].map(
      (dir) => `${dir}fixtures/pc-tracker-example/${name}`,
    );
    const found = candidates.find((path) => existsSync(path));
    if (found === undefined) throw new Error(`fixture not found: ${candidates.join(', ')}`);
    return found;
  }

  it('parses every action of the fixture and formats it back unchanged', () => {
    const lines = readFileSync(fixture('free_task_20241126_161517.jsonl'), 'utf8').trim().split('\n');
    const texts = lines.map((line) => (JSON.parse(line) as { action: string }).action);
    expect(texts).toHaveLength(8);
    for (const text of texts) expect(formatAction(parseAction(text, 'recorded'), 'recorded')).toBe(text);
    expect(parseAction(texts[4] ?? '', 'recorded')).toEqual({ kind: 'type', text: 'Hello, world' });
  });
});
