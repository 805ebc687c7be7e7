/**
 * Windows accessibility provider: the element under a screen point through UI Automation, asked
 * of one long-lived PowerShell helper (uia-helper.ps1) that speaks the protocol in
 * ../line-protocol.ts. Points and rectangles are physical pixels of the virtual desktop: the
 * helper makes itself per-monitor DPI aware, like the input hooks of a DPI-aware process.
 */
import { fileURLToPath } from 'node:url';
import { createHelperProvider, type HelperProvider, type HelperProviderOptions } from '../line-protocol.js';

const HELPER = fileURLToPath(new URL('./uia-helper.ps1', import.meta.url));

export function createUiaProvider(options: HelperProviderOptions = {}): HelperProvider {
  // Windows PowerShell 5.1 ships with every Windows 10/11 and with the .NET Framework UI
  // Automation client assemblies the helper loads.
  const args = ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-File', HELPER];
  return createHelperProvider('win32', 'powershell.exe', args, options);
}
