/**
 * Scripted plans (`pcagent eval SUITE --plan FILE`): for each task id, the planner answers to
 * give in order — each an action in the planner form (`click element: …`, `type text: …`,
 * `hotkey (Ctrl, S)`, …), optionally with a thought before an `Action:` line. They test the
 * runner, the grounders and the executor on the real application without a model; the run
 * finishes when the script is done. `{dir}` is the attempt's folder, as in instructions.
 */
import fs from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { tryParseAction } from '../core/grammar.js';
import type { Plan, PlanRequest } from '../agents/planner/planner.js';
import { parsePlannerAnswer } from '../agents/planner/prompt.js';
import type { AgentPlanner } from '../agents/loop/run-agent.js';

export type ScriptedPlans = ReadonlyMap<string, readonly string[]>;

/**
 * A YAML line such as `- press key: tab` reads as a one-key mapping; it means the action text
 * `press key: tab`, so it is taken as that.
 */
const Line = z.preprocess((v) => {
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const entries = Object.entries(v);
    if (entries.length === 1) return `${entries[0]![0]}: ${String(entries[0]![1])}`;
  }
  return v;
}, z.string().min(1));
const PlanFile = z.record(z.string(), z.array(Line).min(1));

/** One planner answer: a bare action, or a thought and an `Action:` line. */
function checkAnswer(text: string): string | null {
  if (/^\s*(\*\*)?action(\*\*)?\s*:/im.test(text)) {
    const parsed = parsePlannerAnswer(text);
    return parsed.ok ? null : parsed.problem;
  }
  const parsed = tryParseAction(text.trim(), 'planner');
  return parsed.ok ? null : parsed.error.message;
}

/** Reads and checks a plan file (YAML or JSON): every line must be a valid planner answer. */
export function loadScriptedPlans(file: string): ScriptedPlans {
  let raw: unknown;
  try {
    const text = fs.readFileSync(file, 'utf8');
    raw = /\.json$/i.test(file) ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(`${file}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message.split('\n')[0]}`);
  }
  const parsed = PlanFile.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new Error(`${file}: ${i.path.join('.') || 'plan file'}: ${i.message} (expected task id → list of actions)`);
  }
  const problems: string[] = [];
  for (const [task, lines] of Object.entries(parsed.data))
    lines.forEach((line, i) => {
      const problem = checkAnswer(line);
      if (problem) problems.push(`${task}[${i}]: ${problem}`);
    });
  if (problems.length) throw new Error(`${file}: ${problems.join('; ')}`);
  return new Map(Object.entries(parsed.data));
}

/** A planner that answers from a script, then finishes. */
export class ScriptedPlanner implements AgentPlanner {
  private next = 0;
  private readonly lines: readonly string[];
  /** `dir`: the attempt's folder, put where a line says `{dir}`. */
  constructor(lines: readonly string[], dir: string) {
    this.lines = lines.map((l) => l.replaceAll('{dir}', dir));
  }

  plan(_request: PlanRequest): Promise<Plan> {
    const line = this.lines[this.next++];
    const raw =
      line === undefined ? 'Action: finish' : /^\s*(\*\*)?action(\*\*)?\s*:/im.test(line) ? line : `Action: ${line}`;
    const parsed = parsePlannerAnswer(raw);
    if (!parsed.ok) return Promise.reject(new Error(`scripted plan step ${this.next}: ${parsed.problem}`));
    const thought = parsed.thought || (line === undefined ? 'The script is done.' : `Scripted step ${this.next}.`);
    return Promise.resolve({
      thought,
      action: parsed.action,
      raw,
      requests: 0,
      problems: [],
      usage: { promptTokens: 0, completionTokens: 0 },
      ms: 0,
    });
  }
}
