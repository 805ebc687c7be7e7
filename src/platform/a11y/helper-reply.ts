/**
 * Reading the native helpers' JSON reply lines (the protocol in helper-process.ts and the window
 * requests in windows/helper-windows.ts): values of unknown shape → typed fields, never throwing,
 * because a helper is another program and a malformed reply must not stop a recording or a step.
 */
import type { Rect } from '../../core/actions.js';

/** A reply line's JSON value, or undefined when the line is not JSON. */
export function parseReplyLine(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A string field, or '' when it is missing or not a string. */
export const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/** The strings of a list field; other entries are dropped, a missing list gives []. */
export const texts = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((s): s is string => typeof s === 'string') : [];

/** A count or id field (a non-negative safe integer), or null. */
export const count = (value: unknown): number | null =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : null;

/** A reply's {"left","top","right","bottom"} → a rectangle (rounded), or null when it is not one. */
export function toRect(value: unknown): Rect | null {
  if (!isRecord(value)) return null;
  const { left, top, right, bottom } = value;
  const sides = [left, top, right, bottom];
  if (!sides.every((n): n is number => typeof n === 'number' && Number.isFinite(n))) return null;
  const [l, t, r, b] = sides.map(Math.round) as [number, number, number, number];
  return r > l && b > t ? { left: l, top: t, right: r, bottom: b } : null;
}
