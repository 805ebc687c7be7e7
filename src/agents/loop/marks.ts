/**
 * The marked frame of an agent step: the screenshot with where the action landed drawn in red —
 * the same drawing as refinement's step 9 (`src/core/marks.ts`): the grounded box as the element
 * rectangle, a dot and a ring at a click's point with its arrow, a drag's two points joined.
 * Only the rasterising (sharp) lives here.
 */
import sharp from 'sharp';
import type { Action, ElementInfo } from '../../core/actions.js';
import { marksOverlay } from '../../core/marks.js';
import type { Box } from '../grounding/grounder.js';

/** A grounded box ([left, top, right, bottom), right/bottom exclusive) as the element it found. */
export function boxElement(box: Box | null | undefined): ElementInfo | null {
  if (!box) return null;
  const [left, top, right, bottom] = box;
  return { name: '', rect: { left, top, right: right - 1, bottom: bottom - 1 } };
}

/** The frame (packed RGB) with the action's marks, as PNG; null when there is nothing to mark. */
export async function markedFrame(
  rgb: { data: Buffer; width: number; height: number },
  action: Action,
  box?: Box | null,
  pngLevel = 4,
): Promise<Buffer | null> {
  const overlay = marksOverlay(action, boxElement(box), rgb);
  if (overlay === null) return null;
  // Composited RGB comes out with an alpha channel; flatten it so the file is RGB like the frame.
  const { data, info } = await sharp(rgb.data, { raw: { width: rgb.width, height: rgb.height, channels: 3 } })
    .composite([{ input: Buffer.from(overlay.svg), top: overlay.top, left: overlay.left }])
    .raw()
    .toBuffer({ resolveWithObject: true });
  return sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } })
    .removeAlpha()
    .png({ compressionLevel: pngLevel })
    .toBuffer();
}
