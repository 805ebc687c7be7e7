import type {
  ApiInput,
  ApiTransport,
  JobDto,
  RecordingDto,
  StepDto,
  TaskDto,
  TrajectoryDto,
} from '../../api/contract.js';
import { attempt, h, notify, replace, time } from '../dom.js';

const EXPORT_FORMATS: { value: ApiInput<'pipeline.export'>['format']; label: string }[] = [
  { value: 'html', label: 'html (one viewer page per recording)' },
  { value: 'pc-tracker', label: 'pc-tracker (interchange folder)' },
  { value: 'sharegpt', label: 'sharegpt (LLaMA-Factory JSONL + images)' },
  { value: 'parquet', label: 'parquet (Hugging Face dataset)' },
];

const JOB_LABELS: Record<JobDto['kind'], string> = { refine: 'Refine', complete: 'Complete', export: 'Export' };

/** Start of the local day of an `<input type=date>` value, or null when empty. */
function dayStart(value: string): number | null {
  return value ? new Date(`${value}T00:00:00`).getTime() : null;
}

/**
 * Library: recordings with filters (kind and status on the server; task and date here, over
 * the listed recordings); refine / complete / export / replay as background jobs with a jobs
 * panel; a recording opens in the trajectory viewer.
 */
export function libraryView(root: HTMLElement, api: ApiTransport): () => void {
  let closeViewer: (() => void) | null = null;
  /** The recording the viewer shows, to refresh it when a job changes it. */
  let viewing: { id: number; step: () => number } | null = null;
  let recordings: RecordingDto[] = [];
  const selected = new Set<number>();
  const area = h('div', { id: 'library-area' });
  const jobs = jobsPanel(api, {
    open: (id) => void open(id),
    changed: () => drawBusy(),
    ended: (job) => {
      if (!viewing) void load();
      else if (job.recordingIds.includes(viewing.id) || job.output === String(viewing.id)) {
        void open(viewing.id, viewing.step());
      }
    },
  });

  const kind = h(
    'select',
    { id: 'filter-kind' },
    h('option', { value: '' }, 'all'),
    h('option', { value: 'human' }, 'human'),
    h('option', { value: 'agent' }, 'agent'),
  );
  const status = h(
    'select',
    { id: 'filter-status' },
    h('option', { value: '' }, 'any (not discarded)'),
    ...['finished', 'failed', 'recording', 'paused', 'discarded'].map((s) => h('option', { value: s }, s)),
  );
  const task = h('select', { id: 'filter-task' }, h('option', { value: '' }, 'any'));
  const from = h('input', { type: 'date', id: 'filter-from' });
  const to = h('input', { type: 'date', id: 'filter-to' });
  const clearFilters = h(
    'button',
    {
      type: 'button',
      class: 'btn',
      id: 'filter-clear',
      onclick: () => {
        for (const s of [kind, status, task]) s.value = '';
        from.value = to.value = '';
        void load();
      },
    },
    'Clear filters',
  );
  const drawTasks = (tasks: TaskDto[]) => {
    const keep = task.value;
    replace(
      task,
      h('option', { value: '' }, 'any'),
      h('option', { value: 'none' }, 'no given task (free, non-task, agent)'),
      ...tasks.map((t) =>
        h(
          'option',
          { value: t.id },
          `#${t.id} ${t.description.length > 60 ? `${t.description.slice(0, 59)}…` : t.description}`,
        ),
      ),
    );
    task.value = Array.from(task.options).some((o) => o.value === keep) ? keep : '';
  };

  const folder = h('input', { type: 'text', id: 'import-dir', placeholder: '/path/to/pc-tracker/folder' });
  const importFolder = async () => {
    const report = await attempt(() => api.call('pipeline.importFolder', { dir: folder.value }));
    if (!report) return;
    const n = report.imported.length;
    notify(
      `Imported ${n} recording${n === 1 ? '' : 's'}` +
        (report.alreadyImported.length ? `, ${report.alreadyImported.length} already in the library` : '') +
        `; ${report.tasks.added} new task${report.tasks.added === 1 ? '' : 's'}.`,
    );
    void load();
  };

  // Jobs: complete's mode and export's format and folder apply to the buttons of every row.
  const offline = h('input', { type: 'checkbox', id: 'complete-offline' });
  const exportFormat = h(
    'select',
    { id: 'export-format' },
    ...EXPORT_FORMATS.map((f) => h('option', { value: f.value }, f.label)),
  );
  const exportOut = h('input', {
    type: 'text',
    id: 'export-out',
    placeholder: 'exports/my-dataset (a new folder; relative to the data directory)',
    'aria-describedby': 'export-hint',
  });
  const exportRun = h('button', {
    type: 'button',
    class: 'btn',
    id: 'export-run',
    onclick: () => void exportSelected(),
  });
  const selectAll = h('input', { type: 'checkbox', id: 'select-all', 'aria-label': 'Select every recording shown' });
  const drawSelection = () => {
    const shown = recordings.filter((r) => selected.has(r.id)).length;
    exportRun.textContent = `Export selected (${shown})`;
    selectAll.checked = recordings.length > 0 && shown === recordings.length;
    selectAll.indeterminate = shown > 0 && shown < recordings.length;
  };
  selectAll.addEventListener('change', () => {
    for (const r of recordings) {
      if (selectAll.checked) selected.add(r.id);
      else selected.delete(r.id);
    }
    body.querySelectorAll<HTMLInputElement>('input.select-recording').forEach((c) => (c.checked = selectAll.checked));
    drawSelection();
  });

  const startJob = async (call: () => Promise<JobDto>) => {
    const job = await attempt(call);
    if (job) jobs.update(job);
  };
  const exportSelected = async () => {
    const ids = recordings.filter((r) => selected.has(r.id)).map((r) => r.id);
    if (ids.length === 0) {
      notify('Select the recordings to export first (the boxes in the # column).', 'error');
      return;
    }
    await startJob(() =>
      api.call('pipeline.export', {
        ids,
        format: exportFormat.value as ApiInput<'pipeline.export'>['format'],
        out: exportOut.value,
      }),
    );
  };
  const replay = async (r: RecordingDto) => {
    const state = await attempt(() => api.call('agent.replay', { id: r.id }));
    if (!state) return;
    notify(`Replaying recording ${r.id}.`);
    // Follow the replay live on the agent console.
    document.querySelector<HTMLButtonElement>('nav button[data-view="agent"]')?.click();
  };

  const body = h('tbody');
  const count = h('span', { class: 'muted', id: 'recordings-count' });
  const list = h(
    'section',
    { class: 'panel', 'aria-labelledby': 'library-title' },
    h('h2', { id: 'library-title' }, 'Recordings'),
    h(
      'div',
      { class: 'row filters' },
      h('label', { for: 'filter-kind' }, 'Kind'),
      kind,
      h('label', { for: 'filter-status' }, 'Status'),
      status,
      h('label', { for: 'filter-task' }, 'Task'),
      task,
      h('label', { for: 'filter-from' }, 'From'),
      from,
      h('label', { for: 'filter-to' }, 'To'),
      to,
      clearFilters,
      count,
    ),
    h(
      'div',
      { class: 'row job-bar' },
      offline,
      h('label', { for: 'complete-offline' }, 'Complete offline (local OCR: click descriptions only, no model)'),
      h('label', { for: 'export-format' }, 'Export as'),
      exportFormat,
      h('label', { for: 'export-out' }, 'to'),
      exportOut,
      exportRun,
    ),
    h(
      'p',
      { class: 'muted hint', id: 'export-hint' },
      'Export writes the checked recordings into a new or empty folder; a relative path is inside the data directory.',
    ),
    h(
      'table',
      { id: 'recordings' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, selectAll, ' #'),
          ...['Name', 'Mode', 'Stage', 'Status', 'Actions', 'Started', 'Description', 'Run'].map((t) =>
            h('th', { scope: 'col' }, t),
          ),
        ),
      ),
      body,
    ),
    h(
      'div',
      { class: 'row import' },
      h('label', { for: 'import-dir' }, 'Import a pc-tracker folder'),
      folder,
      h('button', { type: 'button', class: 'btn', id: 'import-run', onclick: () => void importFolder() }, 'Import'),
    ),
  );

  const row = (r: RecordingDto) => {
    const check = h('input', {
      type: 'checkbox',
      class: 'select-recording',
      'aria-label': `Select recording ${r.id}`,
      'data-key': `select-${r.id}`,
      checked: selected.has(r.id),
    });
    check.addEventListener('change', () => {
      if (check.checked) selected.add(r.id);
      else selected.delete(r.id);
      drawSelection();
    });
    const live = r.status === 'recording' || r.status === 'paused';
    const button = (cls: string, label: string, title: string, onclick: () => void, disabled = false) =>
      h(
        'button',
        {
          type: 'button',
          class: `btn small ${cls}`,
          'aria-label': `${label} recording ${r.id}`,
          'data-key': `${cls}-${r.id}`,
          title,
          onclick,
          disabled,
        },
        label,
      );
    return h(
      'tr',
      { 'data-recording': r.id },
      h('td', {}, check, ' ', r.id),
      h(
        'td',
        {},
        h(
          'button',
          { type: 'button', class: 'btn open-recording', 'data-key': `open-${r.id}`, onclick: () => void open(r.id) },
          r.name,
        ),
      ),
      h('td', {}, r.mode),
      h('td', {}, r.stage),
      h('td', {}, h('span', { class: `badge ${r.status}` }, r.status)),
      h('td', {}, r.actions),
      h('td', {}, time(r.startedAt)),
      h('td', { class: 'muted' }, (r.description ?? '').slice(0, 140)),
      h(
        'td',
        { class: 'row-actions' },
        button(
          'job-refine',
          'Refine',
          r.stage === 'refined' ? 'already a refined recording' : 'clean the actions, rescale and mark the frames',
          () => void startJob(() => api.call('pipeline.refine', { id: r.id })),
          r.stage === 'refined' || live || r.status === 'discarded',
        ),
        button(
          'job-complete',
          'Complete',
          'write descriptions, checks and thoughts (offline: descriptions from OCR)',
          () => void startJob(() => api.call('pipeline.complete', { id: r.id, offline: offline.checked })),
          live || r.status === 'discarded',
        ),
        button('job-replay', 'Replay', 'replay its actions with the agent', () => void replay(r), live),
        h('span', { class: 'row-busy', 'data-busy': r.id }),
      ),
    );
  };

  /** The "refine running" badges of the rows, kept in place as jobs start and end. */
  const drawBusy = () => {
    body.querySelectorAll<HTMLElement>('span.row-busy').forEach((span) => {
      const busy = jobs.busyWith(Number(span.dataset.busy));
      replace(span, busy && h('span', { class: 'badge running' }, `${busy.kind} running`));
    });
  };

  /** Redraws the rows, keeping the keyboard focus on the same control of the same recording. */
  const drawRows = (...rows: HTMLElement[]) => {
    const focused = document.activeElement;
    const key = focused && body.contains(focused) ? (focused as HTMLElement).dataset.key : undefined;
    replace(body, ...rows);
    drawBusy();
    if (key) body.querySelector<HTMLElement>(`[data-key="${key}"]`)?.focus();
  };

  const load = async () => {
    const [recs, tasks] = await Promise.all([
      attempt(() =>
        api.call('library.listRecordings', {
          ...(kind.value ? { kind: kind.value as RecordingDto['kind'] } : {}),
          ...(status.value ? { status: status.value as RecordingDto['status'] } : {}),
        }),
      ),
      attempt(() => api.call('library.listTasks', {})),
    ]);
    if (tasks) drawTasks(tasks);
    if (!recs) return;
    const start = dayStart(from.value);
    const endDay = dayStart(to.value);
    // The whole "to" day counts.
    const end = endDay === null ? null : endDay + 24 * 3600 * 1000;
    recordings = recs.filter(
      (r) =>
        (task.value === '' || (task.value === 'none' ? r.taskId === null : r.taskId === Number(task.value))) &&
        (start === null || r.startedAt >= start) &&
        (end === null || r.startedAt < end),
    );
    const empty = (text: string) => h('tr', {}, h('td', { colspan: 9, class: 'muted' }, text));
    if (start !== null && end !== null && start >= end) {
      recordings = [];
      drawRows(empty('The From date is after the To date.'));
    } else if (recordings.length === 0) drawRows(empty('No recordings.'));
    else drawRows(...recordings.map(row));
    count.textContent =
      recordings.length === recs.length
        ? `${recs.length} recording${recs.length === 1 ? '' : 's'}`
        : `${recordings.length} of ${recs.length} recordings`;
    drawSelection();
  };

  const showList = () => {
    closeViewer?.();
    closeViewer = null;
    viewing = null;
    replace(area, list);
    void load();
  };

  const open = async (id: number, step = 0) => {
    const traj = await attempt(() => api.call('library.getTrajectory', { id }));
    if (!traj) return;
    closeViewer?.();
    const viewer = trajectoryViewer(area, api, traj, showList, step);
    closeViewer = viewer.close;
    viewing = { id, step: viewer.step };
  };

  for (const el of [kind, status, task, from, to]) el.addEventListener('change', () => void load());
  const offLibrary = api.on('library', () => {
    if (!closeViewer) void load();
  });
  replace(root, area, jobs.element);
  showList();
  return () => {
    offLibrary();
    jobs.close();
    closeViewer?.();
  };
}

