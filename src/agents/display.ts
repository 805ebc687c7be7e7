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
