import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium (installed by .ci/run); playwright's own browser download is not possible here. */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Headless Chromium as a root CI job can run it, with the background networking that this
 * machine's closed network would refuse turned off.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
