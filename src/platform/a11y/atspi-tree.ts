/**
 * What every walk over the AT-SPI tree shares (the hit test in atspi.ts, open menus in
 * atspi-menus.ts, window descriptions in atspi-dialog.ts): the reads it needs, the top-level
 * windows, and the extents' geometry.
 */
import type { Rect } from '../../core/actions.js';
import { DESKTOP, type AccessibleRef, type Extents } from './atspi-bus.js';

/** The reads every walk needs; AtspiBus implements them, tests may fake them. */
export interface AtspiTree {
  children(ref: AccessibleRef): Promise<AccessibleRef[]>;
  name(ref: AccessibleRef): Promise<string>;
  roleName(ref: AccessibleRef): Promise<string>;
  states(ref: AccessibleRef): Promise<ReadonlySet<number>>;
  extents(ref: AccessibleRef): Promise<Extents | null>;
}

/** The states of an object whose states could not be read. */
export const NO_STATES: ReadonlySet<number> = new Set();

/** A map key for an object (a bus name never contains NUL). */
export const refKey = (ref: AccessibleRef): string => `${ref.bus}\u0000${ref.path}`;

export const contains = (b: Extents, x: number, y: number): boolean =>
  x >= b.x && x < b.x + b.width && y >= b.y && y < b.y + b.height;

export const extentsRect = (b: Extents): Rect => ({
  left: b.x,
  top: b.y,
  right: b.x + b.width,
  bottom: b.y + b.height,
});

/**
 * `read` of every top-level window of `apps` (default: every application on the desktop), all
 * in parallel, the windows of an application that cannot be asked left out; nulls are dropped.
 */
export async function readTopWindows<T>(
  tree: Pick<AtspiTree, 'children'>,
  read: (app: AccessibleRef, window: AccessibleRef) => Promise<T | null>,
  apps?: readonly AccessibleRef[],
): Promise<Awaited<T>[]> {
  const perApp = await Promise.all(
    (apps ?? (await tree.children(DESKTOP))).map(async (app) => {
      const windows = await tree.children(app).catch(() => []);
      return Promise.all(windows.map((window) => read(app, window)));
    }),
  );
  return perApp.flat().filter((w): w is Awaited<T> => w !== null);
}
