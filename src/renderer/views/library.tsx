import { useEffect, useRef, useState } from 'preact/hooks';
import type { ApiInput, ApiTransport, JobDto, RecordingDto, TaskDto, TrajectoryDto } from '../../api/contract.js';
import { EXPORT_FORMAT_CHOICES, KIND_FILTER_CHOICES, STATUS_FILTER_CHOICES } from '../choices.js';
import { Badge } from '../components/Badge.js';
import { Button } from '../components/Button.js';
import { type Option, Select } from '../components/Select.js';
import { Table } from '../components/Table.js';
import { TrajectoryViewer } from '../components/TrajectoryViewer.js';
import { plural, time } from '../format.js';
import { attempt, notify } from '../status.js';
import { type Jobs, JobsPanel, useJobs } from './jobs.js';

type ExportFormat = ApiInput<'pipeline.export'>['format'];

const COLUMNS = ['Name', 'Mode', 'Stage', 'Status', 'Actions', 'Started', 'Description', 'Run'];

/** kind and status filter on the server; task and dates here, over the listed recordings. */
interface Filters {
  kind: string;
  status: string;
  task: string;
  from: string;
  to: string;
}
const NO_FILTERS: Filters = { kind: '', status: '', task: '', from: '', to: '' };

/** What the list's controls hold: checked recordings, and how the row and export buttons run jobs. */
interface Choices {
  selected: ReadonlySet<number>;
  /** Complete's mode and export's format and folder apply to the buttons of every row. */
  offline: boolean;
  exportFormat: string;
  exportOut: string;
  /** The pc-tracker folder to import. */
  folder: string;
}
const NO_CHOICES: Choices = { selected: new Set(), offline: false, exportFormat: 'html', exportOut: '', folder: '' };

/** Start of the local day of an `<input type=date>` value, or null when empty. */
function dayStart(value: string): number | null {
  return value ? new Date(`${value}T00:00:00`).getTime() : null;
}

/** The listed recordings the task and date filters keep, or why none can be. */
function shown(recs: RecordingDto[], f: Filters): { recordings: RecordingDto[]; empty: string | null } {
  const start = dayStart(f.from);
  const endDay = dayStart(f.to);
  // The whole "to" day counts.
  const end = endDay === null ? null : endDay + 24 * 3600 * 1000;
  if (start !== null && end !== null && start >= end)
    return { recordings: [], empty: 'The From date is after the To date.' };
  const recordings = recs.filter(
    (r) =>
      (f.task === '' || (f.task === 'none' ? r.taskId === null : r.taskId === Number(f.task))) &&
      (start === null || r.startedAt >= start) &&
      (end === null || r.startedAt < end),
  );
  return { recordings, empty: recordings.length === 0 ? 'No recordings.' : null };
}

/**
 * Library: recordings with filters; refine / complete / export / replay as background jobs with
 * a jobs panel; a recording opens in the trajectory viewer.
 */
