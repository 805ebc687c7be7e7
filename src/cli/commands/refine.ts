import type { Command } from 'commander';
import type { Recording } from '../../library/library.js';
import type { StepCounts } from '../../pipeline/refine/model.js';
import type { RefineReport } from '../../pipeline/refine/refine.js';
import { output, parseId, UsageError, withLibrary } from '../context.js';
import { progressBar } from '../progress.js';

interface RefineCliOptions {
  all?: boolean;
  includeInterrupted?: boolean;
  size: string;
  keepFailed?: boolean;
  ownWindowColour?: string;
  keepOwnWindow?: boolean;
  comparePixels?: boolean;
  concurrency: string;
}

const STEP_LABELS: Record<keyof StepCounts, string> = {
  missingFrames: 'actions without a frame',
  finishAdded: 'finish added',
  trailingWaits: 'trailing waits removed',
  drags: 'press + drag to → drag',
  dragsToClicks: 'press + drag to → click (≤ 5 px)',
  unpairedPresses: 'press without drag to → click',
  unpairedDragTos: 'drag to without press removed',
  leadingWaits: 'leading waits removed',
  loneModifiers: 'lone ctrl/shift removed',
  ctrlShiftPairs: 'ctrl + shift pair actions removed',
  meaninglessWaits: 'meaningless waits removed',
  meaninglessClicks: 'meaningless clicks removed',
  rescaledActions: 'actions rescaled',
  ownWindow: 'own-window actions removed',
  markedFrames: 'marked frames drawn',
  rescaledFrames: 'frames rescaled',
};

function humanReport(r: RefineReport, outcomeLine: (o: RefineReport['recordings'][number]) => string): string {
  const s = r.statistics;
  const steps = (Object.keys(STEP_LABELS) as (keyof StepCounts)[])
    .filter((k) => s.steps[k] > 0)
    .map((k) => `  ${STEP_LABELS[k]}: ${s.steps[k]}`);
  return [
    ...r.recordings.map(outcomeLine),
    `records: ${s.records} selected, ${s.refined} refined, ${s.alreadyRefined} already refined, ${s.dropped} dropped, ${s.skipped} skipped` +
      (s.errors ? `, ${s.errors} failed` : ''),
    s.refined + s.alreadyRefined > 0
      ? `actions per refined record: mean ${s.meanActionsPerRecord.toFixed(1)}, max ${s.maxActionsPerRecord}` +
        (s.refined ? ` (this run: ${s.actionsIn} → ${s.actionsOut})` : '')
      : '',
    ...(steps.length ? ['steps:', ...steps] : []),
  ]
    .filter(Boolean)
    .join('\n');
}

export function registerRefineCommands(program: Command): void {
  program
    .command('refine')
    .description(
      'refine raw recordings into new refined recordings (SPEC §2.3): drop unusable records, clean and merge actions, rescale frames, draw marks; the raw recordings are left as they are',
    )
    .argument('[ids...]', 'raw recording ids')
    .option('--all', 'refine every finished (or failed) raw recording')
    .option('--include-interrupted', 'with --all: also interrupted recordings (their recorder died)')
    .option('--size <WxH>', 'target frame size; frames and coordinates are rescaled to it', '1920x1080')
    .option('--keep-failed', 'keep records that end in fail (dropped by default)')
    .option(
      '--own-window-colour <#rrggbb>',
      "for imported data without recorded own windows: drop actions whose frame is dominated by the tracker window's colour (off by default)",
    )
    .option(
      '--keep-own-window',
      "recordings imported from the reference tracker: keep the frames that show the tracker's own window (removed by default)",
    )
    .option(
      '--compare-pixels',
      'also compare decoded pixels when deciding that two frames are identical (for re-encoded data; slower)',
    )
    .option('--concurrency <n>', 'frames processed at the same time', '2')
    .action(async (ids: string[], opts: RefineCliOptions, cmd: Command) =>
      withLibrary(cmd, async (lib) => {
        if (ids.length === 0 && !opts.all) throw new UsageError('name recording ids or use --all');
        if (ids.length > 0 && opts.all) throw new UsageError('name recording ids or use --all, not both');
        const { parseColour, parseSize } = await import('../../pipeline/refine/model.js');
        const usage = <T>(fn: () => T): T => {
          try {
            return fn();
          } catch (err) {
            throw new UsageError((err as Error).message);
          }
        };
        const size = usage(() => parseSize(opts.size));
        const ownWindowColour =
          opts.ownWindowColour === undefined ? null : usage(() => parseColour(opts.ownWindowColour!).hex);
        const concurrency = Number(opts.concurrency);
        if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
          throw new UsageError(`--concurrency must be a whole number from 1 to 64, got "${opts.concurrency}"`);
        }
        const { outcomeLine, refinableRecordings, refineRecordings } = await import('../../pipeline/refine/refine.js');
        // Every id is checked before any work starts.
        const recordings: Recording[] = opts.all
          ? refinableRecordings(lib, Boolean(opts.includeInterrupted))
          : ids.map((id) => lib.getRecording(parseId(id)));
        const total = recordings.reduce((n, r) => n + lib.countActions(r.id), 0);
        const bar = progressBar('refine', total);
        let report: RefineReport;
        try {
          report = await refineRecordings(
            lib,
            recordings,
            {
              size,
              keepFailed: Boolean(opts.keepFailed),
              ownWindowColour,
              comparePixels: Boolean(opts.comparePixels),
              keepOwnWindow: Boolean(opts.keepOwnWindow),
            },
            { concurrency, onRecording: (_id, n) => bar.increment(n) },
          );
        } finally {
          bar.stop();
        }
        output(cmd, report, () =>
          recordings.length === 0 ? 'no finished raw recordings to refine' : humanReport(report, outcomeLine),
        );
        const failed = report.recordings.filter((o) => o.status === 'error');
        if (failed.length > 0) {
          const first = failed[0]!;
          throw new Error(
            `${failed.length} recording(s) could not be refined (recording ${first.id}: ${first.reason}); run refine again to retry them`,
          );
        }
        // A recording named by id and skipped was asked for and not done: the exit says so.
        const skipped = ids.length > 0 ? report.recordings.filter((o) => o.status === 'skipped') : [];
        if (skipped.length > 0) {
          const first = skipped[0]!;
          throw new Error(`${skipped.length} recording(s) not refined (recording ${first.id}: ${first.reason})`);
        }
      }),
    );
}
