/**
 * When an agent is stuck (pure): it keeps doing the same thing and the screen does not change.
 * After STUCK_NOTICE_AFTER such steps in a row the planner is told so; if it then plans the same
 * action once more, the run stops as stuck instead of repeating it.
 */
import { type Action, isClick } from './actions.js';

/** Steps in a row with the same action and no screen change before the planner is told. */
export const STUCK_NOTICE_AFTER = 3;

/** One executed step as stuck detection sees it. */
export interface ActedStep {
  readonly action: Action;
  /** Whether the screen changed after the action (the settler's `changed`). */
  readonly changed: boolean;
}

/** Two executed clicks this close (pixels, each axis) without a target description are the same click. */
const SAME_POINT_PX = 8;

/**
 * Whether two actions do the same thing: clicks of one kind on the same described target (or,
 * without a description, at nearly the same point); other actions equal field by field.
 */
export function sameAction(a: Action, b: Action): boolean {
  if (isClick(a) && isClick(b)) {
    if (a.kind !== b.kind) return false;
    if (a.target || b.target) return normalise(a.target ?? '') === normalise(b.target ?? '');
    if (!a.at || !b.at) return false;
    return Math.abs(a.at.x - b.at.x) <= SAME_POINT_PX && Math.abs(a.at.y - b.at.y) <= SAME_POINT_PX;
  }
  return JSON.stringify(a) === JSON.stringify(b);
}

const normalise = (text: string): string => text.trim().replace(/\s+/g, ' ').toLowerCase();

/**
 * How many of the latest steps in a row did the last step's action and changed nothing. `wait`
 * never counts: waiting for something that has not come yet is not being stuck (a run's step
 * limit bounds it).
 */
export function unchangedRepeats(history: readonly ActedStep[]): number {
  const last = history.at(-1);
  if (!last || last.action.kind === 'wait') return 0;
  let n = 0;
  for (let i = history.length - 1; i >= 0; i--) {
    const step = history[i]!;
    if (step.changed || !sameAction(step.action, last.action)) break;
    n++;
  }
  return n;
}

/** Whether the next request should tell the planner that its last action changed nothing. */
export function needsStuckNotice(history: readonly ActedStep[]): boolean {
  return unchangedRepeats(history) >= STUCK_NOTICE_AFTER;
}

/** Whether planning `next` after `history` means the agent is stuck: told, and about to repeat it. */
export function isStuck(history: readonly ActedStep[], next: Action): boolean {
  const last = history.at(-1);
  return needsStuckNotice(history) && last !== undefined && sameAction(last.action, next);
}
