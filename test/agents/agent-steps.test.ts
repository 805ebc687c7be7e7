import { describe, expect, it } from 'vitest';
import { actionText, giveUpPlan, isDestructive, stepTimings } from '../../src/agents/loop/run-agent.js';
import type { Plan } from '../../src/agents/planner/planner.js';

// The pure parts of the agent loop's steps; the whole loop runs in test/e2e/agent-run.test.ts.
const plan: Plan = {
  thought: 'click it',
  action: { kind: 'click', target: 'the OK button' },
  raw: 'Thought: click it',
  requests: 1,
  problems: [],
  usage: { promptTokens: 10, completionTokens: 5 },
  ms: 12,
};

describe('agent loop steps', () => {
  it('rounds stored timings to 0.1 ms and splits the screenshot into grab and encoding', () => {
    const t = stepTimings(
      { settleMs: 2000.04, screenshotMs: 33.36, planMs: 812.25, groundMs: 41.11, executeMs: 0.049 },
      { grabMs: 20.01, encodeMs: 13.35 },
      5.55,
    );
    expect(t).toEqual({
      settleMs: 2000,
      screenshotMs: 33.4,
      grabMs: 20,
      encodeMs: 13.4,
      planMs: 812.3,
      groundMs: 41.1,
      executeMs: 0,
      storeMs: 5.6,
    });
  });

  it('gives up with a fail action naming every target not found', () => {
    const summary = (target: string) => ({ grounder: 'ocr', target, found: false, candidates: [] });
    const fail = giveUpPlan(plan, [summary('the OK button'), summary('Save')]);
    expect(fail.action).toEqual({ kind: 'fail' });
    expect(fail.thought).toBe('I could not find the OK button; Save on the screen.');
    expect(fail.raw).toBe(plan.raw);
  });

  it('asks only before hotkeys that may lose work', () => {
    expect(isDestructive({ kind: 'hotkey', keys: ['f4', 'alt'] })).toBe(true);
    expect(isDestructive({ kind: 'hotkey', keys: ['ctrl', 'c'] })).toBe(false);
    expect(actionText({ kind: 'click', target: 'the OK button', at: { x: 1, y: 2 } })).toContain('the OK button');
  });
});
