/**
 * The marked frame of an agent step: the screenshot with where the action landed drawn in red,
 * like refinement's marks (SPEC §2.3 step 9): a dot (r = 3) and a ring (r = 18) at a click's
 * point and the grounded box around it; a drag's two points joined by a line.
 */
import sharp from 'sharp';
import type { Action, Point } from '../../core/actions.js';
import type { Box } from '../grounding/grounder.js';

const RED = '#ff0000';

function target(p: Point): string {
  const x = p.x + 0.5;
  const y = p.y + 0.5;
  return (
    `<circle cx="${x}" cy="${y}" r="3" fill="${RED}"/>` +
    `<circle cx="${x}" cy="${y}" r="16.5" fill="none" stroke="${RED}" stroke-width="3"/>`
  );
}

/** The SVG overlay of an action's marks, or null when the action has no point. */
export function marksSvg(action: Action, size: { width: number; height: number }, box?: Box | null): string | null {
  const shapes: string[] = [];
  if ((action.kind === 'click' || action.kind === 'right_click' || action.kind === 'double_click') && action.at) {
    if (box) {
      const [l, t, r, b] = box;
      shapes.push(
        `<rect x="${l + 1}" y="${t + 1}" width="${Math.max(0, r - l - 2)}" height="${Math.max(0, b - t - 2)}" fill="none" stroke="${RED}" stroke-width="2"/>`,
      );
    }
    shapes.push(target(action.at));
  } else if (action.kind === 'drag') {
    const { from, to } = action;
    shapes.push(
      `<line x1="${from.x + 0.5}" y1="${from.y + 0.5}" x2="${to.x + 0.5}" y2="${to.y + 0.5}" stroke="${RED}" stroke-width="3"/>`,
    );
    shapes.push(target(from), target(to));
  } else return null;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${size.width}" height="${size.height}">${shapes.join('')}</svg>`;
}

/** The frame (packed RGB) with the action's marks, as PNG; null when there is nothing to mark. */
export async function markedFrame(
  rgb: { data: Buffer; width: number; height: number },
  action: Action,
  box?: Box | null,
  pngLevel = 4,
): Promise<Buffer | null> {
  const svg = marksSvg(action, rgb, box);
  if (svg === null) return null;
  // Composited RGB comes out with an alpha channel; flatten it so the file is RGB like the frame.
  const { data, info } = await sharp(rgb.data, { raw: { width: rgb.width, height: rgb.height, channels: 3 } })
    .composite([{ input: Buffer.from(svg), top: 0, left: 0 }])
    .raw()
    .toBuffer({ resolveWithObject: true });
  return sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } })
    .removeAlpha()
    .png({ compressionLevel: pngLevel })
    .toBuffer();
}
