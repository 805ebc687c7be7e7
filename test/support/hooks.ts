import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import type { Library } from '../../src/library/library.js';
import { removeTempLibrary } from './fixture.js';
import { FakeModelServer } from './openai-server.js';
import { startDisplay, startImpressDesktop, type DisplayOptions, type Impress, type XSession } from './xsession.js';

/**
 * The fake OpenAI-compatible server for the tests of a file or `describe` block: started once
 * before them and handed to `use`, reset (then `prepare`d) before each test, closed after them.
 */
export function useFakeModelServer(
  use: (server: FakeModelServer) => void,
  prepare: (server: FakeModelServer) => void = () => undefined,
): void {
  let server: FakeModelServer | undefined;
  beforeAll(async () => {
    server = await FakeModelServer.start();
    use(server);
  });
  afterAll(async () => {
    await server?.close();
  });
  beforeEach(() => {
    prepare(server!.reset());
  });
}

/** A private desktop for the tests of a file or `describe` block: started before them and handed to `use`, stopped after them. */
export function useDisplay(options: DisplayOptions, use: (session: XSession) => void): void {
  let session: XSession | undefined;
  beforeAll(async () => {
    session = await startDisplay(options);
    use(session);
  }, 60_000);
  afterAll(async () => {
    await session?.stop();
  });
}

/**
 * LibreOffice Impress on a fresh desktop for the tests of a file or `describe` block (see
 * startImpressDesktop): started before them and handed to `use`, stopped after them.
 */
export function useImpressDesktop(
  display: DisplayOptions,
  profilePrefix: string,
  use: (desktop: { session: XSession; impress: Impress }) => void,
): void {
  let desktop: { session: XSession; impress: Impress } | undefined;
  beforeAll(async () => {
    desktop = await startImpressDesktop(display, profilePrefix);
    use(desktop);
  }, 180_000);
  afterAll(async () => {
    await desktop?.impress.stop();
    await desktop?.session.stop();
  });
}

/**
 * A fresh temporary library for each test, made by `open` (openTempLibrary, openFixtureLibrary…):
 * opened before it and handed to `use`, closed and its folder removed after it.
 */
export function useTempLibrary<T extends { home: string; lib: Library }>(
  open: () => T | Promise<T>,
  use: (temp: T) => void,
): void {
  let temp: T | undefined;
  beforeEach(async () => {
    temp = await open();
    use(temp);
  });
  afterEach(() => {
    if (temp) removeTempLibrary(temp);
    temp = undefined;
  });
}