export function LibraryView({ api }: { api: ApiTransport }) {
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [listed, setListed] = useState<RecordingDto[] | null>(null);
  const [tasks, setTasks] = useState<TaskDto[]>([]);
  /** Bumped to list the recordings again (an event, a job's end, back from the viewer). */
  const [reloads, setReloads] = useState(0);
  const reload = () => setReloads((n) => n + 1);
  /** The recording the viewer shows; `serial` tells a reopened one (after a job changed it). */
  const [viewing, setViewing] = useState<{ traj: TrajectoryDto; step: number; serial: number } | null>(null);
  const viewed = useRef<{ id: number; step: number } | null>(null);
  // Kept here, not in the list: they outlive a visit to the viewer.
  const [choices, setChoices] = useState<Choices>(NO_CHOICES);

  /**
   * Opens a recording in the viewer. `refresh`: reopened because a job changed it — the step is
   * the one the person is on when the new data arrives (they may have moved while it loaded), and
   * nothing happens if they left the viewer meanwhile.
   */
  const open = async (id: number, step = 0, refresh = false) => {
    const traj = await attempt(() => api.call('library.getTrajectory', { id }));
    if (!traj) return;
    if (refresh && viewed.current?.id !== id) return;
    const at = refresh ? viewed.current!.step : step;
    viewed.current = { id, step: at };
    setViewing((v) => ({ traj, step: at, serial: (v?.serial ?? 0) + 1 }));
  };
  const back = () => {
    viewed.current = null;
    setViewing(null);
    reload();
  };
  const jobs = useJobs(api, (job: JobDto) => {
    const v = viewed.current;
    if (!v) reload();
    else if (job.recordingIds.includes(v.id) || job.output === String(v.id)) void open(v.id, v.step, true);
  });

  useEffect(() => {
    let current = true;
    void Promise.all([
      attempt(() =>
        api.call('library.listRecordings', {
          ...(filters.kind ? { kind: filters.kind as RecordingDto['kind'] } : {}),
          ...(filters.status ? { status: filters.status as RecordingDto['status'] } : {}),
        }),
      ),
      attempt(() => api.call('library.listTasks', {})),
    ]).then(([recs, t]) => {
      // A newer listing was asked for meanwhile: this reply is stale.
      if (!current) return;
      if (t) {
        setTasks(t);
        if (filters.task !== '' && filters.task !== 'none' && !t.some((x) => String(x.id) === filters.task))
          setFilters((f) => ({ ...f, task: '' }));
      }
      if (recs) setListed(recs);
    });
    return () => {
      current = false;
    };
  }, [api, filters, reloads]);
  useEffect(
    () =>
      api.on('library', () => {
        if (!viewed.current) reload();
      }),
    [api],
  );

  return (
    <>
      <div id="library-area">
        {viewing ? (
          <TrajectoryViewer
            key={viewing.serial}
            api={api}
            traj={viewing.traj}
            startStep={viewing.step}
            onBack={back}
            onStep={(step) => viewed.current && (viewed.current.step = step)}
          />
        ) : (
          <RecordingList
            api={api}
            jobs={jobs}
            listed={listed}
            tasks={tasks}
            filters={filters}
            setFilters={(patch) => setFilters((f) => ({ ...f, ...patch }))}
            clearFilters={() => {
              setFilters(NO_FILTERS);
              reload();
            }}
            reload={reload}
            open={(id) => void open(id)}
            choices={choices}
            setChoices={setChoices}
          />
        )}
      </div>
      <JobsPanel api={api} jobs={jobs} open={(id) => void open(id)} />
    </>
  );
}

