/** The types shared by the capture backends, the capture loop and the encoder. */
export type BackendName = 'x11' | 'nutjs' | 'screenshot-desktop';
export type BackendPreference = 'auto' | BackendName;

/** A rectangle of the virtual desktop (X11 root window coordinates), in pixels. */
export interface CaptureRegion {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface RawFrame {
  /**
   * Pixels, rows top to bottom without padding, 4 bytes a pixel in `format` order. The fourth
   * byte is not alpha for X11 grabs (ZPixmap padding, often 0): treat every frame as opaque.
   */
  readonly data: Buffer;
  readonly width: number;
  readonly height: number;
  readonly channels: 4;
  readonly format: 'rgba' | 'bgra';
  /** Date.now() when the grab was requested: the screen content is from no earlier. */
  readonly capturedAt: number;
}

export interface CaptureBackend {
  readonly name: BackendName;
  /** The part of the desktop the frames show. */
  readonly region: CaptureRegion;
  grab(): Promise<RawFrame>;
  close(): void;
}

export interface BackendOptions {
  /** X DISPLAY; default the process's. nut-js only ever uses the process's. */
  readonly display?: string;
  /** Capture only this rectangle (one monitor); default the whole desktop. */
  readonly region?: CaptureRegion;
  /** Storage for x11 frames, e.g. SharedArrayBuffer-backed so they cross threads uncopied. */
  readonly allocate?: (bytes: number) => Buffer;
}
