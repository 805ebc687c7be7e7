/**
 * The accessibility element under the pointer, asked for by the recorder on every click
 * (SPEC §2.1: the reference stored UI Automation's element name and rectangle).
 *
 * One provider per platform (AT-SPI on Linux, UI Automation on Windows, AX on macOS). A
 * provider answers within a deadline or gives `null`: the recorder must never wait on, or
 * crash because of, an application that is slow to answer accessibility requests.
 */
import type { Rect } from '../../core/actions.js';

export interface ElementAtPoint {
  /** Accessible name; "" when the element has none (SPEC: "" means unknown). */
  readonly name: string;
  /** Platform role name, e.g. "push button", "menu", "password text". */
  readonly role: string;
  /** Screen rectangle in physical pixels (right/bottom exclusive), or null when unknown. */
  readonly rect: Rect | null;
  /** Title of the top-level window that contains the element. */
  readonly windowTitle: string;
  /** Name of the application that owns the window. */
  readonly appName: string;
}

export interface AccessibilityProvider {
  readonly platform: string;
  /**
   * The element at screen point (x, y), or null when there is none or the answer did not
   * come within `deadlineMs` (default 150 ms). Never rejects.
   */
  elementAt(x: number, y: number, deadlineMs?: number): Promise<ElementAtPoint | null>;
  /** Releases connections; the provider may not be used afterwards. */
  close(): Promise<void>;
}

export const DEFAULT_DEADLINE_MS = 150;

/** For platforms without an accessibility backend: every point is "unknown". */
export const nullProvider: AccessibilityProvider = {
  platform: 'none',
  elementAt: () => Promise.resolve(null),
  close: () => Promise.resolve(),
};
