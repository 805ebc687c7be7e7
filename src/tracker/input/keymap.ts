/**
 * uiohook-napi key codes → the grammar's canonical key names (src/core/keys.ts): the key, not
 * the character it produced — unshifted US base keys, one name for left and right modifiers.
 *
 * The table is keyed by uiohook's own key names (checked against `UiohookKey` at compile time)
 * so this module stays pure: importing the native addon is left to the hooks.
 */
import type { UiohookKey } from 'uiohook-napi';

type UiohookKeyName = keyof typeof UiohookKey;

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'.split('') as UiohookKeyName[];
const DIGITS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] as const;
const FUNCTION_KEYS = Array.from({ length: 12 }, (_, i) => `F${i + 1}` as UiohookKeyName);

const NAMED: ReadonlyArray<readonly [UiohookKeyName, string]> = [
  ['Escape', 'esc'],
  ['Enter', 'enter'],
  ['NumpadEnter', 'enter'],
  ['Tab', 'tab'],
  ['Backspace', 'backspace'],
  ['Delete', 'delete'],
  ['Space', 'space'],
  ['ArrowUp', 'up'],
  ['ArrowDown', 'down'],
  ['ArrowLeft', 'left'],
  ['ArrowRight', 'right'],
  ['Home', 'home'],
  ['End', 'end'],
  ['PageUp', 'page_up'],
  ['PageDown', 'page_down'],
  ['Insert', 'insert'],
  ['CapsLock', 'caps_lock'],
  ['Shift', 'shift'],
  ['ShiftRight', 'shift'],
  ['Ctrl', 'ctrl'],
  ['CtrlRight', 'ctrl'],
  ['Alt', 'alt'],
  ['AltRight', 'alt'],
  ['Meta', 'cmd'],
  ['MetaRight', 'cmd'],
  // US punctuation, unshifted.
  ['Minus', '-'],
  ['Equal', '='],
  ['BracketLeft', '['],
  ['BracketRight', ']'],
  ['Backslash', '\\'],
  ['Semicolon', ';'],
  ['Quote', "'"],
  ['Comma', ','],
  ['Period', '.'],
  ['Slash', '/'],
  ['Backquote', '`'],
  // Numpad with Num Lock on: what the key types.
  ['Numpad0', '0'],
  ['Numpad1', '1'],
  ['Numpad2', '2'],
  ['Numpad3', '3'],
  ['Numpad4', '4'],
  ['Numpad5', '5'],
  ['Numpad6', '6'],
  ['Numpad7', '7'],
  ['Numpad8', '8'],
  ['Numpad9', '9'],
  ['NumpadMultiply', '*'],
  ['NumpadAdd', '+'],
  ['NumpadSubtract', '-'],
  ['NumpadDecimal', '.'],
  ['NumpadDivide', '/'],
  // Numpad with Num Lock off: uiohook reports the navigation key the press acts as.
  ['NumpadEnd', 'end'],
  ['NumpadArrowDown', 'down'],
  ['NumpadPageDown', 'page_down'],
  ['NumpadArrowLeft', 'left'],
  ['NumpadArrowRight', 'right'],
  ['NumpadHome', 'home'],
  ['NumpadArrowUp', 'up'],
  ['NumpadPageUp', 'page_up'],
  ['NumpadInsert', 'insert'],
  ['NumpadDelete', 'delete'],
];

/** Every uiohook key name the tracker records, with its canonical name. */
export const UIOHOOK_KEY_NAMES: ReadonlyArray<readonly [UiohookKeyName, string]> = [
  ...NAMED,
  ...LETTERS.map((k) => [k, String(k).toLowerCase()] as const),
  ...DIGITS.map((d) => [d, String(d)] as const),
  ...FUNCTION_KEYS.map((k) => [k, String(k).toLowerCase()] as const),
];

/**
 * Code → canonical name, given uiohook-napi's `UiohookKey` table. Keys the grammar has no
 * name for (F13+, Print Screen, Num Lock, media keys, unknown scancodes) are left out and so
 * not recorded.
 */
export function buildKeymap(codes: typeof UiohookKey): ReadonlyMap<number, string> {
  return new Map(UIOHOOK_KEY_NAMES.map(([name, key]) => [codes[name], key]));
}
