/**
 * Frames by screenshot-desktop: on Linux an ImageMagick `import` process per frame writing a
 * PNG (~150 ms at 1080p), decoded with sharp. The fallback when neither X11 socket nor nut-js
 * works. It captures one xrandr output (the primary, or the one matching `region`), never the
 * whole multi-monitor desktop.
 */
import screenshot from 'screenshot-desktop';
import sharp from 'sharp';
import type { BackendOptions, CaptureBackend, CaptureRegion, RawFrame } from './capture-types.js';

export async function openScreenshotDesktopBackend(options: BackendOptions = {}): Promise<CaptureBackend> {
  // `xrandr` and `import` run with this process's environment.
  if (options.display !== undefined && options.display !== process.env.DISPLAY) {
    throw new Error(`screenshot-desktop grabs the process's DISPLAY (${process.env.DISPLAY}), not ${options.display}`);
  }
  const displays = await screenshot.listDisplays();
  const wanted = options.region;
  const display = wanted
    ? displays.find(
        (d) =>
          d.offsetX === wanted.x && d.offsetY === wanted.y && d.width === wanted.width && d.height === wanted.height,
      )
    : (displays.find((d) => d.primary) ?? displays[0]);
  if (!display) throw new Error('screenshot-desktop lists no display for this region');
  const region: CaptureRegion = {
    x: display.offsetX ?? 0,
    y: display.offsetY ?? 0,
    width: display.width,
    height: display.height,
  };
  return {
    name: 'screenshot-desktop',
    region,
    async grab(): Promise<RawFrame> {
      const capturedAt = Date.now();
      const png = await screenshot({ format: 'png', screen: display.id });
      const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
      return { data, width: info.width, height: info.height, channels: 4, format: 'rgba', capturedAt };
    },
    close: () => undefined,
  };
}
