import { type Action, isClick } from '../../core/actions.js';
import { interchangeText } from './interchange-text.js';

/**
 * The completed fields of a pc-tracker line as the reference completion pass writes them
 * (`action_description`, `action_description_checked`, `thought`), mapped to and from our
 * description / check / thought. Facts of the reference format:
 * - `action_description` is on every step: for a click-type action recorded at a point it is
 *   the click word(s), a space and `<\DESCRIPTION>`; for every other action the action text.
 * - `action_description_checked` is `Good`, `Wrong. Correct Description: TEXT` (and then the
 *   description already holds TEXT), or null (not a click, or the check gave no answer).
 */

export const CHECK_GOOD_VERDICT = 'Good';
export const CHECK_WRONG_VERDICT_PREFIX = 'Wrong. Correct Description:';

const CLICK_WORDS: Record<string, string> = {
  click: 'click',
  right_click: 'right click',
  double_click: 'double click',
};

/** `click` / `right click` / `double click` for a click recorded at a point, else null. */
function clickWords(action: Action): string | null {
  // The reference recognises only the coordinate form `click (x, y)` as a click.
  return isClick(action) && action.at ? (CLICK_WORDS[action.kind] ?? null) : null;
}

/** The `action_description` the reference writes for this action and our description. */
export function formatActionDescription(action: Action, description: string | null): string {
  const words = clickWords(action);
  if (words && description !== null) return `${words} <\\${description}>`;
  return description ?? interchangeText(action);
}

/**
 * Our description from a line's `action_description`: the text inside `<\…>` for clicks; null
 * when a non-click's field is just its action text (what the reference writes for every
 * non-click), so that nothing but a real description is stored.
 */
export function parseActionDescription(action: Action, field: string | null | undefined): string | null {
  if (field == null) return null;
  const open = field.indexOf('<\\');
  if (clickWords(action) && open >= 0 && field.endsWith('>')) return field.slice(open + 2, -1);
  if (field === interchangeText(action)) return null;
  return field;
}

/**
 * The `action_description_checked` value for our check: the reference's verdict text. Our own
 * completion stores `Good` or `Corrected`; a correction is written as the reference writes it,
 * with the corrected description.
 */
export function formatCheckVerdict(action: Action, check: string | null, description: string | null): string | null {
  if (check === null || !clickWords(action)) return null;
  if (check === CHECK_GOOD_VERDICT || check.startsWith(CHECK_WRONG_VERDICT_PREFIX)) return check;
  return description === null ? CHECK_GOOD_VERDICT : `${CHECK_WRONG_VERDICT_PREFIX} ${description}`;
}
