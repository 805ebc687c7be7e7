import type { ChildProcess } from 'node:child_process';
import { startPcagent } from './cli.js';
import { waitFor } from './xsession.js';

/** A running `pcagent record` child, with its output collected as it arrives. */
export interface RecorderProcess {
  readonly child: ChildProcess;
  readonly recordingId: number;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (null when killed by a signal) and the signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts `pcagent record` (with `--verbose` unless `verbose` is false: it prints a line per
 * action) on a test desktop and waits for its "recording <id>" line.
 */
export async function startRecorder(
  env: NodeJS.ProcessEnv,
  home: string,
  args: string[],
  verbose = true,
): Promise<RecorderProcess> {
  const run = startPcagent(['--home', home, 'record', ...(verbose ? ['--verbose'] : []), ...args], env);
  let done = false;
  void run.done.finally(() => (done = true)).catch(() => undefined);
  const id = await waitFor(
    '`pcagent record` to print "recording <id>"',
    async () => {
      const m = /^recording (\d+)$/m.exec(run.stdout);
      if (m) return Number(m[1]);
      if (done) throw new Error(`pcagent record exited early: ${run.stderr.trim()}`);
      return null;
    },
    60_000,
  );
  return {
    child: run.child,
    recordingId: id,
    stdout: () => run.stdout,
    stderr: () => run.stderr,
    exited: run.done.then(({ code, signal }) => ({ code, signal })),
  };
}
