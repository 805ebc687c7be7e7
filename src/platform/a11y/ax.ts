/**
 * macOS accessibility provider: the element under a screen point through the AX API, asked of
 * one long-lived JavaScript for Automation helper (ax-helper.js under osascript) that speaks the
 * protocol in helper-process.ts.
 *
 * Coordinates are Quartz global display coordinates in points (origin at the top-left of the
 * main display), the space AX and CGEvent locations use; converting to a screen's frame pixels
 * is geometry's job (src/core/geometry.ts), since macOS has no desktop-wide pixel space.
 *
 * AX answers only a process the user trusted in System Settings › Privacy & Security ›
 * Accessibility; the helper checks AXIsProcessTrusted at start and otherwise refuses, which
 * reaches `onError` once and turns every hit test into null.
 */
import {
  createHelperProvider,
  helperScript,
  type HelperProvider,
  type HelperProviderOptions,
} from './helper-process.js';

export const AX_HELPER = helperScript(new URL('../../../native/macos/ax-helper.js', import.meta.url));

export function createAxProvider(options: HelperProviderOptions = {}): HelperProvider {
  return createHelperProvider('darwin', '/usr/bin/osascript', ['-l', 'JavaScript', AX_HELPER], options);
}
