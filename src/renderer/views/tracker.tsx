import { useEffect, useRef, useState } from 'preact/hooks';
import type { ApiTransport, RecordingDto, TaskLevel, TrackerMode, TrackerStateDto } from '../../api/contract.js';
import { LEVEL_CHOICES, TRACKER_MODE_CHOICES, TRACKER_MODE_LABELS } from '../choices.js';
import { Badge } from '../components/Badge.js';
import { Button } from '../components/Button.js';
import { Check } from '../components/Input.js';
import { Select } from '../components/Select.js';
import { time } from '../format.js';
import { attempt, notify } from '../status.js';

type Apply = (s: TrackerStateDto | undefined) => void;

/** Tracker: choose a mode, walk the given tasks, start / finish, then describe or discard. */
export function TrackerView({ api }: { api: ApiTransport }) {
  const [mode, setMode] = useState<TrackerMode>('given');
  const [state, setState] = useState<TrackerStateDto | null>(null);
  const [selected, setSelected] = useState<number | null>(null);
  const last = useRef<TrackerStateDto | null>(null);

  const apply: Apply = (s) => {
    if (!s) return;
    // A recording that just ended is the one to describe next.
    if (last.current?.live && !s.live) setSelected(last.current.live.id);
    // A recording started elsewhere (the other window, before a reload) shows its own mode.
    if (s.live) setMode(s.live.mode);
    last.current = s;
    setState(s);
  };
  useEffect(() => {
    const off = api.on('tracker', apply);
    void attempt(() => api.call('tracker.state', {})).then(apply);
    return off;
  }, [api]);

  return (
    <>
      <div class="panel">
        <fieldset class="row" id="mode">
          <legend>Mode</legend>
          {TRACKER_MODE_CHOICES.map(({ value: m, label }) => (
            <Check
              key={m}
              name="mode"
              id={`mode-${m}`}
              label={label}
              checked={m === mode}
              disabled={!!state?.live}
              onChange={() => setMode(m)}
            />
          ))}
        </fieldset>
      </div>
      <div class="grid2">
        <div>
          <section class="panel" aria-labelledby="task-title" id="task-panel">
            {state && <TaskPanel api={api} mode={mode} s={state} apply={apply} />}
          </section>
          <section class="panel" id="live-panel" aria-live="polite">
            {state && <LivePanel api={api} mode={mode} s={state} apply={apply} />}
          </section>
          <section class="panel" aria-labelledby="counters-title" id="counters">
            {state && <Counters s={state} />}
          </section>
        </div>
        <section class="panel" aria-labelledby="after-title" id="after-panel">
          {state && <AfterPanel api={api} recent={state.recent} selected={selected} select={setSelected} />}
        </section>
      </div>
    </>
  );
}

interface PanelProps {
  api: ApiTransport;
  mode: TrackerMode;
  s: TrackerStateDto;
  apply: Apply;
}

function TaskPanel({ api, mode, s, apply }: PanelProps) {
  if (mode !== 'given') {
    return (
      <>
        <h2 id="task-title">{TRACKER_MODE_LABELS[mode]}</h2>
        <p class="muted">
          {mode === 'free'
            ? 'Do anything you like as one task; describe it after finishing.'
            : 'Record ordinary computer use that is not a task.'}
        </p>
      </>
    );
  }
  const t = s.task;
  const walk = !t || !!s.live;
  return (
    <>
      <h2 id="task-title">Given task</h2>
      {t ? (
        <div>
          <p class="row">
            <Badge>#{t.id}</Badge>
            {t.level && <Badge>{t.level}</Badge>}
            {t.category && <Badge>{t.category}</Badge>}
            <span class="muted">{s.openTasks} open</span>
          </p>
          <p class="task-text" id="task-text">
            {t.description}
          </p>
        </div>
      ) : (
        <p class="muted" id="task-text">
          No open given tasks. Import a task list with `pcagent tasks import FILE`.
        </p>
      )}
      <div class="row">
        <Button
          id="task-previous"
          disabled={walk}
          onClick={() => void attempt(() => api.call('tracker.previous', {})).then(apply)}
        >
          ← Previous
        </Button>
        <Button
          id="task-next"
          disabled={walk}
          onClick={() => void attempt(() => api.call('tracker.next', {})).then(apply)}
        >
          Next →
        </Button>
        <Button
          variant="danger"
          id="task-bad"
          disabled={walk}
          onClick={() => {
            // Marking bad takes the task out of the rotation for everyone: one slip must not do it.
            if (!t || !confirm(`Mark task #${t.id} as bad? It will not be given again.`)) return;
            void attempt(() => api.call('tracker.bad', { taskId: t.id })).then(apply);
          }}
        >
          Bad task
        </Button>
      </div>
    </>
  );
}