/**
 * The jobs of this session: a progress bar, the current line and Cancel for each; updated in
 * place from `job` events (so focus stays on a Cancel button while progress arrives).
 */
function jobsPanel(
  api: ApiTransport,
  hooks: { open: (recordingId: number) => void; changed: () => void; ended: (job: JobDto) => void },
): { element: HTMLElement; update: (job: JobDto) => void; busyWith: (id: number) => JobDto | null; close: () => void } {
  const jobs = new Map<number, { job: JobDto; item: JobItem }>();
  const listEl = h('ul', { class: 'jobs', id: 'job-list' });
  const emptyEl = h(
    'p',
    { class: 'muted', id: 'jobs-empty' },
    'No jobs yet: refine, complete or export recordings above.',
  );
  const element = h(
    'section',
    { class: 'panel', id: 'jobs', 'aria-labelledby': 'jobs-title' },
    h('h2', { id: 'jobs-title' }, 'Jobs'),
    emptyEl,
    listEl,
  );

  const cancel = async (job: JobDto) => {
    const next = await attempt(() => api.call('pipeline.cancel', { jobId: job.id }));
    if (next) update(next);
  };

  const update = (job: JobDto) => {
    const known = jobs.get(job.id);
    // The call's reply and the events race: an ended job never goes back to running, and a
    // running one never goes back in its count.
    if (known && job.status === 'running' && (known.job.status !== 'running' || job.done < known.job.done)) return;
    // Jobs that had ended before this screen opened are listed, not announced.
    const wasRunning = known?.job.status === 'running';
    if (known) {
      known.job = job;
      known.item.draw(job);
    } else {
      const item = jobItem(job, { cancel: () => void cancel(jobs.get(job.id)!.job), open: hooks.open });
      jobs.set(job.id, { job, item });
      listEl.prepend(item.element);
    }
    emptyEl.hidden = jobs.size > 0;
    hooks.changed();
    if (wasRunning && job.status !== 'running') {
      const line = `${JOB_LABELS[job.kind]} job ${job.id} ${job.status}: ${job.message}`;
      notify(line, job.status === 'failed' ? 'error' : 'info');
      hooks.ended(job);
    }
  };

  const off = api.on('job', update);
  void attempt(() => api.call('pipeline.jobs', {})).then((list) => {
    // Oldest first, so that the newest ends up on top; events that came first are kept.
    for (const job of [...(list ?? [])].reverse()) if (!jobs.has(job.id)) update(job);
  });
  return {
    element,
    update,
    busyWith: (id) =>
      [...jobs.values()].map((j) => j.job).find((j) => j.status === 'running' && j.recordingIds.includes(id)) ?? null,
    close: off,
  };
}

