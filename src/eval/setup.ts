/**
 * Lays out one attempt's folder before the application starts: the start file the task asks
 * for (a generated deck or a copy of a file the suite ships) and the instruction with `{dir}`
 * replaced by that folder. The folder must be new or empty: a file left from an earlier attempt
 * could make a checker pass for work the agent never did.
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeOdp, writePptx } from './deck-writer.js';
import type { EvalTask, Suite } from './suite.js';

export interface PreparedTask {
  readonly dir: string;
  /** The instruction as the agent receives it. */
  readonly instruction: string;
  /** The file the application opens at start, or null for a new presentation. */
  readonly openFile: string | null;
}

export function instructionFor(task: EvalTask, dir: string): string {
  return task.instruction.replaceAll('{dir}', dir);
}

export function prepareTask(suite: Suite, task: EvalTask, dir: string): PreparedTask {
  fs.mkdirSync(dir, { recursive: true });
  const left = fs.readdirSync(dir);
  if (left.length > 0)
    throw new Error(`${dir} is not empty (${left.slice(0, 3).join(', ')}${left.length > 3 ? ', …' : ''})`);
  let openFile: string | null = null;
  const setup = task.setup;
  if (setup.start === 'deck') {
    openFile = path.join(dir, setup.file);
    fs.writeFileSync(openFile, /\.pptx$/i.test(setup.file) ? writePptx(setup.slides) : writeOdp(setup.slides));
  } else if (setup.start === 'file') {
    openFile = path.join(dir, setup.file);
    fs.copyFileSync(path.resolve(suite.dir, setup.from), openFile);
  }
  return { dir, instruction: instructionFor(task, dir), openFile };
}
