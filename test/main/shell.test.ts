import { describe, expect, it } from 'vitest';
import type { AgentRunDto, TrackerStateDto } from '../../src/api/contract.js';
import { menuKey, shellView } from '../../src/main/shell.js';

const KEYS = { stopRecording: 'CommandOrControl+Shift+F12', abortAgent: 'CommandOrControl+Shift+F11' };

function tracker(live: TrackerStateDto['live']): TrackerStateDto {
  return {
    task: null,
    openTasks: 0,
    counters: { givenFinished: 0, freeFinished: 0, givenOpen: 0, givenBad: 0 },
    live,
    recent: [],
  };
}

function agent(status: AgentRunDto['status'], steps = 0): AgentRunDto {
  return {
    revision: 1,
    kind: 'run',
    task: 't',
    status,
    reason: null,
    recordingId: 1,
    planner: null,
    grounder: 'ocr',
    provider: 'cpu',
    steps: Array.from({ length: steps }, () => null as never),
    startedAt: 0,
    endedAt: null,
  };
}

const enabled = (view: ReturnType<typeof shellView>) =>
  view.menu.flatMap((m) => (m.type === 'item' && m.enabled && m.command ? [m.command] : []));

describe('Electron shell policy (window and tray for the back end state)', () => {
  it('idle: window shown, idle tray, nothing to pause, finish or stop', () => {
    const view = shellView(tracker(null), null, KEYS);
    expect(view).toMatchObject({ windowHidden: false, tray: 'idle', tooltip: 'PC Agent — idle' });
    expect(enabled(view)).toEqual(['show', 'quit']);
  });

  it('recording: window hidden, red tray with the count, pause / finish / fail', () => {
    const view = shellView(
      tracker({ id: 7, mode: 'given', status: 'recording', startedAt: 0, actions: 12 }),
      null,
      KEYS,
    );
    expect(view).toMatchObject({
      windowHidden: true,
      tray: 'recording',
      tooltip: 'PC Agent — recording #7 · 12 actions',
    });
    expect(enabled(view)).toEqual(['pause', 'finish', 'fail', 'show', 'quit']);
    expect(view.menu).toContainEqual({
      type: 'item',
      label: 'Finish recording (CommandOrControl+Shift+F12)',
      enabled: true,
      command: 'finish',
    });
  });

  it('paused recording: still hidden (resume from the tray or the hotkey), resume offered', () => {
    const view = shellView(tracker({ id: 7, mode: 'free', status: 'paused', startedAt: 0, actions: 3 }), null, KEYS);
    expect(view).toMatchObject({ windowHidden: true, tray: 'paused' });
    expect(enabled(view)).toEqual(['resume', 'finish', 'fail', 'show', 'quit']);
  });

  it('the agent: hidden while it acts, shown when paused or ended; stop offered while it runs or pauses', () => {
    for (const status of ['starting', 'running'] as const) {
      const view = shellView(tracker(null), agent(status, 2), KEYS);
      expect(view.windowHidden).toBe(true);
      expect(enabled(view)).toEqual(['stop-agent', 'show', 'quit']);
    }
    expect(shellView(tracker(null), agent('running', 2), KEYS).tooltip).toBe('PC Agent — agent running, step 2');
    const paused = shellView(tracker(null), agent('paused'), KEYS);
    expect(paused.windowHidden).toBe(false);
    expect(enabled(paused)).toEqual(['stop-agent', 'show', 'quit']);
    for (const status of ['finished', 'failed', 'stopped'] as const) {
      const view = shellView(tracker(null), agent(status), KEYS);
      expect(view.windowHidden).toBe(false);
      expect(enabled(view)).toEqual(['show', 'quit']);
    }
  });

  it('the menu key ignores the live count (the tooltip carries it), so the menu is not rebuilt each action', () => {
    const at = (actions: number) =>
      shellView(tracker({ id: 7, mode: 'given', status: 'recording', startedAt: 0, actions }), null, KEYS);
    expect(menuKey(at(1))).toBe(menuKey(at(2)));
    expect(at(1).tooltip).not.toBe(at(2).tooltip);
    expect(menuKey(at(1))).not.toBe(menuKey(shellView(tracker(null), null, KEYS)));
  });
});
