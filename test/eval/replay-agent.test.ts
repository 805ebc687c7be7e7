/**
 * The pieces of `pcagent eval --replay` that need no desktop: which recording in a (real, on
 * disk) library is a task's demonstration, the perturbations' forms and when a screen size is
 * refused, and the semantic-vs-coordinates comparison of a run. The replays themselves run in
 * test/e2e/replay-robust.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findDemonstration, isTaskText } from '../../src/eval/agents.js';
import { parsePerturbations, perturbationProblem } from '../../src/eval/perturb.js';
import { comparisonLines } from '../../src/eval/report.js';
import { summarise, type AttemptResult, type EvalRun } from '../../src/eval/runner.js';
import type { EvalTask } from '../../src/eval/suite.js';
import type { Library } from '../../src/library/library.js';
import { openTempLibrary, removeTempLibrary } from '../support/fixture.js';

const TASK = {
  id: 'title-only',
  level: 'easy',
  instruction: "Type the title 'Quarterly Review', then save the presentation as {dir}/review.odp",
} as EvalTask;

describe('the demonstration of a task', () => {
  let t: { home: string; lib: Library };
  beforeEach(() => (t = openTempLibrary('eval-replay')));
  afterEach(() => removeTempLibrary(t));

  it('matches the instruction with {dir} standing for any folder, spaces normalised', () => {
    expect(
      isTaskText(TASK, "Type the title 'Quarterly Review', then save the presentation as /tmp/d1/review.odp"),
    ).toBe(true);
    expect(isTaskText(TASK, "Type the title  'Quarterly Review',\nthen save the presentation as /x/review.odp ")).toBe(
      true,
    );
    expect(isTaskText(TASK, "Type the title 'Quarterly Review', then save the presentation as /tmp/review.pptx")).toBe(
      false,
    );
    expect(isTaskText(TASK, 'Type the title (Quarterly Review) then save')).toBe(false);
    expect(isTaskText(TASK, null)).toBe(false);
  });

  it('is the newest finished human recording of it, preferring one with a refined version, given or free', () => {
    const { lib } = t;
    const text = (dir: string) => TASK.instruction.replace('{dir}', dir);
    expect(findDemonstration(lib, TASK)).toBeNull();
    const free = lib.createRecording({
      kind: 'human',
      mode: 'free',
      description: text('/a'),
      status: 'finished',
      source: 'test',
    });
    expect(findDemonstration(lib, TASK)?.id).toBe(free.id);
    lib.importTasks([{ description: text('/b'), level: 'easy' }]);
    const task = lib.listTasks()[0]!;
    const given = lib.createRecording({
      kind: 'human',
      mode: 'given',
      taskId: task.id,
      status: 'finished',
      source: 't',
    });
    expect(findDemonstration(lib, TASK)?.id).toBe(given.id);
    // A refined version makes the older one preferable; unfinished, other tasks and agent runs never count.
    lib.createRecording({ kind: 'human', mode: 'free', stage: 'refined', parentId: free.id, source: 'refine' });
    lib.createRecording({ kind: 'human', mode: 'free', description: text('/c'), status: 'failed', source: 't' });
    lib.createRecording({
      kind: 'human',
      mode: 'free',
      description: 'Something else',
      status: 'finished',
      source: 't',
    });
    lib.createRecording({ kind: 'agent', mode: 'replay', description: text('/d'), status: 'finished', source: 't' });
    expect(findDemonstration(lib, TASK)?.id).toBe(free.id);
  });
});

describe('perturbations', () => {
  it('parses every form and refuses bad ones with the accepted forms', () => {
    expect(parsePerturbations('resolution=1600x900, zoom=75%,window=restored,sidebar=closed,none')).toEqual([
      { name: 'resolution=1600x900', kind: 'resolution', screen: { width: 1600, height: 900 } },
      { name: 'zoom=75%', kind: 'zoom', zoom: 75 },
      { name: 'window=restored', kind: 'window-restored' },
      { name: 'sidebar=closed', kind: 'sidebar-closed' },
      { name: 'none', kind: 'none' },
    ]);
    expect(() => parsePerturbations('resolution=100x100')).toThrow('from 640x480 to 7680x4320');
    expect(() => parsePerturbations('zoom=5%')).toThrow('from 20% to 400%');
    expect(() => parsePerturbations('dpi=2')).toThrow(/unknown perturbation "dpi=2" \(known: .*resolution=WxH/);
  });

  it('refuses a screen size unless the runner owns the display and the agent has its own process', () => {
    const [size, zoom] = parsePerturbations('resolution=1280x800,zoom=150%');
    expect(perturbationProblem(size!, { ownsDisplay: false, agentOwnProcess: true })).toMatch(/--display auto/);
    expect(perturbationProblem(size!, { ownsDisplay: true, agentOwnProcess: false })).toMatch(/--replay/);
    expect(perturbationProblem(size!, { ownsDisplay: true, agentOwnProcess: true })).toBeNull();
    expect(perturbationProblem(zoom!, { ownsDisplay: false, agentOwnProcess: false })).toBeNull();
  });
});

describe('the comparison of an agent with its baseline', () => {
  const attempt = (by: string, perturbation: string, outcome: AttemptResult['outcome']): AttemptResult => ({
    task: 't',
    by,
    perturbation,
    level: 'easy',
    instruction: '',
    repeat: 1,
    outcome,
    reason: '',
    agent: null,
    checks: [],
    ms: 0,
    overheadMs: 0,
    dir: '',
  });
  const run: EvalRun = {
    id: 'eval-1',
    suite: 's',
    agent: 'replay (semantic)',
    baseline: 'replay (coordinates)',
    startedAt: '',
    ms: 0,
    attempts: [
      attempt('replay (semantic)', 'resolution=1600x900', 'success'),
      attempt('replay (coordinates)', 'resolution=1600x900', 'fail'),
      attempt('replay (semantic)', 'sidebar=closed', 'success'),
      attempt('replay (coordinates)', 'sidebar=closed', 'success'),
      attempt('replay (semantic)', 'sidebar=closed', 'fail'),
      attempt('replay (coordinates)', 'sidebar=closed', 'error'),
    ],
  };

  it('counts the agent in the totals and both per perturbation', () => {
    const sum = summarise(run);
    expect([sum.successes, sum.total]).toEqual([2, 3]);
    expect(sum.byAgent).toEqual({
      'replay (semantic)': {
        'resolution=1600x900': { total: 1, successes: 1 },
        'sidebar=closed': { total: 2, successes: 1 },
      },
      'replay (coordinates)': {
        'resolution=1600x900': { total: 1, successes: 0 },
        'sidebar=closed': { total: 2, successes: 1 },
      },
    });
    expect(comparisonLines(run)).toEqual([
      'perturbation         replay (semantic)  replay (coordinates)',
      'resolution=1600x900  100 % (1/1)        0 % (0/1)',
      'sidebar=closed       50 % (1/2)         50 % (1/2)',
    ]);
    expect(comparisonLines({ ...run, baseline: undefined })).toEqual([]);
  });
});
