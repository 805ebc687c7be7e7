/**
 * Input injection plans (pure): grammar key names → nut-js keys, and how the XTEST keyboard
 * types a text on a keymap. Real injection on Xvfb is tested with the executor
 * (test/agents/executor.test.ts), which drives these primitives.
 */
import { describe, expect, it } from 'vitest';
import { nutHotkey, nutKeysFor } from '../../src/platform/input/nut-keys.js';
import { keysymOfChar, planTyping, spareKeycodes, strokeTable } from '../../src/platform/x11/keysyms.js';

describe('input plans (pure)', () => {
  it('maps grammar key names to nut-js keys, Shift for shifted characters', () => {
    expect(nutKeysFor('enter')).toEqual({ keys: ['Return'] });
    expect(nutKeysFor('Escape')).toEqual({ keys: ['Escape'] });
    expect(nutKeysFor('cmd')).toEqual({ keys: ['LeftSuper'] });
    expect(nutKeysFor('page_down')).toEqual({ keys: ['PageDown'] });
    expect(nutKeysFor('a')).toEqual({ keys: ['A'] });
    expect(nutKeysFor('7')).toEqual({ keys: ['Num7'] });
    expect(nutKeysFor(';')).toEqual({ keys: ['Semicolon'] });
    expect(nutKeysFor('!')).toEqual({ keys: ['LeftShift', 'Num1'] });
    expect(nutKeysFor('é')).toEqual({ char: 'é' });
    expect(() => nutKeysFor('no such key')).toThrow(RangeError);
    expect(nutHotkey(['ctrl', 's'])).toEqual(['LeftControl', 'S']);
    expect(nutHotkey(['ctrl', 'shift', '+'])).toEqual(['LeftControl', 'LeftShift', 'Equal']);
    expect(() => nutHotkey(['ctrl', 'é'])).toThrow(/hotkey/);
  });

  it('plans typing on a keymap: levels, Return for newlines, spare keycodes for the rest', () => {
    // keycodes 10..13: '1' '!', 'a' 'A', Return, (empty)
    const mapping = { minKeycode: 10, keysymsPerKeycode: 2, keysyms: [0x31, 0x21, 0x61, 0x41, 0xff0d, 0, 0, 0] };
    const table = strokeTable(mapping);
    expect(spareKeycodes(mapping)).toEqual([13]);
    expect(keysymOfChar('€')).toBe(0x10020ac);
    expect(keysymOfChar('é')).toBe(0xe9);
    expect(planTyping('a!A\r\né', table)).toEqual([
      { kind: 'stroke', char: 'a', stroke: { keycode: 11, shift: false } },
      { kind: 'stroke', char: '!', stroke: { keycode: 10, shift: true } },
      { kind: 'stroke', char: 'A', stroke: { keycode: 11, shift: true } },
      { kind: 'stroke', char: '\n', stroke: { keycode: 12, shift: false } },
      { kind: 'remap', char: 'é', keysym: 0xe9 },
    ]);
    expect(() => planTyping('a\u0007', table)).toThrow(/control character/);
  });
});