function RecordingList(props: {
  api: ApiTransport;
  jobs: Jobs;
  listed: RecordingDto[] | null;
  tasks: TaskDto[];
  filters: Filters;
  setFilters: (patch: Partial<Filters>) => void;
  clearFilters: () => void;
  reload: () => void;
  open: (id: number) => void;
  choices: Choices;
  setChoices: (update: (c: Choices) => Choices) => void;
}) {
  const { api, jobs, filters } = props;
  const { selected, offline, exportFormat, exportOut, folder } = props.choices;
  const choose = props.setChoices;
  const setOffline = (offline: boolean) => choose((c) => ({ ...c, offline }));
  const setExportFormat = (exportFormat: string) => choose((c) => ({ ...c, exportFormat }));
  const setExportOut = (exportOut: string) => choose((c) => ({ ...c, exportOut }));
  const setFolder = (folder: string) => choose((c) => ({ ...c, folder }));

  const { recordings, empty } = shown(props.listed ?? [], filters);
  const chosen = recordings.filter((r) => selected.has(r.id));
  const select = (ids: number[], on: boolean) =>
    choose((c) => {
      const next = new Set(c.selected);
      for (const id of ids) {
        if (on) next.add(id);
        else next.delete(id);
      }
      return { ...c, selected: next };
    });

  const startJob = async (call: () => Promise<JobDto>) => {
    const job = await attempt(call);
    if (job) jobs.update(job);
  };
  const exportSelected = async () => {
    if (chosen.length === 0) {
      notify('Select the recordings to export first (the boxes in the # column).', 'error');
      return;
    }
    await startJob(() =>
      api.call('pipeline.export', {
        ids: chosen.map((r) => r.id),
        format: exportFormat as ExportFormat,
        out: exportOut,
      }),
    );
  };
  const importFolder = async () => {
    const report = await attempt(() => api.call('pipeline.importFolder', { dir: folder }));
    if (!report) return;
    notify(
      `Imported ${plural(report.imported.length, 'recording')}` +
        (report.alreadyImported.length ? `, ${report.alreadyImported.length} already in the library` : '') +
        `; ${report.tasks.added} new task${report.tasks.added === 1 ? '' : 's'}.`,
    );
    props.reload();
  };
  const replay = async (r: RecordingDto) => {
    const state = await attempt(() => api.call('agent.replay', { id: r.id }));
    if (!state) return;
    notify(`Replaying recording ${r.id}.`);
    // Follow the replay live on the agent console.
    document.querySelector<HTMLButtonElement>('nav button[data-view="agent"]')?.click();
  };

  // An interrupted recording (its recorder died): keep what was committed as finished, or discard it.
  const settleInterrupted = async (r: RecordingDto, how: 'keep' | 'discard') => {
    if (how === 'discard' && !confirm(`Discard recording ${r.id} and delete its files?`)) return;
    const done = await attempt(() =>
      api.call(how === 'keep' ? 'tracker.keepInterrupted' : 'tracker.discard', { id: r.id }),
    );
    if (!done) return;
    notify(how === 'keep' ? `Recording ${r.id} kept as finished.` : `Recording ${r.id} discarded.`);
    props.reload();
  };

  const taskOptions = [
    { value: '', label: 'any' },
    { value: 'none', label: 'no given task (free, non-task, agent)' },
    ...props.tasks.map((t) => ({
      value: t.id,
      label: `#${t.id} ${t.description.length > 60 ? `${t.description.slice(0, 59)}…` : t.description}`,
    })),
  ];
  const listed = props.listed;
  const count =
    listed === null
      ? ''
      : recordings.length === listed.length
        ? plural(listed.length, 'recording')
        : `${recordings.length} of ${listed.length} recordings`;
  const choice = (key: 'kind' | 'status' | 'task', options: readonly Option[]) => (
    <Select
      id={`filter-${key}`}
      options={options}
      value={filters[key]}
      onChange={(value) => props.setFilters({ [key]: value })}
    />
  );
  const date = (key: 'from' | 'to') => (
    <input
      type="date"
      id={`filter-${key}`}
      value={filters[key]}
      onChange={(e) => props.setFilters({ [key]: e.currentTarget.value })}
    />
  );

  return (
    <section class="panel" aria-labelledby="library-title">
      <h2 id="library-title">Recordings</h2>
      <div class="row filters">
        <label for="filter-kind">Kind</label>
        {choice('kind', KIND_FILTER_CHOICES)}
        <label for="filter-status">Status</label>
        {choice('status', STATUS_FILTER_CHOICES)}
        <label for="filter-task">Task</label>
        {choice('task', taskOptions)}
        <label for="filter-from">From</label>
        {date('from')}
        <label for="filter-to">To</label>
        {date('to')}
        <Button id="filter-clear" onClick={props.clearFilters}>
          Clear filters
        </Button>
        <span class="muted" id="recordings-count">
          {count}
        </span>
      </div>
      <div class="row job-bar">
        <input
          type="checkbox"
          id="complete-offline"
          checked={offline}
          onChange={(e) => setOffline(e.currentTarget.checked)}
        />
        <label for="complete-offline">Complete offline (local OCR: click descriptions only, no model)</label>
        <label for="export-format">Export as</label>
        <Select id="export-format" options={EXPORT_FORMAT_CHOICES} value={exportFormat} onChange={setExportFormat} />
        <label for="export-out">to</label>
        <input
          type="text"
          id="export-out"
          placeholder="exports/my-dataset (a new folder; relative to the data directory)"
          aria-describedby="export-hint"
          value={exportOut}
          onInput={(e) => setExportOut(e.currentTarget.value)}
        />
        <Button id="export-run" onClick={() => void exportSelected()}>
          {`Export selected (${chosen.length})`}
        </Button>
      </div>
      <p class="muted hint" id="export-hint">
        Export writes the checked recordings into a new or empty folder; a relative path is inside the data directory.
      </p>
      <Table
        id="recordings"
        columns={[
          <>
            <input
              type="checkbox"
              id="select-all"
              aria-label="Select every recording shown"
              checked={recordings.length > 0 && chosen.length === recordings.length}
              indeterminate={chosen.length > 0 && chosen.length < recordings.length}
              onChange={(e) =>
                select(
                  recordings.map((r) => r.id),
                  e.currentTarget.checked,
                )
              }
            />
            {' #'}
          </>,
          ...COLUMNS,
        ]}
        empty={listed === null ? null : empty}
      >
        {/* Keyed by recording: a redraw keeps the keyboard focus on the same control of the same row. */}
        {recordings.map((r) => (
          <RecordingRow
            key={r.id}
            r={r}
            checked={selected.has(r.id)}
            check={(on) => select([r.id], on)}
            busy={jobs.busyWith(r.id)}
            open={() => props.open(r.id)}
            refine={() => void startJob(() => api.call('pipeline.refine', { id: r.id }))}
            complete={() => void startJob(() => api.call('pipeline.complete', { id: r.id, offline }))}
            replay={() => void replay(r)}
            keep={() => void settleInterrupted(r, 'keep')}
            discard={() => void settleInterrupted(r, 'discard')}
          />
        ))}
      </Table>
      <div class="row import">
        <label for="import-dir">Import a pc-tracker folder</label>
        <input
          type="text"
          id="import-dir"
          placeholder="/path/to/pc-tracker/folder"
          value={folder}
          onInput={(e) => setFolder(e.currentTarget.value)}
        />
        <Button id="import-run" onClick={() => void importFolder()}>
          Import
        </Button>
      </div>
    </section>
  );
}

