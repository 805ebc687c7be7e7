/**
 * Perturbations of an eval attempt (`--perturb`): the same task on a changed screen, to measure
 * how robust an agent or a replay is. Applied to the application after it started:
 * `window=restored` (not maximised, smaller and moved) and `sidebar=closed` (Impress's sidebar
 * toggled off, which moves the slide area), `zoom=N%` (the slide shown at another zoom). A
 * screen size, `resolution=WxH`, is not applied to the application: the runner runs the attempt
 * on a fresh screen of that size, which it can only do on a display it owns (`--display auto`).
 */
import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { X11Client } from '../platform/x11/client.js';
import { waitFor } from './desktop.js';

const run = promisify(execFile);

export interface Perturbation {
  /** As given: `window=restored`, `sidebar=closed`, `resolution=1600x900`, `zoom=75%` or `none`. */
  readonly name: string;
  readonly kind: 'none' | 'window-restored' | 'sidebar-closed' | 'resolution' | 'zoom';
  /** resolution: the screen size. */
  readonly screen?: { readonly width: number; readonly height: number };
  /** zoom: the percentage. */
  readonly zoom?: number;
}

const KNOWN = 'none, window=restored, sidebar=closed, resolution=WxH, zoom=N%';

export const NO_PERTURBATION: Perturbation = { name: 'none', kind: 'none' };

/** Parses `--perturb a,b`; throws with the accepted forms for anything else. */
export function parsePerturbations(spec: string): Perturbation[] {
  return spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((name): Perturbation => {
      if (name === 'none') return NO_PERTURBATION;
      if (name === 'window=restored') return { name, kind: 'window-restored' };
      if (name === 'sidebar=closed') return { name, kind: 'sidebar-closed' };
      const size = /^resolution=(\d+)x(\d+)$/.exec(name);
      if (size) {
        const [width, height] = [Number(size[1]), Number(size[2])];
        if (width < 640 || height < 480 || width > 7680 || height > 4320)
          throw new Error(`--perturb ${name}: the screen must be from 640x480 to 7680x4320`);
        return { name, kind: 'resolution', screen: { width, height } };
      }
      const zoom = /^zoom=(\d+)%$/.exec(name);
      if (zoom) {
        const percent = Number(zoom[1]);
        if (percent < 20 || percent > 400) throw new Error(`--perturb ${name}: the zoom must be from 20% to 400%`);
        return { name, kind: 'zoom', zoom: percent };
      }
      throw new Error(`--perturb: unknown perturbation "${name}" (known: ${KNOWN})`);
    });
}

/**
 * Why a perturbation cannot run in this eval, or null. A screen of another size is a fresh
 * desktop: the runner must own the display, and the agent must act from a process of its own
 * (native input stays bound to the display it opened first).
 */
export function perturbationProblem(
  p: Perturbation,
  how: { readonly ownsDisplay: boolean; readonly agentOwnProcess: boolean },
): string | null {
  if (p.kind !== 'resolution') return null;
  if (!how.ownsDisplay)
    return `--perturb ${p.name} needs a display the runner owns: add --display auto (a private Xvfb per screen size) instead of the current display`;
  if (!how.agentOwnProcess)
    return `--perturb ${p.name} needs an agent that runs in a process of its own (--replay); plans and planners act on one display`;
  return null;
}

async function xdotool(env: NodeJS.ProcessEnv, ...args: string[]): Promise<void> {
  await run('xdotool', args, { env, timeout: 10_000 });
}

async function activeWindowName(env: NodeJS.ProcessEnv): Promise<string> {
  try {
    return (await run('xdotool', ['getactivewindow', 'getwindowname'], { env, timeout: 5000 })).stdout.trim();
  } catch {
    return '';
  }
}

async function waitForActive(env: NodeJS.ProcessEnv, want: (name: string) => boolean, what: string): Promise<void> {
  await waitFor(`zoom: ${what}`, async () => want(await activeWindowName(env)), 10_000, 200);
}

const ZOOM_DIALOG = 'Zoom & View Layout';

