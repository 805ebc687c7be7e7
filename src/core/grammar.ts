/**
 * The interchange grammar (SPEC §2.2): lossless parse and format of the text forms of actions.
 *
 * - recorded: `click (x, y)`, `press (x, y)`, `drag to (x, y)`, `press key <key>`, …
 * - planner: `click element: <desc>`, `press key: <key>`, …
 * - completed: `click <\desc>` (the reference's backslash after `<`), otherwise as recorded.
 * `drag from … to …`, `scroll`, `hotkey`, `type text:`, `wait`, `finish`, `fail` are shared.
 *
 * Parsing ignores case in keywords and key names and whitespace around tokens; coordinates and
 * scroll amounts are integers (negative allowed: multi-monitor desktops). Payloads are verbatim:
 * after `type text:` / `element:` one separating space is dropped and the rest, to the end of
 * the input, is the text; a completed description runs to the last `>`. Formatting is canonical.
 * Pure module: no I/O.
 */
import type {
  Action,
  ClickAction,
  ClickKind,
  DragAction,
  DragToAction,
  KeyAction,
  Point,
  PressAction,
} from './actions.js';
import { normalizeKeyName } from './keys.js';

export type ActionForm = 'recorded' | 'planner' | 'completed';

/** Malformed action text. `position` is the UTF-16 offset where `expected` was expected. */
export class GrammarError extends Error {
  override readonly name = 'GrammarError';

  constructor(
    readonly input: string,
    readonly position: number,
    readonly expected: string,
    after?: string,
  ) {
    const context = after === undefined ? '' : ` after "${after}"`;
    super(`expected ${expected}${context} at column ${position + 1} in ${preview(input)}`);
  }
}

export type ParseResult = { ok: true; action: Action } | { ok: false; error: GrammarError };

/** Parses one action in `form`; `'any'` accepts every form. Throws GrammarError. */
export function parseAction(text: string, form: ActionForm | 'any' = 'any'): Action {
  const c = new Cursor(text, form);
  if (c.word('click')) return parseClick(c, 'click');
  if (c.word('right')) {
    c.requireWord('click');
    return parseClick(c, 'right_click');
  }
  if (c.word('double')) {
    c.requireWord('click');
    return parseClick(c, 'double_click');
  }
  if (c.word('press')) return parsePress(c);
  if (c.word('drag')) return parseDrag(c);
  if (c.word('scroll')) {
    const { x: dx, y: dy } = c.pair();
    return c.end({ kind: 'scroll', dx, dy });
  }
  if (c.word('hotkey')) return c.end({ kind: 'hotkey', keys: c.hotkeyKeys() });
  if (c.word('type')) {
    c.requireWord('text');
    c.require(':');
    return { kind: 'type', text: c.payload('text', { blankAllowed: true }) };
  }
  if (c.word('wait')) return c.end({ kind: 'wait' });
  if (c.word('finish')) return c.end({ kind: 'finish' });
  if (c.word('fail')) return c.end({ kind: 'fail' });
  return c.fail();
}

/** `parseAction` that returns a GrammarError instead of throwing it. */
export function tryParseAction(text: string, form: ActionForm | 'any' = 'any'): ParseResult {
  try {
    return { ok: true, action: parseAction(text, form) };
  } catch (error) {
    if (error instanceof GrammarError) return { ok: false, error };
    throw error;
  }
}

/**
 * The canonical text of `action` in `form`. Throws a RangeError when the form cannot express
 * the action: a recorded click needs `at`, planner and completed clicks need `target` (and
 * write only it), the planner has no `press` / `drag to`; coordinates must be integers, key
 * names canonical, texts non-empty.
 */
export function formatAction(action: Action, form: ActionForm): string {
  switch (action.kind) {
    case 'click':
    case 'right_click':
    case 'double_click':
      return formatClick(action, form);
    case 'press':
      return `press ${formatPair(recordedOnly(action, form).at)}`;
    case 'drag_to':
      return `drag to ${formatPair(recordedOnly(action, form).at)}`;
    case 'drag':
      return `drag from ${formatPair(action.from)} to ${formatPair(action.to)}`;
    case 'scroll':
      return `scroll ${formatPair({ x: action.dx, y: action.dy })}`;
    case 'key':
      return `press key${form === 'planner' ? ':' : ''} ${canonicalKey(action.key)}`;
    case 'hotkey':
      return `hotkey (${formatHotkeyKeys(action.keys)})`;
    case 'type':
      if (action.text === '') throw new RangeError('type text needs a non-empty text');
      return `type text: ${action.text}`;
    case 'wait':
    case 'finish':
    case 'fail':
      return action.kind;
    default: {
      const unknown: never = action;
      throw new TypeError(`not an action: ${JSON.stringify(unknown)}`);
    }
  }
}

