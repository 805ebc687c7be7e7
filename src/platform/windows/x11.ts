/**
 * The top-level windows of an X11 desktop, as the window manager publishes them (EWMH, which
 * openbox, xfwm, mutter and KWin all implement): `_NET_CLIENT_LIST` on the root window lists the
 * managed client windows, `_NET_ACTIVE_WINDOW` names the focused one, and each client carries
 * its title (`_NET_WM_NAME` in UTF-8, else ICCCM `WM_NAME`), `_NET_WM_WINDOW_TYPE`,
 * `_NET_WM_STATE` (modal, hidden), `WM_TRANSIENT_FOR`, `_NET_WM_PID`, `WM_CLASS` and
 * `_NET_FRAME_EXTENTS` (the decorations around it).
 *
 * All requests of one look are sent at once over our own X11 client (src/platform/x11/client.ts)
 * and answered in one stream: a look costs about one round trip plus the server's work, a few
 * milliseconds. A window that closes during a look makes its requests fail (BadWindow); it is
 * then left out, never an error.
 */
import type { Rect } from '../../core/actions.js';
import type { DesktopWindow, WindowKind } from '../../core/windows-diff.js';
import { X11Client } from '../x11/client.js';

/** Predefined atoms (X11 core protocol, Xatom.h). */
const ATOM = { ATOM: 4, CARDINAL: 6, STRING: 31, WINDOW: 33, WM_NAME: 39, WM_CLASS: 67, WM_TRANSIENT_FOR: 68 };

const NAMED = [
  '_NET_SUPPORTED',
  '_NET_CLIENT_LIST',
  '_NET_ACTIVE_WINDOW',
  '_NET_WM_NAME',
  'UTF8_STRING',
  '_NET_WM_WINDOW_TYPE',
  '_NET_WM_STATE',
  '_NET_WM_STATE_MODAL',
  '_NET_WM_STATE_HIDDEN',
  '_NET_WM_PID',
  '_NET_FRAME_EXTENTS',
] as const;
type Named = (typeof NAMED)[number];

/** `_NET_WM_WINDOW_TYPE_<suffix>` → our kind. */
const KINDS: ReadonlyArray<readonly [string, WindowKind]> = [
  ['NORMAL', 'normal'],
  ['DIALOG', 'dialog'],
  ['UTILITY', 'utility'],
  ['TOOLBAR', 'toolbar'],
  ['MENU', 'menu'],
  ['DROPDOWN_MENU', 'dropdown-menu'],
  ['POPUP_MENU', 'popup-menu'],
  ['COMBO', 'combo'],
  ['TOOLTIP', 'tooltip'],
  ['NOTIFICATION', 'notification'],
  ['SPLASH', 'splash'],
  ['DOCK', 'dock'],
  ['DESKTOP', 'desktop'],
  ['DND', 'dnd'],
];

interface Atoms {
  readonly named: Readonly<Record<Named, number>>;
  readonly kinds: ReadonlyMap<number, WindowKind>;
}

/** Reads the desktop's top-level windows; one X connection, kept open between looks. */
export class X11WindowList {
  private constructor(
    private readonly client: X11Client,
    private readonly atoms: Atoms,
  ) {}

  /** Connects to `display` (default $DISPLAY) and interns the atoms a look needs. */
  static async open(display: string | undefined = process.env.DISPLAY, timeoutMs = 3000): Promise<X11WindowList> {
    return X11Client.connectFor(display, timeoutMs, async (client) => {
      // Interning (not only-if-exists) keeps the ids fixed even when the window manager starts later.
      const [named, kindAtoms] = await Promise.all([
        Promise.all(NAMED.map((n) => client.internAtom(n))),
        Promise.all(KINDS.map(([suffix]) => client.internAtom(`_NET_WM_WINDOW_TYPE_${suffix}`))),
      ]);
      const atoms: Atoms = {
        named: Object.fromEntries(NAMED.map((n, i) => [n, named[i]!])) as Record<Named, number>,
        kinds: new Map(kindAtoms.map((atom, i) => [atom, KINDS[i]![1]])),
      };
      return new X11WindowList(client, atoms);
    });
  }

  /** Whether the connection to the X server is gone (the list then rejects: open a new one). */
  get failed(): boolean {
    return this.client.failed;
  }

