import { describe, expect, it } from 'vitest';
import { isClick, isTerminal, type Action } from '../../src/core/actions.js';

describe('action model', () => {
  it('classifies click-type and terminal actions', () => {
    const click: Action = { kind: 'double_click', at: { x: 1, y: 2 } };
    expect(isClick(click)).toBe(true);
    expect(isClick({ kind: 'press', at: { x: 1, y: 2 } })).toBe(false);
    expect(isTerminal({ kind: 'fail' })).toBe(true);
    expect(isTerminal({ kind: 'wait' })).toBe(false);
  });
});
