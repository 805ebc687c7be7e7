/**
 * The eval runner: for each task (× repeat), a fresh folder with the task's start file, a
 * fresh LibreOffice Impress with a fresh profile, the agent given the task's instruction under
 * its step and time limits, the application closed, lock files cleaned, and the task's
 * checkers run on the saved files. A crash, a time-out or a stuck agent is a failed attempt
 * with its reason; the suite goes on. Each attempt's agent recording stays in the library,
 * linked to the eval run in its meta (`meta.eval`).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Library } from '../library/library.js';
import { runChecks, type CheckResult } from './checks.js';
import { removeLockFiles, startImpress, waitForWrites } from './impress.js';
import { startOwnedDesktop, type OwnedDesktop } from './desktop.js';
import { applyPerturbation, NO_PERTURBATION, perturbationProblem, type Perturbation } from './perturb.js';
import { prepareTask, type PreparedTask } from './setup.js';
import type { EvalTask, Suite } from './suite.js';

export type AttemptOutcome = 'success' | 'fail' | 'error';

/** What an agent did in one attempt. */
export interface AgentResult {
  /** The agent's own verdict: finished (it says the task is done), failed, stopped. */
  readonly status: 'finished' | 'failed' | 'stopped';
  readonly reason: string;
  readonly steps: number;
  readonly recordingId: number | null;
  readonly tokens?: { readonly prompt: number; readonly completion: number };
}

export interface AttemptContext {
  readonly task: EvalTask;
  readonly prepared: PreparedTask;
  /** Aborted at the task's time limit or when the whole eval is stopped. */
  readonly signal: AbortSignal;
  /** Environment of the attempt's desktop (DISPLAY, D-Bus …), for an agent in a process of its own. */
  readonly env: NodeJS.ProcessEnv;
}

/** Anything that can attempt a task on this desktop: scripted plans, a planner model, a replay. */
export interface EvalAgent {
  /** Shown in the report: `plan: FILE`, `planner: MODEL at URL`, `replay (semantic)`. */
  readonly name: string;
  /**
   * Each attempt runs in a process of its own on `ctx.env`'s display, so attempts can run on
   * desktops of different sizes (`resolution=WxH`). An agent in this process is bound to the
   * one display its native input opened first.
   */
  readonly ownProcess?: boolean;
  attempt(ctx: AttemptContext): Promise<AgentResult>;
}

export interface AttemptResult {
  readonly task: string;
  /** The agent's name (the run's agent, or its baseline). */
  readonly by: string;
  /** The perturbation applied to the application ('none' when none was asked for). */
  readonly perturbation: string;
  readonly level: string;
  readonly instruction: string;
  readonly repeat: number;
  readonly outcome: AttemptOutcome;
  /** One line: why it failed or errored ('' on success). */
  readonly reason: string;
  readonly agent: AgentResult | null;
  readonly checks: readonly CheckResult[];
  /** Milliseconds: the whole attempt, and the runner's own part (start, close, check). */
  readonly ms: number;
  readonly overheadMs: number;
  /** The attempt's folder, relative to the report folder. */
  readonly dir: string;
}

export interface EvalOptions {
  readonly suite: Suite;
  readonly tasks: readonly EvalTask[];
  readonly agent: EvalAgent;
  /**
   * A second agent that attempts every task × perturbation right after the first, on its own
   * fresh application; the report compares the two per perturbation (e.g. semantic replay vs
   * its `--coordinates` baseline).
   */
  readonly baseline?: EvalAgent;
  readonly lib: Library;
  /** Where attempt folders, profiles and the report go (must exist). */
  readonly reportDir: string;
  readonly repeat?: number;
  /** Each task runs once per perturbation (default: none). */
  readonly perturbations?: readonly Perturbation[];
  /** Environment of the application (DISPLAY …); default this process's. */
  readonly env?: NodeJS.ProcessEnv;
  /**
   * The runner owns the display: attempts run on private desktops it starts (Xvfb + openbox),
   * of this size unless a `resolution=WxH` perturbation asks for another. An agent with its own
   * process gets a fresh desktop per attempt; an agent in this process gets one desktop for the
   * whole run, made this process's display before the agent first acts.
   */
  readonly ownDisplay?: { readonly width: number; readonly height: number };
  readonly signal?: AbortSignal;
  readonly onAttemptStart?: (
    task: EvalTask,
    repeat: number,
    perturbation: string,
    index: number,
    total: number,
    agent: string,
  ) => void;
  readonly onAttempt?: (result: AttemptResult, index: number, total: number) => void;
}

export interface EvalRun {
  readonly id: string;
  readonly suite: string;
  readonly agent: string;
  readonly baseline?: string;
  readonly startedAt: string;
  readonly ms: number;
  readonly attempts: readonly AttemptResult[];
}

