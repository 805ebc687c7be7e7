/**
 * The per-step report of a replay (`pcagent replay`, the app's Replay): the words a step can end
 * with and where a replay stopped, read from its steps. `src/agents/replay/replay.ts` stores one
 * step per action (`extra.replay`); the app reads them back through the API contract, which
 * derives its zod enum from this list.
 */

/**
 * What became of a step: `done` (executed, no target to ground), `found` (grounded and executed),
 * `not-found`, `no-description`, `no-effect` (executed twice, the screen did not change as it did
 * when recorded), `unexpected-window` (a window or dialog the recording never saw), `failed`.
 */
export const REPLAY_STEP_OUTCOMES = [
  'done',
  'found',
  'not-found',
  'no-description',
  'no-effect',
  'unexpected-window',
  'failed',
] as const;
export type ReplayStepOutcome = (typeof REPLAY_STEP_OUTCOMES)[number];

/** A step that was executed as recorded (the replay goes on after it). */
export function replayStepOk(outcome: ReplayStepOutcome): boolean {
  return outcome === 'done' || outcome === 'found';
}

/** Where a replay stopped: the 1-based step and why. */
export interface ReplayStop {
  readonly step: number;
  readonly reason: string;
}

/**
 * Where the replay of `total` actions stopped, from the steps it stored (in order): the first
 * step that was not executed as recorded, else the step after the last when fewer than `total`
 * ran (`ended`: why it ended early, e.g. the stop button); null when every step ran.
 */
export function replayStop(
  steps: readonly { readonly outcome: ReplayStepOutcome; readonly action: string; readonly error?: string }[],
  total: number,
  ended = 'stopped',
): ReplayStop | null {
  const missed = steps.findIndex((s) => !replayStepOk(s.outcome));
  if (missed >= 0) {
    const s = steps[missed]!;
    return { step: missed + 1, reason: s.error ?? `${s.outcome.replaceAll('-', ' ')}: ${s.action}` };
  }
  return steps.length < total ? { step: steps.length + 1, reason: ended } : null;
}
