/**
 * Grammar key names → the nut-js keys to press, Shift included; each key's nut-js name is core's
 * (core/keys.ts). Pure module: no I/O, no nut-js import (the enum's values are looked up by name
 * where nut-js is loaded).
 */
import { baseKeyOf, isNamedKey, normalizeKeyName, nutKeyName } from '../../core/keys.js';

/** nut-js `Key` member names. */
export type NutKeyName = string;

/**
 * How to press one key: the nut-js keys to hold together (Shift first for shifted characters such
 * as '!' or '+'), or `char` for a character no US key produces ('é'), which must be typed instead.
 * Throws a RangeError for a name that is not a key.
 */
export function nutKeysFor(key: string): { keys: NutKeyName[] } | { char: string } {
  const name = normalizeKeyName(key);
  if (name === null) throw new RangeError(`not a key name: ${JSON.stringify(key)}`);
  // Canonical names are lower case; the key that types an upper-case letter is the same key.
  const base = isNamedKey(name) ? name : baseKeyOf(name);
  const keyName = base === null ? undefined : nutKeyName(base);
  if (keyName === undefined) return { char: name };
  return { keys: base !== name ? ['LeftShift', keyName] : [keyName] };
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
