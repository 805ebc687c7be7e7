import { type Action, type ClickKind, type ElementInfo, isClick } from '../../core/actions.js';
import { formatAction } from '../../core/grammar.js';
import type { ChatMessage, ContentPart } from '../../models/client.js';

/**
 * Prompts and answer parsing of cognition completion (SPEC §2.4). Pure: no I/O. The wording is
 * ours; inputs and outputs follow the reference:
 *
 * 1. semantics: marked frame + action + accessibility name (a hint) → a description of the
 *    click target (position + looks, no speculation, no mention of the red marks);
 * 2. check: marked frame + action + description → `Good` or `Wrong. Correct Description: …`;
 * 3. thought: task + up to 10 previous (thought, action) steps + up to 10 following actions +
 *    the action (and its marked frame) → a short first-person reason that does not reveal
 *    what comes next.
 */

export type Pass = 'desc' | 'check' | 'thought';
export const PASSES: readonly Pass[] = ['desc', 'check', 'thought'];

/** The chat wire shape is the model client's. */
export type { ChatMessage, ContentPart };

/** Output limits per pass, in tokens (`max_tokens`). */
export const MAX_TOKENS: Readonly<Record<Pass, number>> = { desc: 200, check: 250, thought: 250 };

/** History and look-ahead of the thought prompt (reference: 10 each). */
export const HISTORY_STEPS = 10;
export const FOLLOWING_STEPS = 10;

/** How an action reads in a prompt: the planner form, so a described click reads `click element: …`. */
export interface PromptStep {
  readonly action: Action;
  readonly description: string | null;
  readonly thought: string | null;
}

const CLICK_VERB: Readonly<Record<ClickKind, { verb: string; past: string }>> = {
  click: { verb: 'click', past: 'clicked' },
  right_click: { verb: 'right-click', past: 'right-clicked' },
  double_click: { verb: 'double-click', past: 'double-clicked' },
};

/**
 * The text of a step's action in prompts: the planner form (`click element: <desc>`,
 * `press key: enter`, …); a click without a description and the recorded-only actions
 * (`press (x, y)`, `drag to (x, y)`) keep their recorded form.
 */
export function promptActionText(step: PromptStep): string {
  const { action } = step;
  if (isClick(action)) {
    const description = step.description?.trim();
    if (description) return formatAction({ kind: action.kind, target: description }, 'planner');
    if (action.target) return formatAction({ kind: action.kind, target: action.target }, 'planner');
    return formatAction(action, 'recorded');
  }
  if (action.kind === 'press' || action.kind === 'drag_to') return formatAction(action, 'recorded');
  try {
    return formatAction(action, 'planner');
  } catch {
    return formatAction(action, 'recorded');
  }
}

/** The recorded form of a click, with its coordinates in the screenshot's pixels. */
function clickLine(action: Action): string {
  return formatAction(isClick(action) && action.at ? { kind: action.kind, at: action.at } : action, 'recorded');
}

function elementHint(element: ElementInfo | null): string {
  const name = element?.name.trim() ?? '';
  const role = element?.role ? ` (role: ${element.role})` : '';
  return name === ''
    ? 'The accessibility name of the element under the pointer is unknown.'
    : `The accessibility API named the element under the pointer "${name}"${role}. This name is often wrong, generic or missing, so use it only as a hint and trust the screenshot.`;
}

const MARKS =
  'In the screenshot the target is marked in red: a rectangle around the element under the pointer, a small dot with a ring at the exact point, and a short arrow toward it.';

const imagePart = (url: string): ContentPart => ({ type: 'image_url', image_url: { url } });

/**
 * The conversation of a click prompt (semantics, check): the system rules, then the marked frame
 * and the text lines: the action, what the marks are, the element's accessibility hint, the ask.
 */
function clickMessages(system: string, input: SemanticsInput, actionLine: string, asks: string[]): ChatMessage[] {
  const text = [actionLine, MARKS, elementHint(input.element), ...asks].join('\n');
  return [
    { role: 'system', content: system },
    { role: 'user', content: [imagePart(input.imageUrl), { type: 'text', text }] },
  ];
}

export interface SemanticsInput {
  readonly action: Action;
  readonly element: ElementInfo | null;
  /** `data:image/png;base64,…` of the marked frame (the plain frame when there is none). */
  readonly imageUrl: string;
}

