/**
 * The desktop's top-level windows and what a dialog among them says, for the agents: replay
 * compares the list before and after each step and stops at a window the recording never met;
 * run tells the planner about an unexpected dialog (issue 11 §2, §4; the comparison and the
 * wording are src/core/windows-diff.ts).
 *
 * This module is the interface; open-desktop-windows.ts picks the platform's: Linux (X11) lists
 * from the window manager's EWMH properties over our X11 client (x11.ts) and describes from
 * AT-SPI (a11y/atspi-dialog.ts); Windows and macOS ask the accessibility helper processes
 * (helper-windows.ts), which are not run in CI.
 */
import type { DesktopWindow, DialogDescription } from '../../core/windows-diff.js';

/** How long a description may take by default; AT-SPI answers a dialog in tens of ms. */
export const DEFAULT_DESCRIBE_DEADLINE_MS = 300;

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
