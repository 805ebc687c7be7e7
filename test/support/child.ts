import { spawn, type ChildProcess } from 'node:child_process';

/** How a child process ended, with all it wrote. */
export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A child process whose output is collected while it runs. */
export interface ChildRun {
  readonly child: ChildProcess;
  /** What it has written so far (grows while it runs). */
  readonly stdout: string;
  readonly stderr: string;
  /** Settles once it has exited and its output is read; rejects when it could not start. */
  readonly done: Promise<ChildExit>;
}

export interface ChildOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Killed (SIGKILL) after this long; default never. */
  readonly timeoutMs?: number;
}

/**
 * Starts `cmd` without blocking this process (a test's fake servers keep answering while it
 * runs), stdin closed, stdout and stderr collected.
 */
export function startChild(cmd: string, args: string[], options: ChildOptions = {}): ChildRun {
  const child = spawn(cmd, args, { env: options.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<ChildExit>((resolve, reject) => {
    child.on('error', reject);
    const timer =
      options.timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return {
    child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    done,
  };
}