/**
 * Rules every semantics/check prompt carries (the substance of the reference's click prompts,
 * in our words). Exported so a test can list them and check each is present.
 */
export const CLICK_RULES: readonly string[] = [
  'Which element was clicked: trust the marked point first, then the rectangle around the element; the accessibility name comes last and may be wrong or missing.',
  'Describe the element in your own words (where it is and what it looks like) instead of repeating the accessibility name.',
  'A click on empty space is described as an empty area plus its position, for example "an empty area in the left thumbnail panel".',
  'State what you see plainly: no hedging words such as "seems", "appears", "likely" or "probably".',
  "In PowerPoint, call text placeholders by their prompt ('Click to add Title', 'Click to add Text', 'Click to add Subtitle') and the slide list on the left the slide thumbnail panel.",
];

const SEMANTICS_SYSTEM =
  'You annotate recordings of people using a computer. Describe the target of the action so precisely that someone who sees the same screen without any marks could find it again. ' +
  'Say where it is on the screen (for example "in the ribbon at the top", "in the left panel", "in the dialog in the center") and what it looks like: its visible text in single quotes, its icon, shape or colour. ' +
  'Describe only what is visible. Do not guess at its purpose or at what the click will do. Never mention the red marks, rectangle, dot, ring or arrow.\n' +
  CLICK_RULES.map((r) => `* ${r}`).join('\n') +
  "\nAnswer with one noun phrase and nothing else, for example: the 'Insert' tab in the ribbon at the top of the window";

export function semanticsMessages(input: SemanticsInput): ChatMessage[] {
  const kind = isClick(input.action) ? input.action.kind : 'click';
  return clickMessages(
    SEMANTICS_SYSTEM,
    input,
    `This screenshot was taken just before the person acted. Action: ${clickLine(input.action)} (x, y in screenshot pixels).`,
    [`Describe the element that was ${CLICK_VERB[kind].past}.`],
  );
}

export interface CheckInput extends SemanticsInput {
  readonly description: string;
}

export const CHECK_GOOD = 'Good';
export const CHECK_WRONG_PREFIX = 'Wrong. Correct Description:';

/** Where the check's verdict starts: the model reasons first, then writes this label. */
export const CHECK_ANSWER_LABEL = 'Answer:';

const CHECK_SYSTEM =
  'You review annotations of computer-use recordings. Each annotation describes the target of a click so that it can be found on the screen without marks.\n' +
  CLICK_RULES.map((r) => `* ${r}`).join('\n') +
  '\nFirst reason briefly: find the marked point, the element under it, and compare it with the description. Then end with one line:\n' +
  `${CHECK_ANSWER_LABEL} ${CHECK_GOOD}\n` +
  'if the description identifies the marked target correctly and unambiguously, otherwise:\n' +
  `${CHECK_ANSWER_LABEL} ${CHECK_WRONG_PREFIX} <a corrected description following the rules above: where it is and what it looks like, visible text in single quotes, no guesses about its purpose, no mention of the red marks>\n` +
  'A correction replaces the description. Write nothing after the answer line.';

export function checkMessages(input: CheckInput): ChatMessage[] {
  const kind = isClick(input.action) ? input.action.kind : 'click';
  return clickMessages(CHECK_SYSTEM, input, `Action: ${clickLine(input.action)} (x, y in screenshot pixels).`, [
    `Description of the ${CLICK_VERB[kind].past} element: ${input.description}`,
    `Is the description right? Reason, then end with "${CHECK_ANSWER_LABEL} ${CHECK_GOOD}" or "${CHECK_ANSWER_LABEL} ${CHECK_WRONG_PREFIX} …".`,
  ]);
}

/** Follow-up after a malformed answer: the conversation so far plus a reminder of the format. */
export function reaskMessages(messages: readonly ChatMessage[], answer: string, problem: string): ChatMessage[] {
  return [
    ...messages,
    { role: 'assistant', content: answer },
    { role: 'user', content: `That answer cannot be used: ${problem}. Answer again in exactly the requested form.` },
  ];
}

