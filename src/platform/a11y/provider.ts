/**
 * The accessibility element under the pointer, asked for by the recorder on every click
 * (SPEC §2.1: the reference stored UI Automation's element name and rectangle), and the
 * elements of the focused window, which the `a11y` grounder searches for a click target.
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

/** State names of `ScreenElement.states`, the same on every platform. */
export const ELEMENT_STATES = [
  'active',
  'checked',
  'editable',
  'enabled',
  'expanded',
  'focused',
  'pressed',
  'selected',
  'showing',
] as const;

export type ElementState = (typeof ELEMENT_STATES)[number];

const ELEMENT_STATE_SET: ReadonlySet<unknown> = new Set(ELEMENT_STATES);

/** Whether a value (a helper's reply, say) is one of `ELEMENT_STATES`. */
export const isElementState = (value: unknown): value is ElementState => ELEMENT_STATE_SET.has(value);

/** One element of the focused window (or of one of its open menus and popups). */
export interface ScreenElement {
  /** Accessible name; "" when it has none. */
  readonly name: string;
  /** Accessible description (toolbar buttons often carry their tooltip here); "" when none. */
  readonly description: string;
  /**
   * For an unnamed element: the name of a small named ancestor that stands for it (LibreOffice's
   * sidebar tab buttons are unnamed inside tool bars named "Properties", "Styles", …); else "".
   */
  readonly label: string;
  /** Platform role name, as in ElementAtPoint. */
  readonly role: string;
  readonly states: readonly ElementState[];
  /** Screen rectangle in physical pixels (right/bottom exclusive). */
  readonly rect: Rect;
  /** Title of the top-level window the element belongs to. */
  readonly windowTitle: string;
  /**
   * Whether the element is drawn over its window: in a popup window (a context menu, a
   * drop-down list) or in a menu opened from the window's menu bar.
   */
  readonly inPopup: boolean;
}

export interface AccessibilityProvider {
  readonly platform: string;
  /**
   * The element at screen point (x, y), or null when there is none or the answer did not
   * come within `deadlineMs` (default 150 ms). Never rejects.
   */
  elementAt(x: number, y: number, deadlineMs?: number): Promise<ElementAtPoint | null>;
  /**
   * The showing elements of the focused top-level window and of its application's open popups
   * (menus, drop-down lists), popups first; [] when unknown or not answered within
   * `deadlineMs` (default ELEMENTS_DEADLINE_MS). Never rejects.
   */
  elements(deadlineMs?: number): Promise<readonly ScreenElement[]>;
  /** Releases connections; the provider may not be used afterwards. */
  close(): Promise<void>;
}

export const DEFAULT_DEADLINE_MS = 150;
/** A whole window's elements take longer than one hit test, and a first walk into a window longer still. */
export const ELEMENTS_DEADLINE_MS = 3000;

/** For platforms without an accessibility backend: every point is "unknown". */
export const nullProvider: AccessibilityProvider = {
  platform: 'none',
  elementAt: () => Promise.resolve(null),
  elements: () => Promise.resolve([]),
  close: () => Promise.resolve(),
};