const CLICK_WORDS: Readonly<Record<ClickKind, string>> = {
  click: 'click',
  right_click: 'right click',
  double_click: 'double click',
};

function formatClick(action: ClickAction, form: ActionForm): string {
  const word = CLICK_WORDS[action.kind];
  if (form === 'recorded') {
    if (action.at === undefined) throw new RangeError(`a recorded ${word} needs a point`);
    return `${word} ${formatPair(action.at)}`;
  }
  if (action.target === undefined || action.target.trim() === '') {
    throw new RangeError(`a ${form} ${word} needs a target description`);
  }
  return form === 'planner' ? `${word} element: ${action.target}` : `${word} <\\${action.target}>`;
}

function recordedOnly<A extends PressAction | DragToAction>(action: A, form: ActionForm): A {
  if (form === 'planner') throw new RangeError(`the planner form has no ${action.kind} action`);
  return action;
}

function formatPair({ x, y }: Point): string {
  if (!Number.isSafeInteger(x) || !Number.isSafeInteger(y)) {
    throw new RangeError(`coordinates must be integers, got (${x}, ${y})`);
  }
  return `(${x}, ${y})`;
}

function canonicalKey(key: string): string {
  if (normalizeKeyName(key) !== key) throw new RangeError(`not a canonical key name: "${key}"`);
  return key;
}

/** The reference writes Ctrl combinations as `Ctrl` plus upper-case letters: `hotkey (Ctrl, S)`. */
function formatHotkeyKeys(keys: readonly string[]): string {
  if (keys.length < 2) throw new RangeError('a hotkey needs at least two keys');
  const withCtrl = keys.includes('ctrl');
  return keys.map((key) => (withCtrl ? inCtrlStyle(canonicalKey(key)) : canonicalKey(key))).join(', ');
}

function inCtrlStyle(key: string): string {
  if (key === 'ctrl') return 'Ctrl';
  const upper = key.toUpperCase();
  // Only single letters whose upper case reads back as the same key ('ß' → 'SS' does not).
  const isLetter = [...key].length === 1 && upper !== key && normalizeKeyName(upper) === key;
  return isLetter ? upper : key;
}

function parseClick(c: Cursor, kind: ClickKind): ClickAction {
  if (c.allows('recorded') && c.at('(')) return c.end({ kind, at: c.pair() });
  if (c.allows('planner') && c.word('element')) {
    c.require(':');
    return { kind, target: c.payload('a description', { blankAllowed: false }) };
  }
  if (c.allows('completed') && c.literal('<\\')) return { kind, target: c.bracketedDescription() };
  return c.fail();
}

function parsePress(c: Cursor): PressAction | KeyAction {
  const recorded = c.allows('recorded', 'completed');
  if (recorded && c.at('(')) return c.end({ kind: 'press', at: c.pair() });
  c.requireWord('key');
  // `press key: k` is the planner's spelling, `press key k` the recorded one; the colon
  // must follow `key` directly so that `press key :` stays the colon key.
  if (c.allows('planner') && c.separator(':')) return { kind: 'key', key: c.restKey() };
  if (!recorded) return c.fail();
  return { kind: 'key', key: c.restKey() };
}

function parseDrag(c: Cursor): DragAction | DragToAction {
  if (c.allows('recorded', 'completed') && c.word('to')) {
    return c.end({ kind: 'drag_to', at: c.pair() });
  }
  c.requireWord('from');
  const from = c.pair();
  c.requireWord('to');
  return c.end({ kind: 'drag', from, to: c.pair() });
}

const WORD_CHARACTER = /[\p{L}\p{N}_]/u;
const INTEGER = /-?\d+(\.\d*)?/y;
/** A key inside `hotkey (…)`: a name, or any one character (so `,` and `)` are keys too). */
const HOTKEY_KEY = /[\p{L}\p{N}_]+|\S/uy;

/**
 * A position in the input plus the alternatives tried there, so that a failure can say what
 * was expected without each rule spelling it out.
 */
class Cursor {
  private pos = 0;
  /** The last token consumed, for messages. */
  private after: string | undefined;
  /** What the failed attempts at `triedAt` looked for. */
  private tried = new Set<string>();
  private triedAt = 0;

  constructor(
    private readonly input: string,
    private readonly form: ActionForm | 'any',
  ) {}

  allows(...forms: ActionForm[]): boolean {
    return this.form === 'any' || forms.includes(this.form);
  }

  /** Fails here; without `expected`, with what the failed attempts at this position looked for. */
  fail(expected = this.triedAt === this.pos ? oneOf([...this.tried]) : 'end of input'): never {
    throw new GrammarError(this.input, this.pos, expected, this.after);
  }

