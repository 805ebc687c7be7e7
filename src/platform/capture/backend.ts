/**
 * The choice between the screen-grab backends (capture-types.ts: CaptureBackend): the
 * pure-Node X11 GetImage first (asynchronous, no native code, fastest in
 * bench/capture.bench.ts), nut-js (libnut's synchronous XGetImage; also Windows and macOS)
 * next, screenshot-desktop (an ImageMagick `import` process a frame, 100× slower) last.
 */
import type { BackendName, BackendOptions, BackendPreference, CaptureBackend, RawFrame } from './capture-types.js';

export interface BackendChoice {
  readonly backend: CaptureBackend;
  /** The frame that proved the backend works. */
  readonly frame: RawFrame;
  /** The backends tried before it and why each was passed over. */
  readonly skipped: ReadonlyArray<{ readonly name: BackendName; readonly error: string }>;
}

const OPENERS: Record<BackendName, (options: BackendOptions) => Promise<CaptureBackend>> = {
  x11: async (o) => (await import('./x11-backend.js')).openX11Backend(o),
  nutjs: async (o) => (await import('./nutjs-backend.js')).openNutjsBackend(o),
  'screenshot-desktop': async (o) => (await import('./screenshot-desktop-backend.js')).openScreenshotDesktopBackend(o),
};

const AUTO_ORDER: readonly BackendName[] = ['x11', 'nutjs', 'screenshot-desktop'];

/**
 * Opens the preferred backend, or with 'auto' the first that works. A backend counts as
 * working once it has delivered one frame of the expected size.
 */
export async function chooseBackend(
  preference: BackendPreference = 'auto',
  options: BackendOptions = {},
): Promise<BackendChoice> {
  const order = preference === 'auto' ? AUTO_ORDER : [preference];
  const skipped: Array<{ name: BackendName; error: string }> = [];
  for (const name of order) {
    let backend: CaptureBackend | undefined;
    try {
      backend = await OPENERS[name](options);
      const frame = await backend.grab();
      const { width, height } = backend.region;
      if (frame.width !== width || frame.height !== height) {
        throw new Error(`grabbed ${frame.width}×${frame.height}, expected ${width}×${height}`);
      }
      return { backend, frame, skipped };
    } catch (err) {
      backend?.close();
      skipped.push({ name, error: (err as Error).message });
    }
  }
  const reasons = skipped.map((s) => `${s.name}: ${s.error}`).join('; ');
  throw new Error(`no screen capture backend works (${reasons})`);
}
