import { describe, expect, it } from 'vitest';
import { HotkeyError, hotkeyKeys } from '../../src/core/accelerator.js';

describe('hotkeyKeys: a shortcut as the recorder key names', () => {
  it.each([
    // Electron accelerators, as settings.json and the app store them.
    ['CommandOrControl+Shift+F12', 'linux', ['ctrl', 'shift', 'f12']],
    ['CommandOrControl+Shift+F12', 'win32', ['ctrl', 'shift', 'f12']],
    ['CommandOrControl+Shift+F12', 'darwin', ['cmd', 'shift', 'f12']],
    ['CmdOrCtrl+Shift+F11', 'linux', ['ctrl', 'shift', 'f11']],
    ['CmdOrCtrl+F11', 'darwin', ['cmd', 'f11']],
    ['Control+Alt+Delete', 'linux', ['ctrl', 'alt', 'delete']],
    ['Ctrl+Alt+Esc', 'linux', ['ctrl', 'alt', 'esc']],
    ['Alt+Escape', 'linux', ['alt', 'esc']],
    ['AltGr+Home', 'linux', ['alt', 'home']],
    ['Option+End', 'darwin', ['alt', 'end']],
    ['Super+PageUp', 'linux', ['cmd', 'page_up']],
    ['Meta+PageDown', 'linux', ['cmd', 'page_down']],
    ['Command+Insert', 'darwin', ['cmd', 'insert']],
    ['Cmd+Backspace', 'darwin', ['cmd', 'backspace']],
    ['Shift+Space', 'linux', ['shift', 'space']],
    ['Shift+Tab', 'linux', ['shift', 'tab']],
    ['Ctrl+Return', 'linux', ['ctrl', 'enter']],
    ['Ctrl+Enter', 'linux', ['ctrl', 'enter']],
    ['Ctrl+Up', 'linux', ['ctrl', 'up']],
    ['Ctrl+Shift+A', 'linux', ['ctrl', 'shift', 'a']],
    ['Ctrl+9', 'linux', ['ctrl', '9']],
    // The command line's form.
    ['ctrl+shift+f12', 'linux', ['ctrl', 'shift', 'f12']],
    [' ctrl + alt + s ', 'linux', ['ctrl', 'alt', 's']],
    ['control_l+f1', 'linux', ['ctrl', 'f1']],
    ['f12', 'linux', ['f12']],
    // Only X servers keep Ctrl+Alt+F-keys for themselves.
    ['CommandOrControl+Alt+F9', 'win32', ['ctrl', 'alt', 'f9']],
    ['CommandOrControl+Alt+F9', 'darwin', ['cmd', 'alt', 'f9']],
  ])('%s on %s → %j', (text, platform, keys) => {
    expect(hotkeyKeys(text, platform)).toEqual(keys);
  });

  it.each([
    ['', 'the shortcut is empty'],
    ['Ctrl++F1', '"Ctrl++F1" has an empty part (a "+" too many)'],
    ['Ctrl+Shift+', '"Ctrl+Shift+" has an empty part (a "+" too many)'],
    ['Ctrl+Shift+F13', 'F13 cannot be used: the recorder sees F1 to F12 only'],
    ['CommandOrControl+F24', 'F24 cannot be used: the recorder sees F1 to F12 only'],
    ['Ctrl+Hyper+A', '"Hyper" is not a key name'],
    ['Ctrl+Shift', '"Ctrl+Shift" has no key after its modifiers'],
    ['Ctrl+A+B', '"Ctrl+A+B" has more than one key: only its last part may be a key'],
    ['Ctrl+Control+A', '"Ctrl+Control+A" repeats a modifier'],
    [
      'CommandOrControl+Alt+F9',
      '"CommandOrControl+Alt+F9" switches the virtual terminal on Linux: choose another combination',
    ],
  ])('refuses %j: %s', (text, message) => {
    expect(() => hotkeyKeys(text, 'linux')).toThrow(new HotkeyError(message));
  });
});
