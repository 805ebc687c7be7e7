import path from 'node:path';
import type { EvalAttemptDto, EvalRunDto, EvalStateDto, EvalSuiteDto } from '../api/contract.js';
import { displayProblem } from '../agents/display.js';
import type { AttemptResult } from '../eval/runner.js';
import type { Suite } from '../eval/suite.js';
import { readSettings, runChoices } from '../library/settings.js';
import type { BackendContext, HandlersOf } from './context.js';

/**
 * The perturbations the Evaluate screen offers as check boxes; the runner's own parser
 * (`eval/perturb.ts`) checks each before a run starts, so one it does not support is refused
 * with its reason rather than run wrong.
 */
const OFFERED_PERTURBATIONS = ['window=restored', 'sidebar=closed'];

/** Where the app's eval reports go: a new folder per run inside the data directory. */
const REPORTS_DIR = 'evals';

function suiteDto(suite: Suite, spec: string, builtIn: boolean): EvalSuiteDto {
  return {
    name: suite.name,
    spec,
    description: suite.description,
    builtIn,
    tasks: suite.tasks.map((t) => ({ id: t.id, level: t.level, instruction: t.instruction })),
  };
}

function attemptDto(a: AttemptResult): EvalAttemptDto {
  return {
    task: a.task,
    perturbation: a.perturbation,
    level: a.level,
    repeat: a.repeat,
    outcome: a.outcome,
    reason: a.reason,
    steps: a.agent?.steps ?? 0,
    recordingId: a.agent?.recordingId ?? null,
    ms: Math.round(a.ms),
    checks: a.checks.map((c) => ({ pass: c.pass, detail: c.detail })),
  };
}

/**
 * The Evaluate screen's back end: one eval run at a time (`pcagent eval` in the background) on
 * this screen, which it claims like an agent run; every attempt that starts or ends goes to the
 * renderer as an `eval` event; the report (report.json, report.html) is written to a new folder
 * under the data directory's `evals/` when the run ends, stopped or not.
 */
