import fs from 'node:fs';
import path from 'node:path';
import type { Box } from '../../src/agents/ocr/frame.js';
import { FIXTURE_DIR, FIXTURE_NAME } from './fixture.js';

/**
 * Icon-only click targets on the pc-tracker fixture's 1920×1080 frames (the visual grounder's
 * test and bench): the Start logo and the window's × as pc-tracker recorded them, and toolbar
 * buttons whose boxes were measured on the PowerPoint frame.
 */

const SHOTS = path.join(FIXTURE_DIR, 'screenshot');
/** The Windows desktop with the taskbar. */
export const DESKTOP_FRAME = path.join(SHOTS, '20241126_161519_1.png');
/** PowerPoint with the Home ribbon open. */
export const RIBBON_FRAME = path.join(SHOTS, '20241126_161528_5.png');
/** PowerPoint just before its × was clicked. */
export const CLOSING_FRAME = path.join(SHOTS, '20241126_161536_6.png');

interface Rect {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** The element rectangle pc-tracker recorded for the click on `element`. */
export function recordedRect(element: string): Box {
  const step = fs
    .readFileSync(path.join(FIXTURE_DIR, `${FIXTURE_NAME}.jsonl`), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { element: string | null; rect: Rect | null })
    .find((s) => s.element === element && s.rect);
  if (!step?.rect) throw new Error(`no recorded rect for ${element}`);
  const r = step.rect;
  return [r.left, r.top, r.right, r.bottom];
}

export interface IconTarget {
  readonly name: string;
  readonly frame: string;
  readonly box: Box;
}

export const ICON_TARGETS: readonly IconTarget[] = [
  { name: 'the Start logo', frame: DESKTOP_FRAME, box: recordedRect('Start') },
  { name: "the window's ×", frame: CLOSING_FRAME, box: recordedRect('Close') },
  { name: 'Save (quick access)', frame: RIBBON_FRAME, box: [190, 16, 216, 42] },
  { name: 'Bold', frame: RIBBON_FRAME, box: [330, 152, 355, 180] },
  { name: 'New Slide', frame: RIBBON_FRAME, box: [152, 104, 196, 142] },
  { name: 'Format Painter', frame: RIBBON_FRAME, box: [82, 168, 108, 192] },
  { name: 'Add-ins', frame: RIBBON_FRAME, box: [1742, 105, 1782, 145] },
  { name: 'Minimize', frame: RIBBON_FRAME, box: [1755, 12, 1790, 48] },
];

/** The box scaled from a 1920×1080 frame to a `width`×`height` one. */
export function scaledBox(box: Box, width: number, height: number): Box {
  const sx = width / 1920;
  const sy = height / 1080;
  return [box[0] * sx, box[1] * sy, box[2] * sx, box[3] * sy];
}

export function pointInBox(point: { x: number; y: number }, box: Box): boolean {
  return point.x >= box[0] && point.x < box[2] && point.y >= box[1] && point.y < box[3];
}
