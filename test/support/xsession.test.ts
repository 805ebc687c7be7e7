import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  click,
  convertDocument,
  exec,
  findWindows,
  key,
  readSlideTexts,
  screenshot,
  startDisplay,
  typeText,
  waitFor,
  windowGeometry,
  xdo,
  type Impress,
  type XSession,
} from './xsession.js';
import { testOutputDir } from './cli.js';
import { useImpressDesktop } from './hooks.js';

const outputDir = testOutputDir();

// Measured on screenshots of this layout (LibreOffice 7.4, openbox, 1600×900, new
// presentation, layout "Title, Content"): centre of "Click to add Title".
const TITLE_PLACEHOLDER_1600 = { x: 692, y: 285 };

describe('X desktop harness', () => {
  it('starts Xvfb with RECORD by default and without it on request', async () => {
    for (const record of [true, false]) {
      const session = await startDisplay({ width: 640, height: 480, record });
      try {
        expect(session.display).toMatch(/^:\d+$/);
        const extensions = await exec(session, 'xdpyinfo', ['-queryExtensions']);
        expect(extensions.includes('RECORD')).toBe(record);
        expect(await exec(session, 'xdpyinfo', [])).toContain('640x480 pixels');
        // A window manager and the accessibility bus are up.
        expect(await exec(session, 'xprop', ['-root', '_NET_SUPPORTING_WM_CHECK'])).toContain('window id');
        expect(session.env.DBUS_SESSION_BUS_ADDRESS).toMatch(/^unix:path=/);
      } finally {
        await session.stop();
      }
      expect(existsSync(session.dir)).toBe(false);
    }
  });
});

describe('LibreOffice Impress under the harness (1600×900)', () => {
  let session: XSession;
  let impress: Impress;
  let work: string;

  useImpressDesktop({ width: 1600, height: 900 }, 'impress-harness', (d) => {
    ({ session, impress } = d);
    console.log(`Impress ready in ${impress.startupMs} ms (soffice.bin ${impress.pid})`);
  });
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'pcagent-impress-'));
  });
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('shows the main window, maximised and active, on a non-blank screen', async () => {
    const main = await windowGeometry(session, ' - LibreOffice Impress$');
    expect(main).not.toBeNull();
    expect(main!.id).toBe(impress.windowId);
    expect(main!.width).toBe(1600);
    expect(await xdo(session, 'getactivewindow')).toBe(impress.windowId);
    // The start-up dialogs did not appear (seeded profile) or were dismissed.
    expect(await findWindows(session, 'Select a Template|Tip of the Day')).toEqual([]);

    const shot = join(outputDir, 'xsession-impress-1600x900.png');
    await screenshot(session, shot);
    const image = sharp(shot);
    const { width, height } = await image.metadata();
    expect([width, height]).toEqual([1600, 900]);
    const { channels } = await image.stats();
    expect(Math.max(...channels.map((c) => c.stdev))).toBeGreaterThan(20);
  });

  it('types a title, saves it as .odp through the Save dialog, and reads it back (also as .pptx)', async () => {
    await click(session, TITLE_PLACEHOLDER_1600.x, TITLE_PLACEHOLDER_1600.y);
    await typeText(session, 'Quarterly Review');
    await key(session, 'Escape'); // leave text edit mode
    await key(session, 'ctrl+s');

    // A new document has no file yet: Ctrl+S opens GTK's Save dialog, whose Name field
    // (selected, focused) takes a whole path.
    const dialog = await waitFor('the Save dialog', async () => (await findWindows(session, '^Save$'))[0]);
    await waitFor(
      'the Save dialog to have focus',
      async () => (await xdo(session, 'getactivewindow').catch(() => '')) === dialog,
    );
    const file = join(work, 'deck.odp');
    await typeText(session, file);
    await key(session, 'Return');
    await waitFor(
      'the saved document',
      async () => (await findWindows(session, '^deck\\.odp - LibreOffice Impress$')).length > 0,
    );

    expect(await readSlideTexts(file)).toEqual([['Quarterly Review']]);

    const pptx = await convertDocument(session, file, 'pptx', work, impress.profileUrl);
    expect(await readSlideTexts(pptx)).toEqual([['Quarterly Review']]);
  });
});
