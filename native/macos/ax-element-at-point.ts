/**
 * macOS accessibility provider: the element under a screen point through the AX API, asked of
 * one long-lived JavaScript for Automation helper (ax-helper.js under osascript) that speaks the
 * protocol in ../line-protocol.ts.
 *
 * Coordinates are Quartz global display coordinates in points (origin at the top-left of the
 * main display), the space AX and CGEvent locations use; converting to a screen's frame pixels
 * is geometry's job (src/core/geometry.ts), since macOS has no desktop-wide pixel space.
 *
 * AX answers only a process the user trusted in System Settings › Privacy & Security ›
 * Accessibility; the helper checks AXIsProcessTrusted at start and otherwise refuses, which
 * reaches `onError` once and turns every hit test into null.
 */
import { fileURLToPath } from 'node:url';
import { createHelperProvider, type HelperProvider, type HelperProviderOptions } from '../line-protocol.js';

const HELPER = fileURLToPath(new URL('./ax-helper.js', import.meta.url));

export function createAxProvider(options: HelperProviderOptions = {}): HelperProvider {
  return createHelperProvider('darwin', '/usr/bin/osascript', ['-l', 'JavaScript', HELPER], options);
}
