import fs from 'node:fs';
import path from 'node:path';
import type { ExportFormat } from '../pipeline/export/steps.js';
import type { Target } from '../pipeline/complete/plan.js';
import type { BackendContext, HandlersOf } from './context.js';
import { JobError, JobRegistry, type RunningJob } from './jobs.js';

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * Where an export goes: relative paths are inside the data directory. An existing file, or a
 * folder with anything in it, is refused: an export never mixes with (or replaces) other files.
 */
export function exportDestination(home: string, out: string): string {
  const dir = path.resolve(home, out);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return dir;
    if (code === 'ENOTDIR') throw new JobError(`cannot export to ${dir}: a folder on that path is a file`);
    throw new JobError(`cannot export to ${dir}: ${code ?? 'unreadable'}`);
  }
  if (!stat.isDirectory()) throw new JobError(`cannot export to ${dir}: it is a file; choose a new folder`);
  if (fs.readdirSync(dir).length > 0) {
    throw new JobError(`cannot export to ${dir}: the folder is not empty; choose a new or empty folder`);
  }
  return dir;
}

/** The pipeline from the library screen: import a pc-tracker folder; refine, complete, export as jobs. */
export function pipelineHandlers(ctx: BackendContext): HandlersOf<'pipeline'> {
  const { lib } = ctx;
  const jobs = new JobRegistry((job) => ctx.emit('job', job));
  ctx.onClose(() => jobs.close());

  /** Online completion with the settings file's `completion` model; refused at once when none is set. */
  const startOnline = async (id: number, targets: Target[], recordingIds: number[], moved: string) => {
    const [
      { ModelClient, ModelError },
      { redact: redactKey },
      { completeOnline, recordingSummary },
      { pendingTotals },
      settings,
    ] = await Promise.all([
      import('../models/client.js'),
      import('../models/secrets.js'),
      import('../pipeline/complete/online.js'),
      import('../pipeline/complete/plan.js'),
      import('../pipeline/complete/settings.js'),
    ]);
    const resolved = settings.resolveEndpoint({}, settings.readCompletionSettings(lib.home));
    if (!resolved.endpoint || !resolved.model) {
      throw new JobError(
        `no completion model: set its endpoint and model under Settings (completion), or complete recording ${id} offline`,
      );
    }
    const client = new ModelClient({ endpoint: resolved.endpoint, model: resolved.model, apiKey: resolved.apiKey });
    const redact = (text: string) => redactKey(text, resolved.apiKey);
    const before = pendingTotals(lib, targets);
    return jobs.start({
      kind: 'complete',
      recordingIds,
      unit: 'fields',
      total: before.desc + before.check + before.thought,
      message: `${moved}asking ${client.model} at ${client.endpoint}`,
      run: async (job) => {
        // The client's own stop: queued requests give up, answers already on the wire are kept.
        const stop = () => client.stop(new ModelError('cancelled', 'endpoint'));
        job.signal.addEventListener('abort', stop, { once: true });
        let done = 0;
        try {
          const report = await completeOnline(lib, targets, {
            client,
            onField: (e) => job.progress({ done: ++done, message: `step ${e.seq}: ${e.pass} ${e.outcome}` }),
          });
          const summary = redact(report.recordings.map(recordingSummary).join('; '));
          const missing = report.recordings.reduce(
            (n, r) => n + r.pending.desc + r.pending.check + r.pending.thought,
            0,
          );
          if (report.stopped && !job.signal.aborted) {
            return {
              status: 'failed',
              message: `${redact(report.stopped.message)}; finished fields are kept, run again to resume`,
            };
          }
          return { status: missing > 0 ? 'failed' : 'done', message: summary };
        } finally {
          job.signal.removeEventListener('abort', stop);
          if (done > 0) ctx.libraryChanged(targets[0]?.recording.id ?? id);
        }
      },
    });
  };

  /** Offline completion: click descriptions from the local OCR models, no server, no thoughts. */
  const startOffline = async (targets: Target[], recordingIds: number[], moved: string) => {
    const [{ completeOffline, createOcrReader }, { pendingTotals }] = await Promise.all([
      import('../pipeline/complete/offline.js'),
      import('../pipeline/complete/plan.js'),
    ]);
    const total = pendingTotals(lib, targets).desc;
    return jobs.start({
      kind: 'complete',
      recordingIds,
      unit: 'descriptions',
      total,
      message: `${moved}loading the OCR models`,
      run: async (job) => {
        if (total === 0)
          return { status: 'done', message: 'nothing to describe: every click already has a description' };
        const reader = await createOcrReader({ dataDir: lib.home });
        job.signal.throwIfAborted();
        let done = 0;
        try {
          const report = await completeOffline(lib, targets, {
            reader,
            signal: job.signal,
            onField: (a) => job.progress({ done: ++done, message: `step ${a.seq} described from OCR` }),
          });
          const failures = report.recordings.flatMap((r) => r.failures);
          const summary = report.recordings
            .map((r) => `recording ${r.id}: ${plural(r.described, 'description')} from OCR (offline)`)
            .join('; ');
          if (failures.length === 0) return { status: 'done', message: summary };
          return {
            status: 'failed',
            message: `${summary}; ${plural(failures.length, 'click')} not described (step ${failures[0]!.seq}: ${failures[0]!.message})`,
          };
        } finally {
          if (done > 0) ctx.libraryChanged(targets[0]?.recording.id ?? null);
        }
      },
    });
  };

  return {
    'pipeline.importFolder': async ({ dir }) => {
      const { importTrackerFolder } = await import('../pipeline/pc-tracker/import.js');
      const report = await importTrackerFolder(lib, path.resolve(dir));
      ctx.libraryChanged(report.imported[0]?.id ?? null);
      return { imported: report.imported, alreadyImported: report.alreadyImported, tasks: report.tasks };
    },

    'pipeline.refine': ({ id }) => {
      const raw = lib.getRecording(id);
      return jobs.start({
        kind: 'refine',
        recordingIds: [id],
        unit: 'frames',
        // Known once the steps are decided: how many frames get rescaled or marked.
        total: null,
        message: `refining recording ${id}: cleaning the actions`,
        run: async (job: RunningJob) => {
          const { outcomeLine, refineRecordings } = await import('../pipeline/refine/refine.js');
          const report = await refineRecordings(
            lib,
            [raw],
            {},
            {
              signal: job.signal,
              onFrames: (_raw, done, total) =>
                job.progress({ done, total, message: `writing frames: ${done} of ${total}` }),
            },
          );
          const outcome = report.recordings[0]!;
          if (outcome.status === 'refined' || outcome.status === 'already refined') {
            ctx.libraryChanged(outcome.refinedId);
            return { status: 'done', message: outcomeLine(outcome), output: String(outcome.refinedId) };
          }
          return { status: 'failed', message: outcomeLine(outcome) };
        },
      });
    },

    'pipeline.complete': async ({ id, offline }) => {
      const { resolveTargets } = await import('../pipeline/complete/plan.js');
      const targets = resolveTargets(lib, [id], false);
      const recordingIds = [id, ...targets.map((t) => t.recording.id)];
      const moved = targets
        .filter((t) => t.refinedFrom !== undefined)
        .map((t) => `completing its refined version, recording ${t.recording.id}: `)
        .join('');
      return offline ? startOffline(targets, recordingIds, moved) : startOnline(id, targets, recordingIds, moved);
    },

    'pipeline.export': async ({ ids, format, out }) => {
      const recordings = [...new Set(ids)].map((id) => lib.getRecording(id));
      const dir = exportDestination(lib.home, out);
      const { countSteps, exportRecordings } = await import('../pipeline/export/index.js');
      return jobs.start({
        kind: 'export',
        recordingIds: recordings.map((r) => r.id),
        unit: 'steps',
        total: countSteps(lib, recordings),
        message: `exporting ${plural(recordings.length, 'recording')} as ${format}`,
        output: dir,
        run: async (job) => {
          let done = 0;
          const report = await exportRecordings(lib, recordings, format as ExportFormat, dir, {
            signal: job.signal,
            onStep: () => job.progress({ done: ++done }),
          });
          const t = report.totals;
          return {
            status: 'done',
            message:
              `exported ${plural(t.recordings, 'recording')} as ${format} to ${dir}: ${plural(t.steps, 'step')}, ${plural(t.images, 'image')}` +
              (format === 'pc-tracker' || t.incompleteSteps === 0 ? '' : `; ${t.incompleteSteps} incomplete`),
            output: dir,
          };
        },
      });
    },

    'pipeline.jobs': () => jobs.list(),
    'pipeline.cancel': ({ jobId }) => jobs.cancel(jobId),
  };
}
