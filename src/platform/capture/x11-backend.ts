/**
 * Frames by X11 GetImage of the root window over the protocol socket (see platform/x11/client.ts),
 * and, on request, change tracking with the DAMAGE extension: the capture loop then grabs
 * only after something was drawn instead of polling an idle screen.
 */
import type { BackendOptions, CaptureBackend, CaptureRegion, RawFrame } from './capture-types.js';
import { DamageReportLevel, X11Client, type Rectangle } from '../x11/client.js';

/**
 * What DAMAGE reported since the last grab. Soundness: a grab first empties the damage
 * (DamageSubtract) and then reads the pixels (GetImage), both served in order; anything drawn
 * in the region after the Subtract damages an empty region again and so sends a DamageNotify,
 * and a DamageNotify sent before a GetImage reply arrives before it. So a grab whose reply
 * came with no new notification shows the same pixels as the grab before it — unless the
 * server fails to report some drawing (direct-rendered GL, say), which the capture loop
 * checks now and then with an unprompted grab.
 */
export interface ScreenChanges {
  /** Something in the region was drawn since the last grab was sent: the next grab may differ. */
  readonly dirty: boolean;
  /** DamageNotify events for the region received so far. */
  readonly notifications: number;
  /** Called on each DamageNotify for the region (from the socket's read callback). */
  onChange: (() => void) | null;
  /** Stops tracking (DamageDestroy); grabs no longer subtract. */
  stop(): void;
}

export interface X11CaptureBackend extends CaptureBackend {
  readonly name: 'x11';
  /**
   * Starts tracking changes with DAMAGE (idempotent); null when the server lacks DAMAGE or
   * refuses. Starts dirty: frames grabbed before tracking began may be stale.
   */
  trackChanges(): Promise<ScreenChanges | null>;
}

export function isX11Backend(backend: CaptureBackend): backend is X11CaptureBackend {
  return backend.name === 'x11' && 'trackChanges' in backend;
}

export async function openX11Backend(options: BackendOptions = {}): Promise<X11CaptureBackend> {
  return X11Client.connectFor(options.display, undefined, (client) => {
    const { screen } = client;
    const format = pixelOrder(client);
    const region = options.region ?? { x: 0, y: 0, width: screen.width, height: screen.height };
    const allocate = options.allocate ?? ((n: number) => Buffer.allocUnsafeSlow(n));
    let damage: number | null = null;
    let tracking: Promise<ScreenChanges | null> | undefined;
    const changes = {
      dirty: true,
      notifications: 0,
      onChange: null as (() => void) | null,
      stop(): void {
        if (damage === null) return;
        client.destroyDamage(damage);
        damage = null;
      },
    };
    return {
      name: 'x11',
      region,
      async grab(): Promise<RawFrame> {
        const capturedAt = Date.now();
        const { x, y, width, height } = region;
        if (damage !== null) {
          // What is drawn from here on is either in this image or reported anew.
          changes.dirty = false;
          client.subtractDamage(damage);
        }
        const { data } = await client.getImage(screen.root, x, y, width, height, allocate);
        return { data, width, height, channels: 4, format, capturedAt };
      },
      trackChanges(): Promise<ScreenChanges | null> {
        tracking ??= (async () => {
          try {
            if (!(await client.damageVersion())) return null;
            // One damage per connection: every DamageNotify here is ours. BoundingBox (not
            // NonEmpty) so that drawing outside a monitor region can be told apart.
            client.onDamageNotify((e) => {
              if (damage === null || !intersects(e.area, region)) return;
              changes.dirty = true;
              changes.notifications++;
              changes.onChange?.();
            });
            damage = await client.createDamage(screen.root, DamageReportLevel.BoundingBox);
            changes.dirty = true;
            return changes;
          } catch {
            return null;
          }
        })();
        return tracking;
      },
      close: () => client.close(),
    };
  });
}

/** Whether a damaged area overlaps the captured region. */
export function intersects(a: Rectangle, b: CaptureRegion): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
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