  /** Whole word `word`, case-insensitive, after optional whitespace. */
  word(word: string): boolean {
    this.skipWhitespace();
    const candidate = this.input.slice(this.pos, this.pos + word.length);
    const next = this.input.charAt(this.pos + word.length);
    const matches = candidate.toLowerCase() === word && !WORD_CHARACTER.test(next);
    return matches ? this.take(word.length) : this.miss(`"${word}"`);
  }

  requireWord(word: string): void {
    if (!this.word(word)) this.fail();
  }

  /** Whether `text` comes next after optional whitespace, without consuming it. */
  at(text: string): boolean {
    this.skipWhitespace();
    return this.input.startsWith(text, this.pos) || this.miss(`"${text}"`);
  }

  literal(text: string): boolean {
    return this.at(text) && this.take(text.length);
  }

  require(text: string): void {
    if (!this.literal(text)) this.fail();
  }

  /** `char` immediately here, no whitespace skipped. */
  separator(char: string): boolean {
    return this.input.startsWith(char, this.pos) ? this.take(char.length) : this.miss(`"${char}"`);
  }

  integer(): number {
    this.skipWhitespace();
    INTEGER.lastIndex = this.pos;
    const match = INTEGER.exec(this.input);
    if (match === null || match[1] !== undefined) return this.fail('an integer');
    const value = Number(match[0]);
    if (!Number.isSafeInteger(value)) return this.fail('an integer');
    this.take(match[0].length);
    return value + 0; // turns -0 into 0
  }

  /** `(a, b)` */
  pair(): Point {
    this.require('(');
    const x = this.integer();
    this.require(',');
    const y = this.integer();
    this.require(')');
    return { x, y };
  }

  /** `(k1, k2, …)`, at least two keys. */
  hotkeyKeys(): string[] {
    this.require('(');
    const keys = [this.hotkeyKey()];
    for (;;) {
      if (this.literal(',')) keys.push(this.hotkeyKey());
      else if (keys.length >= 2 && this.literal(')')) return keys;
      else this.fail();
    }
  }

  private hotkeyKey(): string {
    this.skipWhitespace();
    // A `)` that ends the input closes the list (`hotkey ()`, `hotkey (ctrl, )`); any other
    // `)` is the key, as in `hotkey (Ctrl, ))`.
    const closes = this.input.trimEnd().length === this.pos + 1 && this.input[this.pos] === ')';
    HOTKEY_KEY.lastIndex = this.pos;
    const token = closes ? null : HOTKEY_KEY.exec(this.input)?.[0];
    const key = token ? normalizeKeyName(token) : null;
    if (!token || key === null) return this.fail('a key name');
    this.take(token.length);
    return key;
  }

  /** The rest of the input is one key name; a lone space there is the space key. */
  restKey(): string {
    this.separator(' ');
    if (this.input.slice(this.pos) !== ' ') this.skipWhitespace();
    const rest = this.input.slice(this.pos);
    const key = normalizeKeyName(rest === ' ' ? rest : rest.trimEnd());
    if (key === null) return this.fail('a key name');
    this.take(rest.length);
    return key;
  }

  /** The rest of the input after one optional separating space, verbatim. */
  payload(what: string, { blankAllowed }: { blankAllowed: boolean }): string {
    this.separator(' ');
    const rest = this.input.slice(this.pos);
    if (rest === '' || (!blankAllowed && rest.trim() === '')) return this.fail(what);
    this.take(rest.length);
    return rest;
  }

  /** After `<\`: the description up to the input's last `>` (descriptions may contain `>`). */
  bracketedDescription(): string {
    const close = this.input.lastIndexOf('>');
    if (close < this.pos) {
      this.pos = this.input.length;
      return this.fail('">"');
    }
    const description = this.input.slice(this.pos, close);
    if (description.trim() === '') return this.fail('a description');
    this.take(description.length);
    this.take(1);
    return this.end(description);
  }

  /** Only whitespace may follow; returns `value` for brevity at call sites. */
  end<T extends Action | string>(value: T): T {
    this.skipWhitespace();
    if (this.pos < this.input.length) this.fail('end of input');
    return value;
  }

  private skipWhitespace(): void {
    while (/\s/.test(this.input.charAt(this.pos))) this.pos++;
  }

  private take(length: number): true {
    this.after = this.input.slice(this.pos, this.pos + length);
    this.pos += length;
    return true;
  }

  private miss(expected: string): false {
    if (this.triedAt !== this.pos) this.tried.clear();
    this.triedAt = this.pos;
    this.tried.add(expected);
    return false;
  }
}

function oneOf(alternatives: readonly string[]): string {
  const last = alternatives.at(-1) ?? 'end of input';
  return alternatives.length < 2 ? last : `${alternatives.slice(0, -1).join(', ')} or ${last}`;
}

/** The input as one quoted line, shortened when long. */
function preview(input: string): string {
  const limit = 80;
  return JSON.stringify(input.length > limit ? `${input.slice(0, limit)}…` : input);
}
