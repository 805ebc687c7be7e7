/**
 * Perturbations of an eval attempt (`--perturb`): the same task on a changed screen, to measure
 * how robust an agent or a replay is. Applied to the application after it started:
 * `window=restored` (not maximised, smaller and moved) and `sidebar=closed` (Impress's sidebar
 * toggled off, which moves the slide area). Screen size and zoom changes need a display the
 * runner owns and are refused with that reason for now.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Perturbation {
  /** As given: `window=restored`, `sidebar=closed`, or `none`. */
  readonly name: string;
  readonly kind: 'none' | 'window-restored' | 'sidebar-closed';
}

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
      if (/^(resolution=\d+x\d+|zoom=\d+%)$/.test(name))
        throw new Error(`--perturb ${name} is not available yet (it needs a display the runner owns)`);
      throw new Error(`--perturb: unknown perturbation "${name}" (known: none, window=restored, sidebar=closed)`);
    });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function xdotool(env: NodeJS.ProcessEnv, ...args: string[]): Promise<void> {
  await run('xdotool', args, { env, timeout: 10_000 });
}

export async function applyPerturbation(
  p: Perturbation,
  target: { readonly env: NodeJS.ProcessEnv; readonly windowId: string },
): Promise<void> {
  const { env, windowId } = target;
  switch (p.kind) {
    case 'none':
      return;
    case 'window-restored':
      // A size and a position the maximised window never has: everything inside moves.
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
