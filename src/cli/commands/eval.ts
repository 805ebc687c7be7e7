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
  replay?: boolean;
  coordinates?: boolean;
  compareCoordinates?: boolean;
  display?: string;
  screen: string;
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
    .option(
      '--perturb <list>',
      'run each task once per perturbation: none, window=restored, sidebar=closed, zoom=N%, resolution=WxH (needs --display auto and --replay)',
    )
    .option('--plan <file>', 'scripted plans: YAML/JSON mapping task id → list of planner actions')
    .option('--replay', "replay, for each task, the library's newest finished recording of it (semantic grounding)")
    .option('--coordinates', 'with --replay: the naive baseline, recorded points scaled to the screen')
    .option(
      '--compare-coordinates',
      'with --replay: also run the --coordinates baseline on every task × perturbation; the report compares the two',
    )
    .option(
      '--display <where>',
      'current (the X display in DISPLAY) or auto (a private Xvfb desktop per attempt, started by eval); default current when DISPLAY is set, else auto',
    )
    .option(
      '--screen <WxH>',
      'with --display auto: the desktop size when no resolution= perturbation asks for another',
      '1920x1080',
    )
    .option('--planner <url>', 'planner: OpenAI-compatible base URL (default $PCAGENT_PLANNER_URL, else settings.json)')
    .option('--planner-model <name>', 'planner: model name (default $PCAGENT_PLANNER_MODEL, else settings.json)')
    .addOption(grounderOption('grounder for click targets').option.default(DEFAULT_GROUNDER))
    .option('--settle-ms <n>', 'after each action, wait until the screen has not changed for this long', '300')
    .addHelpText(
      'after',
      '\nEach attempt gets a fresh folder and a fresh LibreOffice Impress profile on the current display;\n' +
        'its files are checked after the application is closed. Needs soffice and xdotool (Debian\n' +
        'packages libreoffice-impress, xdotool) and an X display with a window manager, or, with\n' +
        '--display auto, Xvfb, openbox, dbus and at-spi2-core (packages xvfb openbox dbus at-spi2-core).\n' +
        '--replay replays, per task, a finished human recording whose task is the instruction\n' +
        '({dir} standing for any folder); a file name typed without a folder saves into the attempt.',
    )
    .action(async (suiteSpec: string, opts: EvalCliOptions, cmd: Command) => {
      const repeat = Number(opts.repeat);
      if (!Number.isInteger(repeat) || repeat < 1 || repeat > 100)
        throw new UsageError(`--repeat must be a whole number from 1 to 100, not "${opts.repeat}"`);
      const settleMs = Number(opts.settleMs);
      if (!(settleMs >= 0))
        throw new UsageError(`--settle-ms must be a number of milliseconds, not "${opts.settleMs}"`);
      if ([opts.plan, opts.planner, opts.replay].filter(Boolean).length > 1)
        throw new UsageError('choose one agent: --plan FILE, --planner URL or --replay');
      if ((opts.coordinates || opts.compareCoordinates) && !opts.replay)
        throw new UsageError(`--${opts.coordinates ? 'coordinates' : 'compare-coordinates'} goes with --replay`);
      if (opts.coordinates && opts.compareCoordinates)
        throw new UsageError('choose --coordinates (the baseline alone) or --compare-coordinates (both)');
      const where = opts.display ?? (process.env.DISPLAY ? 'current' : 'auto');
      if (where !== 'current' && where !== 'auto')
        throw new UsageError(`--display must be current or auto, not "${opts.display}"`);
      const screen = /^(\d+)x(\d+)$/.exec(opts.screen);
      if (!screen || Number(screen[1]) < 640 || Number(screen[2]) < 480)
        throw new UsageError(`--screen must be WIDTHxHEIGHT, at least 640x480, not "${opts.screen}"`);
      const ownDisplay = where === 'auto' ? { width: Number(screen[1]), height: Number(screen[2]) } : undefined;
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
        const [{ runEval, summarise }, { writeReport, comparisonLines }, agents, { assertDisplay }] = await Promise.all(
          [
            import('../../eval/runner.js'),
            import('../../eval/report.js'),
            import('../../eval/agents.js'),
            import('../../agents/display.js'),
          ],
        );
        const say = (line: string) => {
          if (!json) process.stdout.write(`${line}\n`);
        };
        let agent;
        let baseline: ReturnType<typeof agents.replayAgent> | undefined;
        const desktop = { lib, grounder: opts.grounder, settleMs };
        if (opts.replay) {
          const replay = {
            lib,
            grounder: cmd.getOptionValueSource('grounder') === 'cli' ? opts.grounder : undefined,
            settleMs: cmd.getOptionValueSource('settleMs') === 'cli' ? settleMs : undefined,
          };
          agent = agents.replayAgent({ ...replay, mode: opts.coordinates ? 'coordinates' : 'semantic' });
          if (opts.compareCoordinates) baseline = agents.replayAgent({ ...replay, mode: 'coordinates' });
        } else if (opts.plan) {
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
              'choose an agent: --plan FILE, --replay, or a planner (--planner URL --planner-model NAME, PCAGENT_PLANNER_URL / _MODEL or settings.json)',
            );
          agent = agents.plannerAgent({ endpoint, model, apiKey }, desktop);
        }
        const { perturbationProblem } = await import('../../eval/perturb.js');
        for (const p of perturbations ?? []) {
          const problem = perturbationProblem(p, {
            ownsDisplay: !!ownDisplay,
            agentOwnProcess: !!agent.ownProcess && (!baseline || !!baseline.ownProcess),
          });
          if (problem) throw new UsageError(problem);
        }
        if (!ownDisplay) await assertDisplay('eval');
        const reportDir = prepareOutputDir(opts.report);
        if (fs.readdirSync(reportDir).length > 0)
          throw new Error(`${reportDir} is not empty: choose a new or empty --report folder`);
        const stop = new AbortController();
        const onSignal = () => stop.abort(new Error('stopped by a signal'));
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        try {
          say(
            `eval ${suite.name}: ${tasks.length * repeat * (perturbations?.length ?? 1) * (baseline ? 2 : 1)} attempt(s), ${agent.name}${baseline ? ` and ${baseline.name}` : ''}`,
          );
          const run = await runEval({
            suite,
            tasks,
            agent,
            baseline,
            lib,
            reportDir,
            repeat,
            perturbations,
            ownDisplay,
            signal: stop.signal,
            onAttemptStart: (task, r, p, i, total, by) =>
              say(
                `[${i + 1}/${total}] ${task.id}${p === 'none' ? '' : ` @ ${p}`}${repeat > 1 ? ` #${r}` : ''}${baseline ? ` — ${by}` : ''} …`,
              ),
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
          output(cmd, { ...run, summary: sum, report: files }, () =>
            [
              `report: ${files.html}`,
              ...comparisonLines(run),
              `${suite.name}: ${sum.successes} / ${sum.total} tasks succeeded (${levels})${stop.signal.aborted ? ' — stopped early' : ''}`,
            ].join('\n'),
          );
          if (stop.signal.aborted) process.exitCode = 1;
        } finally {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
        }
      });
    });
}
