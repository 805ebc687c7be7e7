/**
 * The desktop's top-level windows as the agents see them, and what changed between two looks:
 * replay stops at a window the recording never met (issue 11 §2), run describes an unexpected
 * dialog to the planner instead of clicking into it blindly (§4). The platform lists the
 * windows (src/platform/windows/) and reads a dialog's texts and buttons from the
 * accessibility tree; this module only compares and words them. Pure: no I/O.
 */
import type { Rect } from './actions.js';

/**
 * What the window manager says a window is for (EWMH _NET_WM_WINDOW_TYPE, lower-case with
 * dashes; Windows and macOS helpers map their own kinds onto these). 'unknown' when unset.
 */
export type WindowKind =
  | 'normal'
  | 'dialog'
  | 'utility'
  | 'toolbar'
  | 'menu'
  | 'dropdown-menu'
  | 'popup-menu'
  | 'combo'
  | 'tooltip'
  | 'notification'
  | 'splash'
  | 'dock'
  | 'desktop'
  | 'dnd'
  | 'unknown';

/** One top-level window of the desktop. */
export interface DesktopWindow {
  /** The platform's handle: an X window id, an HWND, a CGWindowID. Stable while the window lives. */
  readonly id: number;
  /** Its title ("" when it has none). */
  readonly title: string;
  readonly kind: WindowKind;
  /** A modal window (EWMH _NET_WM_STATE_MODAL, a Windows owned dialog, an AX sheet / modal). */
  readonly modal: boolean;
  /** The window it belongs to (X11 WM_TRANSIENT_FOR, a Windows owner window), or null. */
  readonly transientFor: number | null;
  /** The owning process, or null when the window does not say. */
  readonly pid: number | null;
  /** The application (X11 WM_CLASS class, e.g. "libreoffice-impress"; an executable name); "" unknown. */
  readonly app: string;
  /** Client area on the screen (right/bottom exclusive), physical pixels; null when unknown. */
  readonly rect: Rect | null;
  /** The whole window with the window manager's decorations (title bar, borders); null when unknown. */
  readonly frame: Rect | null;
  /** The window that has the focus (EWMH _NET_ACTIVE_WINDOW). */
  readonly active: boolean;
  /** Minimised or otherwise not shown (EWMH _NET_WM_STATE_HIDDEN). */
  readonly hidden: boolean;
}

/** A dialog's contents, read from the accessibility tree. */
export interface DialogDescription {
  readonly title: string;
  /** The accessibility role of the window: "dialog", "alert", "file chooser", "frame"… */
  readonly role: string;
  /** The texts it shows (labels), in reading order, without duplicates or the title. */
  readonly text: readonly string[];
  /** The names of its push buttons, in reading order ("Use PowerPoint Format!", "Cancel"). */
  readonly buttons: readonly string[];
  /** False when the time ran out before the whole window was read (its deeper parts are missing). */
  readonly complete: boolean;
}

/** The desktop's windows as the agents consult them (src/platform/windows/ provides one). */
export interface WindowWatch {
  list(): Promise<readonly DesktopWindow[]>;
  /** The window's title, texts and buttons from the accessibility tree, when it can be read. */
  describe?(window: DesktopWindow): Promise<DialogDescription | null>;
}

/** What identifies a window across two looks: its id; its title is compared. */
export type WindowIdentity = Pick<DesktopWindow, 'id' | 'title'>;

export interface WindowsChange<W extends WindowIdentity = DesktopWindow> {
  /** Windows in `after` whose id was not in `before`, in `after`'s order. */
  readonly appeared: readonly W[];
  /** Windows in `before` whose id is not in `after`. */
  readonly disappeared: readonly W[];
  /** Windows in both whose title changed (a document saved under a new name), as they are now. */
  readonly retitled: ReadonlyArray<{ readonly before: string; readonly window: W }>;
}

/**
 * The windows that appeared, disappeared or changed title from `before` to `after`. Windows are
 * the same when their ids are; hidden ones count (a minimised window has not gone away).
 */