export type CheckAnswer =
  | { readonly kind: 'good' }
  | { readonly kind: 'wrong'; readonly correction: string }
  | { readonly kind: 'malformed'; readonly problem: string };

/** Reads a check answer; tolerant of case, quotes, Markdown emphasis and a trailing full stop. */
export function parseCheckAnswer(text: string): CheckAnswer {
  // The verdict follows the last "Answer:" label; the reasoning before it is not kept.
  const label = text.toLowerCase().lastIndexOf(CHECK_ANSWER_LABEL.toLowerCase());
  const answer = unwrap(label >= 0 ? text.slice(label + CHECK_ANSWER_LABEL.length) : text);
  if (/^good[.!]?$/i.test(answer)) return { kind: 'good' };
  const wrong = /^wrong\b[\s.,:;!-]*correct(?:ed)?\s+description\s*:\s*([\s\S]*)$/i.exec(answer);
  if (wrong) {
    const correction = cleanDescription(wrong[1] ?? '');
    if (correction === '') return { kind: 'malformed', problem: 'the correction is empty' };
    const marks = mentionsMarks(correction);
    if (marks) return { kind: 'malformed', problem: `the correction mentions the red marks ("${marks}")` };
    return { kind: 'wrong', correction };
  }
  if (/^wrong\b/i.test(answer))
    return { kind: 'malformed', problem: `"Wrong" must be followed by "Correct Description: …"` };
  return { kind: 'malformed', problem: `it is neither "${CHECK_GOOD}" nor "${CHECK_WRONG_PREFIX} …"` };
}

/** Problems with a semantics answer that are worth asking again for, or null. */
export function descriptionProblem(description: string): string | null {
  if (description === '') return 'it is empty';
  const marks = mentionsMarks(description);
  return marks ? `it mentions the red marks ("${marks}")` : null;
}

const MARK_WORDS =
  /\b(?:red|marked|marking|highlighted)\s+(?:\w+\s+)?(?:box|rectangle|square|circle|ring|dot|mark|marks|marker|arrow|outline|border)\b|\b(?:the\s+)?(?:red\s+)?arrow\s+(?:points?|pointing)\b/i;

function mentionsMarks(text: string): string | null {
  return MARK_WORDS.exec(text)?.[0] ?? null;
}

