import fs from 'node:fs';
import type { Command } from 'commander';
import { grounderOption } from '../grounder-option.js';
import { DEFAULT_GROUNDER } from '../../core/vocabulary.js';
import { globalOptions, output, UsageError, withLibrary } from '../context.js';

/**
 * `pcagent eval SUITE`: runs a task suite with file checkers (a folder with suite.yaml, or a
 * built-in name such as impress-basic) on this display, with scripted plans (--plan FILE) or a
 * planner model (--planner URL --planner-model NAME). Writes report.json and report.html to
 * --report DIR, and ends with one summary line: successes / tasks. Exit 0 when the suite ran.
 */
interface EvalCliOptions {
  tasks?: string;
  repeat: string;
  report: string;
  plan?: string;
  planner?: string;
  plannerModel?: string;
  grounder: string;
  settleMs: string;
  perturb?: string;
}

export function registerEvalCommands(program: Command): void {
  program
    .command('eval')
    .description('run a task suite with file checkers (e.g. impress-basic) and write a report')
    .argument('<suite>', 'suite folder, suite file, or built-in suite name (impress-basic)')
    .requiredOption(
      '--report <dir>',
      'folder for report.json, report.html, trajectories and attempt files (new or empty)',
    )
    .option('--tasks <ids>', 'comma-separated task ids (default: all)')
    .option('--repeat <n>', 'attempts per task', '1')
    .option('--perturb <list>', 'run each task once per perturbation: none, window=restored, sidebar=closed')
    .option('--plan <file>', 'scripted plans: YAML/JSON mapping task id → list of planner actions')
    .option('--planner <url>', 'planner: OpenAI-compatible base URL (default $PCAGENT_PLANNER_URL, else settings.json)')
    .option('--planner-model <name>', 'planner: model name (default $PCAGENT_PLANNER_MODEL, else settings.json)')
    .addOption(grounderOption('grounder for click targets').option.default(DEFAULT_GROUNDER))
    .option('--settle-ms <n>', 'pause before each screenshot', '1000')
    .addHelpText(
      'after',
      '\nEach attempt gets a fresh folder and a fresh LibreOffice Impress profile on the current display;\n' +
        'its files are checked after the application is closed. Needs soffice and xdotool (Debian\n' +
        'packages libreoffice-impress, xdotool) and an X display with a window manager.',
    )
    .action(async (suiteSpec: string, opts: EvalCliOptions, cmd: Command) => {
      const repeat = Number(opts.repeat);
      if (!Number.isInteger(repeat) || repeat < 1 || repeat > 100)
        throw new UsageError(`--repeat must be a whole number from 1 to 100, not "${opts.repeat}"`);
      const settleMs = Number(opts.settleMs);
      if (!(settleMs >= 0))
        throw new UsageError(`--settle-ms must be a number of milliseconds, not "${opts.settleMs}"`);
      if (opts.plan && opts.planner) throw new UsageError('choose one agent: --plan FILE or --planner URL');
      const json = globalOptions(cmd).json;
      const [{ loadSuite, selectTasks }, { prepareOutputDir }] = await Promise.all([
        import('../../eval/suite.js'),
        import('../../library/output-dir.js'),
      ]);
      const { parsePerturbations } = await import('../../eval/perturb.js');
      let perturbations;
      try {
        perturbations = opts.perturb ? parsePerturbations(opts.perturb) : undefined;
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      const suite = loadSuite(suiteSpec);
      const tasks = selectTasks(
        suite,
        opts.tasks
          ?.split(',')
          .map((t) => t.trim())
          .filter(Boolean),
      );
      await withLibrary(cmd, async (lib) => {
        const [{ runEval, summarise }, { writeReport }, agents, { assertDisplay }] = await Promise.all([
          import('../../eval/runner.js'),
          import('../../eval/report.js'),
          import('../../eval/agents.js'),
          import('../../agents/display.js'),
        ]);
        const say = (line: string) => {
          if (!json) process.stdout.write(`${line}\n`);
        };
        let agent;
        const desktop = { lib, grounder: opts.grounder, settleMs };
        if (opts.plan) {
          const { loadScriptedPlans } = await import('../../eval/scripted-plan.js');
          agent = agents.scriptedAgent(loadScriptedPlans(opts.plan), opts.plan, desktop);
        } else {
          const { readSettings, runChoices } = await import('../../library/settings.js');
          const chosen = runChoices(
            { planner: opts.planner, plannerModel: opts.plannerModel },
            process.env,
            readSettings(lib.home),
          );
          const { endpoint, model, apiKey } = chosen.planner;
          if (!endpoint || !model)
            throw new UsageError(
              'choose an agent: --plan FILE, or a planner (--planner URL --planner-model NAME, PCAGENT_PLANNER_URL / _MODEL or settings.json)',
            );
          agent = agents.plannerAgent({ endpoint, model, apiKey }, desktop);
        }
        await assertDisplay('eval');
        const reportDir = prepareOutputDir(opts.report);
        if (fs.readdirSync(reportDir).length > 0)
          throw new Error(`${reportDir} is not empty: choose a new or empty --report folder`);
        const stop = new AbortController();
        const onSignal = () => stop.abort(new Error('stopped by a signal'));
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        try {
          say(`eval ${suite.name}: ${tasks.length * repeat * (perturbations?.length ?? 1)} attempt(s), ${agent.name}`);
          const run = await runEval({
            suite,
            tasks,
            agent,
            lib,
            reportDir,
            repeat,
            perturbations,
            signal: stop.signal,
            onAttemptStart: (task, r, p, i, total) =>
              say(`[${i + 1}/${total}] ${task.id}${p === 'none' ? '' : ` @ ${p}`}${repeat > 1 ? ` #${r}` : ''} …`),
            onAttempt: (a) =>
              say(
                `  ${a.outcome}${a.reason ? `: ${a.reason}` : ''} (${a.agent?.steps ?? 0} steps, ${(a.ms / 1000).toFixed(1)} s, runner ${(a.overheadMs / 1000).toFixed(1)} s)`,
              ),
          });
          const files = await writeReport(lib, run, reportDir);
          const sum = summarise(run);
          const levels = Object.entries(sum.byLevel)
            .map(([l, v]) => `${l} ${v.successes}/${v.total}`)
            .join(', ');
          output(
            cmd,
            { ...run, summary: sum, report: files },
            () =>
              `report: ${files.html}\n${suite.name}: ${sum.successes} / ${sum.total} tasks succeeded (${levels})${stop.signal.aborted ? ' — stopped early' : ''}`,
          );
          if (stop.signal.aborted) process.exitCode = 1;
        } finally {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
        }
      });
    });
}
