import fs from 'node:fs';
import path from 'node:path';
import { copyFixture, FIXTURE_NAME } from './fixture.js';

/**
 * The shared pc-tracker fixture as the reference completion pass (`postprocess/completion.py`)
 * leaves it: each line gains `action_description`, `action_description_checked` and `thought`,
 * in that order, and the file is rewritten with `json.dump(entry, ensure_ascii=False)`.
 * Written by hand from the format rules (not by our exporter), so tests compare against an
 * independent statement of the format.
 */
export interface CompletedStep {
  /** Our description (inside `<\…>` for clicks); null for non-clicks. */
  description: string | null;
  /** The field as the reference writes it. */
  actionDescription: string;
  checked: string | null;
  thought: string;
}

export const COMPLETED_STEPS: readonly CompletedStep[] = [
  {
    description: "the 'Start' button at the left end of the taskbar",
    actionDescription: "click <\\the 'Start' button at the left end of the taskbar>",
    checked: 'Good',
    thought: 'I need PowerPoint to make the slide, so I open the Start menu first.',
  },
  {
    // A correction: the verdict keeps its text and the description already holds it.
    description: "the 'PowerPoint' tile in the Start menu’s pinned apps",
    actionDescription: "click <\\the 'PowerPoint' tile in the Start menu’s pinned apps>",
    checked: "Wrong. Correct Description: the 'PowerPoint' tile in the Start menu’s pinned apps",
    thought: 'The Start menu is open and PowerPoint is pinned there, so I launch it.',
  },
  {
    description: "the 'Blank Presentation' thumbnail on the start page",
    actionDescription: "click <\\the 'Blank Presentation' thumbnail on the start page>",
    checked: 'Good',
    thought: 'PowerPoint is open; a blank presentation gives me the empty title slide I want.',
  },
  {
    // A click whose check gave no answer.
    description: "the 'Click to add Title' placeholder in the middle of the slide",
    actionDescription: "click <\\the 'Click to add Title' placeholder in the middle of the slide>",
    checked: null,
    thought: 'The new slide has a title placeholder; I click it to type the title.',
  },
  {
    description: null,
    actionDescription: 'type text: Hello, world',
    checked: null,
    thought: 'The title placeholder is active, so I type “Hello, world”.',
  },
  {
    description: "the 'Close' button (X) in the top right corner of the window",
    actionDescription: "click <\\the 'Close' button (X) in the top right corner of the window>",
    checked: 'Good',
    thought: 'The title is written; closing the window will let me save the file on the desktop.',
  },
  {
    description: "the 'Save' button in the dialog asking whether to save changes",
    actionDescription: "click <\\the 'Save' button in the dialog asking whether to save changes>",
    checked: 'Good',
    thought: 'PowerPoint asks whether to save my changes; I save them.',
  },
  {
    description: null,
    actionDescription: 'finish',
    checked: null,
    thought: 'The presentation is saved with the titled slide, so the task is done.',
  },
];

/** A writable folder holding the completed fixture; returns the folder. */
export function completedFixture(): string {
  const dir = copyFixture();
  const file = path.join(dir, `${FIXTURE_NAME}.jsonl`);
  const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
  if (lines.length !== COMPLETED_STEPS.length) throw new Error('the shared fixture changed: update COMPLETED_STEPS');
  const completed = lines.map((line, i) => {
    const s = COMPLETED_STEPS[i]!;
    // The fixture's own keys are plain ASCII, so they read the same with ensure_ascii=False.
    const added = [
      `"action_description": ${JSON.stringify(s.actionDescription)}`,
      `"action_description_checked": ${s.checked === null ? 'null' : JSON.stringify(s.checked)}`,
      `"thought": ${JSON.stringify(s.thought)}`,
    ];
    return `${line.slice(0, -1)}, ${added.join(', ')}}`;
  });
  fs.writeFileSync(file, completed.map((l) => `${l}\n`).join(''));
  return dir;
}
