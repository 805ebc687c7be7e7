import { afterAll, beforeAll, beforeEach } from 'vitest';
import { FakeModelServer } from './openai-server.js';
import { startDisplay, type DisplayOptions, type XSession } from './xsession.js';

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
