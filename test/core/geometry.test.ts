import { describe, expect, it } from 'vitest';
import type { Action } from '../../src/core/actions.js';
import {
  clampPoint,
  logicalToPhysical,
  manhattan,
  physicalToLogical,
  rectCenter,
  rectContains,
  resizeMapping,
  scaleAction,
  scalePoint,
  scaleRect,
  type ScreenGeometry,
} from '../../src/core/geometry.js';

const HIDPI: ScreenGeometry = {
  logical: { width: 1280, height: 720 },
  physical: { width: 2560, height: 1440 },
  scaleFactor: 2,
  origin: { x: 0, y: 0 },
};

describe('logical ↔ physical', () => {
  it('doubles logical points on a scale-2 screen and halves them back', () => {
    expect(logicalToPhysical({ x: 10, y: 20 }, HIDPI)).toEqual({ x: 20, y: 40 });
    expect(logicalToPhysical({ x: 1280, y: 720 }, HIDPI)).toEqual({ x: 2560, y: 1440 });
    expect(physicalToLogical({ x: 20, y: 40 }, HIDPI)).toEqual({ x: 10, y: 20 });
    expect(physicalToLogical({ x: 21, y: 41 }, HIDPI)).toEqual({ x: 11, y: 21 });
    for (const point of [
      { x: 0, y: 0 },
      { x: 639, y: 359 },
      { x: 1279, y: 719 },
    ]) {
      expect(physicalToLogical(logicalToPhysical(point, HIDPI), HIDPI)).toEqual(point);
    }
  });

  it('keeps the edges on the frame edges at a fractional scale with a rounded logical size', () => {
    const screen: ScreenGeometry = {
      logical: { width: 1707, height: 960 },
      physical: { width: 2560, height: 1440 },
      scaleFactor: 1.5,
      origin: { x: 0, y: 0 },
    };
    expect(logicalToPhysical({ x: 1707, y: 960 }, screen)).toEqual({ x: 2560, y: 1440 });
    expect(physicalToLogical({ x: 2560, y: 1440 }, screen)).toEqual({ x: 1707, y: 960 });
  });

  it('subtracts and adds the origin of a secondary monitor', () => {
    const left: ScreenGeometry = {
      logical: { width: 1920, height: 1080 },
      physical: { width: 1920, height: 1080 },
      scaleFactor: 1,
      origin: { x: -1920, y: -200 },
    };
    expect(logicalToPhysical({ x: -1900, y: -190 }, left)).toEqual({ x: 20, y: 10 });
    expect(physicalToLogical({ x: 20, y: 10 }, left)).toEqual({ x: -1900, y: -190 });
    const right: ScreenGeometry = { ...HIDPI, origin: { x: 1920, y: 0 } };
    expect(logicalToPhysical({ x: 1930, y: 5 }, right)).toEqual({ x: 20, y: 10 });
    expect(physicalToLogical({ x: 20, y: 10 }, right)).toEqual({ x: 1930, y: 5 });
  });
});

