/**
 * What every dataset format implements: it is given the recordings one after the other (with
 * their steps already read), then finished once. Files that collect every recording (a JSONL, a
 * Parquet file) are written under a temporary name and renamed by `finish`, so an export that
 * fails half-way leaves no half-written dataset file under the final name.
 */
import type { Library, Recording } from '../../library/library.js';
import type { ExportStep } from './steps.js';

export interface RecordingResult {
  id: number;
  name: string;
  stage: Recording['stage'];
  steps: number;
  /** Image files written (or embedded) for this recording. */
  images: number;
  incompleteSteps: number;
  stepsWithoutThought: number;
  /** Files written for this recording alone (not the shared dataset files), absolute paths. */
  files: string[];
  /** Format-specific details (the pc-tracker export's jsonl / markdown paths). */
  [extra: string]: unknown;
}

/** One recording handed to a writer, with what every format starts from. */
export interface RecordingInput {
  readonly lib: Library;
  readonly recording: Recording;
  readonly steps: readonly ExportStep[];
  /** The recording's file stem (`recordingStem`). */
  readonly stem: string;
  /** The counts every format reports (`baseResult`); the writer adds its images and files. */
  readonly result: RecordingResult;
  /** Called after each step written. */
  readonly onStep: () => void;
}

export interface FormatWriter {
  add(input: RecordingInput): Promise<RecordingResult>;
  /** Completes the shared files; returns every shared file written (absolute paths). */
  finish(): Promise<string[]>;
  /** Removes temporary files after a failure. */
  abort(): void;
}

export function baseResult(recording: Recording, steps: readonly ExportStep[]): RecordingResult {
  let incompleteSteps = 0;
  let stepsWithoutThought = 0;
  for (const s of steps) {
    if (!s.planner.complete) incompleteSteps++;
    if (s.thought === null) stepsWithoutThought++;
  }
  return {
    id: recording.id,
    name: recording.name,
    stage: recording.stage,
    steps: steps.length,
    images: 0,
    incompleteSteps,
    stepsWithoutThought,
    files: [],
  };
}

/** A temporary path next to `target` for this process. */
export function tempPath(target: string): string {
  return `${target}.tmp-${process.pid}`;
}
