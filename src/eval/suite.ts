/**
 * Eval suites: a folder holding `suite.yaml` (or `suite.json`) with the suite's tasks — id,
 * instruction, level, how the task starts (a blank presentation, a deck the runner generates,
 * or a file the suite ships), its limits and its file checkers. Loading validates every field
 * and reports every bad one, one line each, so a suite author fixes them in one pass.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { CheckSchema } from './checks.js';

const TaskId = z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'lower-case letters, digits, ".", "_" and "-" only');
const OutputName = z.string().regex(/^[^\\/]+\.(odp|pptx)$/i, 'a file name (no folder) ending in .odp or .pptx');

export const DeckSlideSchema = z.strictObject({
  title: z.string().optional(),
  body: z.array(z.string()).optional(),
  /** Text boxes (not placeholders), one paragraph each. */
  boxes: z.array(z.string()).optional(),
  notes: z.string().optional(),
});
export type DeckSlide = z.infer<typeof DeckSlideSchema>;

export const SetupSchema = z.discriminatedUnion('start', [
  /** A new, empty presentation (Impress's default first slide). */
  z.strictObject({ start: z.literal('blank') }),
  /** A deck the runner writes before the task starts, opened in the application. */
  z.strictObject({ start: z.literal('deck'), file: OutputName, slides: z.array(DeckSlideSchema).min(1) }),
  /** A file shipped in the suite folder, copied into the task's folder and opened. */
  z.strictObject({ start: z.literal('file'), file: OutputName, from: z.string().min(1) }),
]);
export type Setup = z.infer<typeof SetupSchema>;

export const LEVELS = ['easy', 'medium', 'hard'] as const;

export const TaskSchema = z.strictObject({
  id: TaskId,
  instruction: z.string().min(1),
  level: z.enum(LEVELS),
  setup: SetupSchema.default({ start: 'blank' }),
  /** Seconds the agent may take. */
  timeLimit: z.number().int().positive().max(3600).default(300),
  maxSteps: z.number().int().positive().max(500).default(30),
  checks: z.array(CheckSchema).min(1),
});
export type EvalTask = z.infer<typeof TaskSchema>;

export const SuiteSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  tasks: z.array(TaskSchema).min(1),
});

export interface Suite {
  readonly name: string;
  readonly description: string;
  /** The folder that holds the suite file (start files are relative to it). */
  readonly dir: string;
  readonly file: string;
  readonly tasks: readonly EvalTask[];
}

/** A suite that cannot be used; `problems` has one line per bad field. */
export class SuiteError extends Error {
  override readonly name = 'SuiteError';
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(
      problems.length === 1
        ? `${file}: ${problems[0]}`
        : `${file}: ${problems.length} problems: ${problems.join('; ')}`,
    );
  }
}

const SUITE_FILES = ['suite.yaml', 'suite.yml', 'suite.json'];

/** Suites that ship with PC Agent, in `suites/` at the package root (from src/ or dist/). */
export const BUILTIN_SUITES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'suites');

export function builtinSuites(): string[] {
  try {
    return fs
      .readdirSync(BUILTIN_SUITES_DIR, { withFileTypes: true })
      .filter(
        (d) => d.isDirectory() && SUITE_FILES.some((f) => fs.existsSync(path.join(BUILTIN_SUITES_DIR, d.name, f))),
      )
      .map((d) => d.name)
      .sort();
  } catch {
    return [];
  }
}

function where(p: readonly PropertyKey[]): string {
  return p.map((k, i) => (typeof k === 'number' ? `[${k}]` : `${i === 0 ? '' : '.'}${String(k)}`)).join('') || 'suite';
}

/** Resolves SUITE as a folder, a suite file, or the name of a built-in suite. */
export function resolveSuitePath(spec: string): string {
  const candidates = [spec, path.join(BUILTIN_SUITES_DIR, spec)];
  for (const c of candidates) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(c);
    } catch {
      continue;
    }
    if (stat.isFile()) return path.resolve(c);
    for (const f of SUITE_FILES) if (fs.existsSync(path.join(c, f))) return path.resolve(c, f);
    throw new SuiteError(c, [`no ${SUITE_FILES.join(' / ')} in this folder`]);
  }
  const known = builtinSuites();
  throw new SuiteError(spec, [
    `no such suite folder or file${known.length ? ` (built-in suites: ${known.join(', ')})` : ''}`,
  ]);
}

/** Parses and validates suite text; `file` names it in errors and anchors start files. */
export function parseSuite(text: string, file: string): Suite {
  let raw: unknown;
  try {
    raw = /\.json$/i.test(file) ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new SuiteError(file, [
      `not valid ${/\.json$/i.test(file) ? 'JSON' : 'YAML'} (${(err as Error).message.split('\n')[0]})`,
    ]);
  }
  const parsed = SuiteSchema.safeParse(raw);
  if (!parsed.success)
    throw new SuiteError(
      file,
      parsed.error.issues.map((i) => `${where(i.path)}: ${i.message}`),
    );
  const dir = path.dirname(file);
  const problems: string[] = [];
  const seen = new Set<string>();
  parsed.data.tasks.forEach((t, i) => {
    if (seen.has(t.id)) problems.push(`tasks[${i}].id: '${t.id}' is used by an earlier task`);
    seen.add(t.id);
    if (t.setup.start === 'file' && !fs.existsSync(path.resolve(dir, t.setup.from)))
      problems.push(`tasks[${i}].setup.from: ${t.setup.from} does not exist beside the suite file`);
  });
  if (problems.length) throw new SuiteError(file, problems);
  return { name: parsed.data.name, description: parsed.data.description ?? '', dir, file, tasks: parsed.data.tasks };
}

/** Loads a suite by folder, file or built-in name. */
export function loadSuite(spec: string): Suite {
  const file = resolveSuitePath(spec);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new SuiteError(file, [`cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`]);
  }
  return parseSuite(text, file);
}

/** The tasks to run: all, or those named in `ids` (unknown ids are an error naming them). */
export function selectTasks(suite: Suite, ids: readonly string[] | undefined): EvalTask[] {
  if (!ids || ids.length === 0) return [...suite.tasks];
  const unknown = ids.filter((id) => !suite.tasks.some((t) => t.id === id));
  if (unknown.length)
    throw new SuiteError(suite.file, [`no task ${unknown.map((u) => `'${u}'`).join(', ')} in suite ${suite.name}`]);
  return suite.tasks.filter((t) => ids.includes(t.id));
}
