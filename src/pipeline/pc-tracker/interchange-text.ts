import { type Action, isClick } from '../../core/actions.js';
import { formatAction } from '../../core/grammar.js';

/**
 * The action as the interchange format writes it: the recorded form, or the completed form for
 * a click that only has a target description (planner output that was never grounded).
 */
export function interchangeText(action: Action): string {
  return isClick(action) && !action.at ? formatAction(action, 'completed') : formatAction(action, 'recorded');
}