export function evalHandlers(ctx: BackendContext, env: NodeJS.ProcessEnv = process.env): HandlersOf<'eval'> {
  let run: EvalRunDto | null = null;
  let stop: AbortController | null = null;
  let finished: Promise<void> = Promise.resolve();

  const update = (patch: Partial<EvalRunDto>) => {
    if (!run) return;
    run = { ...run, ...patch, revision: run.revision + 1 };
    ctx.emit('eval', run);
  };
  const builtIns = async (): Promise<EvalSuiteDto[]> => {
    const { builtinSuites, loadSuite } = await import('../eval/suite.js');
    return builtinSuites().flatMap((name) => {
      try {
        return [suiteDto(loadSuite(name), name, true)];
      } catch {
        // A broken built-in suite is a packaging bug; `eval.suite` with its name shows why.
        return [];
      }
    });
  };
  const state = async (): Promise<EvalStateDto> => {
    const reason = displayProblem(env, 'an eval');
    return {
      available: reason === null,
      reason,
      suites: await builtIns(),
      perturbations: OFFERED_PERTURBATIONS,
      run,
    };
  };

  ctx.onClose(async () => {
    stop?.abort(new Error('the app closed'));
    await finished;
  });

  return {
    'eval.state': () => state(),
    'eval.suite': async ({ spec }) => {
      const { builtinSuites, loadSuite } = await import('../eval/suite.js');
      return suiteDto(loadSuite(spec), spec, builtinSuites().includes(spec));
    },
    'eval.start': async (input) => {
      const why = displayProblem(env, 'an eval');
      if (why) throw new Error(why);
      if (run?.status === 'running') throw new Error('an eval is running: stop it first');
      const [{ loadSuite, selectTasks }, { parsePerturbations }, { prepareOutputDir }, runner, agents] =
        await Promise.all([
          import('../eval/suite.js'),
          import('../eval/perturb.js'),
          import('../library/output-dir.js'),
          import('../eval/runner.js'),
          import('../eval/agents.js'),
        ]);
      // Everything the form chose is checked before the screen is taken.
      const suite = loadSuite(input.suite);
      const tasks = selectTasks(suite, input.tasks);
      const perturbations = input.perturbations?.length ? parsePerturbations(input.perturbations.join(',')) : undefined;
      const repeat = input.repeat ?? 1;
      const chosen = runChoices(
        {
          grounder: input.grounder,
          ...(input.agent.kind === 'planner'
            ? { planner: input.agent.endpoint || undefined, plannerModel: input.agent.model || undefined }
            : {}),
        },
        env,
        readSettings(ctx.lib.home),
      );
      const desktop = { lib: ctx.lib, grounder: chosen.grounder };
      let agent;
      if (input.agent.kind === 'replay') {
        // As `pcagent eval --replay`: each attempt replays the newest demonstration of its task.
        agent = agents.replayAgent({ lib: ctx.lib, mode: input.agent.mode, grounder: input.grounder });
      } else if (input.agent.kind === 'plan') {
        const { loadScriptedPlans } = await import('../eval/scripted-plan.js');
        agent = agents.scriptedAgent(loadScriptedPlans(input.agent.file), input.agent.file, desktop);
      } else {
        const { endpoint, model, apiKey } = chosen.planner;
        if (!endpoint || !model)
          throw new Error('the planner needs an endpoint and a model: set them in the form or in Settings → Planner');
        agent = agents.plannerAgent({ endpoint, model, apiKey }, desktop);
      }
      const release = ctx.claimScreen('an eval');
      let reportDir: string;
      try {
        reportDir = prepareOutputDir(path.join(ctx.lib.home, REPORTS_DIR, runner.evalRunId()));
      } catch (err) {
        release();
        throw err;
      }
      const controller = new AbortController();
      stop = controller;
      const total = tasks.length * repeat * (perturbations?.length ?? 1);
      run = {
        revision: (run?.revision ?? 0) + 1,
        status: 'running',
        suite: suite.name,
        agent: agent.name,
        total,
        current: null,
        attempts: [],
        successes: 0,
        message: `starting ${total} attempt${total === 1 ? '' : 's'}`,
        reportDir,
        reportHtml: null,
        startedAt: Date.now(),
        endedAt: null,
      };
      ctx.emit('eval', run);
      const attempts: EvalAttemptDto[] = [];
      finished = (async () => {
        try {
          const result = await runner.runEval({
            suite,
            tasks,
            agent,
            lib: ctx.lib,
            reportDir,
            repeat,
            perturbations,
            env,
            signal: controller.signal,
            onAttemptStart: (task, r, p, i) => {
              const name = `${task.id}${p === 'none' ? '' : ` @ ${p}`}${repeat > 1 ? ` #${r}` : ''}`;
              update({ current: name, message: `attempt ${i + 1} of ${total}: ${name}` });
            },
            onAttempt: (a) => {
              attempts.push(attemptDto(a));
              update({
                attempts: [...attempts],
                successes: attempts.filter((x) => x.outcome === 'success').length,
                current: null,
              });
              if (a.agent?.recordingId) ctx.libraryChanged(a.agent.recordingId);
            },
          });
          update({ message: 'writing the report' });
          const { writeReport } = await import('../eval/report.js');
          const files = await writeReport(ctx.lib, result, reportDir);
          const sum = runner.summarise(result);
          update({
            status: controller.signal.aborted ? 'stopped' : 'done',
            reportHtml: files.html,
            message: `${sum.successes} / ${sum.total} attempts succeeded${controller.signal.aborted ? ' (stopped early)' : ''}`,
            endedAt: Date.now(),
          });
        } catch (err) {
          update({
            status: controller.signal.aborted ? 'stopped' : 'failed',
            message: (err as Error).message.split('\n')[0]!,
            current: null,
            endedAt: Date.now(),
          });
        } finally {
          release();
        }
      })();
      return state();
    },
    'eval.stop': () => {
      if (!stop || run?.status !== 'running') throw new Error('no eval is running');
      stop.abort(new Error('stopped from the app'));
      update({ message: 'stopping: the current attempt ends, then the report is written' });
      return state();
    },
  };
}
