import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './cli.js';
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

/** Starts `pcagent record` on a test desktop and waits for its "recording <id>" line. */
export async function startRecorder(env: NodeJS.ProcessEnv, home: string, args: string[]): Promise<RecorderProcess> {
  const child = spawn(
    process.execPath,
    [path.join(ROOT, 'bin', 'pcagent.js'), '--home', home, 'record', '--verbose', ...args],
    {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let done = false;
  void exited.then(() => (done = true));
  const id = await waitFor(
    '`pcagent record` to print "recording <id>"',
    async () => {
      const m = /^recording (\d+)$/m.exec(out);
      if (m) return Number(m[1]);
      if (done) throw new Error(`pcagent record exited early: ${err.trim()}`);
      return null;
    },
    60_000,
  );
  return { child, recordingId: id, stdout: () => out, stderr: () => err, exited };
}