const SETTLE_AFTER_START_MS = 1500;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A run id that sorts by time and names a folder: `eval-20261204-041500`. */
export function evalRunId(now = new Date()): string {
  return `eval-${now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}`;
}

function oneLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
}

/** What identifies an attempt in the report, and its folder relative to the report folder. */
function attemptBase(o: EvalOptions, agent: EvalAgent, task: EvalTask, repeat: number, perturbation: Perturbation) {
  const byBaseline = agent === o.baseline ? '~baseline' : '';
  const suffix = `${perturbation.name === 'none' ? '' : `@${perturbation.name.replace(/[^\w.-]+/g, '_')}`}${byBaseline}${(o.repeat ?? 1) > 1 ? `-${repeat}` : ''}`;
  return {
    task: task.id,
    by: agent.name,
    perturbation: perturbation.name,
    level: task.level,
    instruction: task.instruction,
    repeat,
    dir: path.join('attempts', `${task.id}${suffix}`),
  };
}

/** Runs one attempt; never throws for the task's own failures. */
async function attempt(
  o: EvalOptions,
  agentOf: EvalAgent,
  runId: string,
  task: EvalTask,
  repeat: number,
  perturbation: Perturbation,
  env: NodeJS.ProcessEnv,
): Promise<AttemptResult> {
  const started = Date.now();
  const base = attemptBase(o, agentOf, task, repeat, perturbation);
  const rel = base.dir;
  const dir = path.join(o.reportDir, rel);
  const profileDir = path.join(o.reportDir, 'profiles', path.basename(rel));
  let agentMs = 0;
  let prepared: PreparedTask;
  let app: Awaited<ReturnType<typeof startImpress>> | null = null;
  try {
    prepared = prepareTask(o.suite, task, dir);
    fs.rmSync(profileDir, { recursive: true, force: true });
    app = await startImpress({
      profileDir,
      file: prepared.openFile,
      workDir: prepared.dir,
      env,
      logFile: path.join(o.reportDir, 'profiles', `${path.basename(rel)}.log`),
    });
    await applyPerturbation(perturbation, { env, windowId: app.windowId });
    await sleep(SETTLE_AFTER_START_MS);
  } catch (err) {
    await app?.stop();
    const ms = Date.now() - started;
    return {
      ...base,
      outcome: 'error',
      reason: `could not set up: ${oneLine(err)}`,
      agent: null,
      checks: [],
      ms,
      overheadMs: ms,
    };
  }

  const limit = new AbortController();
  const timer = setTimeout(
    () => limit.abort(new Error(`time limit of ${task.timeLimit} s reached`)),
    task.timeLimit * 1000,
  );
  const onStop = () => limit.abort(o.signal?.reason ?? new Error('the eval was stopped'));
  o.signal?.addEventListener('abort', onStop, { once: true });
  // A stop that came while Impress was starting fired before the listener existed.
  if (o.signal?.aborted) onStop();
  let agent: AgentResult | null = null;
  let crash: string | null = null;
  const agentStart = Date.now();
  try {
    agent = await agentOf.attempt({ task, prepared, signal: limit.signal, env });
  } catch (err) {
    crash = limit.signal.aborted ? oneLine(limit.signal.reason) : `the agent crashed: ${oneLine(err)}`;
  } finally {
    agentMs = Date.now() - agentStart;
    clearTimeout(timer);
    o.signal?.removeEventListener('abort', onStop);
  }
  if (agent?.recordingId != null) {
    const rec = o.lib.getRecording(agent.recordingId);
    o.lib.updateRecording(rec.id, {
      meta: { ...rec.meta, eval: { run: runId, task: task.id, repeat, perturbation: perturbation.name } },
    });
  }
  await waitForWrites(dir);
  await app.stop();
  removeLockFiles(dir);
  const checks = await runChecks(task.checks, dir);
  const failed = checks.filter((c) => !c.pass);
  let outcome: AttemptOutcome;
  let reason = '';
  if (limit.signal.aborted) {
    // A time-out (or a stop) fails the attempt whatever the files say: the agent did not end it.
    outcome = 'fail';
    reason = oneLine(limit.signal.reason);
  } else if (crash) {
    outcome = 'fail';
    reason = crash;
  } else if (failed.length > 0) {
    outcome = 'fail';
    reason = `${failed.length} of ${checks.length} checks failed: ${failed[0]!.detail}${agent && agent.status !== 'finished' ? ` (agent: ${agent.reason})` : ''}`;
  } else {
    outcome = 'success';
  }
  const ms = Date.now() - started;
  return { ...base, outcome, reason, agent, checks, ms, overheadMs: ms - agentMs };
}

