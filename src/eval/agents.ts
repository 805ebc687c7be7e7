/**
 * The agents `pcagent eval` can measure, each an EvalAgent: scripted plans (for testing the
 * runner and the grounding/execution stack without a model) and a planner model behind an
 * OpenAI-compatible endpoint. Both run the same desktop agent as `pcagent run`: its recording
 * is the attempt's trajectory.
 */
import type { Library } from '../library/library.js';
import { runOnDesktop } from '../agents/desktop.js';
import { RunControl } from '../agents/loop/control.js';
import type { RunResult } from '../agents/loop/run-agent.js';
import type { AgentResult, AttemptContext, EvalAgent } from './runner.js';
import { ScriptedPlanner, type ScriptedPlans } from './scripted-plan.js';

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
      settleMs: o.settleMs ?? 1000,
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
