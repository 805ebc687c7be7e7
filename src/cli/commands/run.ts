import { type Command, Option } from 'commander';
import { displayProblem } from '../../agents/display.js';
import { grounderOption } from '../grounder-option.js';
import {
  DEFAULT_PLANNER_PROFILE,
  isPlannerProfile,
  PLANNER_PROFILES,
  type PlannerProfile,
} from '../../core/planner-profiles.js';
import {
  CAPTURE_BACKENDS,
  DEVICES,
  type CaptureBackendName,
  type Device,
  type GrounderName,
} from '../../core/vocabulary.js';
import { globalOptions, output, UsageError, withLibrary } from '../context.js';

/**
 * `pcagent run TEXT`: runs the desktop agent on this screen (SPEC §2.5, §3) — a planner behind
 * an OpenAI-compatible endpoint, a grounder (default: auto, the a11y → OCR → VLM cascade), real input. Prints
 * `recording <id>` once the run is stored, then each step (thought, action, grounding, timings),
 * then one closing line: `finished: …` (exit 0), or `stopped at step N: <reason>` (exit 1: the
 * run failed or was stopped by SIGINT, SIGTERM or the pointer in a screen corner).
 */

interface RunOptions {
  planner?: string;
  plannerModel?: string;
  plannerProfile?: string;
  plannerPrompt?: string;
  grounder?: GrounderName;
  maxSteps: string;
  settleMs: string;
  settleMaxMs: string;
  waitMs: string;
  device?: Device;
  capture: 'auto' | CaptureBackendName;
  confirm?: boolean;
}

function count(name: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`${name} must be a whole number from ${min} to ${max}, not "${value}"`);
  return n;
}

