/**
 * Whether this process can act on a screen. Checked before the native input modules (nut-js,
 * uiohook) load: without a display they abort the process (`Could not open main display`, a
 * segfault) instead of throwing, so every command and handler that needs one asks here first.
 */

/** Why `who` cannot act on this machine's screen, or null when it can. */
export function displayProblem(env: NodeJS.ProcessEnv = process.env, who = 'the agent'): string | null {
  if (process.platform === 'linux' && !env.DISPLAY) {
    return env.WAYLAND_DISPLAY
      ? `${who} needs an X11 display (DISPLAY is not set; Wayland-only sessions are not supported)`
      : `${who} needs a display: DISPLAY is not set`;
  }
  return null;
}

/**
 * Throws with one line when `who` cannot act on the screen: DISPLAY unset (above) or an X
 * server that does not answer — nut-js would end the process with a segmentation fault on
 * either. A plain connection with our own X11 client tells, before any native module loads.
 */
export async function assertDisplay(who: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const problem = displayProblem(env, who);
  if (problem) throw new Error(problem);
  if (process.platform !== 'linux') return;
  const { X11Client } = await import('../platform/x11/client.js');
  try {
    (await X11Client.connect(env.DISPLAY, 3000)).close();
  } catch (err) {
    throw new Error(`${who} needs an X11 display: ${(err as Error).message}`);
  }
}