/**
 * Sets Impress's zoom through its own dialog, by keyboard (View ▸ Zoom ▸ Zoom…, the last item
 * of the submenu; "Variable" and the percentage), so no screen position is assumed.
 */
async function setZoom(env: NodeJS.ProcessEnv, windowId: string, percent: number): Promise<void> {
  await xdotool(env, 'windowactivate', '--sync', windowId);
  await xdotool(env, 'key', 'alt+v');
  await sleep(400);
  await xdotool(env, 'key', 'z');
  await sleep(400);
  await xdotool(env, 'key', 'End', 'Return');
  await waitForActive(env, (n) => n === ZOOM_DIALOG, `the ${ZOOM_DIALOG} dialog`);
  await xdotool(env, 'key', 'alt+v', 'Tab', 'ctrl+a');
  await xdotool(env, 'type', `${percent}%`);
  await xdotool(env, 'key', 'Return');
  await waitForActive(env, (n) => n !== ZOOM_DIALOG && n !== '', 'the zoom dialog to close');
  await sleep(800);
}

async function internAtom(x: X11Client, name: string): Promise<number> {
  const n = Buffer.byteLength(name, 'latin1');
  const req = Buffer.alloc(8 + Math.ceil(n / 4) * 4);
  req.writeUInt8(16, 0); // InternAtom
  req.writeUInt16LE(req.length / 4, 2);
  req.writeUInt16LE(n, 4);
  req.write(name, 8, 'latin1');
  const { header } = await x.request(req);
  return header.readUInt32LE(8);
}

/**
 * Takes a window out of the maximised state (EWMH _NET_WM_STATE, asked of the window manager by
 * a client message to the root window): a maximised window ignores a new size or position.
 * The xdotool of Debian 12 has no `windowstate`.
 */
async function unmaximise(env: NodeJS.ProcessEnv, windowId: string): Promise<void> {
  const x = await X11Client.connect(env.DISPLAY);
  try {
    const [state, vert, horz] = await Promise.all(
      ['_NET_WM_STATE', '_NET_WM_STATE_MAXIMIZED_VERT', '_NET_WM_STATE_MAXIMIZED_HORZ'].map((n) => internAtom(x, n)),
    );
    const req = Buffer.alloc(44);
    req.writeUInt8(25, 0); // SendEvent
    req.writeUInt16LE(11, 2);
    req.writeUInt32LE(x.screen.root, 4);
    req.writeUInt32LE((1 << 19) | (1 << 20), 8); // SubstructureNotify | SubstructureRedirect
    req.writeUInt8(33, 12); // ClientMessage
    req.writeUInt8(32, 13);
    req.writeUInt32LE(Number(windowId), 16);
    req.writeUInt32LE(state!, 20);
    [0 /* remove */, vert!, horz!, 1 /* an application asks */, 0].forEach((v, i) => req.writeUInt32LE(v, 24 + 4 * i));
    x.send(req);
    await x.sync();
  } finally {
    x.close();
  }
}

export async function applyPerturbation(
  p: Perturbation,
  target: { readonly env: NodeJS.ProcessEnv; readonly windowId: string },
): Promise<void> {
  const { env, windowId } = target;
  switch (p.kind) {
    case 'none':
    case 'resolution': // the runner chose the screen
      return;
    case 'zoom':
      await setZoom(env, windowId, p.zoom!);
      return;
    case 'window-restored':
      // A size and a position the maximised window never has: everything inside moves.
      await unmaximise(env, windowId);
      await sleep(500);
      await xdotool(env, 'windowsize', windowId, '75%', '80%');
      await xdotool(env, 'windowmove', windowId, '120', '60');
      await xdotool(env, 'windowactivate', '--sync', windowId);
      await sleep(800);
      return;
    case 'sidebar-closed':
      // Ctrl+F5 toggles Impress's sidebar; the window must have the keyboard focus.
      await xdotool(env, 'windowactivate', '--sync', windowId);
      await xdotool(env, 'key', 'ctrl+F5');
      await sleep(800);
      return;
  }
}
