import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startChild, type ChildExit, type ChildRun } from './child.js';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'pcagent.js');

/** test-output/ (git ignores it) or a folder in it, made if missing: files a person may look at after a run. */
export function testOutputDir(...sub: string[]): string {
  const dir = path.join(ROOT, 'test-output', ...sub);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI (`npm test` builds dist/ first) as a user would. */
export function pcagent(args: string[], env: NodeJS.ProcessEnv = {}): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Starts the built CLI without blocking this process (a test's fake servers keep answering
 * while it runs); killed after `timeoutMs` if given.
 */
export function startPcagent(args: string[], env: NodeJS.ProcessEnv, timeoutMs?: number): ChildRun {
  return startChild(process.execPath, [BIN, ...args], { env, timeoutMs });
}

/** Runs the built CLI without blocking; resolves when it exits, or after `timeoutMs` with it killed. */
export function pcagentAsync(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 240_000): Promise<ChildExit> {
  return startPcagent(args, env, timeoutMs).done;
}

/** Runs a TypeScript file (under tsx, from the repository root) in a child process. */
export function startTsx(file: string, args: string[], env: NodeJS.ProcessEnv): ChildRun {
  return startChild(process.execPath, ['--import', 'tsx', file, ...args], { env, cwd: ROOT });
}

/**
 * `pcagent run TASK` on the CPU against a fake planner at `plannerUrl` that answers in
 * UI-TARS' form (the ui-tars profile: clicks come with their point, so no grounding).
 */
export function runWithFakeUiTars(
  home: string,
  task: string,
  plannerUrl: string,
  env: NodeJS.ProcessEnv,
  timeoutMs?: number,
): Promise<ChildExit> {
  return pcagentAsync(
    [
      '--home',
      home,
      'run',
      task,
      '--planner',
      plannerUrl,
      '--planner-model',
      'fake-ui-tars',
      '--planner-profile',
      'ui-tars',
      '--device',
      'cpu',
    ],
    env,
    timeoutMs,
  );
}
