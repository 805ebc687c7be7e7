/**
 * Opens the platform's DesktopWindows (desktop-windows.ts): on Linux the X11 window list and
 * AT-SPI descriptions, on Windows and macOS the accessibility helpers.
 */
import { AtspiConnection, withDeadline } from '../a11y/atspi-bus.js';
import { describeAtspiWindow } from '../a11y/atspi-dialog.js';
import { DEFAULT_DESCRIBE_DEADLINE_MS, type DesktopWindows } from './desktop-windows.js';
import { X11WindowList } from './x11.js';

/** The share of a description's time the walk may use; the rest reads the names it found. */
const WALK_SHARE = 0.7;

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
