/**
 * Linux accessibility provider: the element under a screen point, through AT-SPI over D-Bus
 * from plain Node (dbus-next), as SPEC §4 found workable.
 *
 * A hit test (1) picks the top-level window that contains the point among all registered
 * applications, then (2) descends with the toolkit's own `GetAccessibleAtPoint`, checking
 * every answer against the child's extents and falling back to searching the children
 * whose extents contain the point (GTK widgets embedded in LibreOffice's sidebar were only
 * reached that way).
 *
 * LibreOffice quirk (gtk3 VCL plugin): objects drawn by VCL itself (slide, toolbars, status
 * bar, sidebar frame) report extents — and answer hit tests — in a frame shifted by the
 * native GTK menu bar's height, while the GTK widgets around and inside them report true
 * screen coordinates. Seen at 1920×1080 under openbox: panel [0,44 1920×1036] contains the
 * VCL "root pane" reported at [0,19 1920×1036]; a GTK sidebar panel at [1541,124 329×932]
 * sits inside a VCL panel reported at [1541,99 329×932]. The signature is a child with
 * exactly its parent's size at a different origin: the walk then adopts a coordinate
 * shift (parent origin − child origin) for that subtree, asks hit tests at the shifted
 * point and reports shifted-back rectangles. A GTK child of a shifted VCL parent matches
 * the same signature and resets the shift to zero.
 */
import { OpenMenus } from './atspi-menus.js';
import {
  AtspiConnection,
  type AccessibleInfo,
  State,
  type AccessibleRef,
  type Extents,
  type AtspiBus,
} from './atspi-bus.js';
import {
  DEFAULT_DEADLINE_MS,
  ELEMENTS_DEADLINE_MS,
  type AccessibilityProvider,
  type ElementAtPoint,
  type ElementState,
  type ScreenElement,
} from './provider.js';
import { contains, extentsRect, NO_STATES, readTopWindows, refKey, type AtspiTree } from './atspi-tree.js';

/** The calls the walk needs; AtspiBus implements them, tests may fake them. */
export interface AccessibleTree extends AtspiTree {
  accessibleAtPoint(ref: AccessibleRef, x: number, y: number): Promise<AccessibleRef | null>;
}

/** An object with its true screen extents and the shift its subtree's reports need. */
interface Placed {
  readonly ref: AccessibleRef;
  readonly box: Extents;
  readonly dx: number;
  readonly dy: number;
}

/** Deeper than any real UI; guards against toolkits that answer with a cycle. */
const MAX_DEPTH = 48;
/** Searching children costs one call each; huge containers (long lists) are not searched. */
const MAX_SEARCHED_CHILDREN = 400;
/** How many levels above an unnamed element a name may come from (see findElementAt). */
const MAX_NAME_CLIMB = 2;
const area = (b: Extents): number => b.width * b.height;
const sameRef = (a: AccessibleRef, b: AccessibleRef): boolean => a.bus === b.bus && a.path === b.path;

/** Places a child under its parent, detecting the shifted-frame signature (module doc). */
function placeChild(
  parent: { box: Extents; dx: number; dy: number },
  reported: Extents,
): { box: Extents; dx: number; dy: number } {
  let { dx, dy } = parent;
  const sameSize = reported.width === parent.box.width && reported.height === parent.box.height;
  if (sameSize && (reported.x + dx !== parent.box.x || reported.y + dy !== parent.box.y)) {
    dx = parent.box.x - reported.x;
    dy = parent.box.y - reported.y;
  }
  return { box: { ...reported, x: reported.x + dx, y: reported.y + dy }, dx, dy };
}

async function place(tree: AccessibleTree, parent: Placed, ref: AccessibleRef): Promise<Placed | null> {
  const reported = await tree.extents(ref);
  return reported ? { ref, ...placeChild(parent, reported) } : null;
}

