import type { DesktopWindow } from '../../src/core/windows-diff.js';

/** A normal, inactive Impress window of 1280×800 (below a 19-pixel title bar), with `more` over it. */
export const desktopWindow = (id: number, title: string, more: Partial<DesktopWindow> = {}): DesktopWindow => ({
  id,
  title,
  kind: 'normal',
  modal: false,
  transientFor: null,
  pid: 4242,
  app: 'libreoffice-impress',
  rect: { left: 0, top: 19, right: 1280, bottom: 800 },
  frame: { left: 0, top: 0, right: 1280, bottom: 800 },
  active: false,
  hidden: false,
  ...more,
});
