/**
 * The desktop's top-level windows and what a dialog among them says, for the agents: replay
 * compares the list before and after each step and stops at a window the recording never met;
 * run tells the planner about an unexpected dialog (issue 11 §2, §4; the comparison and the
 * wording are src/core/windows-diff.ts).
 *
 * Linux (X11): the list from the window manager's EWMH properties over our X11 client
 * (x11.ts), descriptions from AT-SPI (a11y/atspi-dialog.ts). Windows and macOS: both from the
 * accessibility helper processes (helper-windows.ts), which are not run in CI.
 */
import type { DesktopWindow, DialogDescription } from '../../core/windows-diff.js';
import { AtspiConnection, withDeadline } from '../a11y/atspi-bus.js';
import { describeAtspiWindow } from '../a11y/atspi-dialog.js';
import { X11WindowList } from './x11.js';

/** How long a description may take by default; AT-SPI answers a dialog in tens of ms. */
export const DEFAULT_DESCRIBE_DEADLINE_MS = 300;
const WALK_SHARE = 0.7;

export interface DesktopWindows {
  readonly platform: string;
  /**
   * Connects to the accessibility side now (the AT-SPI bus; the Windows / macOS helper), which
   * can take longer than a description's deadline. False when it cannot work here.
   */
  ready(): Promise<boolean>;
  /**
   * The managed top-level windows now, oldest first. Windows that close during the look are
   * left out. Rejects only when the windows cannot be listed at all (the X server is gone).
   */
  list(): Promise<DesktopWindow[]>;
  /**
   * What `window` shows (role, label texts, push buttons), from the accessibility tree; null
   * when it cannot be read within `deadlineMs` (default 300 ms), has closed, or its application
   * is not accessible. Never rejects.
   */
  describe(window: DesktopWindow, deadlineMs?: number): Promise<DialogDescription | null>;
  close(): Promise<void>;
}

export interface DesktopWindowsOptions {
  /** X11 display (Linux); default $DISPLAY. */
  readonly display?: string;
  /** Session bus whose accessibility bus to ask (Linux); default DBUS_SESSION_BUS_ADDRESS. */
  readonly sessionBusAddress?: string;
  readonly platform?: NodeJS.Platform;
}

/**
 * Opens the platform's window list. Linux: connects to the X server now (rejects with an
 * X11Error when it cannot) and to the accessibility bus on the first description.
 */
export async function openDesktopWindows(options: DesktopWindowsOptions = {}): Promise<DesktopWindows> {
  const platform = options.platform ?? process.platform;
  if (platform === 'win32' || platform === 'darwin') {
    const { openHelperWindows } = await import('./helper-windows.js');
    return openHelperWindows(platform);
  }
  return openX11Windows(options);
}

async function openX11Windows(options: DesktopWindowsOptions): Promise<DesktopWindows> {
  let windows = await X11WindowList.open(options.display);
  const atspi = new AtspiConnection(options.sessionBusAddress);
  return {
    platform: 'linux',
    ready: () =>
      atspi.get().then(
        () => true,
        () => false,
      ),
    async list() {
      // A failed connection (the X server restarted) is made again once, not on every call.
      if (windows.failed) {
        windows.close();
        windows = await X11WindowList.open(options.display);
      }
      return windows.list();
    },
    describe(window, deadlineMs = DEFAULT_DESCRIBE_DEADLINE_MS) {
      if (atspi.isClosed) return Promise.resolve(null);
      // The walk stops descending at 70 % of the time, leaving the rest to read the names.
      const walkUntil = Date.now() + deadlineMs * WALK_SHARE;
      return withDeadline(
        async (timedOut) => {
          const bus = await atspi.get();
          return describeAtspiWindow(bus, window, { walkUntil, cancelled: () => timedOut() || bus.isClosed });
        },
        deadlineMs,
        null,
      );
    },
    close() {
      windows.close();
      atspi.close();
      return Promise.resolve();
    },
  };
}
