/**
 * Coordinate geometry: the one place where points, rectangles and actions change pixel space
 * (HiDPI logical ↔ physical, multi-monitor origins, frame resizing) plus small point/rect helpers.
 * Results are integer pixels (Math.round), like the coordinates actions carry.
 * Pure module: no I/O.
 */
import type { Action, Point, Rect } from './actions.js';

export interface Size {
  readonly width: number;
  readonly height: number;
}

/** One screen of a (possibly multi-monitor) desktop. */
export interface ScreenGeometry {
  /** Size in logical pixels, the unit the OS gives applications (DIPs on HiDPI Windows/macOS). */
  readonly logical: Size;
  /** Size in physical pixels: the size of this screen's captured frame. */
  readonly physical: Size;
  /** The scale factor the OS reports (physical / logical), stored as reported. */
  readonly scaleFactor: number;
  /** Top-left of this screen in the virtual desktop, logical pixels; may be negative. */
  readonly origin: Point;
}

/*
 * Conversions use the ratio of the two sizes rather than `scaleFactor`: OSes round the logical
 * size at fractional scales (2560 px at 150 % is reported as 1707 logical px), and the ratio
 * keeps the screen's edges on the frame's edges.
 */

/** A virtual-desktop point in logical pixels → a pixel of this screen's frame. */
export function logicalToPhysical(point: Point, screen: ScreenGeometry): Point {
  return {
    x: Math.round(((point.x - screen.origin.x) * screen.physical.width) / screen.logical.width),
    y: Math.round(((point.y - screen.origin.y) * screen.physical.height) / screen.logical.height),
  };
}

/** A pixel of this screen's frame → a virtual-desktop point in logical pixels. */
export function physicalToLogical(point: Point, screen: ScreenGeometry): Point {
  return {
    x: screen.origin.x + Math.round((point.x * screen.logical.width) / screen.physical.width),
    y: screen.origin.y + Math.round((point.y * screen.logical.height) / screen.physical.height),
  };
}

/** Maps coordinates of a frame of size `from` onto the same frame resized to `to`. */
export interface ResizeMapping {
  readonly from: Size;
  readonly to: Size;
}

export function resizeMapping(from: Size, to: Size): ResizeMapping {
  for (const size of [from, to]) {
    if (!(size.width > 0 && size.height > 0)) {
      throw new RangeError(`sizes must be positive, got ${size.width}×${size.height}`);
    }
  }
  return { from, to };
}

// `x * to / from` rather than `x * (to / from)`: the product is exact, so a point that lands on
// a half rounds as it should (a rounded ratio can put it a hair below) and equal sizes are exact.
function scaleX(x: number, { from, to }: ResizeMapping): number {
  return Math.round((x * to.width) / from.width);
}

function scaleY(y: number, { from, to }: ResizeMapping): number {
  return Math.round((y * to.height) / from.height);
}

export function scalePoint(point: Point, mapping: ResizeMapping): Point {
  return { x: scaleX(point.x, mapping), y: scaleY(point.y, mapping) };
}

/** Scales the edges, so an exclusive right/bottom edge stays exclusive. */
export function scaleRect(rect: Rect, mapping: ResizeMapping): Rect {
  return {
    left: scaleX(rect.left, mapping),
    top: scaleY(rect.top, mapping),
    right: scaleX(rect.right, mapping),
    bottom: scaleY(rect.bottom, mapping),
  };
}

/** Scales every point an action carries; actions without points are returned as they are. */
export function scaleAction(action: Action, mapping: ResizeMapping): Action {
  switch (action.kind) {
    case 'click':
    case 'right_click':
    case 'double_click':
      return action.at === undefined ? action : { ...action, at: scalePoint(action.at, mapping) };
    case 'press':
    case 'drag_to':
      return { ...action, at: scalePoint(action.at, mapping) };
    case 'drag':
      return {
        ...action,
        from: scalePoint(action.from, mapping),
        to: scalePoint(action.to, mapping),
      };
    case 'scroll': // notches, not pixels
    case 'key':
    case 'hotkey':
    case 'type':
    case 'wait':
    case 'finish':
    case 'fail':
      return action;
    default: {
      const unknown: never = action;
      throw new TypeError(`not an action: ${JSON.stringify(unknown)}`);
    }
  }
}

export function manhattan(a: Point, b: Point): number {
  return Math.abs(a.x - b.x) + Math.abs(a.y - b.y);
}

/** Right and bottom edges are exclusive. */
export function rectContains(rect: Rect, point: Point): boolean {
  return point.x >= rect.left && point.x < rect.right && point.y >= rect.top && point.y < rect.bottom;
}

/** The center pixel, rounded down so that it lies inside any non-empty rect (edges exclusive). */
export function rectCenter(rect: Rect): Point {
  return {
    x: Math.floor((rect.left + rect.right) / 2),
    y: Math.floor((rect.top + rect.bottom) / 2),
  };
}

/** The nearest pixel of a `size` frame (0 … width-1, 0 … height-1). */
export function clampPoint(point: Point, size: Size): Point {
  return {
    x: Math.min(Math.max(point.x, 0), size.width - 1),
    y: Math.min(Math.max(point.y, 0), size.height - 1),
  };
}
