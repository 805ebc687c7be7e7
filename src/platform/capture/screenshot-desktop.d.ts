/** The part of screenshot-desktop (no bundled types) that the fallback backend uses. */
declare module 'screenshot-desktop' {
  interface ScreenshotDisplay {
    readonly id: string;
    readonly name: string;
    readonly width: number;
    readonly height: number;
    readonly offsetX?: number;
    readonly offsetY?: number;
    readonly primary?: boolean;
  }
  interface Screenshot {
    (options?: { format?: 'png' | 'jpg'; screen?: string; filename?: string }): Promise<Buffer>;
    listDisplays(): Promise<ScreenshotDisplay[]>;
  }
  const screenshot: Screenshot;
  export default screenshot;
}
