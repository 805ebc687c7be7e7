import { createServer, type Server } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createAtspiProvider,
  findElementAt,
  type AccessibleTree,
  type AtspiProvider,
} from '../../src/platform/a11y/atspi.js';
import { OpenMenus } from '../../src/platform/a11y/atspi-menus.js';
import { State, viaNodeSocket, type AccessibleRef, type Extents } from '../../src/platform/a11y/atspi-bus.js';
import { nullProvider, type ElementAtPoint } from '../../src/platform/a11y/provider.js';
import { startDisplay, startImpress, type Impress, type XSession } from '../support/xsession.js';

// ---------------------------------------------------------------------------------------
// The walk over a stand-in tree with the extents LibreOffice 7.4 (gtk3) reported at
// 1920×1080 under openbox, quirks included: VCL parts shifted up by the 25 px menu bar,
// a VCL sidebar panel whose own hit test does not reach its GTK children.

interface FakeNode {
  name: string;
  role: string;
  ext?: [number, number, number, number];
  children?: string[];
  states?: number[];
  /** 'toolkit': the child whose reported extents contain the point; 'none': finds nothing. */
  hitTest?: 'toolkit' | 'none';
}

const APP_BUS = ':1.2';
const TITLE = 'Untitled 1 - LibreOffice Impress';

function fakeTree(nodes: Record<string, FakeNode>, apps: string[]): AccessibleTree {
  const node = (ref: AccessibleRef): FakeNode => {
    const n = nodes[ref.path];
    if (!n) throw new Error(`no object ${ref.path}`);
    return n;
  };
  const ref = (path: string): AccessibleRef => ({ bus: APP_BUS, path });
  const extents = (n: FakeNode): Extents | null =>
    n.ext ? { x: n.ext[0], y: n.ext[1], width: n.ext[2], height: n.ext[3] } : null;
  return {
    children: async (r) =>
      (r.path === '/org/a11y/atspi/accessible/root' && r.bus !== APP_BUS ? apps : (node(r).children ?? [])).map(ref),
    name: async (r) => node(r).name,
    roleName: async (r) => node(r).role,
    states: async (r) => new Set(node(r).states ?? [State.SHOWING, State.VISIBLE]),
    extents: async (r) => extents(node(r)),
    accessibleAtPoint: async (r, x, y) => {
      const n = node(r);
      if (n.hitTest === 'none') return null;
      const hit = (n.children ?? []).find((c) => {
        const e = extents(nodes[c]!);
        return e && x >= e.x && x < e.x + e.width && y >= e.y && y < e.y + e.height;
      });
      return hit ? ref(hit) : null;
    },
  };
}

const impressNodes: Record<string, FakeNode> = {
  app: { name: 'soffice', role: 'application', children: ['frame'] },
  frame: {
    name: TITLE,
    role: 'frame',
    ext: [0, 0, 1920, 1080],
    children: ['outer'],
    states: [State.SHOWING, State.ACTIVE],
  },
  outer: { name: '', role: 'panel', ext: [0, 19, 1920, 1061], children: ['menuPanel', 'body'] },
  menuPanel: { name: '', role: 'panel', ext: [0, 19, 1920, 25], children: ['menuSlide'] },
  menuSlide: { name: 'Slide', role: 'menu', ext: [243, 19, 48, 25] },
  body: { name: '', role: 'panel', ext: [0, 44, 1920, 1036], children: ['rootPane'] },
  rootPane: {
    name: TITLE,
    role: 'root pane',
    ext: [0, 19, 1920, 1036],
    children: ['toolbars', 'doc', 'status', 'sidebar'],
  },
  toolbars: { name: '', role: 'panel', ext: [0, 19, 1920, 78], children: ['standard', 'drawing'] },
  standard: { name: 'Standard', role: 'tool bar', ext: [0, 19, 1111, 39], children: ['new'] },
  new: { name: 'New', role: 'push button', ext: [4, 21, 44, 35] },
  drawing: { name: 'Drawing', role: 'tool bar', ext: [0, 58, 1131, 39], children: ['select'] },
  select: { name: 'Select', role: 'push button', ext: [4, 60, 33, 35] },
  doc: {
    name: 'Untitled 1 - LibreOffice Presentation',
    role: 'document presentation',
    ext: [191, 97, 1326, 921],
    children: ['title'],
  },
  title: { name: 'PresentationTitle ', role: 'panel', ext: [274, 224, 1152, 120], children: ['para'] },
  para: { name: '', role: 'paragraph', ext: [274, 242, 594, 85] },
  status: { name: '', role: 'statusbar', ext: [0, 1033, 1920, 22], children: ['label'] },
  label: { name: '', role: 'label', ext: [87, 1035, 516, 19] },
  sidebar: { name: '', role: 'panel', ext: [1541, 99, 329, 932], children: ['gtkPanel'], hitTest: 'none' },
  gtkPanel: { name: '', role: 'panel', ext: [1541, 124, 329, 932], children: ['masterView'] },
  masterView: { name: 'Master View', role: 'push button', ext: [1656, 407, 184, 34] },
};

