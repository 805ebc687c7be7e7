import { isModifier, normalizeKeyName } from './keys.js';

/**
 * Global shortcuts as people and settings write them, turned into the key names the recorder
 * compares its stop chord with (`ctrl`, `shift`, `f12`, …).
 *
 * Two spellings are accepted, joined by `+` and case-insensitive:
 * - Electron accelerators, the form settings.json and the app store:
 *   `CommandOrControl+Shift+F12`, `Alt+PageUp`, `Super+Esc`;
 * - the command line's key names: `ctrl+shift+f12` (any spelling `normalizeKeyName` knows).
 *
 * Pure module: the platform is a parameter, because `CommandOrControl` is Cmd on macOS only.
 */

/** Accelerator modifiers that are not key names themselves. */
const PLATFORM_MODIFIERS: Readonly<Record<string, (platform: string) => string>> = {
  commandorcontrol: (platform) => (platform === 'darwin' ? 'cmd' : 'ctrl'),
  cmdorctrl: (platform) => (platform === 'darwin' ? 'cmd' : 'ctrl'),
  // AltGr is the right Alt key; the recorder does not tell the two apart.
  altgr: () => 'alt',
};

export class HotkeyError extends Error {
  override readonly name = 'HotkeyError';
}

/**
 * The canonical key names of a shortcut, modifiers first in the order written, then its one
 * key: `CommandOrControl+Shift+F12` → `['ctrl', 'shift', 'f12']` (on Linux and Windows).
 * Throws HotkeyError with one line naming the part it cannot use: an unknown key, no key or
 * two keys, a repeated modifier, or a key the recorder never sees (F13–F24, media keys).
 */
export function hotkeyKeys(text: string, platform: string): string[] {
  const trimmed = text.trim();
  if (trimmed === '') throw new HotkeyError('the shortcut is empty');
  const parts = trimmed.split('+').map((p) => p.trim());
  if (parts.some((p) => p === '')) throw new HotkeyError(`"${trimmed}" has an empty part (a "+" too many)`);
  const keys = parts.map((part) => {
    const platformModifier = PLATFORM_MODIFIERS[part.toLowerCase()];
    const key = platformModifier ? platformModifier(platform) : normalizeKeyName(part);
    if (key === null) {
      throw new HotkeyError(
        /^f(1[3-9]|2[0-4])$/i.test(part)
          ? `${part.toUpperCase()} cannot be used: the recorder sees F1 to F12 only`
          : `"${part}" is not a key name`,
      );
    }
    return key;
  });
  const modifiers = keys.slice(0, -1);
  const last = keys.at(-1)!;
  if (isModifier(last)) throw new HotkeyError(`"${trimmed}" has no key after its modifiers`);
  const notModifier = modifiers.find((k) => !isModifier(k));
  if (notModifier !== undefined)
    throw new HotkeyError(`"${trimmed}" has more than one key: only its last part may be a key`);
  if (new Set(modifiers).size !== modifiers.length) throw new HotkeyError(`"${trimmed}" repeats a modifier`);
  // X servers keep Ctrl+Alt+F1…F12 for switching virtual terminals: no program receives them.
  if (platform === 'linux' && modifiers.includes('ctrl') && modifiers.includes('alt') && /^f\d+$/.test(last))
    throw new HotkeyError(`"${trimmed}" switches the virtual terminal on Linux: choose another combination`);
  return keys;
}