/**
 * Runs `fn` on the attempt's desktop: the given display, the run's shared desktop, or a fresh
 * one of the perturbation's (else the default) size, stopped afterwards. A desktop that cannot
 * start is the attempt's error, not the run's.
 */
async function onDesktop(
  o: EvalOptions,
  agent: EvalAgent,
  task: EvalTask,
  repeat: number,
  p: Perturbation,
  shared: OwnedDesktop | null,
  fn: (env: NodeJS.ProcessEnv) => Promise<AttemptResult>,
): Promise<AttemptResult> {
  if (!o.ownDisplay) return fn(o.env ?? process.env);
  if (shared) return fn(shared.env);
  const size = p.screen ?? o.ownDisplay;
  const started = Date.now();
  let desktop: OwnedDesktop;
  try {
    desktop = await startOwnedDesktop(size.width, size.height);
  } catch (err) {
    const ms = Date.now() - started;
    return {
      ...attemptBase(o, agent, task, repeat, p),
      outcome: 'error',
      reason: oneLine(err),
      agent: null,
      checks: [],
      ms,
      overheadMs: ms,
    };
  }
  try {
    const result = await fn(desktop.env);
    const ms = Date.now() - started;
    return { ...result, ms, overheadMs: result.overheadMs + (ms - result.ms) };
  } finally {
    await desktop.stop();
  }
}

/** Runs the chosen tasks of a suite with one agent and returns every attempt. */
export async function runEval(o: EvalOptions): Promise<EvalRun> {
  const id = evalRunId();
  const started = Date.now();
  const repeat = o.repeat ?? 1;
  const perturbations = o.perturbations?.length ? o.perturbations : [NO_PERTURBATION];
  const agents = o.baseline ? [o.agent, o.baseline] : [o.agent];
  const ownProcess = agents.every((a) => a.ownProcess);
  for (const p of perturbations) {
    const problem = perturbationProblem(p, { ownsDisplay: !!o.ownDisplay, agentOwnProcess: ownProcess });
    if (problem) throw new Error(problem);
  }
  const total = o.tasks.length * repeat * perturbations.length * agents.length;
  const attempts: AttemptResult[] = [];
  let index = 0;
  // An agent in this process acts on one display for the whole run.
  let shared: OwnedDesktop | null = null;
  if (o.ownDisplay && !ownProcess) {
    shared = await startOwnedDesktop(o.ownDisplay.width, o.ownDisplay.height);
    Object.assign(process.env, shared.env);
  }
  try {
    for (const task of o.tasks) {
      for (const p of perturbations) {
        for (let r = 1; r <= repeat; r++) {
          for (const agent of agents) {
            if (o.signal?.aborted) break;
            o.onAttemptStart?.(task, r, p.name, index, total, agent.name);
            const result = await onDesktop(o, agent, task, r, p, shared, (env) =>
              attempt(o, agent, id, task, r, p, env),
            );
            attempts.push(result);
            o.onAttempt?.(result, index++, total);
          }
        }
      }
    }
  } finally {
    await shared?.stop();
    fs.rmSync(path.join(o.reportDir, 'profiles'), { recursive: true, force: true });
  }
  return {
    id,
    suite: o.suite.name,
    agent: o.agent.name,
    ...(o.baseline ? { baseline: o.baseline.name } : {}),
    startedAt: new Date(started).toISOString(),
    ms: Date.now() - started,
    attempts,
  };
}

type Tally = Record<string, { total: number; successes: number }>;

/**
 * Successes of the run's agent in all, per level and per perturbation, and, when there is a
 * baseline to compare, per agent × perturbation.
 */
export function summarise(run: EvalRun): {
  readonly total: number;
  readonly successes: number;
  readonly byLevel: Readonly<Tally>;
  readonly byPerturbation: Readonly<Tally>;
  readonly byAgent?: Readonly<Record<string, Readonly<Tally>>>;
} {
  const byLevel: Tally = {};
  const byPerturbation: Tally = {};
  const byAgent: Record<string, Tally> = {};
  const main = run.attempts.filter((a) => a.by === run.agent);
  for (const a of run.attempts) {
    const mine = a.by === run.agent;
    for (const [tally, key] of [
      [mine ? byLevel : {}, a.level],
      [mine ? byPerturbation : {}, a.perturbation],
      [(byAgent[a.by] ??= {}), a.perturbation],
    ] as const) {
      const t = (tally[key] ??= { total: 0, successes: 0 });
      t.total++;
      if (a.outcome === 'success') t.successes++;
    }
  }
  return {
    total: main.length,
    successes: main.filter((a) => a.outcome === 'success').length,
    byLevel,
    byPerturbation,
    ...(run.baseline ? { byAgent } : {}),
  };
}
