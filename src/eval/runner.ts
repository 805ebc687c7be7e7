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
import { removeLockFiles, startImpress } from './impress.js';
import { applyPerturbation, NO_PERTURBATION, type Perturbation } from './perturb.js';
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
}

/** Anything that can attempt a task on this desktop: scripted plans, a planner model, a replay. */
export interface EvalAgent {
  /** Shown in the report: `plan: FILE`, `planner: MODEL at URL`, `replay (semantic)`. */
  readonly name: string;
  attempt(ctx: AttemptContext): Promise<AgentResult>;
}

export interface AttemptResult {
  readonly task: string;
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
  readonly lib: Library;
  /** Where attempt folders, profiles and the report go (must exist). */
  readonly reportDir: string;
  readonly repeat?: number;
  /** Each task runs once per perturbation (default: none). */
  readonly perturbations?: readonly Perturbation[];
  /** Environment of the application (DISPLAY …); default this process's. */
  readonly env?: NodeJS.ProcessEnv;
  readonly signal?: AbortSignal;
  readonly onAttemptStart?: (
    task: EvalTask,
    repeat: number,
    perturbation: string,
    index: number,
    total: number,
  ) => void;
  readonly onAttempt?: (result: AttemptResult, index: number, total: number) => void;
}

export interface EvalRun {
  readonly id: string;
  readonly suite: string;
  readonly agent: string;
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

/** Runs one attempt; never throws for the task's own failures. */
async function attempt(
  o: EvalOptions,
  runId: string,
  task: EvalTask,
  repeat: number,
  perturbation: Perturbation,
): Promise<AttemptResult> {
  const started = Date.now();
  const suffix = `${perturbation.name === 'none' ? '' : `@${perturbation.name.replace(/[^\w.-]+/g, '_')}`}${(o.repeat ?? 1) > 1 ? `-${repeat}` : ''}`;
  const rel = path.join('attempts', `${task.id}${suffix}`);
  const dir = path.join(o.reportDir, rel);
  const profileDir = path.join(o.reportDir, 'profiles', path.basename(rel));
  let agentMs = 0;
  const base = {
    task: task.id,
    perturbation: perturbation.name,
    level: task.level,
    instruction: task.instruction,
    repeat,
    dir: rel,
  };
  let prepared: PreparedTask;
  let app: Awaited<ReturnType<typeof startImpress>> | null = null;
  try {
    prepared = prepareTask(o.suite, task, dir);
    fs.rmSync(profileDir, { recursive: true, force: true });
    app = await startImpress({
      profileDir,
      file: prepared.openFile,
      env: o.env,
      logFile: path.join(o.reportDir, 'profiles', `${path.basename(rel)}.log`),
    });
    await applyPerturbation(perturbation, { env: o.env ?? process.env, windowId: app.windowId });
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
  let agent: AgentResult | null = null;
  let crash: string | null = null;
  const agentStart = Date.now();
  try {
    agent = await o.agent.attempt({ task, prepared, signal: limit.signal });
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

/** Runs the chosen tasks of a suite with one agent and returns every attempt. */
export async function runEval(o: EvalOptions): Promise<EvalRun> {
  const id = evalRunId();
  const started = Date.now();
  const repeat = o.repeat ?? 1;
  const perturbations = o.perturbations?.length ? o.perturbations : [NO_PERTURBATION];
  const total = o.tasks.length * repeat * perturbations.length;
  const attempts: AttemptResult[] = [];
  let index = 0;
  for (const task of o.tasks) {
    for (const p of perturbations) {
      for (let r = 1; r <= repeat; r++) {
        if (o.signal?.aborted) break;
        o.onAttemptStart?.(task, r, p.name, index, total);
        const result = await attempt(o, id, task, r, p);
        attempts.push(result);
        o.onAttempt?.(result, index++, total);
      }
    }
  }
  fs.rmSync(path.join(o.reportDir, 'profiles'), { recursive: true, force: true });
  return {
    id,
    suite: o.suite.name,
    agent: o.agent.name,
    startedAt: new Date(started).toISOString(),
    ms: Date.now() - started,
    attempts,
  };
}

type Tally = Record<string, { total: number; successes: number }>;

/** Successes in all, per level and per perturbation. */
export function summarise(run: EvalRun): {
  readonly total: number;
  readonly successes: number;
  readonly byLevel: Readonly<Tally>;
  readonly byPerturbation: Readonly<Tally>;
} {
  const byLevel: Tally = {};
  const byPerturbation: Tally = {};
  for (const a of run.attempts) {
    for (const [tally, key] of [
      [byLevel, a.level],
      [byPerturbation, a.perturbation],
    ] as const) {
      const t = (tally[key] ??= { total: 0, successes: 0 });
      t.total++;
      if (a.outcome === 'success') t.successes++;
    }
  }
  return {
    total: run.attempts.length,
    successes: run.attempts.filter((a) => a.outcome === 'success').length,
    byLevel,
    byPerturbation,
  };
}
