/**
 * The eval runner's desktop and perturbations on real parts: a desktop eval owns
 * (`--display auto`: Xvfb of the asked size with openbox, D-Bus and the accessibility bus; gone
 * after stop), and each perturbation applied to a live LibreOffice Impress, checked on the
 * screen as a person would see it (window geometry from the X server, text read by the OCR).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { startOwnedDesktop } from '../../src/eval/desktop.js';
import { applyPerturbation, parsePerturbations } from '../../src/eval/perturb.js';
import { demoOcr } from '../support/demonstrations.js';
import { type Impress, screenshot, waitForStillScreen, windowGeometry, type XSession } from '../support/xsession.js';
import { useImpressDesktop } from '../support/hooks.js';
import path from 'node:path';

const run = promisify(execFile);

describe('a desktop eval owns', () => {
  it('has the asked size, a window manager and a session bus, and is gone after stop', async () => {
    const desktop = await startOwnedDesktop(1280, 800);
    let stopped = false;
    try {
      const info = (await run('xdpyinfo', ['-display', desktop.display], { env: desktop.env })).stdout;
      expect(info).toMatch(/dimensions:\s+1280x800 pixels/);
      const wm = (await run('xprop', ['-root', '_NET_SUPPORTING_WM_CHECK'], { env: desktop.env })).stdout;
      expect(wm).toContain('window id');
      expect(desktop.env.DBUS_SESSION_BUS_ADDRESS).toMatch(/^unix:path=/);
      await desktop.stop();
      stopped = true;
      await expect(run('xdpyinfo', ['-display', desktop.display], { env: desktop.env })).rejects.toThrow();
    } finally {
      if (!stopped) await desktop.stop();
    }
  }, 60_000);
});

describe('perturbations of a live Impress', () => {
  let session: XSession;
  let impress: Impress;
  useImpressDesktop({ width: 1920, height: 1080 }, 'perturb-profile', (d) => ({ session, impress } = d));

  const apply = (spec: string) =>
    applyPerturbation(parsePerturbations(spec)[0]!, { env: session.env, windowId: impress.windowId });
  const screenText = async (): Promise<string> => {
    await waitForStillScreen(session);
    const file = path.join(session.dir, 'perturb.png');
    await screenshot(session, file);
    return (await (await demoOcr()).recognize(file)).lines.map((l) => l.text).join('\n');
  };

  it('sidebar=closed hides the sidebar', async () => {
    expect(await screenText()).toContain('Properties');
    await apply('sidebar=closed');
    expect(await screenText()).not.toContain('Properties');
  }, 120_000);

  it('zoom=N% sets the zoom the status bar shows', async () => {
    await apply('zoom=150%');
    expect(await screenText()).toMatch(/\b150%/);
  }, 120_000);

  it('window=restored un-maximises the window and moves it', async () => {
    const before = await windowGeometry(session, ' - LibreOffice Impress$');
    expect(before!.width).toBe(1920);
    await apply('window=restored');
    const after = await windowGeometry(session, ' - LibreOffice Impress$');
    expect(after!.width).toBeLessThan(1600);
    expect(after!.height).toBeLessThan(900);
    expect(after!.x).toBeGreaterThanOrEqual(100);
  }, 120_000);
});