/** The window under the point: among showing windows containing it, the active one, else the smallest. */
async function windowAt(
  tree: AccessibleTree,
  x: number,
  y: number,
): Promise<{ app: AccessibleRef; window: Placed } | null> {
  const windows = await readTopWindows(tree, async (app, ref) => {
    const [box, states] = await Promise.all([
      tree.extents(ref).catch(() => null),
      tree.states(ref).catch(() => NO_STATES),
    ]);
    return { app, ref, box, states };
  });
  const hits = windows
    .filter((w) => w.box !== null && contains(w.box, x, y))
    .filter((w) => w.states.has(State.SHOWING) && !w.states.has(State.ICONIFIED));
  hits.sort(
    (a, b) => Number(b.states.has(State.ACTIVE)) - Number(a.states.has(State.ACTIVE)) || area(a.box!) - area(b.box!),
  );
  const best = hits[0];
  return best ? { app: best.app, window: { ref: best.ref, box: best.box!, dx: 0, dy: 0 } } : null;
}

type PendingHit = Promise<AccessibleRef | null>;

const hitTest = (tree: AccessibleTree, node: Placed, x: number, y: number): PendingHit =>
  tree.accessibleAtPoint(node.ref, x - node.dx, y - node.dy).catch(() => null);

/** The children whose (placed) extents contain the point: the smallest, on ties the later (drawn last). */
async function searchChildren(tree: AccessibleTree, node: Placed, x: number, y: number): Promise<Placed | null> {
  const children = await tree.children(node.ref).catch(() => []);
  if (children.length > MAX_SEARCHED_CHILDREN) return null;
  const candidates = await Promise.all(
    children.map(async (ref) => {
      const [placed, states] = await Promise.all([
        place(tree, node, ref).catch(() => null),
        tree.states(ref).catch(() => NO_STATES),
      ]);
      return placed && states.has(State.SHOWING) && contains(placed.box, x, y) ? placed : null;
    }),
  );
  let best: Placed | null = null;
  for (const c of candidates) if (c && (!best || area(c.box) <= area(best.box))) best = c;
  return best;
}

/**
 * One step down from `node`, given its hit test's answer `hit`: the answer if its extents
 * contain the point, else a search of the children. Also starts the next level's hit test.
 */
async function step(
  tree: AccessibleTree,
  node: Placed,
  hit: AccessibleRef | null,
  x: number,
  y: number,
): Promise<{ placed: Placed; nextHit: PendingHit } | null> {
  if (hit && !sameRef(hit, node.ref)) {
    // The child's own hit test goes out together with its extents (one round trip per level,
    // not two), asked with the parent's shift; asked again if the child turns out to change it.
    const speculative = hitTest(tree, { ...node, ref: hit }, x, y);
    const placed = await place(tree, node, hit).catch(() => null);
    if (placed && contains(placed.box, x, y)) {
      const sameShift = placed.dx === node.dx && placed.dy === node.dy;
      return { placed, nextHit: sameShift ? speculative : hitTest(tree, placed, x, y) };
    }
  }
  const found = await searchChildren(tree, node, x, y);
  return found && { placed: found, nextHit: hitTest(tree, found, x, y) };
}

/**
 * The element at (x, y): the deepest object on the path down from the window. When that
 * object has no name, a named ancestor at most MAX_NAME_CLIMB levels up stands for it —
 * the "PresentationTitle" shape rather than its unnamed paragraph — skipping names that only
 * repeat the window title (LibreOffice's root pane). Further up the names belong to whole
 * panels ("Properties" for an unnamed combo box in the sidebar), which would mislead more
 * than "" (unknown). `cancelled` stops the walk once the caller has given up.
 */
