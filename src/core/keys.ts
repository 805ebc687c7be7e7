/**
 * Key names of the interchange grammar (SPEC §2.1) and the keyboard facts that the tracker and
 * the executor share: aliases, modifiers, system combinations, the US shift layer, X11 keysyms
 * and nut-js key names.
 *
 * A canonical key name is one of `NAMED_KEYS` or a single printable character, letters in
 * lower case: a key, not the character it produced ('A' and 'a' are the same key).
 * Pure module: no I/O.
 */

/**
 * What other programs call a key: its X11 keysym name (as xdotool and XStringToKeysym take it)
 * and, where it has one, its nut-js `Key` member name (checked on X11 with xev for the keysym each
 * one really sends).
 */
export interface KeyCodes {
  readonly x11: string;
  readonly nut?: string;
}

/**
 * The non-printable keys, by the reference's names, with their X11 and nut-js names: one row a
 * key, so a key is named once.
 */
const NAMED_KEY_CODES = {
  esc: { x11: 'Escape', nut: 'Escape' },
  // nut-js's Key.Enter is the keypad's Enter (KP_Enter on X11); Return is the main Enter key.
  enter: { x11: 'Return', nut: 'Return' },
  tab: { x11: 'Tab', nut: 'Tab' },
  backspace: { x11: 'BackSpace', nut: 'Backspace' },
  delete: { x11: 'Delete', nut: 'Delete' },
  space: { x11: 'space', nut: 'Space' },
  up: { x11: 'Up', nut: 'Up' },
  down: { x11: 'Down', nut: 'Down' },
  left: { x11: 'Left', nut: 'Left' },
  right: { x11: 'Right', nut: 'Right' },
  home: { x11: 'Home', nut: 'Home' },
  end: { x11: 'End', nut: 'End' },
  page_up: { x11: 'Prior', nut: 'PageUp' },
  page_down: { x11: 'Next', nut: 'PageDown' },
  insert: { x11: 'Insert', nut: 'Insert' },
  caps_lock: { x11: 'Caps_Lock', nut: 'CapsLock' },
  f1: { x11: 'F1', nut: 'F1' },
  f2: { x11: 'F2', nut: 'F2' },
  f3: { x11: 'F3', nut: 'F3' },
  f4: { x11: 'F4', nut: 'F4' },
  f5: { x11: 'F5', nut: 'F5' },
  f6: { x11: 'F6', nut: 'F6' },
  f7: { x11: 'F7', nut: 'F7' },
  f8: { x11: 'F8', nut: 'F8' },
  f9: { x11: 'F9', nut: 'F9' },
  f10: { x11: 'F10', nut: 'F10' },
  f11: { x11: 'F11', nut: 'F11' },
  f12: { x11: 'F12', nut: 'F12' },
  shift: { x11: 'Shift_L', nut: 'LeftShift' },
  ctrl: { x11: 'Control_L', nut: 'LeftControl' },
  alt: { x11: 'Alt_L', nut: 'LeftAlt' },
  // Key.LeftCmd is refused by libnut on Linux; LeftSuper is Super_L there, Cmd on macOS.
  cmd: { x11: 'Super_L', nut: 'LeftSuper' },
} as const satisfies Record<string, Required<KeyCodes>>;

export type NamedKey = keyof typeof NAMED_KEY_CODES;

/** The non-printable keys, by the reference's names. */
export const NAMED_KEYS: readonly NamedKey[] = Object.keys(NAMED_KEY_CODES) as NamedKey[];

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

/**
 * The printable ASCII characters that are not letters or digits, with their X11 keysym names and,
 * for those a US key types without Shift, that key's nut-js name.
 */
const PUNCTUATION_CODES: ReadonlyMap<string, KeyCodes> = new Map(
  // character: [X11 keysym, nut-js name]
  Object.entries<readonly [string, string?]>({
    '`': ['grave', 'Grave'],
    '~': ['asciitilde'],
    '!': ['exclam'],
    '@': ['at'],
    '#': ['numbersign'],
    $: ['dollar'],
    '%': ['percent'],
    '^': ['asciicircum'],
    '&': ['ampersand'],
    '*': ['asterisk'],
    '(': ['parenleft'],
    ')': ['parenright'],
    '-': ['minus', 'Minus'],
    _: ['underscore'],
    '=': ['equal', 'Equal'],
    '+': ['plus'],
    '[': ['bracketleft', 'LeftBracket'],
    ']': ['bracketright', 'RightBracket'],
    '{': ['braceleft'],
    '}': ['braceright'],
    '\\': ['backslash', 'Backslash'],
    '|': ['bar'],
    ';': ['semicolon', 'Semicolon'],
    ':': ['colon'],
    "'": ['apostrophe', 'Quote'],
    '"': ['quotedbl'],
    ',': ['comma', 'Comma'],
    '<': ['less'],
    '.': ['period', 'Period'],
    '>': ['greater'],
    '/': ['slash', 'Slash'],
    '?': ['question'],
  }).map(([char, [x11, nut]]) => [char, { x11, nut }]),
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
  ...Object.entries(NAMED_KEY_CODES).map(([key, codes]) => [compact(codes.x11), key] as const),
  ...[...PUNCTUATION_CODES].map(([char, codes]) => [compact(codes.x11), char] as const),
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

/** Whether a canonical key name is one of `NAMED_KEYS`. */
export function isNamedKey(key: string): key is NamedKey {
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
  if (isNamedKey(canonical)) return NAMED_KEY_CODES[canonical].x11;
  if (/^[a-z0-9]$/.test(canonical)) return canonical;
  const punctuation = PUNCTUATION_CODES.get(canonical);
  if (punctuation !== undefined) return punctuation.x11;
  const codePoint = canonical.codePointAt(0) ?? 0;
  return `U${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * The nut-js `Key` member name of a key typed without Shift (a canonical name: 'page_up', 'a',
 * '7', ';'), or undefined for a key nut-js has no member for ('~' is Shift + '`', 'é' no key).
 */
export function nutKeyName(key: string): string | undefined {
  if (isNamedKey(key)) return NAMED_KEY_CODES[key].nut;
  if (/^[a-z]$/.test(key)) return key.toUpperCase();
  if (/^[0-9]$/.test(key)) return `Num${key}`;
  return PUNCTUATION_CODES.get(key)?.nut;
}
