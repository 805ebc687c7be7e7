import { describe, expect, it } from 'vitest';
import { API_METHODS, ApiValidationError, inputSchemas, isApiMethod, validate } from '../../src/api/contract.js';

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
});
