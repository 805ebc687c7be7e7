import { describe, expect, it } from 'vitest';
import {
  NAMED_KEYS,
  SYSTEM_COMBINATIONS,
  baseKeyOf,
  isModifier,
  isSystemCombination,
  normalizeKeyName,
  shiftedChar,
  toX11Keysym,
} from '../../src/core/keys.js';

/** Every printable ASCII character except space, which is the named key `space`. */
const ASCII_PRINTABLE = Array.from({ length: 94 }, (_, i) => String.fromCharCode(33 + i));

describe('normalizeKeyName', () => {
  it('keeps every canonical named key, in any case', () => {
    for (const key of NAMED_KEYS) {
      expect(normalizeKeyName(key)).toBe(key);
      expect(normalizeKeyName(key.toUpperCase())).toBe(key);
    }
  });

  it.each([
    ['Escape', 'esc'],
    ['ESC', 'esc'],
    ['return', 'enter'],
    ['Control', 'ctrl'],
    ['control_l', 'ctrl'],
    ['Ctrl_R', 'ctrl'],
    ['win', 'cmd'],
    ['Windows', 'cmd'],
    ['super', 'cmd'],
    ['Super_L', 'cmd'],
    ['meta', 'cmd'],
    ['command', 'cmd'],
    ['option', 'alt'],
    ['Alt_L', 'alt'],
    ['shift_r', 'shift'],
    ['PageUp', 'page_up'],
    ['pgup', 'page_up'],
    ['Page Up', 'page_up'],
    ['page-down', 'page_down'],
    ['PgDn', 'page_down'],
    ['Prior', 'page_up'],
    ['Next', 'page_down'],
    ['del', 'delete'],
    ['ins', 'insert'],
    ['CapsLock', 'caps_lock'],
    ['BackSpace', 'backspace'],
    ['ArrowUp', 'up'],
    ['left_arrow', 'left'],
    [' ', 'space'],
    ['Spacebar', 'space'],
    ['F12', 'f12'],
    ['comma', ','],
    ['parenright', ')'],
  ])('%j → %j', (alias, canonical) => {
    expect(normalizeKeyName(alias)).toBe(canonical);
  });

  it('names a printable character by itself, letters in lower case', () => {
    for (const char of ASCII_PRINTABLE) {
      expect(normalizeKeyName(char)).toBe(/[A-Z]/.test(char) ? char.toLowerCase() : char);
    }
    expect(normalizeKeyName('é')).toBe('é');
    expect(normalizeKeyName('e\u0301')).toBe('é'); // decomposed é
    expect(normalizeKeyName('Ö')).toBe('ö');
    expect(normalizeKeyName('中')).toBe('中');
    expect(normalizeKeyName('😀')).toBe('😀');
    expect(normalizeKeyName('İ')).toBe('İ'); // its lower case is two code points
  });

  it.each(['', 'foo', 'ctrl+s', 'ab', '  ', '\t', '\n', '\u0000', '\u00a0', 'f13', 'constructor'])(
    'rejects %j',
    (name) => {
      expect(normalizeKeyName(name)).toBeNull();
    },
  );
});

describe('isModifier', () => {
  it('is true exactly for shift, ctrl, alt and cmd', () => {
    const modifiers = NAMED_KEYS.filter((key) => isModifier(key));
    expect(modifiers).toEqual(['shift', 'ctrl', 'alt', 'cmd']);
    expect(isModifier('a')).toBe(false);
  });
});

describe('system combinations', () => {
  it('lists the combinations of SPEC §2.1', () => {
    expect(SYSTEM_COMBINATIONS.map((keys) => keys.join('+'))).toEqual([
      'alt+tab',
      'alt+f4',
      ...'d e l r t x i a s u p v tab space'.split(' ').map((key) => `cmd+${key}`),
      'shift+delete',
    ]);
  });

  it('recognises each of them, in any accepted spelling', () => {
    for (const keys of SYSTEM_COMBINATIONS) expect(isSystemCombination(keys)).toBe(true);
    expect(isSystemCombination(['Alt', 'Tab'])).toBe(true);
    expect(isSystemCombination(['win', 'D'])).toBe(true);
    expect(isSystemCombination(['super', ' '])).toBe(true);
    expect(isSystemCombination(['shift', 'del'])).toBe(true);
  });

  it.each([[['ctrl', 's']], [['tab', 'alt']], [['cmd', 'z']], [['alt']], [['alt', 'tab', 'x']], [['alt', 'bogus']]])(
    'rejects %j',
    (keys) => {
      expect(isSystemCombination(keys)).toBe(false);
    },
  );
});

describe('US shift layer', () => {
  const pairs = '`~ 1! 2@ 3# 4$ 5% 6^ 7& 8* 9( 0) -_ =+ [{ ]} \\| ;: \'" ,< .> /?'.split(' ');

  it('maps each unshifted key to its shifted character and back', () => {
    for (const [base, shifted] of pairs.map((pair) => [...pair] as [string, string])) {
      expect(shiftedChar(base)).toBe(shifted);
      expect(baseKeyOf(shifted)).toBe(base);
      expect(baseKeyOf(base)).toBe(base);
    }
  });

  it('upper-cases letters', () => {
    expect(shiftedChar('a')).toBe('A');
    expect(shiftedChar('z')).toBe('Z');
    expect(baseKeyOf('Q')).toBe('q');
    expect(baseKeyOf('q')).toBe('q');
  });

  it('types every printable ASCII character from some key, shifted when the key differs', () => {
    for (const char of ASCII_PRINTABLE) {
      const base = baseKeyOf(char);
      expect(base).not.toBeNull();
      expect(base === char ? char : shiftedChar(base ?? '')).toBe(char);
    }
  });

  it('knows nothing outside the US layout', () => {
    expect(shiftedChar('!')).toBeNull();
    expect(shiftedChar('A')).toBeNull();
    expect(shiftedChar('é')).toBeNull();
    expect(shiftedChar('toString')).toBeNull();
    expect(baseKeyOf('é')).toBeNull();
    expect(baseKeyOf(' ')).toBeNull();
    expect(baseKeyOf('toString')).toBeNull();
  });
});

describe('toX11Keysym', () => {
  it.each([
    ['esc', 'Escape'],
    ['enter', 'Return'],
    ['backspace', 'BackSpace'],
    ['space', 'space'],
    ['page_up', 'Prior'],
    ['page_down', 'Next'],
    ['caps_lock', 'Caps_Lock'],
    ['f5', 'F5'],
    ['ctrl', 'Control_L'],
    ['shift', 'Shift_L'],
    ['alt', 'Alt_L'],
    ['cmd', 'Super_L'],
    ['a', 'a'],
    ['7', '7'],
    [',', 'comma'],
    ['!', 'exclam'],
    ['\\', 'backslash'],
    ['€', 'U20AC'],
    ['é', 'U00E9'],
    ['Escape', 'Escape'],
    ['win', 'Super_L'],
  ])('%j → %j', (key, keysym) => {
    expect(toX11Keysym(key)).toBe(keysym);
  });

  it('round-trips every named key and printable ASCII character through normalizeKeyName', () => {
    for (const key of [...NAMED_KEYS, ...ASCII_PRINTABLE.map((char) => normalizeKeyName(char) ?? '')]) {
      expect(normalizeKeyName(toX11Keysym(key))).toBe(key);
    }
  });

  it('throws for a name that is not a key', () => {
    expect(() => toX11Keysym('bogus')).toThrow(RangeError);
  });
});
