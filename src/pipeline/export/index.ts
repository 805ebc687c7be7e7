/**
 * `pcagent export`: writes recordings as dataset files in one of the formats, one recording at a
 * time (its actions, frame rows and, for the HTML viewer, its encoded frames are the only thing
 * held in memory), and reports files and counts.
 */
import path from 'node:path';
import type { Library, Recording } from '../../library/library.js';
import { prepareOutputDir } from '../../library/output-dir.js';
import { exportTrackerRecording } from '../pc-tracker/export.js';
import { type ExportFormat, recordingStem, recordingSteps, type StepOptions } from './steps.js';
import { baseResult, type FormatWriter, type RecordingInput, type RecordingResult } from './writer.js';

export { EXPORT_FORMATS, type ExportFormat, exportableRecordings } from './steps.js';
export type { RecordingResult } from './writer.js';

export interface ExportOptions extends StepOptions {
  /** html: embed frames as stored (PNG) instead of re-encoding them as JPEG. */
  readonly lossless?: boolean;
  /** Called after each step written (progress). */
  readonly onStep?: () => void;
  /**
   * Stops between steps (the promise rejects with the abort reason); the writer's temporary
   * files are removed, files of recordings already written stay.
   */
  readonly signal?: AbortSignal;
}

export interface ExportTotals {
  recordings: number;
  steps: number;
  images: number;
  incompleteSteps: number;
  stepsWithoutThought: number;
}

export interface ExportReport {
  format: ExportFormat;
  out: string;
  /** Whether the images are the marked frames (sharegpt, parquet). */
  marked: boolean;
  /** Every data file written (absolute paths), images not included (they are counted). */
  files: string[];
  totals: ExportTotals;
  recordings: RecordingResult[];
}

/** The pc-tracker interchange format through the same interface (its own module writes it). */
class TrackerWriter implements FormatWriter {
  constructor(private readonly out: string) {}

  async add({ lib, recording, steps, result, onStep }: RecordingInput): Promise<RecordingResult> {
    const written = exportTrackerRecording(lib, recording, this.out);
    for (let i = 0; i < steps.length; i++) onStep();
    return {
      ...result,
      images: written.screenshots,
      files: [written.jsonl, written.markdown],
      jsonl: written.jsonl,
      markdown: written.markdown,
      actions: written.actions,
      screenshots: written.screenshots,
    };
  }

  async finish(): Promise<string[]> {
    return [];
  }

  abort(): void {}
}

async function writerFor(format: ExportFormat, out: string, options: ExportOptions): Promise<FormatWriter> {
  switch (format) {
    case 'pc-tracker':
      return new TrackerWriter(out);
    case 'sharegpt': {
      const { ShareGptWriter } = await import('./sharegpt.js');
      return new ShareGptWriter(out);
    }
    case 'parquet': {
      const { ParquetExportWriter } = await import('./parquet.js');
      return new ParquetExportWriter(out);
    }
    case 'html': {
      const { HtmlWriter } = await import('./html.js');
      return new HtmlWriter(out, { lossless: options.lossless });
    }
  }
}

/** Total steps of the recordings, for a progress bar. */
export function countSteps(lib: Library, recordings: readonly Recording[]): number {
  return recordings.reduce((n, r) => n + lib.countActions(r.id), 0);
}

export async function exportRecordings(
  lib: Library,
  recordings: readonly Recording[],
  format: ExportFormat,
  out: string,
  options: ExportOptions = {},
): Promise<ExportReport> {
  // Checked before anything is written: an impossible folder is one line, not a half export.
  const writer = await writerFor(format, prepareOutputDir(out), options);
  const results: RecordingResult[] = [];
  const onStep = () => {
    options.onStep?.();
    options.signal?.throwIfAborted();
  };
  let shared: string[];
  try {
    for (const recording of recordings) {
      options.signal?.throwIfAborted();
      const steps = recordingSteps(lib, recording, { marked: options.marked });
      const result = baseResult(recording, steps);
      results.push(await writer.add({ lib, recording, steps, stem: recordingStem(recording), result, onStep }));
    }
    shared = await writer.finish();
  } catch (err) {
    writer.abort();
    throw err;
  }
  const totals: ExportTotals = {
    recordings: results.length,
    steps: 0,
    images: 0,
    incompleteSteps: 0,
    stepsWithoutThought: 0,
  };
  for (const r of results) {
    totals.steps += r.steps;
    totals.images += r.images;
    totals.incompleteSteps += r.incompleteSteps;
    totals.stepsWithoutThought += r.stepsWithoutThought;
  }
  return {
    format,
    out: path.resolve(out),
    marked: Boolean(options.marked) && (format === 'sharegpt' || format === 'parquet'),
    files: [...results.flatMap((r) => r.files), ...shared],
    totals,
    recordings: results,
  };
}
