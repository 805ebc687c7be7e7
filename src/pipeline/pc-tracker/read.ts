import fs from 'node:fs';
import path from 'node:path';
import type { Action, ElementInfo } from '../../core/actions.js';
import { tryParseAction } from '../../core/grammar.js';
import { parseCompactTimestamp, parseTimestamp } from '../../core/wall-clock.js';
import type { RecordingMode, TaskLevel } from '../../core/vocabulary.js';
import type { NewTask } from '../../library/library.js';
import { parseActionDescription } from './completed-fields.js';
import { parseMarkdownHeader } from './markdown.js';
import { describeZodError, KNOWN_LINE_KEYS, TasksFileSchema, TrackerLineSchema } from './schema.js';

/** One JSONL line, validated and parsed, with its files resolved to absolute paths. */
export interface TrackerStep {
  line: number;
  time: number;
  action: Action;
  screenshot: string | null;
  markedScreenshot: string | null;
  element: ElementInfo | null;
  /** Our description: the text inside `<\…>` of a completed click (see completed-fields.ts). */
  description: string | null;
  /** The reference's check verdict, verbatim (`Good` / `Wrong. Correct Description: …`). */
  checkVerdict: string | null;
  thought: string | null;
  extra: Record<string, unknown>;
}

export interface TrackerRecording {
  /** File stem, e.g. `free_task_20241126_161517`. */
  name: string;
  jsonlPath: string;
  mode: RecordingMode;
  description: string | null;
  level: TaskLevel | null;
  startedAt: number;
  utcOffsetMin: number;
  steps: TrackerStep[];
}

export interface LineProblem {
  file: string;
  line: number;
  message: string;
}

export interface TrackerFolder {
  recordings: TrackerRecording[];
  tasks: NewTask[];
  /** Malformed lines (skipped only when the caller allows it). */
  badLines: LineProblem[];
  /** Screenshot files that a line names but that are not on disk. */
  missingFiles: { file: string; line: number; path: string }[];
}

export class TrackerFormatError extends Error {
  override readonly name = 'TrackerFormatError';
}

/**
 * Reads every recording of a pc-tracker folder (each `*.jsonl` with its `.md` and screenshot
 * folder) and its optional `tasks.json`. Pure reading: nothing is written anywhere.
 *
 * Timestamps are local wall-clock time without a zone in the reference; they are read with this
 * machine's UTC offset at that date and the offset is kept with the recording, so that exporting
 * writes the very same text back.
 */
export function readTrackerFolder(dir: string): TrackerFolder {
  let entries: string[];
  try {
    entries = fs.readdirSync(dir);
  } catch (err) {
    throw new TrackerFormatError(
      `cannot read folder ${dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  const jsonls = entries.filter((e) => e.endsWith('.jsonl')).sort();
  const result: TrackerFolder = { recordings: [], tasks: [], badLines: [], missingFiles: [] };
  if (entries.includes('tasks.json')) result.tasks = readTasksFile(path.join(dir, 'tasks.json'));
  if (jsonls.length === 0 && result.tasks.length === 0) {
    throw new TrackerFormatError(`${dir} holds no pc-tracker recordings (*.jsonl) and no tasks.json`);
  }
  for (const name of jsonls) result.recordings.push(readRecording(dir, name, result));
  return result;
}

export function readTasksFile(file: string): NewTask[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new TrackerFormatError(`${file} does not exist`);
    if (code === 'EISDIR') throw new TrackerFormatError(`${file} is a folder, not a tasks.json file`);
    throw new TrackerFormatError(`cannot read ${file}: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new TrackerFormatError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  const parsed = TasksFileSchema.safeParse(raw);
  if (!parsed.success) throw new TrackerFormatError(`${file}: ${describeZodError(parsed.error)}`);
  return parsed.data.map((t) => ({
    description: t.task,
    level: t.level ?? null,
    category: t.category ?? null,
    fileInput: t.file_input ?? false,
    status: t.bad ? 'bad' : t.finished ? 'finished' : 'open',
  }));
}

function readRecording(dir: string, fileName: string, out: TrackerFolder): TrackerRecording {
  const jsonlPath = path.join(dir, fileName);
  const stem = fileName.slice(0, -'.jsonl'.length);
  const mdPath = path.join(dir, `${stem}.md`);
  const header = fs.existsSync(mdPath)
    ? parseMarkdownHeader(fs.readFileSync(mdPath, 'utf8'))
    : { mode: null, description: null, level: null };
  // The offset that was in force at the recording's date on this machine (DST-aware).
  const approx = parseCompactTimestamp(stem, 0) ?? Date.now();
  const utcOffsetMin = -new Date(approx).getTimezoneOffset();

  const steps: TrackerStep[] = [];
  const lines = fs.readFileSync(jsonlPath, 'utf8').split('\n');
  lines.forEach((text, i) => {
    if (text.trim() === '') return;
    const lineNo = i + 1;
    const bad = (message: string) => out.badLines.push({ file: jsonlPath, line: lineNo, message });
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (err) {
      bad(`not valid JSON (${(err as Error).message})`);
      return;
    }
    const parsed = TrackerLineSchema.safeParse(raw);
    if (!parsed.success) {
      bad(describeZodError(parsed.error));
      return;
    }
    const l = parsed.data;
    const action = tryParseAction(l.action);
    if (!action.ok) {
      bad(`action: ${action.error.message}`);
      return;
    }
    const time = parseTimestamp(l.timestamp, utcOffsetMin)!;
    const file = (p: string | null | undefined): string | null => {
      if (!p) return null;
      // Windows recordings use backslashes.
      const abs = path.join(dir, ...p.split(/[\\/]+/));
      if (!fs.existsSync(abs)) out.missingFiles.push({ file: jsonlPath, line: lineNo, path: p });
      return abs;
    };
    const extra: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(l)) if (!KNOWN_LINE_KEYS.has(k)) extra[k] = v;
    steps.push({
      line: lineNo,
      time,
      action: action.action,
      screenshot: file(l.screenshot),
      markedScreenshot: file(l.marked_screenshot),
      element: l.element == null && l.rect == null ? null : { name: l.element ?? '', rect: l.rect ?? null },
      description: parseActionDescription(action.action, l.action_description),
      checkVerdict: l.action_description_checked ?? null,
      thought: l.thought ?? null,
      extra,
    });
  });
  const mode = header.mode ?? modeFromName(stem);
  return {
    name: stem,
    jsonlPath,
    mode,
    description: header.description,
    level: header.level,
    startedAt: parseCompactTimestamp(stem, utcOffsetMin) ?? steps[0]?.time ?? Date.now(),
    utcOffsetMin,
    steps,
  };
}

function modeFromName(stem: string): RecordingMode {
  if (stem.startsWith('free_task')) return 'free';
  if (stem.startsWith('non_task')) return 'non-task';
  return 'given';
}
