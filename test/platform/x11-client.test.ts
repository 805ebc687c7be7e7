/**
 * The one X11 client shared by capture and the XTEST keyboard, on a real Xvfb: the setup's
 * keycode range, round trips that report errors of requests sent without a reply, and the
 * keyboard opening its connection through the client.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { X11Client } from '../../src/platform/x11/client.js';
import { X11Keyboard } from '../../src/platform/x11/keyboard.js';
import { exec, startDisplay, type XSession } from '../support/xsession.js';

let session: XSession;
beforeAll(async () => {
  session = await startDisplay({ width: 640, height: 480 });
}, 60_000);
afterAll(async () => {
  await session?.stop();
});

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
});
