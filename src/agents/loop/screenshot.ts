/**
 * Screenshots for the agent: one grab of the screen by the platform's capture backends (X11
 * GetImage first, then nut-js, then screenshot-desktop; see platform/capture/backend.ts), as
 * packed RGB for the grounder and as PNG for the planner and the library.
 */
import sharp from 'sharp';
import type { RawFrame as CaptureFrame } from '../../platform/capture/capture-types.js';
import type { BackendPreference, CaptureBackend, CaptureRegion } from '../../platform/capture/capture-types.js';

export interface Screenshot {
  /** Packed RGB, 3 bytes a pixel: what the grounder reads. */
  readonly rgb: { readonly data: Buffer; readonly width: number; readonly height: number; readonly channels: 3 };
  /** The same pixels as PNG: what the planner sees and the library stores. */
  readonly png: Buffer;
  readonly width: number;
  readonly height: number;
  /** Date.now() when the grab was requested. */
  readonly capturedAt: number;
  readonly grabMs: number;
  readonly encodeMs: number;
  /**
   * Says the caller is done with `rgb`: a later take() may write its pixels into the same memory
   * (the agent loop calls it when a step is stored). Without the call nothing is reused.
   */
  release?(): void;
}

export interface Screenshotter {
  /** Which backend grabs, and the part of the desktop it shows. */
  readonly backend: string;
  readonly region: CaptureRegion;
  take(): Promise<Screenshot>;
  /** One raw grab, not encoded (what the screen settler hashes where DAMAGE is missing). */
  grab(): Promise<CaptureFrame>;
  close(): void;
}

export interface ScreenshotterOptions {
  readonly backend?: BackendPreference;
  readonly display?: string;
  readonly region?: CaptureRegion;
  /** zlib level of the PNGs (default 4: UI frames compress well and fast). */
  readonly pngLevel?: number;
}

/** Packs a 4-byte-a-pixel grab (BGRA or RGBA, the fourth byte padding) into RGB (into `out` when given). */
export function toRgb(frame: Pick<CaptureFrame, 'data' | 'width' | 'height' | 'format'>, out?: Buffer): Buffer {
  const { data, width, height, format } = frame;
  const n = width * height;
  if (!out) out = Buffer.allocUnsafe(n * 3);
  else if (out.length !== n * 3) throw new RangeError(`toRgb: ${out.length} bytes for ${n} pixels`);
  const [r, b] = format === 'bgra' ? [2, 0] : [0, 2];
  for (let i = 0, j = 0; i < n; i++, j += 4) {
    const o = i * 3;
    out[o] = data[j + r]!;
    out[o + 1] = data[j + 1]!;
    out[o + 2] = data[j + b]!;
  }
  return out;
}

// Every screenshot is a new buffer: libvips' operation cache (on by default, up to 50 MB)
// never hits and only holds on to memory over a long run.
sharp.cache(false);

export async function encodePng(rgb: Screenshot['rgb'], level = 4): Promise<Buffer> {
  return sharp(rgb.data, { raw: { width: rgb.width, height: rgb.height, channels: 3 } })
    .png({ compressionLevel: level })
    .toBuffer();
}

/**
 * Screenshots from a capture backend already open (e.g. the one `chooseBackend` proved).
 * `recycle` takes back each grab's pixels once they are packed into RGB (see openScreenshotter).
 */
export function screenshotterFor(
  backend: CaptureBackend,
  options: ScreenshotterOptions = {},
  recycle: (pixels: Buffer) => void = () => {},
): Screenshotter {
  // The packed pixels of a released screenshot, written over by the next take(): without it each
  // step freed a 3–6 MB buffer only when the collector ran, and RSS swung by 30 MB between runs.
  // Each take() wraps the memory in a new Buffer, so nothing keyed by the old object matches.
  let spareRgb: ArrayBuffer | null = null;
  return {
    backend: backend.name,
    region: backend.region,
    async take(): Promise<Screenshot> {
      const start = performance.now();
      const frame = await backend.grab();
      const bytes = frame.width * frame.height * 3;
      const memory = spareRgb?.byteLength === bytes ? spareRgb : Buffer.allocUnsafeSlow(bytes).buffer;
      spareRgb = null;
      const data = toRgb(frame, Buffer.from(memory, 0, bytes));
      const rgb = { data, width: frame.width, height: frame.height, channels: 3 as const };
      recycle(frame.data);
      const grabbed = performance.now();
      const png = await encodePng(rgb, options.pngLevel);
      return {
        rgb,
        png,
        width: frame.width,
        height: frame.height,
        capturedAt: frame.capturedAt,
        grabMs: grabbed - start,
        encodeMs: performance.now() - grabbed,
        release: () => {
          spareRgb = memory;
        },
      };
    },
    grab: () => backend.grab(),
    close: () => backend.close(),
  };
}

/** Opens the preferred capture backend ('auto': the first that works) for agent screenshots. */
export async function openScreenshotter(options: ScreenshotterOptions = {}): Promise<Screenshotter> {
  const { chooseBackend } = await import('../../platform/capture/backend.js');
  // One grab buffer for the run (X11 grabs land in it), handed out again only once the last
  // grab was packed into RGB: a fresh 4–8 MB buffer a step made glibc serve them from its heap,
  // which fragmented (RSS +30–50 KB a step over 400 steps, bench/soak.bench.ts).
  let spare: Buffer | null = null;
  const allocate = (bytes: number): Buffer => {
    const buffer = spare?.length === bytes ? spare : Buffer.allocUnsafeSlow(bytes);
    spare = null;
    return buffer;
  };
  const { backend } = await chooseBackend(options.backend ?? 'auto', {
    display: options.display,
    region: options.region,
    allocate,
  });
  return screenshotterFor(backend, options, (pixels) => (spare = pixels));
}
