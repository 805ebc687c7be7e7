import path from 'node:path';
import { type Command, Option } from 'commander';
import { EXPORT_FORMATS, type ExportFormat } from '../../core/vocabulary.js';
import { output, parseId, UsageError, withLibrary } from '../context.js';
import { progressBar } from '../progress.js';

export function registerInterchangeCommands(program: Command): void {
  program
    .command('import')
    .description('import every recording of a pc-tracker folder (*.jsonl + .md + screenshots, optional tasks.json)')
    .argument('<dir>', 'pc-tracker folder')
    .option('--skip-bad-lines', 'import the good lines of files that have malformed ones')
    .action(async (dir: string, opts: { skipBadLines?: boolean }, cmd: Command) =>
      withLibrary(cmd, async (lib) => {
        const { importTrackerFolder } = await import('../../pipeline/pc-tracker/import.js');
        const report = await importTrackerFolder(lib, path.resolve(dir), { skipBadLines: opts.skipBadLines });
        output(cmd, report, () =>
          [
            ...report.imported.map(
              (r) => `imported recording ${r.id} ${r.name}: ${r.actions} actions, ${r.frames} frames`,
            ),
            ...report.alreadyImported.map((r) => `already imported: recording ${r.id} ${r.name}`),
            ...report.skippedLines.map((l) => `skipped ${l.file}:${l.line}: ${l.message}`),
            ...report.missingScreenshots.map(
              (m) => `missing screenshot ${m.path} (${path.basename(m.file)}:${m.line}): step imported without it`,
            ),
            report.tasks.added || report.tasks.skipped
              ? `tasks: ${report.tasks.added} added, ${report.tasks.skipped} already present`
              : '',
          ]
            .filter(Boolean)
            .join('\n'),
        );
      }),
    );

  program
    .command('export')
    .description(
      'write recordings as dataset files: pc-tracker (interchange folder), sharegpt (LLaMA-Factory JSONL + images), parquet (Hugging Face datasets, images embedded), html (one self-contained viewer per recording)',
    )
    .argument('[ids...]', 'recording ids (default with --all: every finished recording, refined version preferred)')
    .option('--all', 'export every finished recording (a raw one with a refined version as that version)')
    .option('--include-interrupted', 'with --all: also interrupted recordings (their recorder died)')
    .addOption(new Option('--format <format>', 'output format').choices([...EXPORT_FORMATS]).makeOptionMandatory())
    .requiredOption('--out <dir>', 'output folder (created if missing)')
    .option(
      '--marked',
      'sharegpt, parquet: use the marked frames (with the red marks) as images instead of the plain screenshots the planner sees at run time',
    )
    .option('--lossless', 'html: embed frames as stored instead of as JPEG (much larger files)')
    .action(
      async (
        ids: string[],
        opts: {
          all?: boolean;
          includeInterrupted?: boolean;
          format: ExportFormat;
          out: string;
          marked?: boolean;
          lossless?: boolean;
        },
        cmd: Command,
      ) =>
        withLibrary(cmd, async (lib) => {
          if (ids.length === 0 && !opts.all) throw new UsageError('name recording ids or use --all');
          const { countSteps, exportableRecordings, exportRecordings } = await import('../../pipeline/export/index.js');
          const recordings = ids.length
            ? ids.map((id) => lib.getRecording(parseId(id)))
            : exportableRecordings(lib, Boolean(opts.includeInterrupted));
          const out = path.resolve(opts.out);
          const bar = progressBar(`export ${opts.format}`, countSteps(lib, recordings));
          const report = await exportRecordings(lib, recordings, opts.format, out, {
            marked: opts.marked,
            lossless: opts.lossless,
            onStep: () => bar.increment(),
          }).finally(() => bar.stop());
          output(cmd, report, () => {
            const t = report.totals;
            const lines = report.recordings.map((r) =>
              opts.format === 'pc-tracker'
                ? `exported recording ${r.id}: ${String(r.jsonl)} (${r.steps} actions, ${r.images} screenshots)`
                : `exported recording ${r.id} ${r.name}${r.stage === 'refined' ? ' (refined)' : ''}: ${r.steps} steps, ${r.images} images${r.incompleteSteps ? `, ${r.incompleteSteps} incomplete` : ''}${r.files.length ? ` -> ${r.files.join(', ')}` : ''}`,
            );
            if (opts.format !== 'pc-tracker') {
              lines.push(
                `${t.recordings} recordings, ${t.steps} steps, ${t.images} images; ${t.incompleteSteps} incomplete steps (no planner form: click without description, or not refined), ${t.stepsWithoutThought} without thought`,
                ...report.files
                  .filter((f) => !report.recordings.some((r) => r.files.includes(f)))
                  .map((f) => `wrote ${f}`),
              );
            }
            return lines.join('\n');
          });
        }),
    );
}