function LivePanel({ api, mode, s, apply }: PanelProps) {
  const run = (fn: () => Promise<TrackerStateDto>) => () => void attempt(fn).then(apply);
  const live = s.live;
  if (!live) {
    const canStart = mode !== 'given' || s.task !== null;
    return (
      <div class="row">
        <Button
          variant="primary"
          id="start"
          disabled={!canStart}
          onClick={run(() =>
            api.call('tracker.start', mode === 'given' && s.task ? { mode, taskId: s.task.id } : { mode }),
          )}
        >
          {`Start recording (${TRACKER_MODE_LABELS[mode]})`}
        </Button>
        <span class="muted">Recording captures the whole screen, the keyboard and the mouse.</span>
      </div>
    );
  }
  const isPaused = live.status === 'paused';
  return (
    <>
      <h2>
        <Badge tone={isPaused ? 'paused' : 'recording'} id="live-status">
          {isPaused ? '❚❚ paused' : '● recording'}
        </Badge>
        {` #${live.id} · ${TRACKER_MODE_LABELS[live.mode]}`}
      </h2>
      <p>
        <strong id="live-actions">{live.actions}</strong>
        {live.actions === 1 ? ' action recorded' : ' actions recorded'}
        {isPaused ? ' — nothing is recorded while paused.' : '.'}
      </p>
      <p class="muted">
        {`Started ${time(live.startedAt)}. Ctrl+Shift+F12 finishes from any program; the tray icon pauses, finishes or fails.`}
      </p>
      <div class="row">
        {isPaused ? (
          <Button id="resume" onClick={run(() => api.call('tracker.resume', {}))}>
            ▶ Resume
          </Button>
        ) : (
          <Button id="pause" onClick={run(() => api.call('tracker.pause', {}))}>
            ❚❚ Pause
          </Button>
        )}
        <Button variant="primary" id="finish" onClick={run(() => api.call('tracker.finish', { outcome: 'finished' }))}>
          Finish
        </Button>
        <Button variant="danger" id="fail" onClick={run(() => api.call('tracker.finish', { outcome: 'failed' }))}>
          Fail
        </Button>
      </div>
    </>
  );
}

function Counters({ s }: { s: TrackerStateDto }) {
  const c = s.counters;
  return (
    <>
      <h2 id="counters-title">Counters</h2>
      <div class="counters">
        <div>
          <strong id="count-given-finished">{c.givenFinished}</strong>given finished
        </div>
        <div>
          <strong id="count-free-finished">{c.freeFinished}</strong>free described
        </div>
        <div>
          <strong>{c.givenOpen}</strong>given open
        </div>
        <div>
          <strong>{c.givenBad}</strong>marked bad
        </div>
      </div>
    </>
  );
}

/** Descriptions being typed, by recording: a state event while typing must not wipe them. */
type Drafts = Map<number, { description: string; level: string }>;

function AfterPanel(props: {
  api: ApiTransport;
  recent: RecordingDto[];
  selected: number | null;
  select: (id: number) => void;
}) {
  const { api, recent } = props;
  const drafts = useRef<Drafts>(new Map()).current;
  const [, redraw] = useState(0);
  if (recent.length === 0) {
    return (
      <>
        <h2 id="after-title">Finished recordings</h2>
        <p class="muted">None yet.</p>
      </>
    );
  }
  const rec = recent.find((r) => r.id === props.selected) ?? recent[0]!;
  const draft = drafts.get(rec.id) ?? { description: rec.description ?? '', level: rec.level ?? '' };
  const keep = (next: Partial<typeof draft>) => {
    drafts.set(rec.id, { ...draft, ...next });
    redraw((n) => n + 1);
  };
  const save = async () => {
    const r = await attempt(() =>
      api.call('tracker.describe', {
        id: rec.id,
        description: draft.description,
        ...(draft.level ? { level: draft.level as TaskLevel } : {}),
      }),
    );
    if (r) {
      drafts.delete(r.id);
      notify(`Recording ${r.id} saved.`);
    }
  };
  const discard = async () => {
    if (!confirm(`Discard recording ${rec.id}? Its actions and frames are deleted.`)) return;
    const r = await attempt(() => api.call('tracker.discard', { id: rec.id }));
    if (r) {
      drafts.delete(r.id);
      notify(`Recording ${r.id} discarded.`);
    }
  };
  const help =
    rec.mode === 'free'
      ? 'Describe the task you did, as an instruction, and choose its level.'
      : rec.mode === 'given'
        ? 'Edit the description if you did the task differently (the task list keeps its wording).'
        : 'A non-task recording: save keeps it as it is, discard deletes it.';
  return (
    <>
      <h2 id="after-title">Finished recordings</h2>
      <label for="after-recording">Recording</label>
      <Select
        id="after-recording"
        value={String(rec.id)}
        onChange={(v) => props.select(Number(v))}
        options={recent.map((r) => ({
          value: r.id,
          label: `#${r.id} ${r.mode} · ${r.status} · ${time(r.startedAt)}${r.description ? '' : ' · not described'}`,
        }))}
      />
      <p class="muted" id="after-help">
        {help}
      </p>
      {rec.mode === 'non-task' ? null : (
        <div key={rec.id}>
          <label for="after-description">Task description</label>
          <textarea
            id="after-description"
            aria-describedby="after-help"
            value={draft.description}
            onInput={(e) => keep({ description: e.currentTarget.value })}
          />
          <label for="after-level">Level</label>
          <Select id="after-level" value={draft.level} onChange={(level) => keep({ level })} options={LEVEL_CHOICES} />
        </div>
      )}
      <div class="row">
        {rec.mode === 'non-task' ? (
          // A non-task recording is complete as it is: saving only confirms it stays.
          <Button variant="primary" id="after-save" onClick={() => notify(`Recording ${rec.id} kept in the library.`)}>
            Save
          </Button>
        ) : (
          <Button variant="primary" id="after-save" onClick={() => void save()}>
            Save description
          </Button>
        )}
        <Button variant="danger" id="after-discard" onClick={() => void discard()}>
          Discard
        </Button>
      </div>
    </>
  );
}
