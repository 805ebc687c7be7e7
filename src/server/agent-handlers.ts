import type { AgentRunDto, AgentStateDto, AgentStepDto } from '../api/contract.js';
import { displayProblem } from '../agents/display.js';
import type { RunControl } from '../agents/loop/control.js';
import type { AgentStep } from '../agents/loop/run-agent.js';
import { type ReplayStep, replayVerdict } from '../agents/replay/replay.js';
import type { ActionRecord, Recording } from '../library/library.js';
import type { DesktopInfo } from '../agents/desktop.js';
import { readPlannerPrompt, readSettings, runChoices } from '../library/settings.js';
import { type BackendContext, frameDto, frameOrNull, type HandlersOf } from './context.js';
import { replayStepOf } from './library-handlers.js';

const noScreen = (env: NodeJS.ProcessEnv): string | null => displayProblem(env);

function stepFromRun(ctx: BackendContext, step: AgentStep): AgentStepDto {
  const g = step.grounding;
  return {
    index: step.index,
    thought: step.thought,
    action: step.text,
    grounding: g && {
      grounder: g.grounder,
      target: g.target,
      found: g.found,
      point: g.point ? { x: g.point.x, y: g.point.y } : null,
      score: g.score ?? null,
      text: g.candidates[0]?.text ?? null,
    },
    notFound: step.notFound.map((n) => n.target),
    frame: frameDto(frameOrNull(ctx.lib, step.record.frameId)),
    markedFrame: frameDto(frameOrNull(ctx.lib, step.record.markedFrameId)),
    replay: null,
    timings: {
      settleMs: Math.round(step.timings.settleMs),
      screenshotMs: Math.round(step.timings.screenshotMs),
      planMs: Math.round(step.timings.planMs),
      groundMs: Math.round(step.timings.groundMs),
      executeMs: Math.round(step.timings.executeMs),
    },
  };
}

function stepFromReplay(ctx: BackendContext, step: ReplayStep, record: ActionRecord, index: number): AgentStepDto {
  const grounded = step.outcome === 'found' || step.outcome === 'not-found';
  return {
    index,
    // What became of the step is in `replay` (outcome, error, window), not said twice.
    thought: '',
    action: step.action,
    grounding: grounded
      ? {
          grounder: 'replay',
          target: step.description ?? '',
          found: step.outcome === 'found',
          point: step.point ? { x: step.point.x, y: step.point.y } : null,
          score: step.score ?? null,
          text: step.candidates?.[0]?.text ?? null,
        }
      : null,
    notFound: step.outcome === 'not-found' && step.description ? [step.description] : [],
    frame: frameDto(frameOrNull(ctx.lib, record.frameId)),
    markedFrame: frameDto(frameOrNull(ctx.lib, record.markedFrameId)),
    replay: replayStepOf({ replay: step }),
    timings: {
      ...(step.settleMs !== undefined ? { settleMs: Math.round(step.settleMs) } : {}),
      screenshotMs: 0,
      planMs: 0,
      groundMs: Math.round(step.ms),
      executeMs: 0,
    },
  };
}

/**
 * The agent console: one run (a task) or replay (a recording) at a time, on this screen, with
 * pause / resume / stop. Every change of the run goes to the renderer as an `agent` event; the
 * run itself is stored in the library as an agent recording by the agent loop.
 */
