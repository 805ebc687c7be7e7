/**
 * The executor (SPEC §2.5): performs actions on the real screen. Points in actions are in the
 * pixel space of the screenshots the agent sees (the capture's physical pixels); the executor maps
 * them into the input system's own space (logical pixels on HiDPI Windows/macOS, the same pixels
 * on X11) with geometry.ts. Before each action it checks the fail-safe: the pointer in a screen
 * corner aborts with a FailSafeError.
 */
import type { Action, Point } from '../../core/actions.js';
import type { Size } from '../../core/geometry.js';

export interface PerformOptions {
  /** Aborts between the parts of an action (key strokes, drag steps). */
  readonly signal?: AbortSignal;
}

export interface Executor {
  readonly name: string;
  /** The size of the frames whose pixels actions' points are in. */
  readonly frameSize: Size;
  /**
   * Performs one action. Clicks need `at` (ground them first); `wait`, `finish` and `fail` do
   * nothing here (the loop waits and ends runs). Throws FailSafeError when the pointer is in a
   * screen corner before the action.
   */
  perform(action: Action, options?: PerformOptions): Promise<void>;
  /** Where the pointer is, in frame pixels. */
  pointer(): Promise<Point>;
  /** Throws FailSafeError when the pointer is in a screen corner. */
  checkFailSafe(): Promise<void>;
  close(): Promise<void>;
}

/** The user moved the pointer into a screen corner: stop everything. */
export class FailSafeError extends Error {
  override readonly name = 'FailSafeError';

  constructor(readonly at: Point) {
    super(`fail-safe: the pointer is in a screen corner at (${at.x}, ${at.y}); the agent stopped`);
  }
}

/** An action the executor cannot perform (a click without a point, an unknown key). */
export class ExecutorError extends Error {
  override readonly name = 'ExecutorError';
}

/** Pixels from a corner within which the fail-safe trips. */
export const FAIL_SAFE_MARGIN = 2;

/** Whether `p` lies within `margin` pixels of a corner of a `size` screen (0 … width-1). */
export function inCorner(p: Point, size: Size, margin = FAIL_SAFE_MARGIN): boolean {
  const nearX = p.x <= margin || p.x >= size.width - 1 - margin;
  const nearY = p.y <= margin || p.y >= size.height - 1 - margin;
  return nearX && nearY;
}

/** Evenly spaced points from `from` (exclusive) to `to` (inclusive), rounded to pixels. */
export function dragPath(from: Point, to: Point, steps: number): Point[] {
  const n = Math.max(1, Math.round(steps));
  const path: Point[] = [];
  for (let i = 1; i <= n; i++) {
    path.push({
      x: Math.round(from.x + ((to.x - from.x) * i) / n),
      y: Math.round(from.y + ((to.y - from.y) * i) / n),
    });
  }
  return path;
}