export async function findElementAt(
  tree: AccessibleTree,
  x: number,
  y: number,
  cancelled: () => boolean = () => false,
): Promise<ElementAtPoint | null> {
  const top = await windowAt(tree, x, y);
  if (!top || cancelled()) return null;
  const path: Placed[] = [top.window];
  let hit = hitTest(tree, top.window, x, y);
  for (let depth = 0; depth < MAX_DEPTH && !cancelled(); depth++) {
    const next = await step(tree, path[path.length - 1]!, await hit, x, y);
    if (!next || path.some((p) => sameRef(p.ref, next.placed.ref))) break;
    path.push(next.placed);
    hit = next.nextHit;
  }
  if (cancelled()) return null;

  // Names of the whole path, and roles of the candidates, in one round trip.
  const deepest = path.length - 1;
  const first = Math.max(0, deepest - MAX_NAME_CLIMB); // the highest element that may be chosen
  const [appName, names, roles] = await Promise.all([
    tree.name(top.app).catch(() => ''),
    Promise.all(path.map((p) => tree.name(p.ref).catch(() => ''))),
    Promise.all(path.slice(first).map((p) => tree.roleName(p.ref).catch(() => ''))),
  ]);
  const windowTitle = names[0] ?? '';
  let chosen = deepest;
  if (names[deepest] === '') {
    for (let i = deepest - 1; i > 0 && i >= first; i--) {
      if (names[i] !== '' && names[i] !== windowTitle) {
        chosen = i;
        break;
      }
    }
  }
  return {
    name: names[chosen] ?? '',
    role: roles[chosen - first] ?? '',
    rect: extentsRect(path[chosen]!.box),
    windowTitle,
    appName,
  };
}

// ---------------------------------------------------------------------------------------
// The elements of the focused window (the a11y grounder's search space).
//
// LibreOffice's (at-spi2-atk's) Collection.GetMatches answers every match rule with an empty
// list (seen with 7.4, gtk3), so the list comes from a walk, kept small and parallel: an object
// costs GetState, GetExtents, GetRoleName (cached: roles do not change) and one
// Properties.GetAll (name, description, child count), all sent at once, with GetChildren when
// the object had children in an earlier walk, so that a level of the tree costs one round trip;
// a subtree is entered only below a showing object with a place on screen. Two prunes matter most in Impress: the ~440 items of
// closed menus (a menu's items are entered only while it is open, i.e. SELECTED or EXPANDED),
// and VCL's hidden duplicate of the menu bar, whose objects have no extents. About 250
// elements come out of ~760 objects.

/** The walk's calls; AtspiBus implements them. */
export interface ElementTree extends AccessibleTree {
  info(ref: AccessibleRef): Promise<AccessibleInfo>;
}

/** Top-level roles that are popups of their application rather than windows of their own. */
const POPUP_ROLES = new Set(['window', 'popup menu', 'menu', 'tool tip']);
/** Roles whose children are the items of a menu; such a menu is entered only while it is open. */
const MENU_PARENTS = new Set(['menu bar', 'menu']);
/** How many levels up an unnamed element looks for a name, and how much larger that ancestor may be. */
const LABEL_CLIMB = 2;
const LABEL_MAX_AREA_RATIO = 4;
/** Only icon-sized elements borrow a name: a large unnamed panel is not what its parent is called. */
const LABEL_MAX_SIDE = 128;

const STATE_NAMES: readonly [number, ElementState][] = [
  [State.ACTIVE, 'active'],
  [State.CHECKED, 'checked'],
  [State.EDITABLE, 'editable'],
  [State.EXPANDED, 'expanded'],
  [State.FOCUSED, 'focused'],
  [State.PRESSED, 'pressed'],
  [State.SELECTED, 'selected'],
  [State.SHOWING, 'showing'],
];

function stateNames(states: ReadonlySet<number>): ElementState[] {
  const out = STATE_NAMES.filter(([bit]) => states.has(bit)).map(([, name]) => name);
  // GTK widgets set both; VCL ones often only one of them.
  if (states.has(State.ENABLED) || states.has(State.SENSITIVE)) out.push('enabled');
  return out;
}