describe('resizing', () => {
  const mapping = resizeMapping({ width: 2560, height: 1440 }, { width: 1920, height: 1080 });

  it('scales 2560×1440 points onto 1920×1080', () => {
    expect(scalePoint({ x: 0, y: 0 }, mapping)).toEqual({ x: 0, y: 0 });
    expect(scalePoint({ x: 100, y: 200 }, mapping)).toEqual({ x: 75, y: 150 });
    expect(scalePoint({ x: 2559, y: 1439 }, mapping)).toEqual({ x: 1919, y: 1079 });
    expect(scalePoint({ x: 2, y: 6 }, mapping)).toEqual({ x: 2, y: 5 }); // 1.5 → 2, 4.5 → 5
    expect(scalePoint({ x: -100, y: 0 }, mapping)).toEqual({ x: -75, y: 0 });
  });

  it('scales x and y independently', () => {
    const stretch = resizeMapping({ width: 100, height: 100 }, { width: 200, height: 50 });
    expect(scalePoint({ x: 10, y: 10 }, stretch)).toEqual({ x: 20, y: 5 });
  });

  it('rounds a point that lands exactly on a half up, as exact arithmetic says', () => {
    // 95 × 720 / 608 = 112.5, while 95 × (720 / 608) is 112.49999999999999 in floating point.
    const odd = resizeMapping({ width: 912, height: 608 }, { width: 1080, height: 720 });
    expect(scalePoint({ x: 95, y: 95 }, odd)).toEqual({ x: 113, y: 113 });
  });

  it('scales the edges of rects', () => {
    expect(scaleRect({ left: 0, top: 0, right: 2560, bottom: 1440 }, mapping)).toEqual({
      left: 0,
      top: 0,
      right: 1920,
      bottom: 1080,
    });
    expect(scaleRect({ left: 10, top: 20, right: 110, bottom: 220 }, mapping)).toEqual({
      left: 8,
      top: 15,
      right: 83,
      bottom: 165,
    });
  });

  it('rejects empty sizes', () => {
    expect(() => resizeMapping({ width: 0, height: 1080 }, { width: 1920, height: 1080 })).toThrow(RangeError);
    expect(() => resizeMapping({ width: 1920, height: 1080 }, { width: 1920, height: -1 })).toThrow(RangeError);
  });

  it.each<[Action, Action]>([
    [
      { kind: 'click', at: { x: 100, y: 200 } },
      { kind: 'click', at: { x: 75, y: 150 } },
    ],
    [
      { kind: 'right_click', at: { x: 100, y: 200 }, target: 'the menu' },
      { kind: 'right_click', at: { x: 75, y: 150 }, target: 'the menu' },
    ],
    [
      { kind: 'double_click', at: { x: 4, y: 8 } },
      { kind: 'double_click', at: { x: 3, y: 6 } },
    ],
    [
      { kind: 'click', target: 'the OK button' },
      { kind: 'click', target: 'the OK button' },
    ],
    [
      { kind: 'press', at: { x: 400, y: 40 } },
      { kind: 'press', at: { x: 300, y: 30 } },
    ],
    [
      { kind: 'drag_to', at: { x: 800, y: 80 } },
      { kind: 'drag_to', at: { x: 600, y: 60 } },
    ],
    [
      { kind: 'drag', from: { x: 400, y: 40 }, to: { x: 800, y: 80 } },
      { kind: 'drag', from: { x: 300, y: 30 }, to: { x: 600, y: 60 } },
    ],
    [
      { kind: 'scroll', dx: 0, dy: -4 },
      { kind: 'scroll', dx: 0, dy: -4 },
    ],
    [
      { kind: 'key', key: 'enter' },
      { kind: 'key', key: 'enter' },
    ],
    [
      { kind: 'hotkey', keys: ['ctrl', 's'] },
      { kind: 'hotkey', keys: ['ctrl', 's'] },
    ],
    [
      { kind: 'type', text: 'hi' },
      { kind: 'type', text: 'hi' },
    ],
    [{ kind: 'wait' }, { kind: 'wait' }],
    [{ kind: 'finish' }, { kind: 'finish' }],
    [{ kind: 'fail' }, { kind: 'fail' }],
  ])('scaleAction %j', (action, scaled) => {
    expect(scaleAction(action, mapping)).toEqual(scaled);
  });
});

describe('point and rect helpers', () => {
  const rect = { left: 10, top: 20, right: 30, bottom: 40 };

  it('measures Manhattan distance', () => {
    expect(manhattan({ x: 1, y: 2 }, { x: 4, y: -2 })).toBe(7);
    expect(manhattan({ x: 5, y: 5 }, { x: 5, y: 5 })).toBe(0);
  });

  it('treats right and bottom edges as exclusive', () => {
    expect(rectContains(rect, { x: 10, y: 20 })).toBe(true);
    expect(rectContains(rect, { x: 29, y: 39 })).toBe(true);
    expect(rectContains(rect, { x: 30, y: 25 })).toBe(false);
    expect(rectContains(rect, { x: 15, y: 40 })).toBe(false);
    expect(rectContains(rect, { x: 9, y: 25 })).toBe(false);
  });

  it('finds a center inside the rect, even one pixel wide', () => {
    expect(rectCenter(rect)).toEqual({ x: 20, y: 30 });
    const pixel = { left: 7, top: -3, right: 8, bottom: -2 };
    expect(rectCenter(pixel)).toEqual({ x: 7, y: -3 });
    expect(rectContains(pixel, rectCenter(pixel))).toBe(true);
  });

  it('clamps points into a frame', () => {
    const size = { width: 1920, height: 1080 };
    expect(clampPoint({ x: -5, y: 2000 }, size)).toEqual({ x: 0, y: 1079 });
    expect(clampPoint({ x: 1920, y: -1 }, size)).toEqual({ x: 1919, y: 0 });
    expect(clampPoint({ x: 5, y: 6 }, size)).toEqual({ x: 5, y: 6 });
  });
});
