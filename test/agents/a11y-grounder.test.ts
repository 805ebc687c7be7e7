import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { A11yGrounder, groundInElements } from '../../src/agents/grounding/a11y-grounder.js';
import type { GroundingResult, RawFrame } from '../../src/agents/grounding/grounder.js';
import { createAtspiProvider, type AtspiProvider } from '../../src/platform/a11y/atspi.js';
import type { ElementState, ScreenElement } from '../../src/platform/a11y/provider.js';
import {
  click,
  findWindows,
  key,
  startDisplay,
  startImpress,
  waitFor,
  type Impress,
  type XSession,
} from '../support/xsession.js';

// ---------------------------------------------------------------------------------------
// Matching on an element list as the AT-SPI walk gave it for Impress 7.4 at 1920×1080 while
// the title placeholder was being edited (names, roles and rectangles copied from that walk).

const SCREEN = { width: 1920, height: 1080 };
const ON: ElementState[] = ['enabled', 'showing'];

function el(
  role: string,
  name: string,
  rect: [number, number, number, number],
  more: Partial<ScreenElement> = {},
): ScreenElement {
  const [left, top, right, bottom] = rect;
  return {
    name,
    role,
    description: '',
    label: '',
    states: ON,
    rect: { left, top, right, bottom },
    windowTitle: 'Untitled 1 - LibreOffice Impress',
    inPopup: false,
    ...more,
  };
}

const IMPRESS: ScreenElement[] = [
  el('panel', '', [0, 19, 1920, 1080]),
  el('menu', 'File', [0, 19, 39, 44]),
  el('menu', 'Format', [181, 19, 243, 44]),
  el('menu', 'Slide', [243, 19, 291, 44]),
  el('menu', 'Slide Show', [291, 19, 378, 44]),
  el('tool bar', 'Standard', [0, 44, 1111, 83]),
  el('push button', 'New', [4, 46, 48, 81]),
  el('push button', 'Save', [92, 46, 136, 81]),
  el('push button', 'New Slide', [1115, 46, 1159, 81]),
  el('push button', 'Delete Slide', [1192, 46, 1225, 81]),
  el('toggle button', 'Shadow', [910, 85, 943, 120]),
  el('tool bar', 'Styles', [1870, 207, 1914, 249], { description: 'Styles' }),
  el('panel', '', [1874, 211, 1911, 246], { description: 'Styles (Ctrl+F11)', label: 'Styles' }),
  el('toggle button', '', [1874, 211, 1911, 246], { label: 'Styles' }),
  el('toggle button', 'Slide', [1541, 148, 1889, 165], { states: ['checked', 'expanded', ...ON] }),
  el('panel', '', [1551, 221, 1588, 256], { description: 'Bold (Ctrl+B)' }),
  el('panel', '', [1588, 221, 1625, 256], { description: 'Italic (Ctrl+I)' }),
  el('toggle button', 'Bold', [1551, 221, 1588, 256]),
  el('toggle button', 'Italic', [1588, 221, 1625, 256]),
  el('label', 'Orientation:', [1573, 209, 1650, 243]),
  el('push button', 'Master View', [1656, 407, 1840, 441]),
  el('push button', 'Promote', [1793, 339, 1830, 374], { states: ['showing'] }),
  el('push button', 'Close', [1901, 0, 1920, 19], { description: 'close button of the title bar (window manager)' }),
];

const at = (box: [number, number, number, number]) => ({
  x: Math.round((box[0] + box[2]) / 2),
  y: Math.round((box[1] + box[3]) / 2),
});

function found(result: GroundingResult) {
  if (!result.found) throw new Error(`not found: ${result.reason}`);
  return result;
}