/** Asks on the terminal; anything but y/yes is no. */
async function askYesNo(question: string): Promise<boolean> {
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

export function registerRunCommands(program: Command): void {
  const grounder = grounderOption('grounder for click targets (default: grounder.name in settings.json, else auto)');
  program
    .command('run')
    .description('run the desktop agent on this screen for a task; prints "recording <id>" and each step')
    .argument('<text>', 'the task, e.g. "Create a title slide that says Quarterly Review"')
    .option(
      '--planner <url>',
      'planner: OpenAI-compatible base URL (default $PCAGENT_PLANNER_URL, else planner.endpoint in settings.json)',
    )
    .option(
      '--planner-model <name>',
      'planner: model name (default $PCAGENT_PLANNER_MODEL, else planner.model in settings.json)',
    )
    .addOption(grounder.option)
    .option(
      '--planner-profile <name>',
      `planner input layout: ${PLANNER_PROFILES.join(', ')} (default planner.profile in settings.json, else ${DEFAULT_PLANNER_PROFILE})`,
    )
    .option(
      '--planner-prompt <file>',
      "a text file replacing the profile's instructions, e.g. the exact wording a checkpoint was trained with (default planner.prompt in settings.json)",
    )
    .option('--max-steps <n>', 'actions at most', '50')
    .option(
      '--settle-ms <n>',
      'after each action, wait until the screen has not changed for this long (0: no wait)',
      '300',
    )
    .option(
      '--settle-max-ms <n>',
      'longest wait for the screen after an action (at least 15000 after opening or saving files)',
      '5000',
    )
    .option('--wait-ms <n>', 'how long the `wait` action waits', '3000')
    .addOption(
      new Option(
        '--device <device>',
        'execution device for local models (default: $PCAGENT_DEVICE, else auto)',
      ).choices(DEVICES),
    )
    .addOption(
      new Option('--capture <backend>', 'screen capture backend')
        .choices(['auto', ...CAPTURE_BACKENDS])
        .default('auto'),
    )
    .option('--confirm', 'ask on the terminal before destructive hotkeys (Alt+F4, Ctrl+W, Ctrl+Q, Shift+Delete)')
    .addHelpText(
      'after',
      '\nA flag wins over the environment, which wins over <data dir>/settings.json: the planner from\n' +
        '{"planner": {"endpoint", "model", "apiKey"}}, the grounder from {"grounder": {"name", "vlm": {"endpoint",\n' +
        '"model", "apiKey"}}} (or PCAGENT_VLM_ENDPOINT, PCAGENT_VLM_MODEL, PCAGENT_VLM_API_KEY). OPENAI_API_KEY wins\n' +
        "over the planner's stored key, which is only sent to the endpoint it was saved with." +
        grounder.help.trimEnd(),
    )
    .action(async (task: string, opts: RunOptions, cmd: Command) => {
      const maxSteps = count('--max-steps', opts.maxSteps, 1, 1000);
      const settleMs = count('--settle-ms', opts.settleMs, 0, 600_000);
      const settleCapMs = count('--settle-max-ms', opts.settleMaxMs, 0, 600_000);
      const waitMs = count('--wait-ms', opts.waitMs, 0, 600_000);
      if (task.trim() === '') throw new UsageError('the task is empty');
      const json = globalOptions(cmd).json;
      const say = (line: string) => {
        if (!json) process.stdout.write(`${line}\n`);
      };

      await withLibrary(cmd, async (lib) => {
        const [{ readPlannerPrompt, readSettings, runChoices }, { runOnDesktop }, { RunControl }] = await Promise.all([
          import('../../library/settings.js'),
          import('../../agents/desktop.js'),
          import('../../agents/loop/control.js'),
        ]);
        if (opts.plannerProfile !== undefined && !isPlannerProfile(opts.plannerProfile)) {
          throw new UsageError(
            `--planner-profile must be one of ${PLANNER_PROFILES.join(', ')}, got "${opts.plannerProfile}"`,
          );
        }
        const chosen = runChoices(
          { ...opts, plannerProfile: opts.plannerProfile as PlannerProfile | undefined },
          process.env,
          readSettings(lib.home),
        );
        let instructions: string | undefined;
        try {
          instructions = readPlannerPrompt(chosen.planner.prompt);
        } catch (err) {
          throw new UsageError((err as Error).message);
        }
        const { endpoint, model, apiKey } = chosen.planner;
        if (!endpoint)
          throw new UsageError(
            'the planner needs an endpoint: --planner URL, PCAGENT_PLANNER_URL or planner.endpoint in settings.json',
          );
        if (!model)
          throw new UsageError(
            'the planner needs a model name: --planner-model NAME, PCAGENT_PLANNER_MODEL or planner.model in settings.json',
          );
        if (chosen.grounder === 'vlm' && (!chosen.vlm.endpoint || !chosen.vlm.model))
          throw new UsageError(
            'the vlm grounder needs an endpoint and a model: PCAGENT_VLM_ENDPOINT and PCAGENT_VLM_MODEL, or grounder.vlm in settings.json',
          );
        // Before nut-js loads: without a display it kills the process instead of throwing.
        const noDisplay = displayProblem(process.env, 'run');
        if (noDisplay) throw new Error(noDisplay);
        const control = new RunControl();
        let runId = 0;
        const onSignal = () => control.stop('stopped by a signal');
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        try {
          const result = await runOnDesktop({
            lib,
            task,
            planner: { endpoint, model, apiKey, profile: chosen.planner.profile, instructions },
            grounder: chosen.grounder,
            grounderOptions: { vlm: chosen.vlm },
            device: opts.device,
            capture: opts.capture,
            maxSteps,
            settleMs,
            settleCapMs,
            waitMs,
            control,
            confirm: opts.confirm ? (_action, text) => askYesNo(`pcagent: perform "${text}"?`) : undefined,
            onReady: (i) =>
              process.stderr.write(
                `planner: ${i.planner}; grounder: ${i.grounder} on ${i.provider}; capture: ${i.capture} ` +
                  `${i.size.width}x${i.size.height}; input: ${i.input} ${i.size.width}x${i.size.height}\n`,
              ),
            // Said with the first stored step: a run that stores nothing is not kept.
            onStart: (recording) => (runId = recording.id),
            onNotFound: (n) =>
              say(
                `  not found: ${n.target} (${n.reason})${n.replan <= n.maxReplans ? `; asking for a new plan (${n.replan}/${n.maxReplans})` : ''}`,
              ),
            onStep: (step) => {
              if (step.index === 1) say(`recording ${runId}`);
              say(`step ${step.index}: ${step.text}`);
              if (step.thought) say(`  thought: ${step.thought.replace(/\s+/g, ' ')}`);
              const g = step.grounding;
              if (g?.found && g.point) {
                const text = g.candidates[0]?.text;
                say(
                  `  grounding: ${g.grounder}${text ? ` "${text}"` : ''} at (${g.point.x}, ${g.point.y}), score ${g.score?.toFixed(2)}`,
                );
              }
              const t = step.timings;
              say(
                `  timings: screenshot ${Math.round(t.screenshotMs)} ms, plan ${Math.round(t.planMs)} ms, ground ${Math.round(t.groundMs)} ms, execute ${Math.round(t.executeMs)} ms, settle ${Math.round(t.settleMs)} ms${step.settle && !step.settle.settled ? ' (still changing)' : ''}`,
              );
            },
          });
          // A run that stored no step (the planner down at the first request, a stop before it)
          // leaves no empty recording behind: `list` would show a failed run with nothing in it.
          const kept = result.steps > 0 || result.status === 'finished';
          if (!kept) lib.deleteRecording(result.recording.id);
          const where = kept ? `recording ${result.recording.id}` : 'nothing was recorded';
          // One closing line that agrees with the stored status and the exit code (SPEC §3).
          const line =
            result.status === 'finished'
              ? `finished: ${result.reason} (${result.steps} steps, ${where})`
              : `stopped at step ${result.steps + 1}: ${result.reason} (${where})`;
          const data = {
            id: kept ? result.recording.id : null,
            status: result.status,
            reason: result.reason,
            steps: result.steps,
          };
          if (json) output(cmd, data, () => '');
          else say(line);
          if (result.status !== 'finished') process.exitCode = 1;
        } finally {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
        }
      });
    });
}
