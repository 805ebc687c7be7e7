/**
 * The planner's prompt (SPEC §2.5), in one place for both of its users: the agent's planner sends
 * it to a vision-language model at run time, and the dataset exports (`pcagent export --format
 * sharegpt|parquet`) write it as training data, so that a model fine-tuned on the exports sees
 * exactly what it will be asked at run time. Pure: no I/O.
 *
 * Conversation shape: system = `plannerSystemPrompt()`; user = `plannerUserPrompt(…)` followed by
 * the current screenshot (the text ends by announcing it: in chat requests the image is the
 * content part after the text, in ShareGPT files the `<image>` placeholder after the text);
 * assistant = `plannerTarget(…)`, i.e. `<thought>\n\nAction: <planner form>`.
 */
import { type Action, isClick } from '../../core/actions.js';
import { formatAction, type GrammarError, tryParseAction } from '../../core/grammar.js';

/** Earlier steps shown to the planner (reference: 10). */
export const PLANNER_HISTORY_STEPS = 10;

/** What comes before the action in an answer; the action follows `Action:` on its own line. */
export const ACTION_LABEL = 'Action:';

/**
 * One earlier step: its thought and its action, either typed (formatted in the planner form) or
 * already as text (the exports fall back to the recorded form for a click nobody described).
 */
export interface PlannerStep {
  readonly thought: string | null;
  readonly action: Action | string;
}

export interface PlannerPromptInput {
  readonly task: string;
  /** The steps so far, oldest first; only the last PLANNER_HISTORY_STEPS are shown. */
  readonly history: readonly PlannerStep[];
  /** 1-based number of `history[0]` when the caller already dropped older steps (default 1). */
  readonly firstStep?: number;
  /** Click targets that were not found on the screen in the previous attempt (a re-plan). */
  readonly notFound?: readonly string[];
  /** The last action was done this many times in a row without changing the screen (stuck detection). */
  readonly noEffect?: number;
  /** Facts about the screen the picture may not make plain: an open dialog with its buttons. */
  readonly notices?: readonly string[];
}

/** The text of an action as the planner writes it; a string is taken as already formatted. */
export function plannerActionText(action: Action | string): string {
  return typeof action === 'string' ? action : formatAction(action, 'planner');
}

/**
 * A history action as it was executed: a click by its coordinates (the recorded form: the
 * pc-agent checkpoint saw it so, and a ui-tars click has no description to write), others in the
 * planner form.
 */
export function executedActionText(action: Action | string): string {
  if (typeof action !== 'string' && isClick(action) && action.at) return formatAction(action, 'recorded');
  return plannerActionText(action);
}

const SYSTEM = [
  'You operate a computer to carry out a task for the user. Each turn you get the task, the steps taken so far and a screenshot of the screen as it is now, and you choose the one next action.',
  '',
  'Answer in exactly this form:',
  '<your thought: one or two sentences in the first person about what you see and why the next action is the right one>',
  '',
  `${ACTION_LABEL} <one action>`,
  '',
  'The possible actions:',
  '- click element: <target>',
  '- right click element: <target>',
  '- double click element: <target>',
  '- drag from (x1, y1) to (x2, y2)',
  '- scroll (dx, dy)',
  '- press key: <key>',
  '- hotkey (<key1>, <key2>)',
  '- type text: <text>',
  '- wait',
  '- finish',
  '- fail',
  '',
  "Describe a <target> so that it can be found on the screen without any other help: where it is and what it looks like, with its visible text in single quotes, for example: click element: the 'Insert' tab in the ribbon at the top of the window.",
  'Coordinates are screen pixels from the top-left corner. Scroll amounts are wheel notches: dy > 0 scrolls up, dy < 0 scrolls down, dx > 0 scrolls right.',
  'Key names are lower case: enter, esc, tab, backspace, delete, space, up, down, left, right, home, end, page_up, page_down, f1 to f12, shift, ctrl, alt, cmd, or the character itself. Write Ctrl combinations with an upper-case letter, for example hotkey (Ctrl, S).',
  'type text types into the element that has the keyboard focus, so click it first when needed. Use wait when the screen is still changing, finish when the task is done and fail when it cannot be done.',
].join('\n');

