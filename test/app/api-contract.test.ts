import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  API_EVENTS,
  API_METHODS,
  ApiValidationError,
  inputSchemas,
  isApiMethod,
  replayStepSchema,
  stepTimingsSchema,
  validate,
} from '../../src/api/contract.js';
import type { ReplayStep, StepOutcome } from '../../src/agents/replay/replay.js';
import { REPLAY_STEP_OUTCOMES, type ReplayStepOutcome, replayStop } from '../../src/core/replay-report.js';

function refusal(method: string, input: unknown): string {
  try {
    validate(method, input);
  } catch (err) {
    expect(err).toBeInstanceOf(ApiValidationError);
    return (err as Error).message;
  }
  throw new Error(`${method} accepted ${JSON.stringify(input)}`);
}

describe('API contract validation', () => {
  it('every method has an input schema', () => {
    expect(API_METHODS.length).toBeGreaterThan(10);
    for (const m of API_METHODS) expect(inputSchemas[m]).toBeDefined();
    expect(isApiMethod('library.listRecordings')).toBe(true);
    expect(isApiMethod('toString')).toBe(false);
    expect(isApiMethod('__proto__')).toBe(false);
  });

  it('accepts good input and returns the parsed value (trimmed)', () => {
    expect(validate('library.getTrajectory', { id: 3 })).toEqual({ id: 3 });
    expect(validate('tracker.describe', { id: 1, description: '  open the file  ', level: 'easy' })).toEqual({
      id: 1,
      description: 'open the file',
      level: 'easy',
    });
    expect(validate('library.listRecordings', { kind: 'human', status: 'finished' })).toEqual({
      kind: 'human',
      status: 'finished',
    });
    expect(validate('tracker.state', undefined)).toEqual({});
    expect(validate('settings.set', { completion: { endpoint: '', model: 'm' } })).toEqual({
      completion: { endpoint: '', model: 'm' },
    });
  });

  it('unknown methods are refused', () => {
    expect(refusal('library.dropEverything', {})).toBe('unknown API method "library.dropEverything"');
    expect(refusal('constructor', {})).toBe('unknown API method "constructor"');
  });

  it('wrong types name the method and the field', () => {
    expect(refusal('library.getTrajectory', { id: '1' })).toBe('library.getTrajectory: id: expected a number');
    expect(refusal('library.getTrajectory', { id: 1.5 })).toBe('library.getTrajectory: id: expected a whole number');
    expect(refusal('library.getTrajectory', { id: 0 })).toBe('library.getTrajectory: id: expected an id ≥ 1');
    expect(refusal('library.getTrajectory', {})).toMatch(/^library\.getTrajectory: id: /);
    expect(refusal('library.getTrajectory', null)).toMatch(/^library\.getTrajectory: id: /);
    expect(refusal('library.getTrajectory', [1])).toMatch(/^library\.getTrajectory: /);
  });

  it('enums, empty text and limits are checked', () => {
    expect(refusal('tracker.start', { mode: 'sneaky' })).toMatch(/^tracker\.start: mode: /);
    expect(refusal('tracker.describe', { id: 1, description: '   ' })).toBe(
      'tracker.describe: description: cannot be empty',
    );
    expect(refusal('tracker.describe', { id: 1, description: 'x'.repeat(4001) })).toBe(
      'tracker.describe: description: at most 4000 characters',
    );
    expect(refusal('tracker.describe', { id: 1, description: 'ok', level: 'extreme' })).toMatch(
      /^tracker\.describe: level: /,
    );
    expect(refusal('settings.set', { completion: { endpoint: 'file:///etc/passwd' } })).toBe(
      'settings.set: completion.endpoint: expected an http(s) URL',
    );
  });

  it('unknown fields are refused, not ignored', () => {
    expect(refusal('tracker.discard', { id: 1, force: true })).toBe('tracker.discard: unknown field force');
    expect(refusal('tracker.state', { a: 1, b: 2 })).toBe('tracker.state: unknown fields a, b');
    expect(refusal('settings.set', { completion: { apiKey: 'k', extra: 1 } })).toBe(
      'settings.set: completion: unknown field extra',
    );
  });

  it('agent, pipeline-job and settings inputs are checked field by field', () => {
    expect(validate('agent.run', { task: ' t ', grounder: 'ocr', maxSteps: 5 })).toEqual({
      task: 't',
      grounder: 'ocr',
      maxSteps: 5,
    });
    expect(refusal('agent.run', { task: 't', grounder: 'magic' })).toMatch(/^agent\.run: grounder: /);
    expect(refusal('agent.run', { task: 't', maxSteps: 0 })).toMatch(/^agent\.run: maxSteps: /);
    expect(refusal('agent.run', { task: 't', planner: { endpoint: 'ftp://x' } })).toBe(
      'agent.run: planner.endpoint: expected an http(s) URL',
    );
    expect(refusal('agent.replay', { id: 1, mode: 'fast' })).toMatch(/^agent\.replay: mode: /);
    expect(refusal('pipeline.export', { ids: [], format: 'html', out: 'x' })).toBe(
      'pipeline.export: ids: choose at least one recording',
    );
    expect(refusal('pipeline.export', { ids: [1], format: 'csv', out: 'x' })).toMatch(/^pipeline\.export: format: /);
    expect(validate('settings.set', { hotkeys: { stopRecording: 'CommandOrControl+Shift+F12' } })).toEqual({
      hotkeys: { stopRecording: 'CommandOrControl+Shift+F12' },
    });
    expect(refusal('settings.set', { hotkeys: { abortAgent: 'F12' } })).toBe(
      'settings.set: hotkeys.abortAgent: expected modifiers and a key, e.g. CommandOrControl+Shift+F12',
    );
    expect(refusal('settings.set', { privacy: { excludedTitles: ['(unclosed'] } })).toBe(
      'settings.set: privacy.excludedTitles.0: not a valid regular expression',
    );
  });

  it("the sandboxed preload's event list is the contract's", () => {
    // The preload cannot import runtime values (sandbox): its copy must not drift.
    const preload = fs.readFileSync(path.join(import.meta.dirname, '../../src/main/preload.cts'), 'utf8');
    const list = /const EVENTS: readonly string\[\] = \[([^\]]*)\]/.exec(preload)?.[1];
    expect(list?.split(',').map((e) => e.trim().replace(/'/g, ''))).toEqual([...API_EVENTS]);
  });

  it('stored replay reports and step timings are parsed, and a row of another shape is refused', () => {
    // The contract's outcome list is the replay's (both ways, checked by the compiler).
    const outcomes: readonly StepOutcome[] = REPLAY_STEP_OUTCOMES;
    const back: ReplayStepOutcome = 'done' as StepOutcome;
    expect(outcomes).toContain(back);
    const step: ReplayStep = {
      seq: 3,
      action: "click element: the 'Bold' button",
      outcome: 'found',
      grounder: 'visual',
      score: 0.8,
      verified: true,
      retried: true,
      settleMs: 300,
      window: { title: 'Keep current format', buttons: ['Use ODF Format!'] },
      candidates: [{ text: 'Bold', score: 0.8, reason: 'image match', box: [1, 2, 3, 4] } as never],
      ms: 900,
    };
    const parsed = replayStepSchema.parse(step);
    expect(parsed.grounder).toBe('visual');
    expect(parsed.candidates).toEqual([{ text: 'Bold', score: 0.8, reason: 'image match' }]);
    expect(replayStepSchema.safeParse({ ...step, outcome: 'skipped' }).success).toBe(false);
    expect(replayStepSchema.safeParse({ ...step, ms: 'slow' }).success).toBe(false);
    // Timings keep the five parts the app shows and drop the rest.
    expect(
      stepTimingsSchema.parse({ settleMs: 1, screenshotMs: 2, grabMs: 1, planMs: 3, groundMs: 4, executeMs: 5 }),
    ).toEqual({ settleMs: 1, screenshotMs: 2, planMs: 3, groundMs: 4, executeMs: 5 });
    expect(stepTimingsSchema.safeParse({ planMs: 3 }).success).toBe(false);
  });

  it('where a replay stopped: its first step not executed as recorded, else after its last', () => {
    const ok = { outcome: 'found', action: 'click' } as const;
    expect(replayStop([ok, ok], 2)).toBeNull();
    expect(replayStop([ok, { outcome: 'not-found', action: "click element: 'Save'" }], 5)).toEqual({
      step: 2,
      reason: "not found: click element: 'Save'",
    });
    expect(replayStop([ok, { outcome: 'no-effect', action: 'x', error: 'step 2 had no effect' }], 5)).toEqual({
      step: 2,
      reason: 'step 2 had no effect',
    });
    expect(replayStop([ok], 3, 'stopped by the user')).toEqual({ step: 2, reason: 'stopped by the user' });
  });

  it('eval inputs are checked field by field', () => {
    expect(validate('eval.start', { suite: ' impress-basic ', agent: { kind: 'plan', file: 'plans.yaml' } })).toEqual({
      suite: 'impress-basic',
      agent: { kind: 'plan', file: 'plans.yaml' },
    });
    expect(refusal('eval.start', { suite: '', agent: { kind: 'plan', file: 'p.yaml' } })).toBe(
      'eval.start: suite: cannot be empty',
    );
    expect(refusal('eval.start', { suite: 'x', agent: { kind: 'plan' } })).toMatch(/^eval\.start: agent\.file: /);
    expect(refusal('eval.start', { suite: 'x', agent: { kind: 'replay' } })).toMatch(/^eval\.start: agent/);
    expect(refusal('eval.start', { suite: 'x', agent: { kind: 'planner', endpoint: 'ftp://x' } })).toBe(
      'eval.start: agent.endpoint: expected an http(s) URL',
    );
    expect(refusal('eval.start', { suite: 'x', agent: { kind: 'plan', file: 'p' }, repeat: 0 })).toMatch(
      /^eval\.start: repeat: /,
    );
    expect(refusal('eval.start', { suite: 'x', agent: { kind: 'plan', file: 'p' }, grounder: 'magic' })).toMatch(
      /^eval\.start: grounder: /,
    );
    expect(refusal('eval.suite', { spec: '  ' })).toBe('eval.suite: spec: cannot be empty');
  });
});
