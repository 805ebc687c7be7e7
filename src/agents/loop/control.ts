/**
 * Pause, resume and stop for a running agent (from the app, a signal handler or a hotkey): an
 * AbortSignal for stop, and a promise the loop awaits between steps while paused.
 */
export class RunControl {
  private readonly abort = new AbortController();
  private resumed: Promise<void> | null = null;
  private release: (() => void) | null = null;

  /** Aborted by stop(); pass it to runAgent. */
  get signal(): AbortSignal {
    return this.abort.signal;
  }

  get paused(): boolean {
    return this.resumed !== null;
  }

  /** The run halts before its next step until resume() (or stop()). */
  pause(): void {
    if (this.resumed || this.abort.signal.aborted) return;
    this.resumed = new Promise<void>((resolve) => (this.release = resolve));
  }

  resume(): void {
    const release = this.release;
    this.resumed = null;
    this.release = null;
    release?.();
  }

  /** Ends the run as soon as possible: the step in progress is cut short, nothing more is done. */
  stop(reason = 'stopped by the user'): void {
    this.abort.abort(new RunStoppedError(reason));
    this.resume();
  }

  /** Resolves at once when running, otherwise when resumed or stopped. */
  whenRunning(): Promise<void> {
    return this.resumed ?? Promise.resolve();
  }
}

/** The reason a run was stopped from outside (RunControl.stop, SIGINT). */
export class RunStoppedError extends Error {
  override readonly name = 'RunStoppedError';
}
