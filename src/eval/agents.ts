/**
 * The agents `pcagent eval` can measure, each an EvalAgent: scripted plans (for testing the
 * runner and the grounding/execution stack without a model), a planner model behind an
 * OpenAI-compatible endpoint — both run the same desktop agent as `pcagent run`, whose
 * recording is the attempt's trajectory — and the replay of a person's demonstration of the
 * task (`--replay`, semantic or `--coordinates`), run by `pcagent replay` in a process of its
 * own on the attempt's display, whose replay recording is the trajectory.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Library, Recording } from '../library/library.js';
import { replayVerdict, type ReplayReport } from '../agents/replay/replay.js';
import { runOnDesktop } from '../agents/desktop.js';
import { RunControl } from '../agents/loop/control.js';
import type { RunResult } from '../agents/loop/run-agent.js';
import type { AgentResult, AttemptContext, EvalAgent } from './runner.js';
import { ScriptedPlanner, type ScriptedPlans } from './scripted-plan.js';
import type { EvalTask } from './suite.js';

export interface DesktopAgentOptions {
  readonly lib: Library;
  readonly grounder: string;
  readonly settleMs?: number;
  readonly waitMs?: number;
  readonly onLine?: (line: string) => void;
}

async function onDesktop(
  ctx: AttemptContext,
  o: DesktopAgentOptions,
  planner: Parameters<typeof runOnDesktop>[0]['planner'],
): Promise<AgentResult> {
  const control = new RunControl();
  const stop = () => control.stop(ctx.signal.reason instanceof Error ? ctx.signal.reason.message : 'stopped');
  if (ctx.signal.aborted) stop();
  ctx.signal.addEventListener('abort', stop, { once: true });
  let result: RunResult;
  let prompt = 0;
  let completion = 0;
  try {
    result = await runOnDesktop({
      lib: o.lib,
      task: ctx.prepared.instruction,
      planner,
      grounder: o.grounder,
      maxSteps: ctx.task.maxSteps,
      settleMs: o.settleMs,
      waitMs: o.waitMs ?? 2000,
      control,
      onStep: (step) => {
        const usage = (
          step.record.extra as { agent?: { plan?: { usage?: { promptTokens?: number; completionTokens?: number } } } }
        ).agent?.plan?.usage;
        prompt += usage?.promptTokens ?? 0;
        completion += usage?.completionTokens ?? 0;
        o.onLine?.(`  step ${step.index}: ${step.text}`);
      },
    });
  } finally {
    ctx.signal.removeEventListener('abort', stop);
  }
  return {
    status: ctx.signal.aborted ? 'stopped' : result.status,
    reason: result.reason,
    steps: result.steps,
    recordingId: result.recording.id,
    tokens: { prompt, completion },
  };
}

/** Scripted plans: a task without a plan fails with that reason. */
export function scriptedAgent(plans: ScriptedPlans, file: string, o: DesktopAgentOptions): EvalAgent {
  return {
    name: `plan: ${file}`,
    attempt(ctx) {
      const lines = plans.get(ctx.task.id);
      if (!lines) return Promise.reject(new Error(`the plan file has no plan for task ${ctx.task.id}`));
      return onDesktop(ctx, o, { custom: new ScriptedPlanner(lines, ctx.prepared.dir), name: `plan: ${file}` });
    },
  };
}

/** A planner model behind an OpenAI-compatible endpoint. */
export function plannerAgent(
  planner: { readonly endpoint: string; readonly model: string; readonly apiKey?: string },
  o: DesktopAgentOptions,
): EvalAgent {
  return {
    name: `planner: ${planner.model} at ${planner.endpoint}`,
    attempt: (ctx) => onDesktop(ctx, o, planner),
  };
}

const normalise = (s: string): string => s.replace(/\s+/g, ' ').trim();

/**
 * Whether a recorded task text is this eval task: the instruction with `{dir}` standing for
 * any folder (a demonstration was recorded in a folder of its own), spaces normalised.
 */
