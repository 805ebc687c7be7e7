/**
 * How long to let the screen settle after an action (pure). Opening or saving a file shows a
 * dialog, reads or writes the disk and redraws the whole window, often well after the keys went
 * in: those actions get a longer cap (SETTLE_FILE_CAP_MS), everything else the ordinary one.
 * The cap only bounds the wait: a screen that is quiet sooner ends it sooner.
 */
import type { Action } from './actions.js';
import { normalizeKeyName } from './keys.js';

/** After an action the screen must stay unchanged this long to count as settled. */
export const SETTLE_QUIET_MS = 300;
export const SETTLE_CAP_MS = 5_000;
export const SETTLE_FILE_CAP_MS = 15_000;

/** Hotkeys that open a file dialog or save: Ctrl+S, Ctrl+Shift+S, Ctrl+O (Cmd on macOS), F12 (Save As). */
const FILE_HOTKEYS: readonly string[] = ['ctrl+s', 'ctrl+shift+s', 'ctrl+o', 'cmd+s', 'cmd+shift+s', 'cmd+o', 'f12'];

/** How far back a file-dialog hotkey makes the next Enter a file dialog's. */
const DIALOG_MEMORY = 4;

/** Key names in a fixed order (modifiers first, as listed), lower case: `ctrl+shift+s`. */
function combo(keys: readonly string[]): string {
  const order = ['ctrl', 'shift', 'alt', 'cmd'];
  const names = keys.map((k) => normalizeKeyName(k) ?? k.toLowerCase());
  const rank = (k: string) => (order.includes(k) ? order.indexOf(k) : order.length);
  return [...names].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b)).join('+');
}

/** The keys an action presses as one combination, or null for actions that press none. */
function pressed(action: Action): string | null {
  if (action.kind === 'key') return combo([action.key]);
  if (action.kind === 'hotkey') return combo(action.keys);
  return null;
}

/** Whether an action is a hotkey that opens a file dialog or saves (see FILE_HOTKEYS). */
export function isFileHotkey(action: Action): boolean {
  const keys = pressed(action);
  return keys !== null && FILE_HOTKEYS.includes(keys);
}

/** Text that reads like a file name or path: has a separator or ends in an extension. */
const looksLikeFile = (text: string): boolean => /[/\\]/.test(text) || /\.[a-z0-9]{2,5}\s*$/i.test(text);

/**
 * Whether an action opens or saves a file: a file hotkey, or Enter right after typing into what
 * is probably a file dialog (a file hotkey among the few actions before, or typed text that
 * reads like a file name). `earlier` holds the actions before it, oldest first.
 */
export function opensOrSavesFile(action: Action, earlier: readonly Action[]): boolean {
  if (isFileHotkey(action)) return true;
  if (pressed(action) !== 'enter') return false;
  const previous = earlier.at(-1);
  if (previous?.kind !== 'type') return false;
  return looksLikeFile(previous.text) || earlier.slice(-DIALOG_MEMORY).some(isFileHotkey);
}

/** The settle cap after `action`: SETTLE_FILE_CAP_MS after file actions (at least `base`), else `base`. */
export function settleCapMs(action: Action, earlier: readonly Action[], base = SETTLE_CAP_MS): number {
  return opensOrSavesFile(action, earlier) ? Math.max(base, SETTLE_FILE_CAP_MS) : base;
}