export function diffWindows<W extends WindowIdentity>(before: readonly W[], after: readonly W[]): WindowsChange<W> {
  const old = new Map(before.map((w) => [w.id, w]));
  const now = new Set(after.map((w) => w.id));
  const appeared: W[] = [];
  const retitled: Array<{ before: string; window: W }> = [];
  for (const w of after) {
    const was = old.get(w.id);
    if (!was) appeared.push(w);
    else if (was.title !== w.title) retitled.push({ before: was.title, window: w });
  }
  return { appeared, disappeared: before.filter((w) => !now.has(w.id)), retitled };
}

/**
 * Windows that are transient pop-ups of an application rather than windows of their own: menus,
 * tooltips, drop-downs, drag icons. An agent opens and closes them all the time; they are not
 * "a window the recording did not meet".
 */
const TRANSIENT_KINDS: ReadonlySet<WindowKind> = new Set([
  'menu',
  'dropdown-menu',
  'popup-menu',
  'combo',
  'tooltip',
  'dnd',
  'notification',
]);

/** Whether a window is one a person must deal with: shown, and not a menu, tooltip or the like. */
export const isSignificantWindow = (w: Pick<DesktopWindow, 'kind' | 'hidden'>): boolean =>
  !w.hidden && !TRANSIENT_KINDS.has(w.kind);

/** Whether a window asks for an answer: a dialog (by kind), a modal, or a window transient for another. */
export const isDialogWindow = (w: Pick<DesktopWindow, 'kind' | 'modal' | 'transientFor'>): boolean =>
  w.kind === 'dialog' || w.modal || (w.transientFor !== null && w.kind !== 'utility' && !TRANSIENT_KINDS.has(w.kind));

const normalTitle = (title: string): string => title.replace(/\s+/g, ' ').trim();

/**
 * The windows of `after` a person would have to deal with (isSignificantWindow) that were not
 * there `before` (by id) and whose titles are not among `expectedTitles` (the windows a
 * recording met, compared with runs of white space made one). Replay stops at these; run
 * describes them to the planner. Dialogs first, then in `after`'s order.
 */
export function unexpectedWindows(
  before: readonly DesktopWindow[],
  after: readonly DesktopWindow[],
  expectedTitles: Iterable<string> = [],
): DesktopWindow[] {
  const expected = new Set([...expectedTitles].map(normalTitle));
  const found = diffWindows(before, after).appeared.filter(
    (w) => isSignificantWindow(w) && !expected.has(normalTitle(w.title)),
  );
  return [...found.filter(isDialogWindow), ...found.filter((w) => !isDialogWindow(w))];
}

const MAX_TEXT_CHARS = 300;

const quote = (s: string): string => `"${s.replace(/\s+/g, ' ').trim()}"`;

/**
 * One line for a planner prompt or a replay report, e.g.
 * `A dialog "Keep current format" is open: "This document may contain…". Buttons: "Use PowerPoint Format!", "Use ODF Format!".`
 * `window` gives the kind and title; `description` (from the accessibility tree) the texts and
 * buttons when they could be read. Long texts are cut: the line goes into every prompt.
 */
export function describeWindowLine(
  window: Pick<DesktopWindow, 'title' | 'kind' | 'modal' | 'transientFor'>,
  description: DialogDescription | null = null,
): string {
  const title = window.title || description?.title || '';
  const what =
    isDialogWindow(window) || description?.role === 'dialog' || description?.role === 'alert' ? 'A dialog' : 'A window';
  let line = `${what} ${title ? quote(title) : '(untitled)'} is open`;
  const text = description?.text.join(' ').replace(/\s+/g, ' ').trim() ?? '';
  if (text) line += `: ${quote(text.length > MAX_TEXT_CHARS ? `${text.slice(0, MAX_TEXT_CHARS - 1)}…` : text)}`;
  line += '.';
  if (description && description.buttons.length > 0) {
    line += ` Buttons: ${description.buttons.map(quote).join(', ')}.`;
  }
  return line;
}
