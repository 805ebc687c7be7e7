/**
 * What a top-level window shows, read from the AT-SPI tree: its role (dialog, alert, file
 * chooser…), its label texts and its push buttons' names, so that an agent can tell the planner
 * "A dialog "Keep current format" is open. Buttons: …" instead of clicking into it blindly
 * (issue 11 §4), and replay can name what stopped it (§2).
 *
 * The window is found by its owner's process id (the accessibility bus knows each
 * application's pid) and its title, both of which the window list gives. The walk asks each
 * level of the tree in one batch of parallel calls, so its cost is the tree's depth in round
 * trips, not its size; it is bounded in depth and in objects, and a caller bounds it in time.
 */
import type { Rect } from '../../core/actions.js';
import type { DialogDescription } from '../../core/windows-diff.js';
import { DESKTOP, State, type AccessibleRef, type Extents } from './atspi-bus.js';
import { NO_STATES, readTopWindows, type AtspiTree } from './atspi-tree.js';

/** The calls the description needs; AtspiBus implements them. */
export interface DialogTree extends AtspiTree {
  processId(busName: string): Promise<number | null>;
}

/** Which window, as the window list describes it. */
export interface WindowQuery {
  readonly title: string;
  /** Its owner's process (X11 _NET_WM_PID), when known. */
  readonly pid: number | null;
  /** Its client area and its frame on the screen, when known. */
  readonly rect: Rect | null;
  readonly frame: Rect | null;
  /** Whether it has the focus. */
  readonly active: boolean;
}

/** Deeper than a dialog's widget tree (GTK message dialogs are about 8 deep). */
const MAX_DEPTH = 24;
/** A file chooser lists every file of a folder; labels past this many objects are not wanted. */
const MAX_OBJECTS = 600;
const LABEL_ROLES = new Set(['label', 'static', 'heading', 'paragraph']);
const BUTTON_ROLES = new Set(['push button']);
/**
 * Roles whose children are not read: widgets without the dialog's words inside (a button's
 * label is its name), and lists of data (a file chooser's files, a combo box's menu). Every
 * object costs the application a call on its main thread; this halves a file chooser's.
 */
const LEAF_ROLES = new Set([
  'toggle button',
  'check box',
  'radio button',
  'text',
  'password text',
  'entry',
  'spin button',
  'slider',
  'scroll bar',
  'separator',
  'icon',
  'image',
  'combo box',
  'menu',
  'menu bar',
  'table',
  'tree table',
  'list',
  'list box',
  'tree',
  'progress bar',
]);
const DIALOG_ROLES = new Set(['dialog', 'alert', 'file chooser', 'color chooser', 'font chooser']);
const isShown = (states: ReadonlySet<number>): boolean => states.has(State.SHOWING) && states.has(State.VISIBLE);

interface Node {
  readonly ref: AccessibleRef;
  /** Position in a depth-first walk: child indices from the window down. */
  readonly order: readonly number[];
}

const byOrder = (a: Node, b: Node): number => {
  const n = Math.min(a.order.length, b.order.length);
  for (let i = 0; i < n; i++) if (a.order[i] !== b.order[i]) return a.order[i]! - b.order[i]!;
  return a.order.length - b.order.length;
};

/** The applications whose process is `pid`; all of them when none is (or the pid is unknown). */
async function applications(tree: DialogTree, pid: number | null): Promise<AccessibleRef[]> {
  const apps = await tree.children(DESKTOP);
  if (pid === null) return apps;
  const pids = await Promise.all(apps.map((app) => tree.processId(app.bus).catch(() => null)));
  const mine = apps.filter((_, i) => pids[i] === pid);
  return mine.length > 0 ? mine : apps;
}

/** Pixels the accessible window's extents may differ from the X window's (borders, rounding). */
const PLACE_TOLERANCE = 3;

const samePlace = (box: Extents | null, rect: Rect | null): boolean =>
  box !== null &&
  rect !== null &&
  Math.abs(box.x - rect.left) <= PLACE_TOLERANCE &&
  Math.abs(box.y - rect.top) <= PLACE_TOLERANCE &&
  Math.abs(box.x + box.width - rect.right) <= PLACE_TOLERANCE &&
  Math.abs(box.y + box.height - rect.bottom) <= PLACE_TOLERANCE;

/**
 * The accessible window that is the queried one, among its application's windows. Its
 * accessible name is not always its title (a GTK message dialog titled "Confirm File Format"
 * is the alert "Question"), so the window is known by its title or by its place on the
 * screen; failing both, a focused window is the application's active dialog. Ties go to a
 * dialog role, then to the active window.
 */