  /**
   * Whether a window manager publishes the client list (EWMH `_NET_SUPPORTED` names
   * `_NET_CLIENT_LIST`). Without one, `list()` finds nothing: there is nothing to compare.
   */
  async ewmh(): Promise<boolean> {
    const { named } = this.atoms;
    const supported = await this.client.getProperty(this.client.screen.root, named._NET_SUPPORTED, ATOM.ATOM);
    return supported !== null && words(supported.value).includes(named._NET_CLIENT_LIST);
  }

  /** The managed top-level windows, oldest first (the window manager's mapping order). */
  async list(): Promise<DesktopWindow[]> {
    const { client, atoms } = this;
    const root = client.screen.root;
    const [clients, activeProp] = await Promise.all([
      client.getProperty(root, atoms.named._NET_CLIENT_LIST, ATOM.WINDOW),
      client.getProperty(root, atoms.named._NET_ACTIVE_WINDOW, ATOM.WINDOW),
    ]);
    const ids = clients ? words(clients.value) : [];
    const active = activeProp ? (words(activeProp.value)[0] ?? 0) : 0;
    const windows = await Promise.all(ids.map((id) => this.read(id, id === active).catch(() => null)));
    return windows.filter((w): w is DesktopWindow => w !== null);
  }

  private async read(id: number, active: boolean): Promise<DesktopWindow> {
    const { client, atoms } = this;
    const { named } = atoms;
    const prop = (atom: number, type = 0) => client.getProperty(id, atom, type);
    const [netName, wmName, types, state, transient, pid, wmClass, extents, geometry, origin] = await Promise.all([
      prop(named._NET_WM_NAME, named.UTF8_STRING),
      prop(ATOM.WM_NAME),
      prop(named._NET_WM_WINDOW_TYPE, ATOM.ATOM),
      prop(named._NET_WM_STATE, ATOM.ATOM),
      prop(ATOM.WM_TRANSIENT_FOR, ATOM.WINDOW),
      prop(named._NET_WM_PID, ATOM.CARDINAL),
      prop(ATOM.WM_CLASS, ATOM.STRING),
      prop(named._NET_FRAME_EXTENTS, ATOM.CARDINAL),
      client.getGeometry(id),
      client.translateCoordinates(id, client.screen.root, 0, 0),
    ]);
    const states = state ? words(state.value) : [];
    const transientFor = transient ? (words(transient.value)[0] ?? 0) : 0;
    const rect: Rect = {
      left: origin.x,
      top: origin.y,
      right: origin.x + geometry.width,
      bottom: origin.y + geometry.height,
    };
    const [fl = 0, fr = 0, ft = 0, fb = 0] = extents ? words(extents.value) : [];
    return {
      id,
      title: netName && netName.value.length > 0 ? netName.value.toString('utf8') : decodeWmName(wmName),
      kind: windowKind(types ? words(types.value) : [], atoms.kinds, transientFor !== 0),
      modal: states.includes(named._NET_WM_STATE_MODAL),
      transientFor: transientFor === 0 ? null : transientFor,
      pid: pid ? (words(pid.value)[0] ?? null) : null,
      // WM_CLASS is "instance\0class\0": the class names the application.
      app: wmClass ? (wmClass.value.toString('latin1').split('\0')[1] ?? '') : '',
      rect,
      frame: { left: rect.left - fl, top: rect.top - ft, right: rect.right + fr, bottom: rect.bottom + fb },
      active,
      hidden: states.includes(named._NET_WM_STATE_HIDDEN),
    };
  }

  close(): void {
    this.client.close();
  }
}

/** A format-32 property's values. */
function words(value: Buffer): number[] {
  const out: number[] = [];
  for (let off = 0; off + 4 <= value.length; off += 4) out.push(value.readUInt32LE(off));
  return out;
}

/**
 * ICCCM WM_NAME: STRING is Latin-1; UTF8_STRING (some toolkits) is UTF-8; COMPOUND_TEXT's
 * ASCII is ASCII, and its escapes to other sets are rare enough to show as they are.
 */
function decodeWmName(prop: { type: number; value: Buffer } | null): string {
  if (!prop) return '';
  return prop.type === ATOM.STRING ? prop.value.toString('latin1') : prop.value.toString('utf8');
}

/**
 * EWMH: the first type we know in the list wins (the list is in order of preference); an
 * untyped window is "normal", or "dialog" when it is transient for another (the spec's rule).
 */
function windowKind(types: readonly number[], known: ReadonlyMap<number, WindowKind>, transient: boolean): WindowKind {
  for (const atom of types) {
    const kind = known.get(atom);
    if (kind) return kind;
  }
  if (types.length > 0) return 'unknown';
  return transient ? 'dialog' : 'normal';
}
