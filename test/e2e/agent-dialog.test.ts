/**
 * `pcagent run` tells the planner about a dialog that opened during the run, on a real desktop:
 * Xvfb + openbox + LibreOffice Impress, the REAL executor (XTEST), the REAL settler, the REAL
 * window list (EWMH) and accessibility tree (AT-SPI). The planner is FAKED: FakeModelServer
 * answers over real HTTP in the ui-tars form — first Ctrl+Shift+S (Impress opens its Save
 * dialog), then `finished()`. The second request must describe the dialog in words, with its
 * title and buttons, so the planner answers it instead of clicking blindly; the first must not.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWithFakeUiTars } from '../support/cli.js';
import { tempDir } from '../support/fixture.js';
import { FakeModelServer, type FakeRequest } from '../support/openai-server.js';
import { type XSession } from '../support/xsession.js';
import { useImpressDesktop } from '../support/hooks.js';

let session: XSession;
let server: FakeModelServer;

useImpressDesktop({ width: 1280, height: 800 }, 'agent-dialog-profile', (d) => (session = d.session));
beforeAll(async () => {
  server = await FakeModelServer.start();
});
afterAll(async () => {
  await server?.close();
});

describe('pcagent run with a dialog opening (Impress, Xvfb, AT-SPI; faked planner)', () => {
  it('describes the Save dialog, its title and buttons, in the next planner request', async () => {
    const requests: FakeRequest[] = [];
    server.reset().setFallback((request) => {
      requests.push(request);
      return requests.length === 1
        ? "Thought: I open the Save As dialog.\nAction: hotkey(key='ctrl shift s')"
        : 'Thought: The dialog is open.\nAction: finished()';
    });
    const result = await runWithFakeUiTars(
      tempDir('agent-dialog-home'),
      'Save the presentation',
      server.url,
      session.env,
      120_000,
    );
    expect(result.code, result.stderr).toBe(0);
    expect(requests).toHaveLength(2);
    expect(requests[0]!.lastUser).not.toMatch(/A dialog/);
    const notice = /A dialog "([^"]*)" is open[^\n]*/.exec(requests[1]!.lastUser);
    expect(notice, requests[1]!.lastUser).not.toBeNull();
    expect(notice![1]).toMatch(/Save/);
    expect(notice![0]).toMatch(/Buttons: .*"Cancel"/);
    expect(notice![0]).toMatch(/Buttons: .*"Save"/);
  }, 240_000);
});
