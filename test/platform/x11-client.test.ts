/**
 * The one X11 client shared by capture and the XTEST keyboard, on a real Xvfb: the setup's
 * keycode range, round trips that report errors of requests sent without a reply, and the
 * keyboard opening its connection through the client; InternAtom, GetGeometry and
 * TranslateCoordinates against xlsatoms and xwininfo.
 */
import { describe, expect, it } from 'vitest';
import { X11Client } from '../../src/platform/x11/client.js';
import { X11Keyboard } from '../../src/platform/x11/keyboard.js';
import { spawn } from 'node:child_process';
import { exec, findWindows, waitFor, type XSession } from '../support/xsession.js';
import { useDisplay } from '../support/hooks.js';

let session: XSession;
useDisplay({ width: 640, height: 480 }, (s) => (session = s));

describe('X11Client', () => {
  it('reads the keycode range from the setup, as xmodmap sees it', async () => {
    const client = await X11Client.connect(session.display);
    try {
      const table = await exec(session, 'xmodmap', ['-pk']);
      const m = /KeyCodes range from (\d+) to (\d+)/.exec(table);
      expect(m).not.toBeNull();
      expect([client.setup.minKeycode, client.setup.maxKeycode]).toEqual([Number(m![1]), Number(m![2])]);
    } finally {
      client.close();
    }
  });

  it('sync() throws the error of a request sent without a reply, once, and the connection goes on', async () => {
    const client = await X11Client.connect(session.display);
    try {
      // FreePixmap (54) of a pixmap that does not exist: BadPixmap (4), reported asynchronously.
      const req = Buffer.alloc(8);
      req.writeUInt8(54, 0);
      req.writeUInt16LE(2, 2);
      req.writeUInt32LE(client.setup.resourceIdBase | 0x1234, 4);
      client.send(req);
      await expect(client.sync()).rejects.toThrow(/^X11 error 4 for request 54\.0$/);
      await expect(client.sync()).resolves.toBeUndefined();
      expect(client.failed).toBe(false);
      expect((await client.queryExtension('XTEST')).present).toBe(true);
    } finally {
      client.close();
    }
  });

  it('the XTEST keyboard reads the whole keyboard mapping over its client connection', async () => {
    const kb = await X11Keyboard.open(session.display);
    try {
      const mapping = await kb.keyboardMapping();
      const client = await X11Client.connect(session.display);
      const { minKeycode, maxKeycode } = client.setup;
      client.close();
      expect(mapping.minKeycode).toBe(minKeycode);
      expect(mapping.keysyms.length).toBe((maxKeycode - minKeycode + 1) * mapping.keysymsPerKeycode);
      // 'a' (keysym 0x61) is on the default US layout.
      expect(mapping.keysyms).toContain(0x61);
    } finally {
      kb.close();
    }
  });

  it('interns atoms with the ids xlsatoms lists, and only-if-exists gives None for an unknown name', async () => {
    const client = await X11Client.connect(session.display);
    try {
      expect(await client.internAtom('WM_NAME')).toBe(39); // predefined
      const atom = await client.internAtom('_PCAGENT_TEST_ATOM');
      const listed = await exec(session, 'xlsatoms', ['-name', '_PCAGENT_TEST_ATOM']);
      expect(listed).toBe(`${atom}\t_PCAGENT_TEST_ATOM`);
      expect(await client.getAtomName(atom)).toBe('_PCAGENT_TEST_ATOM');
      expect(await client.internAtom('_PCAGENT_NEVER_MADE', true)).toBe(0);
    } finally {
      client.close();
    }
  });

  it("a window's size and screen position agree with xwininfo; a vanished window rejects", async () => {
    const title = 'pcagent geometry probe';
    const child = spawn('xmessage', ['-geometry', '+130+90', '-title', title, 'probe'], {
      env: session.env,
      stdio: 'ignore',
    });
    const client = await X11Client.connect(session.display);
    try {
      const id = await waitFor('the xmessage window', () => findWindows(session, `^${title}$`).then((w) => w[0]));
      const info = await exec(session, 'xwininfo', ['-id', id]);
      const field = (label: string): number => Number(new RegExp(`${label}:\\s*(-?\\d+)`).exec(info)?.[1]);
      const win = Number(id);
      const geometry = await client.getGeometry(win);
      expect([geometry.width, geometry.height]).toEqual([field('Width'), field('Height')]);
      expect(geometry.root).toBe(client.screen.root);
      const onScreen = await client.translateCoordinates(win, client.screen.root, 0, 0);
      expect([onScreen.x, onScreen.y]).toEqual([field('Absolute upper-left X'), field('Absolute upper-left Y')]);
      expect(onScreen.sameScreen).toBe(true);
      // Under openbox the client sits inside a frame: below its title bar, not at the requested +90.
      expect(onScreen.y).toBeGreaterThan(90);

      child.kill('SIGKILL');
      await waitFor('the window to go', () => findWindows(session, `^${title}$`).then((w) => w.length === 0));
      await expect(client.getGeometry(win)).rejects.toThrow(/^X11 error 9 for request opcode 14$/);
      await expect(client.translateCoordinates(win, client.screen.root, 0, 0)).rejects.toThrow(/X11 error 3/);
      expect(client.failed).toBe(false);
    } finally {
      child.kill('SIGKILL');
      client.close();
    }
  });
});