/** Strips code fences, Markdown emphasis, wrapping quotes and surrounding blanks. */
function unwrap(text: string): string {
  let t = text.trim();
  t = t.replace(/^```[\w-]*\s*|\s*```$/g, '');
  t = t.replace(/^(\*\*|__)([\s\S]*)\1$/, '$2').replace(/\*\*/g, '');
  t = t.trim();
  if (/^(["'`“])[\s\S]*(["'`”])$/.test(t) && t.length >= 2) t = t.slice(1, -1).trim();
  return t;
}

/** One line, without a leading label, wrapping quotes/brackets or a trailing full stop. */
export function cleanDescription(text: string): string {
  let t = unwrap(text)
    .replace(/^(?:description|answer|target|element)\s*:\s*/i, '')
    .replace(/\s+/g, ' ')
    .trim();
  if (/^<[^<>]*>$/.test(t)) t = t.slice(1, -1).trim();
  if (/^\\/.test(t)) t = t.slice(1).trim();
  if (/^(["“])[^"”]*(["”])$/.test(t)) t = t.slice(1, -1).trim();
  return t.replace(/\.$/, '').trim();
}

export interface ThoughtInput {
  /** The task description; null when the recording has none. */
  readonly task: string | null;
  readonly steps: readonly PromptStep[];
  /** Index into `steps` of the action to explain. */
  readonly index: number;
  /** Marked frame of the action, when it has one. */
  readonly imageUrl: string | null;
}

/** The actions a thought may explain, with what each one is for (the reference's glossary). */
export const ACTION_GLOSSARY: readonly string[] = [
  'click: press the left mouse button once on an element, to select, open or activate it',
  'right click: open the context menu of an element',
  'double click: open a file or item, or select a word',
  'drag: press, move and release the mouse, either to move something (a file, a shape, a slider) or to select a range (text, cells, an area)',
  'scroll: move the view of the content under the pointer up or down',
  'press key: press one key, such as enter, tab or escape',
  'hotkey: press a key combination, such as ctrl+c',
  'type text: type a string into the focused field',
  'wait: wait for the screen to change, for example while something loads',
  'finish: the task is complete',
  'fail: the task cannot be completed',
];

/** Cues for reflection in a thought, and what a thought must and must not do. */
export const THOUGHT_RULES: readonly string[] = [
  'Check whether the screen matches what your last thought planned; if it does not, say so and adjust.',
  'If this step fixes an earlier mistake, say that you are correcting it.',
  'If you are exploring (looking for a menu or option you have not found yet), say so.',
  'Write the reasoning in the first person, as the person thinking just before acting: what you see, what you want, why this action.',
  'Do not evaluate the action after the fact: you do not know yet whether it worked.',
  'The later actions may inform what this action is for, but never announce, mention or plan them.',
];

const THOUGHT_SYSTEM =
  'You write the inner thoughts of a person doing a task on a computer, one step at a time. ' +
  'Given the task, what was done so far and the action taken now, write the thought the person had just before this action: ' +
  'one to three short sentences in the first person ("I …") saying why this action is the right step now. ' +
  'Base it on the task, the earlier steps and what is on the screen. Do not restate coordinates. Write only the thought.\n' +
  `The actions:\n${ACTION_GLOSSARY.map((g) => `* ${g}`).join('\n')}\n` +
  `Rules:\n${THOUGHT_RULES.map((r) => `* ${r}`).join('\n')}`;

/**
 * Answers that refuse the request ("I'm sorry, I can't assist with that."). They are never
 * stored: the reference's `content_is_rational` discards them the same way.
 */
export function isRefusal(text: string): boolean {
  const t = text.trim().replace(/[’‘]/g, "'");
  return (
    /^(?:i'm|i am)\s+(?:very\s+)?sorry\b|\b(?:i\s+can(?:'|no)t|i\s+cannot|i'm\s+unable\s+to|i\s+am\s+unable\s+to)\s+(?:assist|help)\s+with\b/i.test(
      t,
    ) || /sorry, i can't assist/i.test(t)
  );
}

export function thoughtMessages(input: ThoughtInput): ChatMessage[] {
  const { steps, index } = input;
  const step = steps[index];
  if (!step) throw new RangeError(`no step ${index} in a trajectory of ${steps.length}`);
  const first = Math.max(0, index - HISTORY_STEPS);
  const history = steps.slice(first, index).map((s, i) => {
    const lines = [`Step ${first + i + 1}:`];
    if (s.thought?.trim()) lines.push(`Thought: ${s.thought.trim()}`);
    lines.push(`Action: ${promptActionText(s)}`);
    return lines.join('\n');
  });
  const following = steps.slice(index + 1, index + 1 + FOLLOWING_STEPS).map((s) => `- ${promptActionText(s)}`);
  const text = [
    `Task: ${input.task?.trim() || '(no task description was given)'}`,
    '',
    history.length
      ? `Earlier steps (oldest first):\n${history.join('\n\n')}`
      : 'Earlier steps: none, this is the first step.',
    '',
    `The action to explain (step ${index + 1} of ${steps.length}): ${promptActionText(step)}`,
    '',
    following.length
      ? `Later actions, for context only (do not mention or hint at them):\n${following.join('\n')}`
      : 'Later actions: none, this is the last step.',
    '',
    input.imageUrl ? 'The screenshot shows the screen just before this action, with its target marked in red.' : '',
    'Write the thought for this action.',
  ]
    .filter((l, i, all) => l !== '' || all[i - 1] !== '')
    .join('\n');
  return [
    { role: 'system', content: THOUGHT_SYSTEM },
    { role: 'user', content: input.imageUrl ? [imagePart(input.imageUrl), { type: 'text', text }] : text },
  ];
}

/** A thought answer as stored: one paragraph, without a `Thought:` label or an `Action:` tail. */
export function cleanThought(text: string): string {
  let t = unwrap(text);
  const action = /(^|\n)\s*(?:\*\*)?action(?:\*\*)?\s*:/i.exec(t);
  if (action) t = t.slice(0, action.index);
  t = t.replace(/^(?:\*\*)?thought(?:\*\*)?\s*:\s*/i, '');
  t = unwrap(t);
  return t.replace(/\s+/g, ' ').trim();
}
