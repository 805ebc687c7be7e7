/**
 * Windows accessibility provider: the element under a screen point through UI Automation, asked
 * of one long-lived PowerShell helper (uia-helper.ps1) that speaks the protocol in
 * helper-process.ts. Points and rectangles are physical pixels of the virtual desktop: the
 * helper makes itself per-monitor DPI aware, like the input hooks of a DPI-aware process.
 */
import {
  createHelperProvider,
  helperScript,
  type HelperProvider,
  type HelperProviderOptions,
} from './helper-process.js';

export const UIA_HELPER = helperScript(new URL('../../../native/windows/uia-helper.ps1', import.meta.url));

// Windows PowerShell 5.1 ships with every Windows 10/11 and with the .NET Framework UI
// Automation client assemblies the helper loads.
export const UIA_HELPER_ARGS = ['-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-File', UIA_HELPER];

export function createUiaProvider(options: HelperProviderOptions = {}): HelperProvider {
  return createHelperProvider('win32', 'powershell.exe', UIA_HELPER_ARGS, options);
}
