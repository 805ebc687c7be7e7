/**
 * Stuck detection's note in the planner request, for every planner profile: the request built by
 * the real Planner (Planner.messages, the messages it sends) says that the last action changed
 * nothing; a request without `noEffect` does not. No model is asked here.
 */
import { describe, expect, it } from 'vitest';
import { Planner, type PlanRequest } from '../../src/agents/planner/planner.js';
import { noEffectNote, plannerUserPrompt } from '../../src/agents/planner/prompt.js';
import { PLANNER_PROFILES } from '../../src/core/planner-profiles.js';

const request: PlanRequest = {
  task: 'Open the file',
  history: [
    { thought: 'I click the desktop.', action: { kind: 'click', target: 'the empty desktop', at: { x: 5, y: 5 } } },
  ],
  screenshot: { url: 'data:image/png;base64,AAAA' },
  screenSize: { width: 800, height: 600 },
};

const text = (planner: Planner, r: PlanRequest): string =>
  planner
    .messages(r)
    .flatMap((m) =>
      typeof m.content === 'string' ? [m.content] : m.content.map((p) => (p.type === 'text' ? p.text : '')),
    )
    .join('\n');

describe('the planner is told when its last action changed nothing', () => {
  it('says it in our words, with the count', () => {
    expect(noEffectNote(3)).toBe(
      'Your last action changed nothing on the screen, the same action 3 times in a row. Doing it again will not help: try something else.',
    );
    const prompt = plannerUserPrompt({ task: 't', history: [], noEffect: 3 });
    // Before the closing question that announces the screenshot.
    expect(prompt.indexOf(noEffectNote(3))).toBeLessThan(prompt.indexOf('The screenshot of the screen'));
  });

  it.each(PLANNER_PROFILES)('profile %s', (profile) => {
    const planner = new Planner({ endpoint: 'http://127.0.0.1:9/v1', model: 'm', profile });
    expect(text(planner, request)).not.toContain('changed nothing');
    expect(text(planner, { ...request, noEffect: 3 })).toContain(noEffectNote(3));
  });
});

describe('history of coordinate clicks', () => {
  it('shows an executed click without a description by its point (ui-tars and pc-agent)', () => {
    const clicked: PlanRequest = {
      ...request,
      history: [{ thought: 'I click it.', action: { kind: 'click', at: { x: 500, y: 400 } } }],
    };
    for (const profile of ['ui-tars', 'pc-agent'] as const) {
      const planner = new Planner({ endpoint: 'http://127.0.0.1:9/v1', model: 'm', profile });
      expect(text(planner, clicked)).toContain('Action: click (500, 400)');
    }
  });
});
