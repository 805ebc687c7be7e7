/**
 * Key names of the interchange grammar (SPEC §2.1) and the keyboard facts that the tracker and
 * the executor share: aliases, modifiers, system combinations, the US shift layer and X11 keysyms.
 *
 * A canonical key name is one of `NAMED_KEYS` or a single printable character, letters in
 * lower case: a key, not the character it produced ('A' and 'a' are the same key).
 * Pure module: no I/O.
 */

/** The non-printable keys, by the reference's names. */
export const NAMED_KEYS = [
  'esc',
  'enter',
  'tab',
  'backspace',
  'delete',
  'space',
  'up',
  'down',
  'left',
  'right',
  'home',
  'end',
  'page_up',
  'page_down',
  'insert',
  'caps_lock',
  'f1',
  'f2',
  'f3',
  'f4',
  'f5',
  'f6',
  'f7',
  'f8',
  'f9',
  'f10',
  'f11',
  'f12',
  'shift',
  'ctrl',
  'alt',
  'cmd',
] as const;

export type NamedKey = (typeof NAMED_KEYS)[number];

export type ModifierKey = 'shift' | 'ctrl' | 'alt' | 'cmd';

const NAMED: ReadonlySet<string> = new Set(NAMED_KEYS);
const MODIFIERS: ReadonlySet<string> = new Set<ModifierKey>(['shift', 'ctrl', 'alt', 'cmd']);

/** Other spellings met in model output, pynput, X11, browsers and other platforms. */
const ALIASES: readonly (readonly [NamedKey, readonly string[]])[] = [
  ['esc', ['escape']],
  ['enter', ['return']],
  ['delete', ['del']],
  ['insert', ['ins']],
  ['space', ['spacebar']],
  ['up', ['arrow_up', 'up_arrow']],
  ['down', ['arrow_down', 'down_arrow']],
  ['left', ['arrow_left', 'left_arrow']],
  ['right', ['arrow_right', 'right_arrow']],
  ['page_up', ['pgup', 'prior']],
  ['page_down', ['pgdn', 'pg_down', 'next']],
  ['ctrl', ['control', 'control_l', 'control_r', 'ctrl_l', 'ctrl_r']],
  ['shift', ['shift_l', 'shift_r']],
  ['alt', ['alt_l', 'alt_r', 'option']],
  ['cmd', ['win', 'windows', 'super', 'super_l', 'super_r', 'meta', 'meta_l', 'meta_r', 'command', 'cmd_l', 'cmd_r']],
];

/** X11 keysym names of the named keys; the record type makes the table complete. */
const X11_NAMED: Readonly<Record<NamedKey, string>> = {
  esc: 'Escape',
  enter: 'Return',
  tab: 'Tab',
  backspace: 'BackSpace',
  delete: 'Delete',
  space: 'space',
  up: 'Up',
  down: 'Down',
  left: 'Left',
  right: 'Right',
  home: 'Home',
  end: 'End',
  page_up: 'Prior',
  page_down: 'Next',
  insert: 'Insert',
  caps_lock: 'Caps_Lock',
  f1: 'F1',
  f2: 'F2',
  f3: 'F3',
  f4: 'F4',
  f5: 'F5',
  f6: 'F6',
  f7: 'F7',
  f8: 'F8',
  f9: 'F9',
  f10: 'F10',
  f11: 'F11',
  f12: 'F12',
  shift: 'Shift_L',
  ctrl: 'Control_L',
  alt: 'Alt_L',
  cmd: 'Super_L',
};

/** X11 keysym names of the printable ASCII characters that are not letters or digits. */
const X11_PUNCTUATION: ReadonlyMap<string, string> = new Map(
  Object.entries({
    '`': 'grave',
    '~': 'asciitilde',
    '!': 'exclam',
    '@': 'at',
    '#': 'numbersign',
    $: 'dollar',
    '%': 'percent',
    '^': 'asciicircum',
    '&': 'ampersand',
    '*': 'asterisk',
    '(': 'parenleft',
    ')': 'parenright',
    '-': 'minus',
    _: 'underscore',
    '=': 'equal',
    '+': 'plus',
    '[': 'bracketleft',
    ']': 'bracketright',
    '{': 'braceleft',
    '}': 'braceright',
    '\\': 'backslash',
    '|': 'bar',
    ';': 'semicolon',
    ':': 'colon',
    "'": 'apostrophe',
    '"': 'quotedbl',
    ',': 'comma',
    '<': 'less',
    '.': 'period',
    '>': 'greater',
    '/': 'slash',
    '?': 'question',
  }),
);

/** What Shift makes of the unshifted non-letter keys on a US keyboard. */
const US_SHIFTED: ReadonlyMap<string, string> = new Map(
  Object.entries({
    '`': '~',
    '1': '!',
    '2': '@',
    '3': '#',
    '4': '$',
    '5': '%',
    '6': '^',
    '7': '&',
    '8': '*',
    '9': '(',
    '0': ')',
    '-': '_',
    '=': '+',
    '[': '{',
    ']': '}',
    '\\': '|',
    ';': ':',
    "'": '"',
    ',': '<',
    '.': '>',
    '/': '?',
  }),
);