interface TopWindow {
  readonly app: AccessibleRef;
  readonly ref: AccessibleRef;
  readonly box: Extents;
  readonly states: ReadonlySet<number>;
  readonly role: string;
  readonly name: string;
}

function topWindows(tree: AccessibleTree): Promise<TopWindow[]> {
  return readTopWindows(tree, async (app, ref) => {
    const states = await tree.states(ref).catch(() => NO_STATES);
    if (!states.has(State.SHOWING) || states.has(State.ICONIFIED)) return null;
    const [box, role, name] = await Promise.all([
      tree.extents(ref).catch(() => null),
      tree.roleName(ref).catch(() => ''),
      tree.name(ref).catch(() => ''),
    ]);
    return box ? { app, ref, box, states, role, name } : null;
  });
}

/**
 * The windows to list: the active one and its application's showing popups, popups first;
 * when a popup itself is active (a context menu), also the application's other windows.
 * Without an active window (focus on the desktop), every showing window.
 */
export function windowsToList(windows: readonly TopWindow[]): TopWindow[] {
  const active = windows.find((w) => w.states.has(State.ACTIVE));
  if (!active) return [...windows];
  const sameApp = windows.filter((w) => w !== active && w.app.bus === active.app.bus);
  const popups = sameApp.filter((w) => POPUP_ROLES.has(w.role));
  const activeIsPopup = POPUP_ROLES.has(active.role);
  const others = activeIsPopup ? sameApp.filter((w) => !POPUP_ROLES.has(w.role)) : [];
  return activeIsPopup ? [active, ...popups, ...others] : [...popups, active];
}

interface Listed {
  readonly placed: Placed;
  readonly name: string;
  readonly role: string;
  /** Inside a menu that is open: drawn on top of the window, as a popup is. */
  readonly inOpenMenu: boolean;
}

/**
 * The elements of the windows `windowsToList` picks, in document order per window.
 * `cancelled` stops the walk once the caller has given up.
 */
export async function listElements(
  tree: ElementTree,
  cancelled: () => boolean = () => false,
  memory: WalkMemory = new Map(),
): Promise<ScreenElement[]> {
  const roots = windowsToList(await topWindows(tree));
  const lists = await Promise.all(roots.map((w) => listWindow(tree, w, cancelled, memory)));
  return cancelled() ? [] : lists.flat();
}

/** What earlier walks learnt: whether an object had children (most objects keep their shape). */
export type WalkMemory = Map<string, boolean>;
const MAX_REMEMBERED = 50_000;