interface JobItem {
  element: HTMLElement;
  draw(job: JobDto): void;
}

function jobItem(first: JobDto, actions: { cancel: () => void; open: (id: number) => void }): JobItem {
  const title = h('strong', {});
  const badge = h('span', { class: 'badge' });
  const bar = h('progress', { 'aria-label': `${JOB_LABELS[first.kind]} job ${first.id} progress` });
  const amount = h('span', { class: 'muted job-count' });
  const message = h('p', { class: 'job-message' });
  const buttons = h('span', { class: 'row job-buttons' });
  const element = h(
    'li',
    { class: 'job', 'data-job': first.id },
    h('div', { class: 'row' }, title, badge, bar, amount, buttons),
    message,
  );
  let drawnStatus: JobDto['status'] | null = null;
  const draw = (job: JobDto) => {
    element.dataset.status = job.status;
    const ids = job.recordingIds.map((id) => `#${id}`).join(', ');
    title.textContent = `${JOB_LABELS[job.kind]} ${ids}`;
    badge.className = `badge ${job.status}`;
    badge.textContent = job.status;
    if (job.total === null) {
      bar.removeAttribute('value');
      amount.textContent = job.status === 'running' ? `${job.done} ${job.unit}` : '';
    } else {
      bar.max = Math.max(1, job.total);
      bar.value = job.total === 0 ? (job.status === 'running' ? 0 : 1) : job.done;
      amount.textContent = `${job.done} / ${job.total} ${job.unit}`;
    }
    message.textContent = job.message;
    if (drawnStatus === job.status) return;
    drawnStatus = job.status;
    if (job.status === 'running') {
      replace(
        buttons,
        h(
          'button',
          {
            type: 'button',
            class: 'btn small job-cancel',
            'aria-label': `Cancel job ${job.id}`,
            onclick: actions.cancel,
          },
          'Cancel',
        ),
      );
    } else if (job.kind === 'refine' && job.status === 'done' && job.output && /^\d+$/.test(job.output)) {
      const id = Number(job.output);
      replace(
        buttons,
        h('button', { type: 'button', class: 'btn small job-open', onclick: () => actions.open(id) }, `Open #${id}`),
      );
    } else if (job.kind === 'export' && job.output) {
      replace(buttons, h('code', { class: 'job-output' }, job.output));
    } else replace(buttons);
  };
  draw(first);
  return { element, draw };
}