describe('a11y grounding on an element list', () => {
  const ground = (description: string, hints = {}, frame = SCREEN) =>
    groundInElements(description, IMPRESS, frame, SCREEN, hints);

  it('finds an icon-only toolbar button by its quoted name, preferring the button to its tooltip panel', () => {
    const r = found(ground("Click the 'Bold' button"));
    expect(r.box).toEqual([1551, 221, 1588, 256]);
    expect(r.point).toEqual(at([1551, 221, 1588, 256]));
    expect(r.score).toBe(1);
    expect(r.candidates[0]!.reason).toMatch(/name "Bold".*toggle button/);
  });

  it('finds a name inside a free description, the longest name it contains winning', () => {
    expect(found(ground('the Italic button in the formatting toolbar')).box).toEqual([1588, 221, 1625, 256]);
    const r = found(ground('the New Slide button in the toolbar'));
    expect(r.box).toEqual([1115, 46, 1159, 81]);
    expect(r.candidates.map((c) => c.text)).toContain('New');
    expect(r.candidates.find((c) => c.text === 'New')!.score).toBeLessThan(r.score);
  });

  it('finds an unnamed sidebar tab by the name of its tool bar, the button before the containers', () => {
    const r = found(ground('the Styles icon in the sidebar'));
    expect(r.box).toEqual([1874, 211, 1911, 246]);
    expect(r.candidates[0]!.reason).toMatch(/label "Styles".*toggle button/);
  });

  it('maps the rectangle into a frame of another size', () => {
    const r = found(ground("'Save'", {}, { width: 960, height: 540 }));
    expect(r.box).toEqual([46, 23, 68, 41]);
    expect(r.point).toEqual({ x: 57, y: 32 });
  });

  it('uses the recorded element name and role in replay, and the prior point among equals', () => {
    expect(found(ground('the button', { elementName: 'Save', elementRole: 'push button' })).box).toEqual([
      92, 46, 136, 81,
    ]);
    // "Slide": the menu and the sidebar's panel title; the recorded role decides, then the prior point.
    expect(found(ground("'Slide'", { elementRole: 'toggle button' })).box).toEqual([1541, 148, 1889, 165]);
    expect(found(ground("'Slide'", { prior: { x: 260, y: 30 } })).box).toEqual([243, 19, 291, 44]);
    expect(found(ground("'Slide'", { prior: { x: 1700, y: 150 } })).box).toEqual([1541, 148, 1889, 165]);
  });

  it('takes the role word of the description and an open popup into account', () => {
    expect(found(ground('the Slide menu')).box).toEqual([243, 19, 291, 44]);
    const withMenu = [...IMPRESS, el('menu item', 'Slide', [300, 200, 500, 225], { inPopup: true, windowTitle: '' })];
    const r = found(groundInElements("'Slide'", withMenu, SCREEN, SCREEN));
    expect(r.box).toEqual([300, 200, 500, 225]);
  });

  it('finds the title bar close button from ×, and text targets such as labels', () => {
    expect(found(ground('the × in the top right corner')).box).toEqual([1901, 0, 1920, 19]);
    const label = found(ground("'Orientation:'"));
    expect(label.box).toEqual([1573, 209, 1650, 243]);
    expect(label.score).toBeLessThan(1); // not a clickable role
  });

  it('scores disabled elements lower and tolerates one edit in a quoted label', () => {
    const promote = found(ground("'Promote'"));
    expect(promote.score).toBeCloseTo(0.9, 5);
    const typo = found(ground("'Master Veiw'"));
    expect(typo.box).toEqual([1656, 407, 1840, 441]);
    expect(typo.score).toBeLessThan(1);
  });

  it('says why nothing was found', () => {
    const r = ground('the purple giraffe widget');
    expect(r.found).toBe(false);
    if (!r.found) expect(r.reason).toMatch(/no element named like "purple giraffe widget"/);
    const empty = groundInElements("'Save'", [], SCREEN);
    expect(empty.found).toBe(false);
    if (!empty.found) expect(empty.reason).toMatch(/no accessibility elements/);
    const weak = groundInElements("'Save'", IMPRESS, SCREEN, SCREEN, {}, 1.01);
    expect(weak.found).toBe(false);
    if (!weak.found) expect(weak.reason).toMatch(/push button "Save" scores 1.00, below 1.01/);
  });
});

// ---------------------------------------------------------------------------------------
// Against a live Impress: each target is grounded from the tree, then checked by another
// method, the toolkit's own hit test at the returned point (the `elementAt` walk), or, for
// the window manager's close button, by clicking it with real input and seeing the dialog go.

