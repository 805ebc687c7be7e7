import path from 'node:path';
import { type Command, Option } from 'commander';
import { output, parseId, UsageError, withLibrary } from '../context.js';
import { progressBar } from '../progress.js';

export const EXPORT_FORMATS = ['pc-tracker'] as const;

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
            ...report.imported.map((r) => `imported recording ${r.id} ${r.name}: ${r.actions} actions, ${r.frames} frames`),
            ...report.alreadyImported.map((r) => `already imported: recording ${r.id} ${r.name}`),
            ...report.skippedLines.map((l) => `skipped ${l.file}:${l.line}: ${l.message}`),
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
    .description('write recordings as dataset files')
    .argument('[ids...]', 'recording ids (default with --all: every finished recording)')
    .option('--all', 'export every finished recording')
    .addOption(new Option('--format <format>', 'output format').choices([...EXPORT_FORMATS]).makeOptionMandatory())
    .requiredOption('--out <dir>', 'output folder (created if missing)')
    .action(async (ids: string[], opts: { all?: boolean; format: string; out: string }, cmd: Command) =>
      withLibrary(cmd, async (lib) => {
        if (ids.length === 0 && !opts.all) throw new UsageError('name recording ids or use --all');
        const { exportTrackerRecording } = await import('../../pipeline/pc-tracker/export.js');
        const recordings = ids.length
          ? ids.map((id) => lib.getRecording(parseId(id)))
          : lib.listRecordings({ status: 'finished' });
        const out = path.resolve(opts.out);
        const bar = progressBar('export', recordings.length);
        const written = recordings.map((r) => {
          const result = exportTrackerRecording(lib, r, out);
          bar.increment();
          return result;
        });
        bar.stop();
        output(cmd, { format: opts.format, out, recordings: written }, () =>
          written.map((w) => `exported recording ${w.id}: ${w.jsonl} (${w.actions} actions, ${w.screenshots} screenshots)`).join('\n'),
        );
      }),
    );
}
