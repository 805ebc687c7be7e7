/**
 * The X11 desktop's layout: the virtual desktop (root window, all monitors), the RandR
 * monitors in it, and the scale toolkits render at (Xft.dpi / 96). X11 itself has one pixel
 * space: pointer coordinates and frames are both physical pixels whatever Xft.dpi says.
 */
import type { ScreenGeometry } from '../../core/geometry.js';
import type { CaptureRegion } from './capture-types.js';
import { X11Client, type Monitor } from '../x11/client.js';

export interface ScreenLayout {
  readonly desktop: { readonly width: number; readonly height: number };
  readonly monitors: readonly Monitor[];
  readonly scaleFactor: number;
}

export async function readScreenLayout(display?: string): Promise<ScreenLayout> {
  const client = await X11Client.connect(display);
  try {
    const [monitors, dpi] = await Promise.all([client.monitors(), client.xftDpi()]);
    const { width, height } = client.screen;
    return { desktop: { width, height }, monitors, scaleFactor: dpi && dpi > 0 ? dpi / 96 : 1 };
  } finally {
    client.close();
  }
}

/** One monitor's rectangle, by RandR monitor name or index in the layout. */
export function monitorRegion(layout: ScreenLayout, monitor: string | number): CaptureRegion {
  const found =
    typeof monitor === 'number' ? layout.monitors[monitor] : layout.monitors.find((m) => m.name === monitor);
  if (!found) {
    const names = layout.monitors.map((m, i) => `${i}: ${m.name}`).join(', ') || 'none';
    throw new Error(`no monitor ${JSON.stringify(monitor)} (monitors: ${names})`);
  }
  return { x: found.x, y: found.y, width: found.width, height: found.height };
}

/** The geometry of a captured region, sizes in the core's logical/physical terms. */
export function screenGeometry(region: CaptureRegion, scaleFactor: number): ScreenGeometry {
  return {
    physical: { width: region.width, height: region.height },
    logical: {
      width: Math.round(region.width / scaleFactor),
      height: Math.round(region.height / scaleFactor),
    },
    scaleFactor,
    origin: { x: Math.round(region.x / scaleFactor), y: Math.round(region.y / scaleFactor) },
  };
}
