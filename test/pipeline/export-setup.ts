/**
 * Shared setup of the export tests: the reference fixture imported into a temporary library,
 * with some of its steps completed (descriptions, thoughts) and some left incomplete.
 */
import type { Library } from '../../src/library/library.js';
import { openFixtureLibrary } from '../support/fixture.js';

/** Fixture actions: click, click, click, click, type, click, click, finish. */
export const DESCRIPTIONS: Record<number, string> = {
  0: "the Windows 'Start' button in the middle of the taskbar",
  1: "the 'PowerPoint' app tile in the Start menu",
  2: "the 'Blank Presentation' thumbnail in PowerPoint's start screen",
};
export const THOUGHTS: Record<number, string> = {
  0: 'I need PowerPoint, so I open the Start menu first.',
  1: 'PowerPoint is pinned in the Start menu; I open it.',
  4: 'The title placeholder has the focus, so I type the title.',
  7: 'The slide has its title, so the task is done.',
};
/** Clicks left without a description (3, 5, 6): the export falls back to their recorded form. */
export const INCOMPLETE = 3;
export const WITHOUT_THOUGHT = 8 - Object.keys(THOUGHTS).length;
/** An export report's totals for the completed fixture alone. */
export const FIXTURE_TOTALS = {
  recordings: 1,
  steps: 8,
  images: 8,
  incompleteSteps: INCOMPLETE,
  stepsWithoutThought: WITHOUT_THOUGHT,
};

/** The reference recording in a fresh temporary library (see openFixtureLibrary), some steps completed. */
export async function completedFixture(prefix: string): Promise<{ home: string; lib: Library }> {
  const { home, lib } = await openFixtureLibrary(prefix);
  const actions = lib.listActions(1);
  for (const [i, text] of Object.entries(DESCRIPTIONS)) {
    lib.updateAction(actions[Number(i)]!.id, { description: { text, source: 'model' } });
  }
  for (const [i, text] of Object.entries(THOUGHTS)) {
    lib.updateAction(actions[Number(i)]!.id, { thought: { text, source: 'model' } });
  }
  return { home, lib };
}
