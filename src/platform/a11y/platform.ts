import type { AccessibilityProvider } from './provider.js';
import { nullProvider } from './provider.js';

/**
 * The platform's accessibility provider, connected before the first click: AT-SPI on Linux,
 * UI Automation (a PowerShell helper) on Windows, AX (an osascript helper) on macOS. A provider
 * that cannot work (no bus, no permission, no helper) leaves elements unknown and says why in
 * its name; recording goes on either way.
 */
export async function defaultAccessibility(
  centre: { x: number; y: number },
  platform: NodeJS.Platform = process.platform,
): Promise<{ provider: AccessibilityProvider; name: string }> {
  const within = <T>(p: Promise<T>, ms: number, fallback: T) =>
    Promise.race([p, new Promise<T>((r) => setTimeout(() => r(fallback), ms).unref())]);
  if (platform === 'win32' || platform === 'darwin') {
    let why = '';
    const onError = (err: Error) => (why = err.message);
    const { provider, label } =
      platform === 'win32'
        ? { provider: (await import('./uia.js')).createUiaProvider({ onError }), label: 'ui-automation' }
        : { provider: (await import('./ax.js')).createAxProvider({ onError }), label: 'ax' };
    // PowerShell takes a second or more to start: before the first click, not on it.
    const ready = await within(provider.ready(), 10_000, false);
    return { provider, name: ready ? label : `${label} (${why || 'helper not ready'}: elements will be unknown)` };
  }
  if (platform !== 'linux') return { provider: nullProvider, name: 'none' };
  const { createAtspiProvider } = await import('./atspi.js');
  const provider = createAtspiProvider();
  // Connecting can take longer than a hit-test deadline: do it before the first click.
  const ready = await within(provider.ready(), 3_000, false);
  // Applications build their accessible objects lazily: the first walk into a window is the
  // slow one (~2 s for Impress under load). Walk the middle of the screen now, not on a click.
  if (ready) await provider.elementAt(centre.x, centre.y, 5_000);
  return { provider, name: ready ? 'at-spi' : 'at-spi (bus not reachable: elements will be unknown)' };
}
