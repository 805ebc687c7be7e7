/**
 * Characters → X11 keysyms, and the plan for typing a text on an X11 keymap: which keycode and
 * shift level types each character, and which characters need a spare keycode remapped to
 * their keysym first (xdotool's technique: characters the keyboard layout does not have).
 * Pure module: no I/O.
 */

export const KEYSYM_RETURN = 0xff0d;
export const KEYSYM_TAB = 0xff09;
export const KEYSYM_SHIFT_L = 0xffe1;
export const NO_SYMBOL = 0;

/**
 * The keysym of one character (a code point): Latin-1 characters are their own keysym, every
 * other character is 0x01000000 + its code point (X11's Unicode keysyms). Newline and tab
 * type Return and Tab. Null for other control characters, which a keyboard cannot type.
 */
export function keysymOfChar(char: string): number | null {
  const cp = char.codePointAt(0);
  if (cp === undefined) return null;
  if (char === '\n' || char === '\r') return KEYSYM_RETURN;
  if (char === '\t') return KEYSYM_TAB;
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return null;
  if (cp <= 0xff) return cp;
  return 0x01000000 + cp;
}

/** Keysyms a keyboard mapping lists, keycode by keycode (`GetKeyboardMapping`). */
export interface KeyboardMapping {
  readonly minKeycode: number;
  readonly keysymsPerKeycode: number;
  /** `keysymsPerKeycode` entries per keycode, from `minKeycode` on. */
  readonly keysyms: readonly number[];
}

export interface KeyStroke {
  readonly keycode: number;
  readonly shift: boolean;
}

/** keysym → how to type it with the mapping's first group (unshifted preferred). */
export function strokeTable(mapping: KeyboardMapping): Map<number, KeyStroke> {
  const table = new Map<number, KeyStroke>();
  const per = mapping.keysymsPerKeycode;
  const count = Math.floor(mapping.keysyms.length / per);
  for (const level of [0, 1]) {
    if (level >= per) break;
    for (let i = 0; i < count; i++) {
      const keysym = mapping.keysyms[i * per + level]!;
      if (keysym === NO_SYMBOL || table.has(keysym)) continue;
      // A keycode listing only one keysym types it on both levels (X11's rule for letters).
      table.set(keysym, { keycode: mapping.minKeycode + i, shift: level === 1 });
    }
  }
  return table;
}

/** Keycodes without any keysym: free to be borrowed for characters the layout lacks. */
export function spareKeycodes(mapping: KeyboardMapping): number[] {
  const per = mapping.keysymsPerKeycode;
  const count = Math.floor(mapping.keysyms.length / per);
  const spare: number[] = [];
  for (let i = 0; i < count; i++) {
    const syms = mapping.keysyms.slice(i * per, (i + 1) * per);
    if (syms.every((s) => s === NO_SYMBOL)) spare.push(mapping.minKeycode + i);
  }
  // The highest first: the low spare keycodes are where real keyboards add keys.
  return spare.reverse();
}

/** One step of typing: a key stroke on the current mapping, or a character needing a spare keycode. */
export type TypingStep =
  | { readonly kind: 'stroke'; readonly char: string; readonly stroke: KeyStroke }
  | { readonly kind: 'remap'; readonly char: string; readonly keysym: number };

/**
 * How to type `text`: one step per character (code point); a CR LF pair is one Return.
 * Throws a RangeError for control characters other than newline and tab.
 */
export function planTyping(text: string, table: ReadonlyMap<number, KeyStroke>): TypingStep[] {
  const steps: TypingStep[] = [];
  const chars = [...text.replace(/\r\n/g, '\n')];
  for (const char of chars) {
    const keysym = keysymOfChar(char);
    if (keysym === null) {
      throw new RangeError(`cannot type the control character U+${char.codePointAt(0)!.toString(16).padStart(4, '0')}`);
    }
    const stroke = table.get(keysym);
    steps.push(stroke ? { kind: 'stroke', char, stroke } : { kind: 'remap', char, keysym });
  }
  return steps;
}
