/**
 * The item of an open menu under a screen point, through AT-SPI.
 *
 * The hit test in atspi.ts cannot see open menus of LibreOffice's native GTK menu bar: the
 * popup is no top-level window of the application (the frame is its only one), and the
 * frame's `GetAccessibleAtPoint` answers with the VCL toolbar drawn beneath the popup. Seen
 * on Impress (gtk3 VCL plugin) at 1600×900 with Slide open: the frame → … → "menu bar" →
 * menu "Slide" (state SELECTED while open) → "menu item" children with true screen extents
 * and state SHOWING; an open submenu is a child "menu" that is SELECTED too, and the items of
 * closed menus are not SHOWING and have no extents. So: find the menu bar once per window,
 * then follow SELECTED menus down to the SHOWING item that contains the point.
 */
import { State, type AccessibleRef, type Extents } from './atspi-bus.js';
import { contains, extentsRect, NO_STATES, readTopWindows, refKey, type AtspiTree } from './atspi-tree.js';
import type { ElementAtPoint } from './provider.js';

/** The AT-SPI calls this needs (AtspiBus has them). */
export type MenuTree = AtspiTree;

/** AT-SPI's STATE_SELECTED (atspi-constants.h): an open menu, a highlighted item. */
const SELECTED = 23;
/** The menu bar sits a few levels under the frame (5 on Impress); a bound for other apps. */
const MAX_MENUBAR_DEPTH = 7;
/** Containers wider than this are not searched for a menu bar (document content, lists). */
const MAX_CHILDREN = 60;
/** Nested submenus followed at most. */
const MAX_MENU_DEPTH = 6;

async function findMenuBar(tree: MenuTree, ref: AccessibleRef, depth: number): Promise<AccessibleRef | null> {
  if ((await tree.roleName(ref).catch(() => '')) === 'menu bar') return ref;
  if (depth >= MAX_MENUBAR_DEPTH) return null;
  const children = await tree.children(ref).catch(() => []);
  if (children.length > MAX_CHILDREN) return null;
  const found = await Promise.all(children.map((c) => findMenuBar(tree, c, depth + 1)));
  return found.find((f) => f !== null) ?? null;
}

/** The SHOWING item under the point among an open menu's items, deepest open submenu first. */
async function itemIn(
  tree: MenuTree,
  menu: AccessibleRef,
  x: number,
  y: number,
  depth: number,
): Promise<{ ref: AccessibleRef; box: Extents } | null> {
  const children = await tree.children(menu).catch(() => []);
  const items = await Promise.all(
    children.map(async (ref) => {
      const [states, box] = await Promise.all([
        tree.states(ref).catch(() => NO_STATES),
        tree.extents(ref).catch(() => null),
      ]);
      return { ref, states, box };
    }),
  );
  const showing = items.filter((i) => i.states.has(State.SHOWING));
  if (depth < MAX_MENU_DEPTH) {
    for (const sub of showing.filter((i) => i.states.has(SELECTED))) {
      const inner = await itemIn(tree, sub.ref, x, y, depth + 1);
      if (inner) return inner;
    }
  }
  const hit = showing.find((i) => i.box !== null && contains(i.box, x, y));
  return hit ? { ref: hit.ref, box: hit.box! } : null;
}

/**
 * Finds open menus' items under a point. Keeps each window's menu bar for the next lookups; a
 * window that goes away drops out with the cache's size cap. The search for a window's menu
 * bar (over a second for Impress's first one, the objects are built lazily) runs in the
 * background: until it is done, that window counts as having no open menu, so that a lookup
 * never waits for it.
 */
export class OpenMenus {
  private readonly menuBars = new Map<string, AccessibleRef | null | 'searching'>();

  /** The open menu item at (x, y), or null when no menu is open there. Never rejects. */
  async itemAt(tree: MenuTree, x: number, y: number): Promise<ElementAtPoint | null> {
    try {
      const windows = await readTopWindows(tree, async (app, window) => ({ app, window }));
      for (const { app, window } of windows) {
        const bar = this.menuBar(tree, window);
        if (!bar) continue;
        const menus = await tree.children(bar).catch(() => []);
        // Gone or rebuilt: searched again next time.
        if (menus.length === 0) this.menuBars.delete(refKey(window));
        const states = await Promise.all(menus.map((m) => tree.states(m).catch(() => NO_STATES)));
        for (const [i, menu] of menus.entries()) {
          if (!states[i]!.has(SELECTED)) continue;
          const item = await itemIn(tree, menu, x, y, 0);
          if (!item) continue;
          const [name, role, windowTitle, appName] = await Promise.all([
            tree.name(item.ref).catch(() => ''),
            tree.roleName(item.ref).catch(() => ''),
            tree.name(window).catch(() => ''),
            tree.name(app).catch(() => ''),
          ]);
          return { name, role, rect: extentsRect(item.box), windowTitle, appName };
        }
      }
      return null;
    } catch {
      return null;
    }
  }

  private menuBar(tree: MenuTree, window: AccessibleRef): AccessibleRef | null {
    const k = refKey(window);
    const known = this.menuBars.get(k);
    if (known !== undefined) return known === 'searching' ? null : known;
    if (this.menuBars.size > 64) this.menuBars.clear();
    this.menuBars.set(k, 'searching');
    void findMenuBar(tree, window, 0)
      .catch(() => null)
      .then((bar) => {
        if (this.menuBars.get(k) === 'searching') this.menuBars.set(k, bar);
      });
    return null;
  }
}
