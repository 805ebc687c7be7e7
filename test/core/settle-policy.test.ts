import { describe, expect, it } from 'vitest';
import type { Action } from '../../src/core/actions.js';
import {
  isFileHotkey,
  opensOrSavesFile,
  SETTLE_CAP_MS,
  SETTLE_FILE_CAP_MS,
  settleCapMs,
} from '../../src/core/settle-policy.js';

const hotkey = (...keys: string[]): Action => ({ kind: 'hotkey', keys });
const key = (k: string): Action => ({ kind: 'key', key: k });
const type = (text: string): Action => ({ kind: 'type', text });
const click: Action = { kind: 'click', target: 'the Save button' };

describe('settle cap per action', () => {
  it('gives file hotkeys the long cap, in any key order and spelling', () => {
    for (const a of [
      hotkey('Ctrl', 'S'),
      hotkey('ctrl', 's'),
      hotkey('shift', 'ctrl', 's'),
      hotkey('Ctrl', 'Shift', 'S'),
      hotkey('ctrl', 'o'),
      hotkey('cmd', 's'),
      key('f12'),
    ]) {
      expect(isFileHotkey(a), JSON.stringify(a)).toBe(true);
      expect(settleCapMs(a, [])).toBe(SETTLE_FILE_CAP_MS);
    }
  });

  it('keeps the ordinary cap for other hotkeys and actions', () => {
    for (const a of [
      hotkey('ctrl', 'c'),
      hotkey('ctrl', 'shift', 'o'),
      hotkey('alt', 's'),
      key('s'),
      click,
      type('x'),
    ]) {
      expect(settleCapMs(a, []), JSON.stringify(a)).toBe(SETTLE_CAP_MS);
    }
    expect(SETTLE_CAP_MS).toBe(5000);
    expect(SETTLE_FILE_CAP_MS).toBe(15000);
  });

  it('treats Enter after typing into a file dialog as a file action', () => {
    // Typed a name into the Save dialog opened a few steps earlier.
    expect(opensOrSavesFile(key('enter'), [hotkey('ctrl', 's'), click, type('quarterly')])).toBe(true);
    // Typed a path, wherever the dialog came from.
    expect(opensOrSavesFile(key('enter'), [click, type('/home/me/deck.odp')])).toBe(true);
    expect(opensOrSavesFile(hotkey('Return'), [type('C:\\Users\\me\\deck')])).toBe(true);
    expect(settleCapMs(key('enter'), [type('report.pptx')])).toBe(SETTLE_FILE_CAP_MS);
  });

  it('does not for Enter in ordinary text, or without typing right before', () => {
    expect(opensOrSavesFile(key('enter'), [click, type('Quarterly Review')])).toBe(false);
    expect(opensOrSavesFile(key('enter'), [hotkey('ctrl', 's'), type('deck'), click])).toBe(false);
    // The file hotkey is too far back to still be the dialog's.
    const long = [hotkey('ctrl', 's'), click, click, click, click, type('deck')];
    expect(opensOrSavesFile(key('enter'), long)).toBe(false);
    expect(opensOrSavesFile(key('tab'), [hotkey('ctrl', 's'), type('deck.odp')])).toBe(false);
  });

  it('never shortens a longer base cap', () => {
    expect(settleCapMs(hotkey('ctrl', 's'), [], 20_000)).toBe(20_000);
    expect(settleCapMs(click, [], 2_000)).toBe(2_000);
  });
});