const US_UNSHIFTED: ReadonlyMap<string, string> = new Map([...US_SHIFTED].map(([base, shifted]) => [shifted, base]));

/** Multi-character names compare without case and without the separators people vary. */
function compact(name: string): string {
  return name.toLowerCase().replace(/[\s_-]/g, '');
}

/** Every accepted multi-character spelling, compacted, to its canonical name. */
const BY_COMPACT_NAME: ReadonlyMap<string, string> = new Map<string, string>([
  ...NAMED_KEYS.map((key) => [compact(key), key] as const),
  ...ALIASES.flatMap(([key, aliases]) => aliases.map((alias) => [compact(alias), key] as const)),
  ...Object.entries(X11_NAMED).map(([key, keysym]) => [compact(keysym), key] as const),
  ...[...X11_PUNCTUATION].map(([char, keysym]) => [compact(keysym), char] as const),
]);

/** One code point that draws something: not a control, format, unassigned or separator character. */
const PRINTABLE_CHARACTER = /^[^\p{C}\p{Z}]$/u;

/**
 * The canonical name of a key given by any accepted spelling (case-insensitive; `_`, `-` and
 * spaces inside a name are ignored), or null when it names no key. A single space is `space`.
 */
export function normalizeKeyName(name: string): string | null {
  if (name === ' ') return 'space';
  const normalized = name.normalize('NFC');
  if (PRINTABLE_CHARACTER.test(normalized)) {
    const lower = normalized.toLowerCase();
    // Lower-casing can grow a character ('İ' → 'i̇'); such a character names itself.
    return PRINTABLE_CHARACTER.test(lower) ? lower : normalized;
  }
  return BY_COMPACT_NAME.get(compact(normalized)) ?? null;
}

function isNamedKey(key: string): key is NamedKey {
  return NAMED.has(key);
}

/** Whether a canonical key name is a modifier (shift, ctrl, alt, cmd). */
export function isModifier(key: string): key is ModifierKey {
  return MODIFIERS.has(key);
}

/** The combinations the tracker records as hotkeys without Ctrl (SPEC §2.1), in press order. */
export const SYSTEM_COMBINATIONS: readonly (readonly [ModifierKey, string])[] = [
  ['alt', 'tab'],
  ['alt', 'f4'],
  ...['d', 'e', 'l', 'r', 't', 'x', 'i', 'a', 's', 'u', 'p', 'v', 'tab', 'space'].map((key) => ['cmd', key] as const),
  ['shift', 'delete'],
];

const SYSTEM_COMBINATION_SET: ReadonlySet<string> = new Set(SYSTEM_COMBINATIONS.map((keys) => keys.join(' ')));

/** Whether `keys` (any accepted spellings, modifier first) is one of `SYSTEM_COMBINATIONS`. */
export function isSystemCombination(keys: readonly string[]): boolean {
  const canonical = keys.map(normalizeKeyName);
  // Canonical names never contain a space, so joining with one cannot merge two names.
  return !canonical.includes(null) && SYSTEM_COMBINATION_SET.has(canonical.join(' '));
}

/** The character Shift + `base` types on a US keyboard ('1' → '!', 'a' → 'A'), or null. */
export function shiftedChar(base: string): string | null {
  if (/^[a-z]$/.test(base)) return base.toUpperCase();
  return US_SHIFTED.get(base) ?? null;
}

/**
 * The key that types `char` on a US keyboard, with Shift when the result differs from `char`
 * ('!' → '1', 'A' → 'a', 'a' → 'a', ';' → ';'); null for characters that keyboard lacks,
 * whitespace included (those are the named keys space, tab, enter).
 */
export function baseKeyOf(char: string): string | null {
  if (/^[a-z0-9]$/.test(char) || US_SHIFTED.has(char)) return char;
  if (/^[A-Z]$/.test(char)) return char.toLowerCase();
  return US_UNSHIFTED.get(char) ?? null;
}

/**
 * The X11 keysym name xdotool and XStringToKeysym understand for a key (any accepted spelling):
 * 'page_up' → 'Prior', 'ctrl' → 'Control_L', ',' → 'comma'. Characters outside ASCII use the
 * Unicode keysym form 'U20AC'. Throws a RangeError for a name that is not a key.
 */
export function toX11Keysym(key: string): string {
  const canonical = normalizeKeyName(key);
  if (canonical === null) throw new RangeError(`not a key name: ${JSON.stringify(key)}`);
  if (isNamedKey(canonical)) return X11_NAMED[canonical];
  if (/^[a-z0-9]$/.test(canonical)) return canonical;
  const punctuation = X11_PUNCTUATION.get(canonical);
  if (punctuation !== undefined) return punctuation;
  const codePoint = canonical.codePointAt(0) ?? 0;
  return `U${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
}
