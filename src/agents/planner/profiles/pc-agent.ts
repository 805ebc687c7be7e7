import { ACTION_LABEL, executedActionText, noEffectNote, PLANNER_HISTORY_STEPS, type PlannerStep } from '../prompt.js';

/**
 * The `pc-agent` profile: the input layout of the released PC Agent planner checkpoint, so that
 * the checkpoint sees what it was trained on. Facts of that layout: one user message, the
 * screenshot first and then the text; the text is the instructions, `Your task is: …`, the last
 * 10 steps as `[i] <thought>\nAction: <action>` joined by blank lines (`None` when there are
 * none; clicks as the coordinates that were executed), a separator line and the closing
 * question; a re-plan adds a note naming the elements that were not found, and a repeated action
 * that changed nothing a note saying so.
 * The instruction text is ours unless the user supplies the checkpoint's own (`--planner-prompt`).
 */
export const PC_AGENT_INSTRUCTIONS = [
  'You operate a computer for the user and may use any part of it. Look at the screenshot, think about what the screen shows and what the task still needs, then choose one next action.',
  '',
  'Answer with your thought, a blank line, and then the action on a line of its own:',
  `<thought>\n\n${ACTION_LABEL} <action>`,
  '',
  'Actions: click element: <target>, right click element: <target>, double click element: <target>, drag from (x1, y1) to (x2, y2), scroll (dx, dy), press key: <key>, hotkey (<key1>, <key2>), type text: <text>, wait, finish, fail.',
  "Describe a <target> by where it is and what it looks like, with its visible text in single quotes, e.g. click element: the 'Insert' tab in the ribbon.",
  '',
  '',
].join('\n');

export const PC_AGENT_SEPARATOR = '--------------------------------------------';

export interface PcAgentInput {
  readonly task: string;
  readonly history: readonly PlannerStep[];
  readonly notFound?: readonly string[];
  /** The last action changed nothing this many times in a row (a note like the re-plan's). */
  readonly noEffect?: number;
  /** Facts about the screen (an open dialog and its buttons), each a note. */
  readonly notices?: readonly string[];
  /** Replaces PC_AGENT_INSTRUCTIONS (the text before `Your task is:`). */
  readonly instructions?: string;
}

export function pcAgentText(input: PcAgentInput): string {
  const shown = input.history.slice(-PLANNER_HISTORY_STEPS);
  const history =
    shown
      .map((s, i) => `[${i + 1}] ${s.thought?.trim() ?? ''}\n${ACTION_LABEL} ${executedActionText(s.action)}`)
      .join('\n\n') || 'None';
  let text = `${input.instructions ?? PC_AGENT_INSTRUCTIONS}Your task is: ${input.task}\n\n`;
  const notFound = (input.notFound ?? []).map((t) => t.trim()).filter(Boolean);
  text +=
    `History of the previous actions and thoughts you have done to reach the current screen: ${history}\n\n` +
    `${PC_AGENT_SEPARATOR}\n\n` +
    "Given the screenshot. What's the next step that you will do to help with the task?";
  if (notFound.length)
    text += `\n\nNote: the element <${notFound.join('> and <')}> that you planned to click was not found on the screen; make a new plan.`;
  if (input.noEffect) text += `\n\nNote: ${noEffectNote(input.noEffect)}`;
  for (const notice of input.notices ?? []) text += `\n\nNote: ${notice}`;
  return text;
}
