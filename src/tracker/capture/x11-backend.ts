/** Frames by X11 GetImage of the root window over the protocol socket (see x11-client.ts). */
import type { BackendOptions, CaptureBackend, RawFrame } from './capture-types.js';
import { X11Client } from './x11-client.js';

export async function openX11Backend(options: BackendOptions = {}): Promise<CaptureBackend> {
  const client = await X11Client.connect(options.display);
  try {
    const { screen } = client;
    const format = pixelOrder(client);
    const region = options.region ?? { x: 0, y: 0, width: screen.width, height: screen.height };
    const allocate = options.allocate ?? ((n: number) => Buffer.allocUnsafeSlow(n));
    return {
      name: 'x11',
      region,
      async grab(): Promise<RawFrame> {
        const capturedAt = Date.now();
        const { x, y, width, height } = region;
        const { data } = await client.getImage(screen.root, x, y, width, height, allocate);
        return { data, width, height, channels: 4, format, capturedAt };
      },
      close: () => client.close(),
    };
  } catch (err) {
    client.close();
    throw err;
  }
}

/**
 * The byte order of a ZPixmap pixel. Only 32 bits a pixel (depth 24 or 32, i.e. every
 * desktop today) with 8-bit channels is supported; others throw and another backend is used.
 */
function pixelOrder(client: X11Client): 'bgra' | 'rgba' {
  const { screen, setup } = client;
  const pixmap = setup.pixmapFormats.find((f) => f.depth === screen.rootDepth);
  const visual = screen.rootVisual;
  if (pixmap?.bitsPerPixel !== 32 || !visual) {
    throw new Error(`unsupported X11 pixel format: depth ${screen.rootDepth}, ${pixmap?.bitsPerPixel} bpp`);
  }
  // A pixel is a 32-bit word in the server's image byte order; find where red lands in memory.
  const masks = [visual.redMask, visual.greenMask, visual.blueMask];
  const lsb = setup.imageByteOrder === 'lsb';
  const key = masks.map((m) => (lsb ? m : byteSwap(m)).toString(16)).join(',');
  if (key === 'ff0000,ff00,ff') return 'bgra';
  if (key === 'ff,ff00,ff0000') return 'rgba';
  throw new Error(`unsupported X11 visual masks ${key} (${setup.imageByteOrder})`);
}

function byteSwap(v: number): number {
  return (((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24)) >>> 0;
}
