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
import type { Rect } from '../../core/actions.js';
import { AtspiConnection, DESKTOP, withDeadline, State, type AccessibleRef, type Extents } from './atspi-bus.js';
import { DEFAULT_DEADLINE_MS, type AccessibilityProvider, type ElementAtPoint } from './provider.js';

/** The calls the walk needs; AtspiBus implements them, tests may fake them. */
export interface AccessibleTree {
  children(ref: AccessibleRef): Promise<AccessibleRef[]>;
  name(ref: AccessibleRef): Promise<string>;
  roleName(ref: AccessibleRef): Promise<string>;
  states(ref: AccessibleRef): Promise<ReadonlySet<number>>;
  extents(ref: AccessibleRef): Promise<Extents | null>;
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
const NO_STATES: ReadonlySet<number> = new Set();

const contains = (b: Extents, x: number, y: number): boolean =>
  x >= b.x && x < b.x + b.width && y >= b.y && y < b.y + b.height;
const area = (b: Extents): number => b.width * b.height;
const sameRef = (a: AccessibleRef, b: AccessibleRef): boolean => a.bus === b.bus && a.path === b.path;
const toRect = (b: Extents): Rect => ({ left: b.x, top: b.y, right: b.x + b.width, bottom: b.y + b.height });

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
  const apps = await tree.children(DESKTOP);
  const perApp = await Promise.all(
    apps.map(async (app) => {
      const windows = await tree.children(app).catch(() => []);
      return Promise.all(
        windows.map(async (ref) => {
          const [box, states] = await Promise.all([
            tree.extents(ref).catch(() => null),
            tree.states(ref).catch(() => NO_STATES),
          ]);
          return { app, ref, box, states };
        }),
      );
    }),
  );
  const hits = perApp
    .flat()
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
    rect: toRect(path[chosen]!.box),
    windowTitle,
    appName,
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
      return withDeadline(
        async (timedOut) => {
          const bus = await connection.get();
          return findElementAt(bus, Math.round(x), Math.round(y), () => timedOut() || bus.isClosed);
        },
        deadlineMs,
        null,
      );
    },

    close() {
      connection.close();
      return Promise.resolve();
    },
  };
}