export function agentHandlers(ctx: BackendContext, env: NodeJS.ProcessEnv = process.env): HandlersOf<'agent'> {
  let run: AgentRunDto | null = null;
  let control: RunControl | null = null;
  let finished: Promise<void> = Promise.resolve();

  const active = () =>
    run !== null && (run.status === 'starting' || run.status === 'running' || run.status === 'paused');
  const state = (): AgentStateDto => {
    const reason = noScreen(env);
    return { available: reason === null, reason, run };
  };
  const update = (patch: Partial<AgentRunDto>) => {
    if (!run) return;
    run = { ...run, ...patch, revision: run.revision + 1 };
    ctx.emit('agent', run);
  };

  /**
   * The control and the set-up reports a run and a replay share: running (or paused) with the
   * grounder that loaded, then the recording being written.
   */
  const progress = (c: RunControl) => ({
    control: c,
    onReady: (i: DesktopInfo) =>
      update({ status: c.paused ? 'paused' : 'running', provider: i.provider, grounder: i.grounder }),
    onStart: (recording: Recording) => {
      update({ recordingId: recording.id });
      ctx.libraryChanged(recording.id);
    },
  });

  /** Starts `body` in the background as the current run; the call returns the state at once. */
  const launch = async (
    kind: AgentRunDto['kind'],
    task: string,
    grounder: string,
    planner: string | null,
    body: (c: RunControl) => Promise<{ ok: boolean; reason: string }>,
  ): Promise<AgentStateDto> => {
    const why = noScreen(env);
    if (why) throw new Error(why);
    if (active()) throw new Error('an agent run is in progress: stop it first');
    const release = ctx.claimScreen(kind === 'run' ? 'an agent run' : 'a replay');
    const { RunControl } = await import('../agents/loop/control.js');
    const c = new RunControl();
    control = c;
    run = {
      revision: (run?.revision ?? 0) + 1,
      kind,
      task,
      status: 'starting',
      reason: null,
      recordingId: null,
      planner,
      grounder,
      provider: null,
      steps: [],
      startedAt: Date.now(),
      endedAt: null,
    };
    ctx.emit('agent', run);
    finished = body(c)
      .then(
        ({ ok, reason }) =>
          update({ status: c.signal.aborted ? 'stopped' : ok ? 'finished' : 'failed', reason, endedAt: Date.now() }),
        (err: unknown) =>
          update({
            status: c.signal.aborted ? 'stopped' : 'failed',
            reason: (err as Error).message,
            endedAt: Date.now(),
          }),
      )
      .finally(() => {
        release();
        ctx.libraryChanged(run?.recordingId ?? null);
      });
    return state();
  };

  const running = () => {
    if (!control || !active()) throw new Error('no agent run is in progress');
    return control;
  };

  ctx.onClose(async () => {
    control?.stop('the app closed');
    await finished;
  });

  return {
    'agent.state': () => state(),
    'agent.run': async (input) => {
      // The form wins over the environment, which wins over the settings (as for `pcagent run`).
      const chosen = runChoices(
        {
          planner: input.planner?.endpoint || undefined,
          plannerModel: input.planner?.model || undefined,
          plannerProfile: input.planner?.profile,
          grounder: input.grounder,
        },
        env,
        readSettings(ctx.lib.home),
      );
      const { endpoint, model, apiKey } = chosen.planner;
      if (!endpoint) throw new Error('the planner needs an endpoint: set it in Settings → Planner or in the form');
      if (!model) throw new Error('the planner needs a model name: set it in Settings → Planner or in the form');
      const grounder = chosen.grounder;
      const { runOnDesktop } = await import('../agents/desktop.js');
      return launch('run', input.task, grounder, `${model} at ${endpoint}`, async (c) => {
        const result = await runOnDesktop({
          lib: ctx.lib,
          task: input.task,
          planner: {
            endpoint,
            model,
            apiKey,
            profile: chosen.planner.profile,
            instructions: readPlannerPrompt(chosen.planner.prompt),
          },
          grounder,
          grounderOptions: { vlm: chosen.vlm },
          maxSteps: input.maxSteps,
          settleMs: input.settleMs,
          ...progress(c),
          onStep: (step) => update({ steps: [...(run?.steps ?? []), stepFromRun(ctx, step)] }),
        });
        return { ok: result.status === 'finished', reason: result.reason };
      });
    },
    'agent.replay': async (input) => {
      const mode = input.mode ?? 'semantic';
      const chosen = runChoices({ grounder: input.grounder }, env, readSettings(ctx.lib.home));
      const grounder = chosen.grounder;
      const source = ctx.lib.getRecording(input.id);
      const { replayOnDesktop } = await import('../agents/desktop.js');
      return launch('replay', source.description ?? source.name, grounder, null, async (c) => {
        const report = await replayOnDesktop({
          lib: ctx.lib,
          recordingId: input.id,
          mode,
          grounder,
          grounderOptions: { vlm: chosen.vlm },
          settleMs: input.settleMs,
          ...progress(c),
          onStep: (step, record) => {
            const steps = run?.steps ?? [];
            update({ steps: [...steps, stepFromReplay(ctx, step, record, steps.length + 1)] });
          },
        });
        const reason = report.completed
          ? `replayed ${report.steps.length} steps, ${report.found} grounded`
          : replayVerdict(report);
        return { ok: report.completed, reason };
      });
    },
    'agent.pause': () => {
      running().pause();
      update({ status: 'paused' });
      return state();
    },
    'agent.resume': () => {
      running().resume();
      update({ status: 'running' });
      return state();
    },
    'agent.stop': () => {
      running().stop('stopped from the app');
      return state();
    },
  };
}
