/**
 * Grammar key names (core/keys.ts) → the member names of nut-js's `Key` enum, checked on X11
 * (xev) for the keysym each one really sends. Pure module: no I/O, no nut-js import (the enum's
 * values are looked up by name where nut-js is loaded).
 */
import { baseKeyOf, normalizeKeyName, type NamedKey } from '../../core/keys.js';

/** nut-js `Key` member names. */
export type NutKeyName = string;

const NAMED: Readonly<Record<NamedKey, NutKeyName>> = {
  esc: 'Escape',
  // Key.Enter is the keypad's Enter (KP_Enter on X11); Return is the main Enter key.
  enter: 'Return',
  tab: 'Tab',
  backspace: 'Backspace',
  delete: 'Delete',
  space: 'Space',
  up: 'Up',
  down: 'Down',
  left: 'Left',
  right: 'Right',
  home: 'Home',
  end: 'End',
  page_up: 'PageUp',
  page_down: 'PageDown',
  insert: 'Insert',
  caps_lock: 'CapsLock',
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
  shift: 'LeftShift',
  ctrl: 'LeftControl',
  alt: 'LeftAlt',
  // Key.LeftCmd is refused by libnut on Linux; LeftSuper is Super_L there, Cmd on macOS.
  cmd: 'LeftSuper',
};

const PUNCTUATION: ReadonlyMap<string, NutKeyName> = new Map(
  Object.entries({
    '`': 'Grave',
    '-': 'Minus',
    '=': 'Equal',
    '[': 'LeftBracket',
    ']': 'RightBracket',
    '\\': 'Backslash',
    ';': 'Semicolon',
    "'": 'Quote',
    ',': 'Comma',
    '.': 'Period',
    '/': 'Slash',
  }),
);

/**
 * How to press one key: the nut-js keys to hold together (Shift first for shifted characters such
 * as '!' or '+'), or `char` for a character no US key produces ('é'), which must be typed instead.
 * Throws a RangeError for a name that is not a key.
 */
export function nutKeysFor(key: string): { keys: NutKeyName[] } | { char: string } {
  const name = normalizeKeyName(key);
  if (name === null) throw new RangeError(`not a key name: ${JSON.stringify(key)}`);
  if (name in NAMED) return { keys: [NAMED[name as NamedKey]] };
  // Canonical names are lower case; the key that types an upper-case letter is the same key.
  const base = baseKeyOf(name);
  if (base === null) return { char: name };
  const shifted = base !== name;
  const keyName = /^[a-z]$/.test(base)
    ? base.toUpperCase()
    : /^[0-9]$/.test(base)
      ? `Num${base}`
      : PUNCTUATION.get(base);
  if (keyName === undefined) return { char: name };
  return { keys: shifted ? ['LeftShift', keyName] : [keyName] };
}

/**
 * The keys of a combination in press order (release in reverse): each key's nut-js keys, with
 * Shift pressed once. Throws a RangeError when a key cannot be pressed as a key ('é').
 */
export function nutHotkey(keys: readonly string[]): NutKeyName[] {
  const out: NutKeyName[] = [];
  for (const key of keys) {
    const plan = nutKeysFor(key);
    if ('char' in plan)
      throw new RangeError(`no key on a US keyboard types ${JSON.stringify(plan.char)}; it cannot be part of a hotkey`);
    for (const k of plan.keys) if (!out.includes(k)) out.push(k);
  }
  return out;
}
