/**
 * Comparing two looks at the desktop's windows, and the one line a planner prompt or a replay
 * report gets for a window (the words of the "Confirm File Format" alert LibreOffice 7.4 shows
 * when saving as .pptx, as AT-SPI read them in test/platform/desktop-windows.test.ts).
 */
import { describe, expect, it } from 'vitest';
import {
  describeWindowLine,
  diffWindows,
  isDialogWindow,
  isSignificantWindow,
  unexpectedWindows,
  type DialogDescription,
} from '../../src/core/windows-diff.js';
import { desktopWindow } from '../support/desktop-window.js';

const impress = desktopWindow(0x600024, 'Untitled 1 - LibreOffice Impress');
const alert = desktopWindow(0x601f3a, 'Confirm File Format', {
  kind: 'dialog',
  modal: true,
  transientFor: impress.id,
  active: true,
});
const keepFormat: DialogDescription = {
  title: 'Confirm File Format',
  role: 'alert',
  text: [
    'This document may contain formatting or content that cannot be saved in the currently selected file format “PowerPoint 2007–365”.',
    'Use the default ODF file format to be sure that the document is saved correctly.',
  ],
  buttons: ['Use ODF Format', 'Use PowerPoint 2007–365 Format'],
  complete: true,
};

describe('diffWindows', () => {
  it('finds the window that appeared, by id, in the order of the later list', () => {
    const terminal = desktopWindow(7, 'xterm', { app: 'XTerm' });
    expect(diffWindows([impress], [impress, alert, terminal])).toEqual({
      appeared: [alert, terminal],
      disappeared: [],
      retitled: [],
    });
  });

  it('finds the window that closed, and a window whose title changed (saved under a new name)', () => {
    const saved = { ...impress, title: 'deck.pptx - LibreOffice Impress', active: true };
    expect(diffWindows([impress, alert], [saved])).toEqual({
      appeared: [],
      disappeared: [alert],
      retitled: [{ before: 'Untitled 1 - LibreOffice Impress', window: saved }],
    });
  });

  it('a window that moved, got the focus or was minimised is the same window', () => {
    const moved = { ...impress, rect: { left: 100, top: 80, right: 900, bottom: 700 }, active: true, hidden: true };
    expect(diffWindows([impress], [moved])).toEqual({ appeared: [], disappeared: [], retitled: [] });
  });

  it('a new window with an old title is still new (ids, not titles, identify windows)', () => {
    const second = desktopWindow(0x700024, impress.title);
    expect(diffWindows([impress], [second]).appeared).toEqual([second]);
    expect(diffWindows([impress], [second]).disappeared).toEqual([impress]);
  });

  it('works on anything with an id and a title (what a recording stored)', () => {
    expect(
      diffWindows(
        [{ id: 1, title: 'a' }],
        [
          { id: 1, title: 'a' },
          { id: 2, title: 'b' },
        ],
      ).appeared,
    ).toEqual([{ id: 2, title: 'b' }]);
  });
});

describe('window kinds', () => {
  it('a dialog is one by its type, by being modal, or by being transient for another window', () => {
    expect(isDialogWindow(alert)).toBe(true);
    expect(isDialogWindow(impress)).toBe(false);
    expect(isDialogWindow(desktopWindow(1, 'Find', { transientFor: impress.id }))).toBe(true);
    expect(isDialogWindow(desktopWindow(1, 'modal', { modal: true }))).toBe(true);
    // A tool palette or a pop-up menu belongs to its window without asking anything.
    expect(isDialogWindow(desktopWindow(1, 'Colors', { kind: 'utility', transientFor: impress.id }))).toBe(false);
    expect(isDialogWindow(desktopWindow(1, '', { kind: 'popup-menu', transientFor: impress.id }))).toBe(false);
  });

  it('menus, tooltips and minimised windows are not windows a person must deal with', () => {
    expect(isSignificantWindow(alert)).toBe(true);
    expect(isSignificantWindow(impress)).toBe(true);
    for (const kind of ['menu', 'popup-menu', 'dropdown-menu', 'combo', 'tooltip', 'dnd', 'notification'] as const) {
      expect(isSignificantWindow(desktopWindow(1, '', { kind }))).toBe(false);
    }
    expect(isSignificantWindow({ ...impress, hidden: true })).toBe(false);
  });
});

describe('unexpectedWindows', () => {
  const menu = desktopWindow(0x601000, '', { kind: 'popup-menu', transientFor: impress.id });
  const navigator = desktopWindow(0x602000, 'Navigator', { kind: 'utility', transientFor: impress.id });

  it('a new dialog is unexpected; a menu that opened is not; dialogs come first', () => {
    expect(unexpectedWindows([impress], [impress, navigator, menu, alert])).toEqual([alert, navigator]);
  });

  it('a window the recording met (by title, white space aside) is expected', () => {
    expect(unexpectedWindows([impress], [impress, alert], ['Confirm  File Format '])).toEqual([]);
    expect(unexpectedWindows([impress], [impress, alert], ['Save'])).toEqual([alert]);
  });

  it('a window that was already there, or is minimised, is not unexpected', () => {
    expect(unexpectedWindows([impress, alert], [impress, alert])).toEqual([]);
    expect(unexpectedWindows([impress], [impress, { ...alert, hidden: true }])).toEqual([]);
  });
});

describe('describeWindowLine', () => {
  it('names a dialog with its texts and buttons', () => {
    expect(describeWindowLine(alert, keepFormat)).toBe(
      'A dialog "Confirm File Format" is open: "This document may contain formatting or content that cannot be saved ' +
        'in the currently selected file format “PowerPoint 2007–365”. Use the default ODF file format to be sure that ' +
        'the document is saved correctly.". Buttons: "Use ODF Format", "Use PowerPoint 2007–365 Format".',
    );
  });

  it('without a description, says what the window list knows', () => {
    expect(describeWindowLine(alert)).toBe('A dialog "Confirm File Format" is open.');
    expect(describeWindowLine(desktopWindow(3, 'xterm'))).toBe('A window "xterm" is open.');
    expect(describeWindowLine(desktopWindow(3, ''))).toBe('A window (untitled) is open.');
  });

  it('takes the title from the description when the window has none, and the dialog role from it', () => {
    const untitled = desktopWindow(9, '');
    expect(describeWindowLine(untitled, { ...keepFormat, text: [], buttons: ['OK'] })).toBe(
      'A dialog "Confirm File Format" is open. Buttons: "OK".',
    );
  });

  it('cuts a long text, so that the line stays short in every prompt', () => {
    const long = { ...keepFormat, text: ['word '.repeat(200)] };
    const line = describeWindowLine(alert, long);
    expect(line.length).toBeLessThan(420);
    expect(line).toContain('…"');
    expect(line).toMatch(/Buttons: "Use ODF Format", "Use PowerPoint 2007–365 Format"\.$/);
  });

  it('keeps quotes inside a title readable and collapses line breaks', () => {
    const titled = desktopWindow(5, 'Save "deck"\nnow', { kind: 'dialog' });
    expect(describeWindowLine(titled)).toBe('A dialog "Save "deck" now" is open.');
  });
});
