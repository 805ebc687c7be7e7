/**
 * The desktop's windows on Windows and macOS, asked of the accessibility helper scripts
 * (native/windows/uia-helper.ps1, native/macos/ax-helper.js) over the line protocol of
 * src/platform/a11y/helper-process.ts, with two more requests besides "x y":
 *
 *   request  "windows"        reply  [{"id","title","kind","modal","transientFor","pid","app",
 *                                      "rect","frame","active","hidden"}, …]  (null if it failed)
 *   request  "describe <id>"  reply  null  or  {"title","role","text":[…],"buttons":[…],"complete"}
 *
 * Rectangles are {"left","top","right","bottom"} like the element replies. These helpers are
 * not run in CI (see native/README.md): the parsing below is tested against a stand-in child.
 * The window list gets its own helper process, so that a slow description never delays the
 * recorder's hit tests or the other way round.
 */
import type { Rect } from '../../core/actions.js';
import type { DesktopWindow, DialogDescription, WindowKind } from '../../core/windows-diff.js';
import { checkHelperGreeting, LineChild } from '../a11y/helper-process.js';
import { count, isRecord, parseReplyLine, text, texts, toRect } from '../a11y/helper-reply.js';
import { AX_HELPER } from '../a11y/ax.js';
import { UIA_HELPER_ARGS } from '../a11y/uia.js';
import { DEFAULT_DESCRIBE_DEADLINE_MS, type DesktopWindows } from './desktop-windows.js';

/** A look at every window can take a while in PowerShell; still bounded, never hanging a step. */
const LIST_DEADLINE_MS = 3000;

const KINDS: ReadonlySet<string> = new Set<WindowKind>([
  'normal',
  'dialog',
  'utility',
  'toolbar',
  'menu',
  'dropdown-menu',
  'popup-menu',
  'combo',
  'tooltip',
  'notification',
  'splash',
  'dock',
  'desktop',
  'dnd',
  'unknown',
]);

/** A "windows" reply → the windows, or null when it is not a list (the helper failed). */
export function parseWindowsReply(line: string): DesktopWindow[] | null {
  const reply = parseReplyLine(line);
  if (!Array.isArray(reply)) return null;
  const windows: DesktopWindow[] = [];
  for (const w of reply) {
    const id = isRecord(w) ? count(w.id) : null;
    if (!isRecord(w) || id === null) continue; // a window without a handle cannot be compared
    const rect: Rect | null = toRect(w.rect);
    windows.push({
      id,
      title: text(w.title),
      kind: KINDS.has(text(w.kind)) ? (text(w.kind) as WindowKind) : 'unknown',
      modal: w.modal === true,
      transientFor: count(w.transientFor) || null,
      pid: count(w.pid),
      app: text(w.app),
      rect,
      frame: toRect(w.frame) ?? rect,
      active: w.active === true,
      hidden: w.hidden === true,
    });
  }
  return windows;
}

/** A "describe" reply → the description, or null for `null` and anything malformed. */
export function parseDescribeReply(line: string): DialogDescription | null {
  const reply = parseReplyLine(line);
  if (!isRecord(reply)) return null;
  return {
    title: text(reply.title),
    role: text(reply.role),
    text: texts(reply.text),
    buttons: texts(reply.buttons),
    complete: reply.complete !== false,
  };
}

/** DesktopWindows answered by a helper that speaks the protocol in the module doc. */
export function createHelperWindows(platform: string, command: string, args: readonly string[]): DesktopWindows {
  let failure: Error | null = null;
  const child = new LineChild({
    command,
    args,
    checkGreeting: checkHelperGreeting,
    // Listing every window of a busy desktop may take longer than a hit test.
    stuckAfterMs: 10_000,
    onError: (err) => (failure = err),
  });
  return {
    platform,
    ready: () => child.start(),
    async list() {
      const reply = await child.request('windows', LIST_DEADLINE_MS);
      const windows = reply === null ? null : parseWindowsReply(reply);
      if (windows === null) {
        throw new Error(`cannot list the desktop's windows: ${failure?.message ?? 'the helper did not answer'}`);
      }
      return windows;
    },
    async describe(window, deadlineMs = DEFAULT_DESCRIBE_DEADLINE_MS) {
      const reply = await child.request(`describe ${window.id}`, deadlineMs);
      const description = reply === null ? null : parseDescribeReply(reply);
      // The helper knows the window by its handle; the list's title is the one to show.
      return description && { ...description, title: window.title || description.title };
    },
    close: () => child.close(),
  };
}

export function openHelperWindows(platform: 'win32' | 'darwin'): Promise<DesktopWindows> {
  const windows =
    platform === 'win32'
      ? createHelperWindows('win32', 'powershell.exe', UIA_HELPER_ARGS)
      : createHelperWindows('darwin', '/usr/bin/osascript', ['-l', 'JavaScript', AX_HELPER]);
  return Promise.resolve(windows);
}