describe('OpenMenus on a stand-in tree', () => {
  // The shape atspi-menus.ts describes: frame → menu bar → open menu "Slide" (SELECTED) → items.
  const menuNodes: Record<string, FakeNode> = {
    app: { name: 'soffice', role: 'application', children: ['frame'] },
    frame: { name: TITLE, role: 'frame', ext: [0, 0, 1600, 900], children: ['bar'] },
    bar: { name: '', role: 'menu bar', ext: [0, 0, 1600, 25], children: ['view', 'slide'] },
    view: { name: 'View', role: 'menu', ext: [100, 0, 48, 25], children: ['zoom'] },
    zoom: { name: 'Zoom', role: 'menu item', states: [] },
    slide: {
      name: 'Slide',
      role: 'menu',
      ext: [243, 0, 48, 25],
      children: ['newSlide'],
      states: [State.SHOWING, State.SELECTED],
    },
    newSlide: { name: 'New Slide', role: 'menu item', ext: [243, 25, 200, 30] },
  };

  it('finds the item of the open menu under the point once the menu bar is known, null elsewhere', async () => {
    const tree = fakeTree(menuNodes, ['app']);
    const menus = new OpenMenus();
    // The first lookup starts the menu bar search in the background and does not wait for it.
    expect(await menus.itemAt(tree, 300, 40)).toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await menus.itemAt(tree, 300, 40)).toEqual({
      name: 'New Slide',
      role: 'menu item',
      rect: { left: 243, top: 25, right: 443, bottom: 55 },
      windowTitle: TITLE,
      appName: 'soffice',
    });
    expect(await menus.itemAt(tree, 120, 40)).toBeNull();
  });
});