function RecordingRow(props: {
  r: RecordingDto;
  checked: boolean;
  check: (on: boolean) => void;
  busy: JobDto | null;
  open: () => void;
  refine: () => void;
  complete: () => void;
  replay: () => void;
  keep: () => void;
  discard: () => void;
}) {
  const { r } = props;
  const live = r.status === 'recording' || r.status === 'paused';
  const action = (cls: string, label: string, title: string, onClick: () => void, disabled: boolean) => (
    <Button
      variant={`small ${cls}`}
      aria-label={`${label} recording ${r.id}`}
      data-key={`${cls}-${r.id}`}
      title={title}
      onClick={onClick}
      disabled={disabled}
    >
      {label}
    </Button>
  );
  return (
    <tr data-recording={r.id}>
      <td>
        <input
          type="checkbox"
          class="select-recording"
          aria-label={`Select recording ${r.id}`}
          data-key={`select-${r.id}`}
          checked={props.checked}
          onChange={(e) => props.check(e.currentTarget.checked)}
        />{' '}
        {r.id}
      </td>
      <td>
        <Button variant="open-recording" data-key={`open-${r.id}`} onClick={props.open}>
          {r.name}
        </Button>
      </td>
      <td>{r.mode}</td>
      <td>{r.stage}</td>
      <td>
        <Badge tone={r.status}>{r.status}</Badge>
      </td>
      <td>{r.actions}</td>
      <td>{time(r.startedAt)}</td>
      <td class="muted">{(r.description ?? '').slice(0, 140)}</td>
      <td class="row-actions">
        {action(
          'job-refine',
          'Refine',
          r.stage === 'refined' ? 'already a refined recording' : 'clean the actions, rescale and mark the frames',
          props.refine,
          r.stage === 'refined' || live || r.status === 'discarded',
        )}
        {action(
          'job-complete',
          'Complete',
          'write descriptions, checks and thoughts (offline: descriptions from OCR)',
          props.complete,
          live || r.status === 'discarded',
        )}
        {action('job-replay', 'Replay', 'replay its actions with the agent', props.replay, live)}
        {r.status === 'interrupted' && (
          <>
            {action(
              'keep-interrupted',
              'Keep as finished',
              'its recorder died: keep the committed actions as a finished recording',
              props.keep,
              false,
            )}
            {action(
              'discard-interrupted',
              'Discard',
              'delete this interrupted recording and its files',
              props.discard,
              false,
            )}
          </>
        )}
        <span class="row-busy" data-busy={r.id}>
          {props.busy && <Badge tone="running">{`${props.busy.kind} running`}</Badge>}
        </span>
      </td>
    </tr>
  );
}
