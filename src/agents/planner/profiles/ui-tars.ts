import { actionParser } from '@ui-tars/action-parser';
import type { Action, Point } from '../../../core/actions.js';
import type { Size } from '../../../core/geometry.js';
import { executedActionText, noEffectNote, type PlannerStep } from '../prompt.js';

/**
 * The `ui-tars` profile: an end-to-end UI-TARS (1.5) model plans *and* points, so no grounder is
 * asked. Its answers (`Thought: …\nAction: click(start_box='(x,y)')`, …) are read with
 * `@ui-tars/action-parser` (Apache-2.0), which also maps its coordinate form (absolute pixels of
 * the model's resized image for 1.5) to screen pixels; here its action space becomes ours.
 */
export const UI_TARS_INSTRUCTIONS = [
  'You are a GUI agent. You are given a task and a screenshot of the screen; perform the next action to complete the task.',
  '',
  '## Output Format',
  '```',
  'Thought: ...',
  'Action: ...',
  '```',
  '',
  '## Action Space',
  "click(start_box='<|box_start|>(x1,y1)<|box_end|>')",
  "left_double(start_box='<|box_start|>(x1,y1)<|box_end|>')",
  "right_single(start_box='<|box_start|>(x1,y1)<|box_end|>')",
  "drag(start_box='<|box_start|>(x1,y1)<|box_end|>', end_box='<|box_start|>(x3,y3)<|box_end|>')",
  "hotkey(key='')",
  "type(content='')",
  "scroll(start_box='<|box_start|>(x1,y1)<|box_end|>', direction='down or up or right or left')",
  'wait()',
  'finished()',
  '',
  '## Note',
  'Write a short thought in English before the action.',
  '',
  '## User Instruction',
  '',
].join('\n');

/**
 * The text of a ui-tars request: instructions, the task, and the earlier steps (their clicks by
 * the executed coordinates: a ui-tars click has no description); when the last action changed nothing `noEffect` times in a row, a note saying so.
 */
export function uiTarsText(
  task: string,
  history: readonly PlannerStep[],
  instructions?: string,
  noEffect?: number,
  notices: readonly string[] = [],
): string {
  const steps = history.map((s) => `Thought: ${s.thought?.trim() ?? ''}\nAction: ${executedActionText(s.action)}`);
  const notes = [...(noEffect ? [noEffectNote(noEffect)] : []), ...notices];
  const note = notes.length ? `\n\n## Note\n${notes.join('\n')}` : '';
  return `${instructions ?? UI_TARS_INSTRUCTIONS}${task}${steps.length ? `\n\n## History\n${steps.join('\n\n')}` : ''}${note}`;
}

/** Wheel notches a UI-TARS scroll moves. */
const SCROLL_NOTCHES = 5;

export type UiTarsAnswer =
  | { readonly ok: true; readonly thought: string; readonly action: Action }
  | { readonly ok: false; readonly problem: string };

function point(coords: readonly number[] | undefined): Point | null {
  if (!coords || coords.length < 2) return null;
  return { x: Math.round(coords[0]!), y: Math.round(coords[1]!) };
}

/** Reads a UI-TARS 1.5 answer for a screen of `screen` pixels (the screenshot it was shown). */
export function parseUiTarsAnswer(text: string, screen: Size): UiTarsAnswer {
  let parsed;
  try {
    parsed = actionParser({ prediction: text, factor: [1000, 1000], screenContext: screen, modelVer: '1.5' as never })
      .parsed[0];
  } catch (err) {
    return { ok: false, problem: `the answer cannot be read (${(err as Error).message})` };
  }
  if (!parsed || !parsed.action_type) return { ok: false, problem: 'the answer has no "Action:" line' };
  const inputs = parsed.action_inputs;
  const at = point(inputs.start_coords);
  const to = point(inputs.end_coords);
  const thought = parsed.thought.trim();
  const done = (action: Action): UiTarsAnswer => ({ ok: true, thought, action });
  const needAt = (kind: 'click' | 'double_click' | 'right_click'): UiTarsAnswer =>
    at ? done({ kind, at }) : { ok: false, problem: `${parsed.action_type} has no start_box` };
  switch (parsed.action_type) {
    case 'click':
    case 'left_single':
      return needAt('click');
    case 'left_double':
      return needAt('double_click');
    case 'right_single':
      return needAt('right_click');
    case 'drag':
    case 'select':
      return at && to
        ? done({ kind: 'drag', from: at, to })
        : { ok: false, problem: 'drag needs start_box and end_box' };
    case 'type':
      return done({ kind: 'type', text: (inputs.content ?? '').replace(/\\n$|\n$/, '') });
    case 'hotkey': {
      const keys = (inputs.key ?? inputs.hotkey ?? '').trim().split(/\s+/).filter(Boolean);
      if (keys.length === 0) return { ok: false, problem: 'hotkey has no key' };
      return done(keys.length === 1 ? { kind: 'key', key: keys[0]!.toLowerCase() } : { kind: 'hotkey', keys });
    }
    case 'press':
      return inputs.key
        ? done({ kind: 'key', key: inputs.key.toLowerCase() })
        : { ok: false, problem: 'press has no key' };
    case 'scroll': {
      const d = (inputs.direction ?? 'down').toLowerCase();
      const n = SCROLL_NOTCHES;
      const delta =
        d === 'up'
          ? { dx: 0, dy: n }
          : d === 'left'
            ? { dx: -n, dy: 0 }
            : d === 'right'
              ? { dx: n, dy: 0 }
              : { dx: 0, dy: -n };
      return done({ kind: 'scroll', ...delta });
    }
    case 'wait':
      return done({ kind: 'wait' });
    case 'finished':
      return done({ kind: 'finish' });
    case 'call_user':
      return done({ kind: 'fail' });
    default:
      return { ok: false, problem: `unknown UI-TARS action "${parsed.action_type}"` };
  }
}

/** Width and height of a PNG from its header, or null for other data. */
export function pngSize(png: Uint8Array): Size | null {
  if (png.length < 24 || png[1] !== 0x50 || png[2] !== 0x4e || png[3] !== 0x47) return null;
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}