describe('findElementAt on a recorded LibreOffice tree', () => {
  const tree = fakeTree(impressNodes, ['app']);
  const at = (x: number, y: number): Promise<ElementAtPoint | null> => findElementAt(tree, x, y);

  it('finds GTK menu items at their reported place', async () => {
    expect(await at(267, 31)).toEqual({
      name: 'Slide',
      role: 'menu',
      rect: { left: 243, top: 19, right: 291, bottom: 44 },
      windowTitle: TITLE,
      appName: 'soffice',
    });
  });

  it('undoes the menu-bar shift of VCL-drawn parts, for the hit and for the rectangle', async () => {
    // Unshifted, (30, 63) would be "Select" of the Drawing toolbar one row further down.
    expect(await at(30, 63)).toMatchObject({ name: 'New', rect: { left: 4, top: 46, right: 48, bottom: 81 } });
    expect(await at(30, 100)).toMatchObject({ name: 'Select', rect: { left: 4, top: 85, right: 37, bottom: 120 } });
  });

  it('names an unnamed paragraph by its shape', async () => {
    expect(await at(600, 290)).toMatchObject({
      name: 'PresentationTitle ',
      role: 'panel',
      rect: { left: 274, top: 249, right: 1426, bottom: 369 },
    });
  });

  it('reaches the bottom strip the toolkit hit test misses, keeping "" for unnamed elements', async () => {
    expect(await at(100, 1068)).toMatchObject({
      name: '',
      role: 'label',
      rect: { left: 87, top: 1060, right: 603, bottom: 1079 },
    });
  });

  it('drops the shift again for GTK widgets inside a shifted VCL panel', async () => {
    expect(await at(1747, 423)).toMatchObject({
      name: 'Master View',
      role: 'push button',
      rect: { left: 1656, top: 407, right: 1840, bottom: 441 },
    });
  });

  it('prefers the active window among overlapping ones and ignores hidden ones', async () => {
    const nodes: Record<string, FakeNode> = {
      ...impressNodes,
      frame: { ...impressNodes.frame!, states: [State.SHOWING] },
      dlgApp: { name: 'soffice', role: 'application', children: ['dialog', 'minimised'] },
      dialog: { name: 'Save', role: 'dialog', ext: [500, 300, 600, 400], states: [State.SHOWING, State.ACTIVE] },
      minimised: {
        name: 'Hidden',
        role: 'frame',
        ext: [0, 0, 1920, 1080],
        states: [State.SHOWING, State.ICONIFIED, State.ACTIVE],
      },
    };
    const twoApps = fakeTree(nodes, ['app', 'dlgApp']);
    expect(await findElementAt(twoApps, 800, 500)).toMatchObject({ name: 'Save', role: 'dialog', windowTitle: 'Save' });
    expect(await findElementAt(twoApps, 267, 31)).toMatchObject({ name: 'Slide', windowTitle: TITLE });
  });

  it('gives null where no window is, and when cancelled', async () => {
    const small = fakeTree({ ...impressNodes, frame: { ...impressNodes.frame!, ext: [0, 0, 800, 600] } }, ['app']);
    expect(await findElementAt(small, 1000, 700)).toBeNull();
    expect(await findElementAt(tree, 267, 31, () => true)).toBeNull();
    expect(await nullProvider.elementAt(1, 1)).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------
// Against real LibreOffice Impress on a private desktop.

/** Points on Impress 7.4 at 1920×1080 (openbox title bar 19 px, new presentation). */
const POINTS = {
  slideMenu: { x: 267, y: 31 },
  titlePlaceholder: { x: 850, y: 307 },
  newButton: { x: 30, y: 63 },
  statusBar: { x: 100, y: 1068 },
  masterViewButton: { x: 1747, y: 423 },
} as const;

const inside = (e: ElementAtPoint | null, p: { x: number; y: number }): boolean =>
  !!e?.rect && p.x >= e.rect.left && p.x < e.rect.right && p.y >= e.rect.top && p.y < e.rect.bottom;

describe('AT-SPI provider on a real desktop (1920×1080)', () => {
  let session: XSession;
  let provider: AtspiProvider;
  let work: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'pcagent-atspi-'));
    session = await startDisplay({ width: 1920, height: 1080 });
    provider = createAtspiProvider({ sessionBusAddress: session.env.DBUS_SESSION_BUS_ADDRESS });
    expect(await provider.ready()).toBe(true);
  });

  afterAll(async () => {
    await provider?.close();
    await session?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('says null on an empty desktop', async () => {
    expect(await provider.elementAt(960, 540, 2000)).toBeNull();
  });

  describe('with Impress running', () => {
    let impress: Impress;

    beforeAll(async () => {
      impress = await startImpress(session, { profileDir: join(work, 'profile') });
      console.log(`Impress ready in ${impress.startupMs} ms`);
    });

    afterAll(async () => {
      await impress?.stop();
    });

    // Generous deadlines here: the machine is shared; the default (150 ms) is for recording.
    const at = (p: { x: number; y: number }): Promise<ElementAtPoint | null> => provider.elementAt(p.x, p.y, 5000);

    it('finds the Slide menu', async () => {
      const e = await at(POINTS.slideMenu);
      expect(e).toMatchObject({ name: 'Slide', role: 'menu', appName: 'soffice' });
      expect(e!.windowTitle).toMatch(/LibreOffice Impress$/);
      expect(inside(e, POINTS.slideMenu)).toBe(true);
    });

    it('finds the title placeholder', async () => {
      const e = await at(POINTS.titlePlaceholder);
      console.log('title placeholder:', JSON.stringify(e));
      expect(e?.name.trim()).toBe('PresentationTitle');
      expect(inside(e, POINTS.titlePlaceholder)).toBe(true);
    });

    it('corrects the shifted toolbar: the Standard bar\'s "New", not the Drawing bar\'s "Select"', async () => {
      const e = await at(POINTS.newButton);
      expect(e).toMatchObject({ name: 'New', role: 'push button' });
      expect(inside(e, POINTS.newButton)).toBe(true);
    });

    it('reaches the status bar and a GTK button in the sidebar', async () => {
      const status = await at(POINTS.statusBar);
      expect(status?.role).toBe('label');
      expect(inside(status, POINTS.statusBar)).toBe(true);
      expect(await at(POINTS.masterViewButton)).toMatchObject({ name: 'Master View', role: 'push button' });
    });

    it('measures hit tests', async () => {
      const times: number[] = [];
      for (let round = 0; round < 5; round++) {
        for (const p of Object.values(POINTS)) {
          const start = performance.now();
          expect(await provider.elementAt(p.x, p.y, 5000)).not.toBeNull();
          times.push(performance.now() - start);
        }
      }
      times.sort((a, b) => a - b);
      const mean = times.reduce((s, t) => s + t, 0) / times.length;
      console.log(
        `AT-SPI hit test over ${times.length} calls: mean ${mean.toFixed(1)} ms, median ${times[times.length >> 1]!.toFixed(1)} ms, max ${times[times.length - 1]!.toFixed(1)} ms`,
      );
    });
  });
});

describe('accessibility bus address', () => {
  it("opens Unix sockets with Node's net socket, keeping other parts of the address", () => {
    expect(viaNodeSocket('unix:path=/run/user/1/at-spi/bus_0,guid=abc')).toBe(
      'unix:socket=/run/user/1/at-spi/bus_0,guid=abc',
    );
    expect(viaNodeSocket('unix:abstract=/tmp/dbus-x,guid=1')).toBe('unix:socket=\0/tmp/dbus-x,guid=1');
    expect(viaNodeSocket('tcp:host=localhost,port=1')).toBe('tcp:host=localhost,port=1');
  });
});

describe('AT-SPI provider when the bus does not answer', () => {
  let server: Server;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pcagent-deadbus-'));
    server = createServer((socket) => socket.resume()); // reads everything, never answers
    await new Promise<void>((resolve) => server.listen(join(dir, 'bus'), resolve));
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it('resolves null at the deadline instead of hanging or throwing', async () => {
    const provider = createAtspiProvider({ sessionBusAddress: `unix:path=${join(dir, 'bus')}` });
    await expect(provider.elementAt(10, 10, 100)).resolves.toBeNull();
    await provider.close();
    await expect(provider.elementAt(10, 10)).resolves.toBeNull();
  });

  it('resolves null when there is no bus at all', async () => {
    const provider = createAtspiProvider({ sessionBusAddress: `unix:path=${join(dir, 'missing')}` });
    await expect(provider.elementAt(10, 10, 500)).resolves.toBeNull();
    expect(await provider.ready()).toBe(false);
    await provider.close();
  });
});
