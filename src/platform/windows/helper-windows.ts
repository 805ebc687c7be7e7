import type { DesktopWindows } from './desktop-windows.js';

export function openHelperWindows(platform: 'win32' | 'darwin'): Promise<DesktopWindows> {
  return Promise.reject(new Error(`${platform}: not yet`));
}
