import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium (installed by .ci/run); playwright's own browser download is not possible here. */
export const CHROMIUM = '/usr/bin/chromium';

export interface ChromiumOptions {
  /**
   * A visible window on this X display's environment (e.g. a test session's `env`), for tests
   * where a desktop program must show something on a real screen; default headless.
   */
  readonly headedEnv?: NodeJS.ProcessEnv;
  readonly args?: readonly string[];
}

/**
 * Chromium as a root CI job can run it, with the background networking that this machine's
 * closed network would refuse turned off.
 */
export function launchChromium(options: ChromiumOptions = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: !options.headedEnv,
    ...(options.headedEnv ? { env: options.headedEnv } : {}),
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...(options.args ?? []),
    ],
  });
}