export function plannerSystemPrompt(): string {
  return SYSTEM;
}

/**
 * What the planner is told when its last action, repeated `times` times in a row, changed
 * nothing on the screen (src/core/stuck.ts): every profile adds this note to its request.
 */
export function noEffectNote(times: number): string {
  return (
    `Your last action changed nothing on the screen, the same action ${times} times in a row. ` +
    'Doing it again will not help: try something else.'
  );
}

export function plannerUserPrompt(input: PlannerPromptInput): string {
  const dropped = Math.max(0, input.history.length - PLANNER_HISTORY_STEPS);
  const first = (input.firstStep ?? 1) + dropped;
  const steps = input.history.slice(dropped).map((step, i) => {
    const lines = [`Step ${first + i}:`];
    const thought = step.thought?.trim();
    if (thought) lines.push(`Thought: ${thought}`);
    lines.push(`${ACTION_LABEL} ${plannerActionText(step.action)}`);
    return lines.join('\n');
  });
  const parts = [
    `Task: ${input.task.trim() || '(no task description was given)'}`,
    steps.length
      ? `${first > 1 ? `Latest steps (${first - 1} earlier ones not shown)` : 'Steps so far'}, oldest first:\n${steps.join('\n\n')}`
      : 'Steps so far: none, this is the first step.',
  ];
  const notFound = (input.notFound ?? []).map((t) => t.trim()).filter(Boolean);
  if (notFound.length) {
    parts.push(
      `These click targets were not found on the screen:\n${notFound.map((t) => `- ${t}`).join('\n')}\nMake a new plan for this step that does not depend on finding them as described.`,
    );
  }
  if (input.noEffect) parts.push(noEffectNote(input.noEffect));
  for (const notice of input.notices ?? []) parts.push(notice);
  parts.push('The screenshot of the screen as it is now follows. What is the next action?');
  return parts.join('\n\n');
}

/** What the planner should answer for a step: `<thought>\n\nAction: <planner form>`. */
export function plannerTarget(step: PlannerStep): string {
  const action = `${ACTION_LABEL} ${plannerActionText(step.action)}`;
  const thought = step.thought?.trim();
  return thought ? `${thought}\n\n${action}` : action;
}

export type PlannerAnswer =
  | { readonly ok: true; readonly thought: string; readonly action: Action }
  | { readonly ok: false; readonly problem: string; readonly error?: GrammarError };

/**
 * Reads a planner answer: the thought is everything before the last `Action:` line, the action
 * the rest of that line in the planner form. Tolerates Markdown emphasis on the label.
 */
export function parsePlannerAnswer(text: string): PlannerAnswer {
  const label = /^[ \t]*(?:\*\*)?action(?:\*\*)?[ \t]*:(?:\*\*)?[ \t]*(.*)$/gim;
  let last: RegExpExecArray | null = null;
  for (let m = label.exec(text); m !== null; m = label.exec(text)) last = m;
  if (!last) return { ok: false, problem: `the answer has no "${ACTION_LABEL}" line` };
  const actionText = (last[1] ?? '').replace(/`/g, '').trim();
  const parsed = tryParseAction(actionText, 'planner');
  if (!parsed.ok)
    return {
      ok: false,
      problem: `the action "${actionText}" is not valid: ${parsed.error.message}`,
      error: parsed.error,
    };
  const thought = text
    .slice(0, last.index)
    .replace(/^[ \t]*(?:\*\*)?thought(?:\*\*)?[ \t]*:[ \t]*/im, '')
    .trim();
  return { ok: true, thought, action: parsed.action };
}
