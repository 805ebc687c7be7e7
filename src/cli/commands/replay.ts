import { type Command, Option } from 'commander';
import { displayProblem } from '../../agents/display.js';
import { grounderOption } from '../grounder-option.js';
import { DEFAULT_GROUNDER, DEVICES, type Device } from '../../core/vocabulary.js';
import { output, parseId, UsageError, withLibrary } from '../context.js';

interface ReplayCliOptions {
  coordinates?: boolean;
  keepGoing?: boolean;
  grounder: string;
  settleMs: string;
  settleMaxMs: string;
  device?: Device;
}

export function registerReplayCommands(program: Command): void {
  const grounder = grounderOption('grounder for click targets');
  program
    .command('replay')
    .description(
      "re-run a refined, completed recording on today's screen: clicks are grounded again from their descriptions (the old point only breaks ties), the screen settles after each step and each step's effect is checked against the recording's; stops at a target it cannot find, a step with no effect or a window the recording never saw; prints a per-step report",
    )
    .argument('<id>', 'recording id (a raw recording is replayed through its refined version)', parseId)
    .option('--coordinates', 'naive baseline: replay the recorded points scaled to this screen, no grounding')
    .option('--keep-going', 'go on after a click that cannot be grounded (the replay still ends as failed)')
    .addOption(grounder.option.default(DEFAULT_GROUNDER))
    .addHelpText('after', grounder.help)
    .option(
      '--settle-ms <ms>',
      'after each action, wait until the screen has not changed for this long (0: no wait)',
      '300',
    )
    .option(
      '--settle-max-ms <ms>',
      'longest wait for the screen after an action (at least 15000 after opening or saving files)',
      '5000',
    )
    .addOption(new Option('--device <device>', 'where local models run').choices(DEVICES))
    .action(async (id: number, opts: ReplayCliOptions, cmd: Command) =>
      withLibrary(cmd, async (lib) => {
        const ms = (flag: string, value: string) => {
          const n = Number(value);
          if (!(n >= 0 && n <= 600_000))
            throw new UsageError(`${flag} must be a number of milliseconds up to 600000, not "${value}"`);
          return n;
        };
        const settleMs = ms('--settle-ms', opts.settleMs);
        const settleCapMs = ms('--settle-max-ms', opts.settleMaxMs);
        // Before nut-js loads: without a display it kills the process instead of throwing.
        const noDisplay = displayProblem(process.env, 'replay');
        if (noDisplay) throw new Error(noDisplay);
        const [{ replayOnDesktop }, { RunControl }, { replayVerdict }] = await Promise.all([
          import('../../agents/desktop.js'),
          import('../../agents/loop/control.js'),
          import('../../agents/replay/replay.js'),
        ]);
        const control = new RunControl();
        const onSignal = () => control.stop('stopped by a signal');
        process.once('SIGINT', onSignal);
        try {
          const report = await replayOnDesktop({
            lib,
            recordingId: id,
            mode: opts.coordinates ? 'coordinates' : 'semantic',
            grounder: opts.grounder,
            device: opts.device,
            keepGoing: opts.keepGoing,
            settleMs,
            settleCapMs,
            control,
            onStep: (s) => {
              if (cmd.optsWithGlobals<{ json?: boolean }>().json) return;
              const where = s.point ? ` at (${s.point.x}, ${s.point.y})` : '';
              const how = [
                s.grounder ? `${s.grounder} ${s.score?.toFixed(2) ?? ''}`.trim() : '',
                s.verified ? 'verified' : '',
                s.retried ? 'retried' : '',
                s.settleMs !== undefined ? `settled ${s.settleMs} ms` : '',
              ].filter(Boolean);
              const detail = how.length ? ` [${how.join(', ')}]` : '';
              const why = s.error ? ` — ${s.error}` : '';
              process.stdout.write(
                `${String(s.seq).padStart(3)} ${s.outcome.padEnd(17)} ${s.action}${where}${detail}${why}\n`,
              );
            },
          });
          output(
            cmd,
            report,
            () =>
              `replay ${report.replay} of recording ${report.source} (${report.mode}): ${report.steps.length} steps, ${report.found} grounded, ${report.notFound} not found, ${report.verified} verified — ${replayVerdict(report)}`,
          );
          if (!report.completed) process.exitCode = 1;
        } finally {
          process.off('SIGINT', onSignal);
        }
      }),
    );
}
