/**
 * The Windows / macOS window list over the helper line protocol (src/platform/windows/
 * helper-windows.ts), against a stand-in Node child that answers "windows" and "describe <id>"
 * the way native/windows/uia-helper.ps1 and native/macos/ax-helper.js do. The real helpers are
 * not run here (Linux CI): this checks the parsing, the deadlines and the failure paths.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { DesktopWindows } from '../../src/platform/windows/desktop-windows.js';
import { desktopWindow } from '../support/desktop-window.js';
import {
  createHelperWindows,
  parseDescribeReply,
  parseWindowsReply,
} from '../../src/platform/windows/helper-windows.js';

const CHILD = `
const mode = process.argv.at(-1);
const say = (v) => process.stdout.write(JSON.stringify(v) + '\\n');
say(mode === 'refuse' ? { ready: false, error: 'no permission' } : { ready: true });
let buffer = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', async (chunk) => {
  buffer += chunk;
  let nl;
  while ((nl = buffer.indexOf('\\n')) >= 0) {
    const line = buffer.slice(0, nl);
    buffer = buffer.slice(nl + 1);
    if (mode === 'slow') await new Promise((r) => setTimeout(r, 500));
    if (line === 'windows') {
      say(mode === 'broken' ? null : [
        { id: 65802, title: 'deck.pptx - LibreOffice Impress', kind: 'normal', modal: false, transientFor: 0, pid: 4120,
          app: 'soffice.bin', rect: { left: 8, top: 31, right: 1912, bottom: 1072 },
          frame: { left: 0, top: 0, right: 1920, bottom: 1080 }, active: false, hidden: false },
        { id: 131400, title: 'Keep current format', kind: 'dialog', modal: true, transientFor: 65802, pid: 4120,
          app: 'soffice.bin', rect: { left: 700, top: 400, right: 1220, bottom: 590 }, frame: null, active: true,
          hidden: false },
        { title: 'no handle' },
        { id: 7, title: 3, kind: 'weird', rect: 'x' },
      ]);
    } else if (line.startsWith('describe ')) {
      const id = Number(line.slice(9));
      say(id === 131400 ? { title: 'Keep current format', role: 'Window', text: ['Use Excel 2007-365!'],
        buttons: ['Use PowerPoint Format!', 'Use ODF Format!', 4] } : null);
    } else say(null);
  }
});
`;

const opened: DesktopWindows[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((w) => w.close()));
});

function helper(mode = 'ok'): DesktopWindows {
  const windows = createHelperWindows('test', process.execPath, ['-e', CHILD, mode]);
  opened.push(windows);
  return windows;
}

describe('helper windows', () => {
  it('lists the windows the helper reports, dropping entries without a handle and fixing odd fields', async () => {
    const windows = helper();
    expect(await windows.ready()).toBe(true);
    const list = await windows.list();
    expect(list.map((w) => w.id)).toEqual([65802, 131400, 7]);
    expect(list[0]).toEqual(
      desktopWindow(65802, 'deck.pptx - LibreOffice Impress', {
        pid: 4120,
        app: 'soffice.bin',
        rect: { left: 8, top: 31, right: 1912, bottom: 1072 },
        frame: { left: 0, top: 0, right: 1920, bottom: 1080 },
      }),
    );
    // No frame given: the client area stands for it.
    expect(list[1]).toMatchObject({ kind: 'dialog', modal: true, transientFor: 65802, active: true });
    expect(list[1]!.frame).toEqual(list[1]!.rect);
    expect(list[2]).toMatchObject({ title: '', kind: 'unknown', rect: null, frame: null, pid: null });
  });

  it("describes a window by its handle, with the list's title; null for a window it does not know", async () => {
    const windows = helper();
    const [main, dialog] = await windows.list();
    expect(await windows.describe(dialog!, 2000)).toEqual({
      title: 'Keep current format',
      role: 'Window',
      text: ['Use Excel 2007-365!'],
      buttons: ['Use PowerPoint Format!', 'Use ODF Format!'],
      complete: true,
    });
    expect(await windows.describe(main!, 2000)).toBeNull();
  });

  it('a description past its deadline is null, and the next answer is not mixed up with it', async () => {
    const windows = helper('slow');
    const [, dialog] = await windows.list();
    expect(await windows.describe(dialog!, 50)).toBeNull();
    expect((await windows.list()).length).toBe(3);
  });

  it('a helper that cannot list, or refuses to work, makes list() reject with the reason', async () => {
    await expect(helper('broken').list()).rejects.toThrow(
      /^cannot list the desktop's windows: the helper did not answer$/,
    );
    const refusing = helper('refuse');
    expect(await refusing.ready()).toBe(false);
    await expect(refusing.list()).rejects.toThrow(/cannot list the desktop's windows: .*no permission/);
  });

  it('the reply parsers take nothing malformed', () => {
    expect(parseWindowsReply('null')).toBeNull();
    expect(parseWindowsReply('{"id":1}')).toBeNull();
    expect(parseWindowsReply('not json')).toBeNull();
    expect(parseWindowsReply('[]')).toEqual([]);
    expect(parseDescribeReply('null')).toBeNull();
    expect(parseDescribeReply('[1]')).toBeNull();
    expect(parseDescribeReply('{"complete":false}')).toEqual({
      title: '',
      role: '',
      text: [],
      buttons: [],
      complete: false,
    });
  });
});