export function isTaskText(task: EvalTask, text: string | null): boolean {
  if (!text) return false;
  const pattern = normalise(task.instruction)
    .split('{dir}')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.+?');
  return new RegExp(`^${pattern}$`).test(normalise(text));
}

/**
 * The demonstration to replay for a task: the newest finished human recording whose given task
 * (or, for a free task, its description) is the task, preferring one with a refined version
 * (replay needs the refined, completed steps).
 */
export function findDemonstration(lib: Library, task: EvalTask): Recording | null {
  const taskText = new Map<number, string>();
  const textOf = (r: Recording): string | null => {
    if (r.taskId === null) return r.description;
    if (!taskText.has(r.taskId)) taskText.set(r.taskId, lib.getTask(r.taskId).description);
    return taskText.get(r.taskId)!;
  };
  const matching = lib
    .listRecordings({ kind: 'human', stage: 'raw' })
    .filter((r) => r.status === 'finished' && isTaskText(task, textOf(r)))
    .sort((a, b) => b.id - a.id);
  return (
    matching.find((r) => lib.listRecordings({ parentId: r.id, stage: 'refined' }).length > 0) ?? matching[0] ?? null
  );
}

export interface ReplayAgentOptions {
  readonly lib: Library;
  readonly mode: 'semantic' | 'coordinates';
  /** Passed to `pcagent replay` when given (default: replay's own). */
  readonly grounder?: string;
  readonly settleMs?: number;
  readonly onLine?: (line: string) => void;
}

/** The CLI entry of this installation (bin/pcagent.js beside src/ and dist/). */
const PCAGENT_BIN = path.resolve(import.meta.dirname, '..', '..', 'bin', 'pcagent.js');
/** After SIGINT the replay stops at its next step and writes its report; then it is killed. */
const STOP_GRACE_MS = 15_000;

/**
 * Replays, for each task, the library's demonstration of it with `pcagent replay` in a child
 * process on the attempt's display: the replay's own settling, verification and grounding are
 * measured as they ship, a crash of its native input cannot end the eval, and attempts can run
 * on desktops of different sizes.
 */
export function replayAgent(o: ReplayAgentOptions): EvalAgent {
  return {
    name: `replay (${o.mode})`,
    ownProcess: true,
    async attempt(ctx) {
      const demo = findDemonstration(o.lib, ctx.task);
      if (!demo)
        throw new Error(
          `no finished recording in the library has the task "${ctx.task.id}" as its given task (record a demonstration first)`,
        );
      o.onLine?.(`  replaying recording ${demo.id}`);
      const args = [PCAGENT_BIN, '--home', o.lib.home, '--json', 'replay', String(demo.id)];
      if (o.mode === 'coordinates') args.push('--coordinates');
      else if (o.grounder) args.push('--grounder', o.grounder);
      if (o.settleMs !== undefined) args.push('--settle-ms', String(o.settleMs));
      const child = spawn(process.execPath, args, { env: ctx.env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      let killer: NodeJS.Timeout | undefined;
      const stop = () => {
        child.kill('SIGINT');
        killer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      };
      if (ctx.signal.aborted) stop();
      ctx.signal.addEventListener('abort', stop, { once: true });
      const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
        child.once('error', reject);
        child.once('exit', (code, signal) => resolve({ code, signal }));
      }).finally(() => {
        ctx.signal.removeEventListener('abort', stop);
        clearTimeout(killer);
      });
      let report: ReplayReport;
      try {
        report = JSON.parse(stdout) as ReplayReport;
      } catch {
        const why = stderr.trim().split('\n').pop() || `exit ${exit.code ?? exit.signal}`;
        throw new Error(`pcagent replay ${demo.id} failed: ${why}`);
      }
      const verdict = replayVerdict(report);
      return {
        status: ctx.signal.aborted ? 'stopped' : report.completed ? 'finished' : 'failed',
        reason: `replay of recording ${report.source}: ${verdict}`,
        steps: report.steps.length,
        recordingId: report.replay,
      };
    },
  };
}
