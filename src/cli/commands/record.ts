import { type Command, Option } from 'commander';
import type { Action } from '../../core/actions.js';
import { formatAction } from '../../core/grammar.js';
import {
  CAPTURE_BACKENDS,
  FRAME_FORMATS,
  TASK_LEVELS,
  TRACKER_MODES,
  type CaptureBackendName,
  type FrameFormat,
  type TaskLevel,
  type TrackerMode,
} from '../../core/vocabulary.js';
import { globalOptions, output, UsageError, withLibrary } from '../context.js';

interface RecordOptions {
  mode?: TrackerMode;
  task?: string;
  level?: TaskLevel;
  given?: string;
  failOnStop?: boolean;
  stopHotkey?: string;
  fps: string;
  capture: 'auto' | CaptureBackendName;
  monitor?: string;
  frameFormat: FrameFormat;
  excludeApp: string[];
  excludeTitle: string[];
  verbose?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/**
 * `record --verbose` lines: actions numbered by step (as `show` numbers them), with their text;
 * a row committed again (the same database id) keeps its step number.
 */
export class VerboseSteps {
  private readonly numbers = new Map<number, number>();
  line(rowId: number, action: Action, latencyMs: number): string {
    let n = this.numbers.get(rowId);
    const again = n !== undefined;
    if (n === undefined) this.numbers.set(rowId, (n = this.numbers.size + 1));
    return `step ${n}${again ? ' (updated)' : ''}: ${formatAction(action, 'recorded')} (${latencyMs} ms)`;
  }
}

export function registerRecordCommands(program: Command): void {
  program
    .command('record')
    .description(
      'record keyboard, mouse, screen frames and UI elements until SIGINT/SIGTERM or the stop hotkey; prints "recording <id>" once live',
    )
    .addOption(
      new Option('--mode <mode>', 'task mode (default: given with --given, free with --task, else non-task)').choices(
        TRACKER_MODES,
      ),
    )
    .option('--task <text>', 'task description (free task)')
    .addOption(new Option('--level <level>', 'task level').choices(TASK_LEVELS))
    .option('--given <id>', 'record this given task (see `pcagent tasks list`)')
    .option('--fail-on-stop', 'save as failed instead of finished when stopped')
    .option(
      '--stop-hotkey <keys>',
      'global stop chord, never recorded, e.g. ctrl+shift+f12 (default: hotkeys.stopRecording in settings.json, else CommandOrControl+Shift+F12)',
    )
    .option('--fps <n>', 'screen frames per second kept in memory', '10')
    .addOption(
      new Option('--capture <backend>', 'screen capture backend')
        .choices(['auto', ...CAPTURE_BACKENDS])
        .default('auto'),
    )
    .option('--monitor <name>', 'capture one monitor (RandR name or index) instead of the whole desktop')
    .addOption(new Option('--frame-format <format>', 'frame file format').choices(FRAME_FORMATS).default('png'))
    .option(
      '--exclude-app <name>',
      'never store frames while this application is used (repeatable; adds to privacy.excludedApps in settings.json)',
      collect,
      [],
    )
    .option(
      '--exclude-title <regex>',
      'never store frames for windows whose title matches, without case (repeatable; adds to privacy.excludedTitles)',
      collect,
      [],
    )
    .option('--verbose', 'report the capture backend, accessibility provider and each action on stderr')
    .action(async (opts: RecordOptions, cmd: Command) =>
      withLibrary(cmd, async (lib) => {
        const fps = Number(opts.fps);
        if (!(fps > 0 && fps <= 60)) throw new UsageError(`--fps must be a number from 1 to 60, not "${opts.fps}"`);
        const mode = opts.mode ?? (opts.given ? 'given' : opts.task ? 'free' : 'non-task');
        const taskId = opts.given === undefined ? undefined : Number(opts.given);
        if (taskId !== undefined && !Number.isSafeInteger(taskId))
          throw new UsageError(`"${opts.given}" is not a task id`);
        const [{ readSettings }, { recordChoices }] = await Promise.all([
          import('../../library/settings.js'),
          import('../settings-defaults.js'),
        ]);
        const { privacy, stopHotkey } = recordChoices(opts, readSettings(lib.home), process.platform);
        const { startLiveRecording } = await import('../../tracker/live-recording.js');
        const verbose = (line: string) => opts.verbose && process.stderr.write(`${line}\n`);
        const steps = new VerboseSteps();
        let requestStop: () => void = () => {};
        const stopRequested = new Promise<void>((resolve) => (requestStop = resolve));
        const live = await startLiveRecording({
          lib,
          start: { mode, taskId, description: opts.task, level: opts.level },
          fps,
          capture: opts.capture,
          monitor: opts.monitor,
          frameFormat: opts.frameFormat,
          privacy,
          stopHotkey,
          onStopHotkey: () => requestStop(),
          onDiskFull: () => requestStop(),
          onCommitted: (rowId, action, latencyMs) => verbose(steps.line(rowId, action, latencyMs)),
        });
        const onSignal = () => requestStop();
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        // A script that started us may die without signalling us (npx under `sh -c` does not
        // pass SIGINT on): an orphaned recorder stops and saves like on SIGINT.
        const { watchParent } = await import('../parent-watch.js');
        const unwatch = watchParent((pid) => {
          process.stderr.write(`parent process ${pid} ended: stopping the recording\n`);
          requestStop();
        });
        verbose(
          `capture: ${live.capture.backend}${live.capture.skipped.map((s) => ` (skipped ${s.name}: ${s.error})`).join('')}, ` +
            `${live.capture.region.width}x${live.capture.region.height}; accessibility: ${live.a11y}; stop hotkey: ${stopHotkey.join('+')}; ` +
            `excluded: ${privacy.excludedApps.length} applications, ${privacy.excludedTitles.length} window-title patterns`,
        );
        process.stdout.write(`recording ${live.recording.id}\n`);
        await stopRequested;
        const saved = await live.stop(opts.failOnStop ? 'failed' : 'finished');
        unwatch();
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        const actions = lib.countActions(saved.id);
        if (live.recorder.diskFull) {
          // One line, and a failing exit: what was committed before is in the library.
          process.exitCode = 1;
          process.stderr.write(`disk full: recording ${saved.id} stopped after ${actions} actions\n`);
          return;
        }
        const json = globalOptions(cmd).json;
        if (json) output(cmd, { id: saved.id, status: saved.status, actions }, () => '');
        else process.stderr.write(`saved recording ${saved.id} (${saved.status}, ${actions} actions)\n`);
      }),
    );
}
