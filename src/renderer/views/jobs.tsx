import { useEffect, useRef, useState } from 'preact/hooks';
import type { ApiTransport, JobDto } from '../../api/contract.js';
import { Badge } from '../components/Badge.js';
import { Button } from '../components/Button.js';
import { attempt, notify } from '../status.js';

export const JOB_LABELS: Record<JobDto['kind'], string> = { refine: 'Refine', complete: 'Complete', export: 'Export' };

export interface Jobs {
  /** Newest first. */
  list: JobDto[];
  /** A job as a call's reply or an event reported it. */
  update: (job: JobDto) => void;
  /** The running job that works on this recording, if any. */
  busyWith: (recordingId: number) => JobDto | null;
}

/**
 * The jobs of this session, from `pipeline.jobs` and `job` events; `ended` hears of each job
 * that ends while shown (and a message says how it ended).
 */
export function useJobs(api: ApiTransport, ended: (job: JobDto) => void): Jobs {
  const jobs = useRef(new Map<number, JobDto>()).current;
  const order = useRef<number[]>([]).current;
  const [, redraw] = useState(0);
  const onEnded = useRef(ended);
  onEnded.current = ended;

  const update = (job: JobDto) => {
    const known = jobs.get(job.id);
    // The call's reply and the events race: an ended job never goes back to running, and a
    // running one never goes back in its count.
    if (known && job.status === 'running' && (known.status !== 'running' || job.done < known.done)) return;
    // Jobs that had ended before this screen opened are listed, not announced.
    const wasRunning = known?.status === 'running';
    if (!known) order.unshift(job.id);
    jobs.set(job.id, job);
    redraw((n) => n + 1);
    if (wasRunning && job.status !== 'running') {
      notify(
        `${JOB_LABELS[job.kind]} job ${job.id} ${job.status}: ${job.message}`,
        job.status === 'failed' ? 'error' : 'info',
      );
      onEnded.current(job);
    }
  };
  useEffect(() => {
    const off = api.on('job', update);
    void attempt(() => api.call('pipeline.jobs', {})).then((list) => {
      // Oldest first, so that the newest ends up on top; events that came first are kept.
      for (const job of [...(list ?? [])].reverse()) if (!jobs.has(job.id)) update(job);
    });
    return off;
  }, [api]);

  const list = order.map((id) => jobs.get(id)!);
  return {
    list,
    update,
    busyWith: (id) => list.find((j) => j.status === 'running' && j.recordingIds.includes(id)) ?? null,
  };
}

/** The jobs panel: a progress bar, the current line and Cancel for each (focus stays as progress arrives). */
export function JobsPanel(props: { api: ApiTransport; jobs: Jobs; open: (recordingId: number) => void }) {
  const { api, jobs } = props;
  const cancel = async (job: JobDto) => {
    const next = await attempt(() => api.call('pipeline.cancel', { jobId: job.id }));
    if (next) jobs.update(next);
  };
  return (
    <section class="panel" id="jobs" aria-labelledby="jobs-title">
      <h2 id="jobs-title">Jobs</h2>
      <p class="muted" id="jobs-empty" hidden={jobs.list.length > 0}>
        No jobs yet: refine, complete or export recordings above.
      </p>
      <ul class="jobs" id="job-list">
        {jobs.list.map((job) => (
          <JobItem key={job.id} job={job} cancel={() => void cancel(job)} open={props.open} />
        ))}
      </ul>
    </section>
  );
}

function JobItem({ job, cancel, open }: { job: JobDto; cancel: () => void; open: (id: number) => void }) {
  const label = `${JOB_LABELS[job.kind]} job ${job.id} progress`;
  const refined = job.kind === 'refine' && job.status === 'done' && job.output && /^\d+$/.test(job.output);
  return (
    <li class="job" data-job={job.id} data-status={job.status}>
      <div class="row">
        <strong>{`${JOB_LABELS[job.kind]} ${job.recordingIds.map((id) => `#${id}`).join(', ')}`}</strong>
        <Badge tone={job.status}>{job.status}</Badge>
        {job.total === null ? (
          // No value: an indeterminate bar (a separate element, so no old value stays behind).
          <progress key="indeterminate" aria-label={label} />
        ) : (
          <progress
            key="determinate"
            aria-label={label}
            max={Math.max(1, job.total)}
            value={job.total === 0 ? (job.status === 'running' ? 0 : 1) : job.done}
          />
        )}
        <span class="muted job-count">
          {job.total === null
            ? job.status === 'running'
              ? `${job.done} ${job.unit}`
              : ''
            : `${job.done} / ${job.total} ${job.unit}`}
        </span>
        <span class="row job-buttons">
          {job.status === 'running' ? (
            <Button variant="small job-cancel" aria-label={`Cancel job ${job.id}`} onClick={cancel}>
              Cancel
            </Button>
          ) : refined ? (
            <Button variant="small job-open" onClick={() => open(Number(job.output))}>
              {`Open #${job.output}`}
            </Button>
          ) : job.kind === 'export' && job.output ? (
            <code class="job-output">{job.output}</code>
          ) : null}
        </span>
      </div>
      <p class="job-message">{job.message}</p>
    </li>
  );
}