/** One recording, step by step: frame, action, element, description, thought; ←/→ move. */
function trajectoryViewer(
  root: HTMLElement,
  api: ApiTransport,
  traj: TrajectoryDto,
  back: () => void,
  startStep: number,
): { close: () => void; step: () => number } {
  const rec = traj.recording;
  let index = 0;
  let marked = false;
  const img = h('img', { id: 'frame-image', alt: '' });
  const frameBox = h('div', { class: 'frame' });
  const position = h('span', { id: 'step-position', 'aria-live': 'polite' });
  const details = h('dl', { class: 'step', id: 'step-details' });
  const prev = h(
    'button',
    { type: 'button', class: 'btn', id: 'step-prev', onclick: () => go(index - 1) },
    '← Previous',
  );
  const next = h('button', { type: 'button', class: 'btn', id: 'step-next', onclick: () => go(index + 1) }, 'Next →');
  const markedToggle = h('input', { type: 'checkbox', id: 'show-marked' });
  markedToggle.addEventListener('change', () => {
    marked = markedToggle.checked;
    go(index);
  });
  const stepButtons = traj.steps.map((s, i) =>
    h('button', { type: 'button', onclick: () => go(i) }, `${s.seq}. ${s.action}`),
  );
  const stepList = h('ol', { class: 'steps', 'aria-label': 'Steps' }, ...stepButtons.map((b) => h('li', {}, b)));

  const field = (label: string, value: string | null | undefined, id: string) => [
    h('dt', {}, label),
    h('dd', { id }, value ? value : h('span', { class: 'muted' }, '—')),
  ];

  const go = (i: number) => {
    if (traj.steps.length === 0) return;
    index = Math.max(0, Math.min(traj.steps.length - 1, i));
    const step: StepDto = traj.steps[index]!;
    position.textContent = `Step ${index + 1} of ${traj.steps.length}`;
    prev.disabled = index === 0;
    next.disabled = index === traj.steps.length - 1;
    stepButtons.forEach((b, j) =>
      j === index ? b.setAttribute('aria-current', 'step') : b.removeAttribute('aria-current'),
    );
    stepButtons[index]?.scrollIntoView({ block: 'nearest' });
    const frame = marked && step.markedFrame ? step.markedFrame : step.frame;
    if (frame) {
      img.alt = `Screen before step ${step.seq}: ${step.action}`;
      img.width = frame.width;
      img.height = frame.height;
      void api.frameUrl(frame.id).then((url) => {
        if (traj.steps[index] === step) img.src = url;
      });
      replace(frameBox, img);
    } else replace(frameBox, h('div', { class: 'none muted' }, 'No frame for this step.'));
    const element = step.element
      ? `${step.element.name || '(unknown)'}${step.element.role ? ` — ${step.element.role}` : ''}`
      : null;
    replace(
      details,
      ...field('Action', step.action, 'step-action'),
      ...field('Element', element, 'step-element'),
      ...field('Window', [step.appName, step.windowTitle].filter(Boolean).join(' — '), 'step-window'),
      ...field('Description', step.description, 'step-description'),
      ...field('Thought', step.thought, 'step-thought'),
    );
  };

  const onKey = (e: KeyboardEvent) => {
    const t = e.target as HTMLElement | null;
    if (t && /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName) && t !== markedToggle) return;
    if (e.key === 'ArrowRight') go(index + 1);
    else if (e.key === 'ArrowLeft') go(index - 1);
    else if (e.key === 'Home') go(0);
    else if (e.key === 'End') go(traj.steps.length - 1);
    else if (e.key === 'Escape') back();
    else return;
    e.preventDefault();
  };
  document.addEventListener('keydown', onKey);

  replace(
    root,
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'viewer-title', id: 'viewer' },
      h(
        'div',
        { class: 'row' },
        h('button', { type: 'button', class: 'btn', id: 'viewer-back', onclick: back }, '← Recordings'),
        h('h2', { id: 'viewer-title' }, `#${rec.id} ${rec.name}`),
        h('span', { class: `badge ${rec.status}` }, rec.status),
        h('span', { class: 'badge' }, `${rec.mode} · ${rec.stage}`),
      ),
      h('p', { class: 'task-text' }, rec.description ?? h('span', { class: 'muted' }, 'No description.')),
      traj.steps.length === 0
        ? h('p', { class: 'muted' }, 'This recording has no actions.')
        : h(
            'div',
            { class: 'viewer' },
            frameBox,
            h(
              'div',
              {},
              h('div', { class: 'row' }, prev, position, next),
              h(
                'div',
                { class: 'row' },
                markedToggle,
                h('label', { for: 'show-marked' }, 'marked frame (when refined)'),
              ),
              details,
              h('p', { class: 'muted' }, 'Keys: ← → move, Home / End, Esc back.'),
              stepList,
            ),
          ),
    ),
  );
  go(startStep);
  return { close: () => document.removeEventListener('keydown', onKey), step: () => index };
}
