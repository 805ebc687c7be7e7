/**
 * Frames by nut-js `screen.grab()` (libnut: XGetImage on X11, GDI on Windows, CoreGraphics on
 * macOS). The native call is synchronous and blocks its thread for the whole grab, which is
 * why FrameCapture runs backends in a worker.
 */
import type { BackendOptions, CaptureBackend, RawFrame } from './capture-types.js';

export async function openNutjsBackend(options: BackendOptions = {}): Promise<CaptureBackend> {
  if (options.display !== undefined && options.display !== process.env.DISPLAY) {
    throw new Error(`nut-js grabs the process's DISPLAY (${process.env.DISPLAY}), not ${options.display}`);
  }
  const { screen, Region, ColorMode } = await import('@nut-tree-fork/nut-js');
  const region = options.region ?? { x: 0, y: 0, width: await screen.width(), height: await screen.height() };
  const whole = options.region === undefined;
  return {
    name: 'nutjs',
    region,
    async grab(): Promise<RawFrame> {
      const capturedAt = Date.now();
      const image = whole
        ? await screen.grab()
        : await screen.grabRegion(new Region(region.x, region.y, region.width, region.height));
      if (image.channels !== 4 || image.byteWidth !== image.width * 4) {
        throw new Error(`unexpected nut-js image layout: ${image.channels} channels, ${image.byteWidth} bytes a row`);
      }
      const format = image.colorMode === ColorMode.BGR ? 'bgra' : 'rgba';
      return { data: image.data, width: image.width, height: image.height, channels: 4, format, capturedAt };
    },
    close: () => undefined,
  };
}