async function listWindow(
  tree: ElementTree,
  window: TopWindow,
  cancelled: () => boolean,
  memory: WalkMemory,
): Promise<ScreenElement[]> {
  const remember = (key: string, hasChildren: boolean) => {
    if (memory.size >= MAX_REMEMBERED) memory.clear();
    memory.set(key, hasChildren);
  };
  const out: ScreenElement[] = [];
  const inPopup = POPUP_ROLES.has(window.role);
  const root: Listed = {
    placed: { ref: window.ref, box: window.box, dx: 0, dy: 0 },
    name: window.name,
    role: window.role,
    inOpenMenu: false,
  };

  const visit = async (
    parent: Listed,
    ancestors: readonly Listed[],
    depth: number,
    pendingChildren: Promise<AccessibleRef[]>,
  ): Promise<void> => {
    if (depth >= MAX_DEPTH || cancelled()) return;
    const children = await pendingChildren;
    if (children.length > MAX_SEARCHED_CHILDREN) return;
    await Promise.all(
      children.map(async (ref) => {
        // All of an object's calls in one round trip: its children too when it had some in an
        // earlier walk (or was never seen), so that a level of the tree costs one round trip.
        const key = refKey(ref);
        const speculative = memory.get(key) !== false ? tree.children(ref).catch(() => []) : null;
        const [states, reported, role, info] = await Promise.all([
          tree.states(ref).catch(() => NO_STATES),
          tree.extents(ref).catch(() => null),
          tree.roleName(ref).catch(() => ''),
          tree.info(ref).catch(() => null),
        ]);
        if (info) remember(key, info.childCount > 0);
        if (!states.has(State.SHOWING) || cancelled()) return;
        if (!reported || !info) return; // no place on screen: not clickable, nor is anything below it
        const placed = { ref, ...placeChild(parent.placed, reported) };
        const menuOpen = role === 'menu' && (states.has(State.SELECTED) || states.has(State.EXPANDED));
        const node: Listed = { placed, name: info.name, role, inOpenMenu: parent.inOpenMenu || menuOpen };
        const lineage = [parent, ...ancestors];
        out.push({
          name: info.name,
          description: info.description,
          label: info.name === '' ? ancestorLabel(placed.box, lineage, window.name) : '',
          role,
          states: stateNames(states),
          rect: extentsRect(placed.box),
          windowTitle: window.name,
          inPopup: inPopup || parent.inOpenMenu,
        });
        const closedMenu = role === 'menu' && MENU_PARENTS.has(parent.role) && !menuOpen;
        if (info.childCount > 0 && !closedMenu) {
          await visit(node, lineage, depth + 1, speculative ?? tree.children(ref).catch(() => []));
        }
      }),
    );
  };
  await visit(
    root,
    [],
    0,
    tree.children(window.ref).catch(() => []),
  );
  const close = titleBarClose(window, out);
  return close ? [...out, close] : out;
}

/** Window managers draw title bars this high (openbox: 19 px at 96 dpi). */
const TITLE_BAR_HEIGHT = { min: 10, max: 48 };

/**
 * The window manager's close button, which no application's tree holds: AT-SPI reports a
 * frame's or dialog's extents with its decorations, so the strip above its topmost element is
 * the title bar, and its right end (openbox's default layout, as most window managers) the ×,
 * taken as a square as high as the bar.
 */
function titleBarClose(window: TopWindow, elements: readonly ScreenElement[]): ScreenElement | null {
  if (window.role !== 'frame' && window.role !== 'dialog') return null;
  const top = Math.min(...elements.map((e) => e.rect.top));
  const height = top - window.box.y;
  if (!Number.isFinite(height) || height < TITLE_BAR_HEIGHT.min || height > TITLE_BAR_HEIGHT.max) return null;
  const right = window.box.x + window.box.width;
  return {
    name: 'Close',
    description: 'close button of the title bar (window manager)',
    label: '',
    role: 'push button',
    states: ['enabled', 'showing'],
    rect: { left: right - height, top: window.box.y, right, bottom: top },
    windowTitle: window.name,
    inPopup: false,
  };
}

/** The name of a close named ancestor not much larger than the element (module section doc). */
function ancestorLabel(box: Extents, lineage: readonly Listed[], windowTitle: string): string {
  if (box.width > LABEL_MAX_SIDE || box.height > LABEL_MAX_SIDE) return '';
  for (const a of lineage.slice(0, LABEL_CLIMB)) {
    if (area(a.placed.box) > LABEL_MAX_AREA_RATIO * area(box)) return '';
    if (a.name !== '' && a.name !== windowTitle) return a.name;
  }
  return '';
}

/** Roles never change for an object: the walk asks each object's role once per connection. */
export function withRoleCache(tree: ElementTree, maxEntries = 50_000): ElementTree {
  const roles = new Map<string, Promise<string>>();
  return {
    children: (ref) => tree.children(ref),
    name: (ref) => tree.name(ref),
    states: (ref) => tree.states(ref),
    extents: (ref) => tree.extents(ref),
    accessibleAtPoint: (ref, x, y) => tree.accessibleAtPoint(ref, x, y),
    info: (ref) => tree.info(ref),
    roleName(ref) {
      const key = `${ref.bus}${ref.path}`;
      let role = roles.get(key);
      if (!role) {
        if (roles.size >= maxEntries) roles.clear();
        role = tree.roleName(ref);
        roles.set(key, role);
        role.catch(() => roles.delete(key));
      }
      return role;
    },
  };
}

