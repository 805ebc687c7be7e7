import type { JobDto, JobKind, JobStatus } from '../api/contract.js';

/**
 * The app's background jobs (refine, complete, export started from the library): each call
 * starts one and returns at once; progress goes out as `job` events, a few per second at most,
 * and every job ends with exactly one event whose status is done, failed or cancelled. A
 * recording has at most one running job, so two jobs never write the same rows.
 */

/** A refusal the user can act on (busy recording, unknown job); shown as it is. */
export class JobError extends Error {
  override readonly name = 'JobError';
}

/** What a running job reports; fields left out keep their value. */
export interface JobUpdate {
  done?: number;
  total?: number | null;
  message?: string;
}

/** What a job's work sees: its stop signal and a progress sink. */
export interface RunningJob {
  readonly signal: AbortSignal;
  progress(update: JobUpdate): void;
}

export interface JobOutcome {
  status: 'done' | 'failed';
  /** One line: the result, or why it failed. */
  message: string;
  output?: string | null;
}

export interface JobSpec {
  kind: JobKind;
  recordingIds: number[];
  /** What `done` / `total` count (frames, fields, steps). */
  unit: string;
  total: number | null;
  /** The first line shown while the job starts. */
  message: string;
  /** Another job may not write here at the same time (an export's folder). */
  output?: string | null;
  run(job: RunningJob): Promise<JobOutcome>;
}

export interface JobRegistryOptions {
  /** Least time between two progress events of one job (default 250 ms). */
  intervalMs?: number;
  /** Ended jobs kept for `pipeline.jobs` (default 50). */
  keepEnded?: number;
  now?: () => number;
}

interface Job {
  dto: JobDto;
  readonly controller: AbortController;
  timer: NodeJS.Timeout | null;
  lastEmit: number;
  ended: Promise<void>;
}

export class JobRegistry {
  private readonly jobs = new Map<number, Job>();
  private nextId = 1;
  private readonly intervalMs: number;
  private readonly keepEnded: number;
  private readonly now: () => number;

  constructor(
    private readonly emit: (job: JobDto) => void,
    options: JobRegistryOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 250;
    this.keepEnded = options.keepEnded ?? 50;
    this.now = options.now ?? Date.now;
  }

  /** The running job that works on `recordingId`, if any. */
  busyWith(recordingId: number): JobDto | null {
    for (const j of this.jobs.values()) {
      if (j.dto.status === 'running' && j.dto.recordingIds.includes(recordingId)) return snapshot(j.dto);
    }
    return null;
  }

  /** Starts the job and returns its first state; refuses when one of its recordings is busy. */
  start(spec: JobSpec): JobDto {
    for (const id of spec.recordingIds) {
      const busy = this.busyWith(id);
      if (busy) {
        throw new JobError(
          `recording ${id} is busy: ${busy.kind} job ${busy.id} is running on it; wait for it to end or cancel it`,
        );
      }
    }
    if (spec.output) {
      const writer = [...this.jobs.values()].find((j) => j.dto.status === 'running' && j.dto.output === spec.output);
      if (writer) throw new JobError(`${spec.output} is in use: ${writer.dto.kind} job ${writer.dto.id} writes there`);
    }
    const dto: JobDto = {
      id: this.nextId++,
      kind: spec.kind,
      recordingIds: [...new Set(spec.recordingIds)],
      status: 'running',
      done: 0,
      total: spec.total,
      unit: spec.unit,
      message: spec.message,
      startedAt: this.now(),
      endedAt: null,
      output: spec.output ?? null,
    };
    const job: Job = {
      dto,
      controller: new AbortController(),
      timer: null,
      lastEmit: this.now(),
      ended: Promise.resolve(),
    };
    this.jobs.set(dto.id, job);
    this.emit(snapshot(dto));
    job.ended = this.run(job, spec);
    this.prune();
    return snapshot(dto);
  }

  /** Every job of this session, newest first. */
  list(): JobDto[] {
    return [...this.jobs.values()].reverse().map((j) => snapshot(j.dto));
  }

  /**
   * Asks a running job to stop; it ends (status cancelled) once its work has stopped, which
   * the `job` event says. An ended job is returned as it is.
   */
  cancel(jobId: number): JobDto {
    const job = this.jobs.get(jobId);
    if (!job) throw new JobError(`no job ${jobId} in this session`);
    if (job.dto.status !== 'running' || job.controller.signal.aborted) return snapshot(job.dto);
    job.controller.abort();
    job.dto.message = 'cancelling…';
    this.flush(job);
    return snapshot(job.dto);
  }

  /** Cancels every running job and waits until each has stopped (closing the back end). */
  async close(): Promise<void> {
    const running = [...this.jobs.values()].filter((j) => j.dto.status === 'running');
    for (const j of running) this.cancel(j.dto.id);
    await Promise.all(running.map((j) => j.ended));
  }

  private async run(job: Job, spec: JobSpec): Promise<void> {
    const { signal } = job.controller;
    const handle: RunningJob = {
      signal,
      progress: (update) => {
        if (job.dto.status !== 'running') return;
        if (update.total !== undefined) job.dto.total = update.total;
        if (update.done !== undefined) job.dto.done = Math.min(update.done, job.dto.total ?? Infinity);
        // "cancelling…" stays until the end: the work may still report while it winds down.
        if (update.message !== undefined && !signal.aborted) job.dto.message = update.message;
        this.schedule(job);
      },
    };
    let status: JobStatus;
    let message: string;
    let output = job.dto.output;
    try {
      // The work starts after the call has returned its first state.
      await Promise.resolve();
      const outcome = await spec.run(handle);
      status = signal.aborted ? 'cancelled' : outcome.status;
      message = signal.aborted ? `cancelled: ${outcome.message}` : outcome.message;
      if (outcome.output !== undefined) output = outcome.output;
    } catch (err) {
      status = signal.aborted ? 'cancelled' : 'failed';
      message = signal.aborted
        ? `cancelled after ${job.dto.done}${job.dto.total === null ? '' : ` of ${job.dto.total}`} ${job.dto.unit}`
        : firstLine(err);
    }
    Object.assign(job.dto, { status, message, output, endedAt: this.now() });
    this.flush(job);
  }

  /** Progress events: the first at once, then at most one per interval, the latest state. */
  private schedule(job: Job): void {
    if (job.timer) return;
    const wait = job.lastEmit + this.intervalMs - this.now();
    if (wait <= 0) return this.flush(job);
    job.timer = setTimeout(() => this.flush(job), wait);
  }

  private flush(job: Job): void {
    if (job.timer) clearTimeout(job.timer);
    job.timer = null;
    job.lastEmit = this.now();
    this.emit(snapshot(job.dto));
  }

  private prune(): void {
    const ended = [...this.jobs.values()].filter((j) => j.dto.status !== 'running');
    for (const j of ended.slice(0, Math.max(0, ended.length - this.keepEnded))) this.jobs.delete(j.dto.id);
  }
}

/** A copy to hand out: the registry keeps changing its own. */
function snapshot(dto: JobDto): JobDto {
  return { ...dto, recordingIds: [...dto.recordingIds] };
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0]!.trim() || 'failed';
}
