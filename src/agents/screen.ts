import { chooseBackend } from '../platform/capture/backend.js';
import type { BackendPreference, CaptureRegion, RawFrame } from '../platform/capture/capture-types.js';
import { frameImage } from '../platform/capture/pixels.js';
import type { ScreenShot } from './replay/replay.js';

export interface Screen {
  readonly backend: string;
  readonly width: number;
  readonly height: number;
  /** The part of the desktop the shots show. */
  readonly region: CaptureRegion;
  /** One raw grab, not encoded (for the screen settler's frame hashes: openSettler({ backend: screen })). */
  grab(): Promise<RawFrame>;
  /** The whole screen now, as PNG (fast compression: it is read once by a grounder). */
  shot(): Promise<ScreenShot>;
  close(): void;
}

/** One-shot screenshots for agents, through the platform's capture backends. */
export async function openScreen(preference: BackendPreference = 'auto'): Promise<Screen> {
  const { backend } = await chooseBackend(preference);
  const { width, height } = backend.region;
  return {
    backend: backend.name,
    width,
    height,
    region: backend.region,
    grab: () => backend.grab(),
    async shot() {
      const frame = await backend.grab();
      const png = await frameImage(frame).png({ compressionLevel: 1 }).toBuffer();
      return { png, width: frame.width, height: frame.height };
    },
    close: () => backend.close(),
  };
}