export interface AtspiProviderOptions {
  /** Session bus whose at-spi-bus-launcher to ask; default DBUS_SESSION_BUS_ADDRESS. */
  readonly sessionBusAddress?: string;
}

export interface AtspiProvider extends AccessibilityProvider {
  /**
   * Connects now instead of on the first hit test (whose deadline may not cover the
   * connection set-up). Resolves false when the accessibility bus cannot be reached.
   */
  ready(): Promise<boolean>;
}

export function createAtspiProvider(options: AtspiProviderOptions = {}): AtspiProvider {
  const connection = new AtspiConnection(options.sessionBusAddress);
  const openMenus = new OpenMenus();
  // Per connection: object paths belong to the applications on that bus.
  let walkCache: { bus: AtspiBus; tree: ElementTree; memory: WalkMemory } | null = null;
  const cachedWalk = (bus: AtspiBus) => {
    if (walkCache?.bus !== bus) walkCache = { bus, tree: withRoleCache(bus), memory: new Map() };
    return walkCache;
  };
  let listing: { work: Promise<ScreenElement[]>; cancel: () => void; waiters: number } | null = null;

  return {
    platform: 'linux',

    ready() {
      if (connection.isClosed) return Promise.resolve(false);
      return connection.get().then(
        () => true,
        () => false,
      );
    },

    elementAt(x, y, deadlineMs = DEFAULT_DEADLINE_MS) {
      if (connection.isClosed) return Promise.resolve(null);
      let timedOut = false;
      let timer: NodeJS.Timeout | undefined;
      const [px, py] = [Math.round(x), Math.round(y)];
      const bus = connection.get();
      const element = bus.then((b) => findElementAt(b, px, py, () => timedOut || b.isClosed)).catch(() => null);
      let found: ElementAtPoint | null = null;
      void element.then((e) => (found = e));
      // An open menu of a native menu bar is invisible to the hit test (atspi-menus.ts):
      // asked for alongside it, and preferred when the point is on one of its items.
      const work = Promise.all([bus.then((b) => openMenus.itemAt(b, px, py)).catch(() => null), element]).then(
        ([menuItem, hit]) => menuItem ?? hit,
      );
      // At the deadline, the hit test's answer if it has come.
      const deadline = new Promise<ElementAtPoint | null>((resolve) => {
        timer = setTimeout(() => {
          timedOut = true;
          resolve(found);
        }, deadlineMs);
      });
      return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
    },

    elements(deadlineMs = ELEMENTS_DEADLINE_MS) {
      if (connection.isClosed) return Promise.resolve([]);
      // Concurrent callers share one walk: it is the expensive part.
      if (!listing) {
        let timedOut = false;
        const work = connection
          .get()
          .then((bus) => {
            const { tree, memory } = cachedWalk(bus);
            return listElements(tree, () => timedOut || bus.isClosed, memory);
          })
          .catch(() => [] as ScreenElement[]);
        const mine = {
          work,
          waiters: 0,
          cancel: () => {
            timedOut = true;
            if (listing === mine) listing = null;
          },
        };
        listing = mine;
        void work.finally(() => {
          if (listing === mine) listing = null;
        });
      }
      const shared = listing;
      shared.waiters += 1;
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<readonly ScreenElement[]>((resolve) => {
        timer = setTimeout(() => resolve([]), deadlineMs);
      });
      return Promise.race([shared.work, deadline]).finally(() => {
        clearTimeout(timer);
        // The walk is abandoned only when nobody waits for it any more.
        if (--shared.waiters === 0) shared.cancel();
      });
    },

    // Does not wait for a connection still being made: it closes itself when it completes.
    close() {
      connection.close();
      return Promise.resolve();
    },
  };
}