describe('a11y grounder in a live Impress (1920×1080)', () => {
  let session: XSession;
  let provider: AtspiProvider;
  let impress: Impress;
  let grounder: A11yGrounder;
  let work: string;
  // The grounder reads only the frame's size: a blank frame of the screen's size stands for a screenshot.
  const frame: RawFrame = { data: new Uint8Array(1920 * 1080 * 3), width: 1920, height: 1080, channels: 3 };

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'pcagent-a11y-grounder-'));
    session = await startDisplay({ width: 1920, height: 1080 });
    provider = createAtspiProvider({ sessionBusAddress: session.env.DBUS_SESSION_BUS_ADDRESS });
    expect(await provider.ready()).toBe(true);
    impress = await startImpress(session, { profileDir: join(work, 'profile') });
    grounder = new A11yGrounder({ provider, screen: { width: 1920, height: 1080 }, deadlineMs: 20_000 });
  }, 120_000);

  afterAll(async () => {
    await impress?.stop();
    await provider?.close();
    await session?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  /**
   * Grounds, then checks the point independently: by default the toolkit's hit test at the point
   * must give `expected`; `tree` (for menu items, which the hit test does not reach in GTK's
   * popup menus) looks the element up by exact name and role in a fresh element list.
   */
  async function groundAndCheck(
    description: string,
    expected: string | RegExp,
    check: { tree: string; role: string } | 'hit' = 'hit',
  ): Promise<{ x: number; y: number }> {
    const r = found(await grounder.locate(description, frame));
    expect(r.score).toBeGreaterThanOrEqual(grounder.threshold);
    const truth =
      check === 'hit'
        ? await provider.elementAt(r.point.x, r.point.y, 10_000)
        : (await provider.elements(20_000)).find((e) => e.name === check.tree && e.role === check.role);
    expect(truth?.rect).toBeTruthy();
    const { left, top, right, bottom } = truth!.rect!;
    expect(r.point.x >= left && r.point.x < right && r.point.y >= top && r.point.y < bottom).toBe(true);
    expect(truth!.name).toMatch(expected);
    return r.point;
  }

  it('finds icon-only toolbar buttons: Save and New Slide', async () => {
    await groundAndCheck("the 'Save' icon in the toolbar", /^Save$/);
    await groundAndCheck('New Slide', /^New Slide$/);
  });

  it('finds a sidebar tab icon', async () => {
    await groundAndCheck('the Navigator icon in the sidebar', /^Navigator$/);
  });

  it('finds Bold and Italic while text is edited', async () => {
    await click(session, 850, 300); // into the title placeholder: the sidebar shows Character
    await waitFor('the Bold button', async () => (await grounder.locate("'Bold'", frame)).found, 20_000, 250);
    await groundAndCheck('the Bold button in the formatting toolbar', /^Bold$/);
    await groundAndCheck("'Italic'", /^Italic$/);
    await key(session, 'Escape');
    await key(session, 'Escape');
  });

  it('finds a menu, a menu item in the open menu, and the close button of the dialog it opens', async () => {
    const format = await groundAndCheck('the Format menu in the menu bar', /^Format$/);
    await click(session, format.x, format.y);
    await waitFor('the open Format menu', async () => (await grounder.locate("'Character...'", frame)).found, 20_000);
    const item = await groundAndCheck("'Character...'", /^Character/, { tree: 'Character...', role: 'menu item' });
    await click(session, item.x, item.y);
    await waitFor('the Character dialog', async () => (await findWindows(session, '^Character$')).length > 0, 30_000);
    await sleep(500);
    const close = found(await grounder.locate('the close button (×) of the Character dialog', frame));
    await click(session, close.point.x, close.point.y);
    await waitFor('the dialog to close', async () => (await findWindows(session, '^Character$')).length === 0, 10_000);
  });

  it('finds nothing for a description that names no element', async () => {
    const r = await grounder.locate('the purple giraffe widget', frame);
    expect(r.found).toBe(false);
  });
});