async function findWindow(
  tree: DialogTree,
  query: WindowQuery,
): Promise<{ ref: AccessibleRef; role: string; name: string } | null> {
  const apps = await applications(tree, query.pid);
  const described = await readTopWindows(
    tree,
    async (_app, ref) => {
      const [name, role, states, box] = await Promise.all([
        tree.name(ref).catch(() => ''),
        tree.roleName(ref).catch(() => ''),
        tree.states(ref).catch(() => NO_STATES),
        tree.extents(ref).catch(() => null),
      ]);
      return { ref, name, role, states, box };
    },
    apps,
  );
  const title = query.title.trim();
  const score = (w: (typeof described)[number]): number => {
    const named = title !== '' && w.name.trim() === title;
    const placed = samePlace(w.box, query.rect) || samePlace(w.box, query.frame);
    const dialog = DIALOG_ROLES.has(w.role);
    const active = w.states.has(State.ACTIVE);
    if (!named && !placed && !(query.active && dialog && active)) return 0;
    return (named ? 8 : 0) + (placed ? 8 : 0) + (dialog ? 2 : 0) + (active ? 1 : 0);
  };
  const best = described
    .map((w) => ({ w, score: score(w) }))
    .filter((c) => c.score > 0)
    .sort((a, b) => b.score - a.score)[0];
  return best?.w ?? null;
}

export interface DescribeOptions {
  /**
   * When (epoch ms) to stop descending and read what was found: a big dialog (a file chooser)
   * then gives its upper parts, with `complete: false`, rather than nothing.
   */
  readonly walkUntil?: number;
  /** Turns true once the caller has given up: the walk stops and gives null. */
  readonly cancelled?: () => boolean;
}

/**
 * The description of the window `query` names, or null when no accessible window matches (it
 * closed, its application is not accessible) or the caller gave up. Calls that fail (an object
 * that vanished mid-walk) count as empty; nothing here throws for a vanished window.
 */
export async function describeAtspiWindow(
  tree: DialogTree,
  query: WindowQuery,
  options: DescribeOptions = {},
): Promise<DialogDescription | null> {
  const { walkUntil = Number.POSITIVE_INFINITY, cancelled = () => false } = options;
  const window = await findWindow(tree, query);
  if (!window || cancelled()) return null;
  const labels: Node[] = [];
  const buttons: Node[] = [];
  // Containers whose children are still to be read; leaves (LEAF_ROLES) are never asked.
  let level: Node[] = [{ ref: window.ref, order: [] }];
  let seen = 1;
  let truncated = false;
  for (let depth = 0; depth < MAX_DEPTH && level.length > 0; depth++) {
    if (cancelled()) return null;
    if (Date.now() >= walkUntil) break;
    const kids = await Promise.all(level.map((node) => tree.children(node.ref).catch(() => [])));
    const next: Node[] = [];
    kids.forEach((refs, i) => {
      if (seen + next.length + refs.length > MAX_OBJECTS) truncated = true;
      refs.slice(0, Math.max(0, MAX_OBJECTS - seen - next.length)).forEach((ref, j) => {
        next.push({ ref, order: [...level[i]!.order, j] });
      });
    });
    seen += next.length;
    const roles = await Promise.all(next.map((node) => tree.roleName(node.ref).catch(() => '')));
    level = [];
    next.forEach((node, i) => {
      const role = roles[i]!;
      if (LABEL_ROLES.has(role)) labels.push(node);
      else if (BUTTON_ROLES.has(role)) buttons.push(node);
      else if (!LEAF_ROLES.has(role)) level.push(node);
    });
  }
  if (cancelled()) return null;
  // Names and states of what was kept, in one batch: hidden widgets (a GTK dialog's unused
  // buttons) are not what the person sees.
  const shown = async (nodes: Node[]): Promise<string[]> => {
    const sorted = [...nodes].sort(byOrder);
    const [names, states] = await Promise.all([
      Promise.all(sorted.map((n) => tree.name(n.ref).catch(() => ''))),
      Promise.all(sorted.map((n) => tree.states(n.ref).catch(() => NO_STATES))),
    ]);
    return names
      .map((name, i) => (isShown(states[i]!) ? name.replace(/\s+/g, ' ').trim() : ''))
      .filter((name) => name !== '');
  };
  const [texts, names] = await Promise.all([shown(labels), shown(buttons)]);
  if (cancelled()) return null;
  const title = query.title.trim() || window.name.trim();
  return {
    title,
    role: window.role,
    text: [...new Set(texts)].filter((t) => t !== title && t !== window.name.trim()),
    buttons: [...new Set(names)],
    complete: level.length === 0 && !truncated,
  };
}
