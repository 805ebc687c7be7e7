import type { ApiTransport, RecordingDto, TrackerMode, TrackerStateDto } from '../../api/contract.js';
import { attempt, h, notify, replace, time } from '../dom.js';

const MODE_LABELS: Record<TrackerMode, string> = {
  given: 'Given task',
  free: 'Free task',
  'non-task': 'Non-task',
};

/** Tracker: choose a mode, walk the given tasks, start / finish, then describe or discard. */
export function trackerView(root: HTMLElement, api: ApiTransport): () => void {
  let mode: TrackerMode = 'given';
  let state: TrackerStateDto | null = null;
  let selected: number | null = null;

  const modeBox = h(
    'fieldset',
    { class: 'row', id: 'mode' },
    h('legend', {}, 'Mode'),
    ...(Object.keys(MODE_LABELS) as TrackerMode[]).map((m) => {
      const input = h('input', { type: 'radio', name: 'mode', id: `mode-${m}`, value: m, checked: m === mode });
      input.addEventListener('change', () => {
        mode = m;
        draw();
      });
      return h('span', {}, input, h('label', { for: `mode-${m}`, style: null }, MODE_LABELS[m]));
    }),
  );
  const taskPanel = h('section', { class: 'panel', 'aria-labelledby': 'task-title', id: 'task-panel' });
  const livePanel = h('section', { class: 'panel', id: 'live-panel', 'aria-live': 'polite' });
  const countersPanel = h('section', { class: 'panel', 'aria-labelledby': 'counters-title', id: 'counters' });
  const afterPanel = h('section', { class: 'panel', 'aria-labelledby': 'after-title', id: 'after-panel' });

  /** Descriptions being typed, by recording: a state event while typing must not wipe them. */
  const drafts = new Map<number, { description: string; level: string }>();

  const apply = (s: TrackerStateDto | undefined) => {
    if (!s) return;
    // A recording that just ended is the one to describe next.
    if (state?.live && !s.live) selected = state.live.id;
    // A recording started elsewhere (the other window, before a reload) shows its own mode.
    if (s.live) mode = s.live.mode;
    state = s;
    draw();
  };
  const call = <T>(fn: () => Promise<T>) => attempt(fn);

  const drawTask = (s: TrackerStateDto) => {
    if (mode !== 'given') {
      replace(
        taskPanel,
        h('h2', { id: 'task-title' }, MODE_LABELS[mode]),
        h(
          'p',
          { class: 'muted' },
          mode === 'free'
            ? 'Do anything you like as one task; describe it after finishing.'
            : 'Record ordinary computer use that is not a task.',
        ),
      );
      return;
    }
    const t = s.task;
    replace(
      taskPanel,
      h('h2', { id: 'task-title' }, 'Given task'),
      t
        ? h(
            'div',
            {},
            h(
              'p',
              { class: 'row' },
              h('span', { class: 'badge' }, `#${t.id}`),
              t.level && h('span', { class: 'badge' }, t.level),
              t.category && h('span', { class: 'badge' }, t.category),
              h('span', { class: 'muted' }, `${s.openTasks} open`),
            ),
            h('p', { class: 'task-text', id: 'task-text' }, t.description),
          )
        : h(
            'p',
            { class: 'muted', id: 'task-text' },
            'No open given tasks. Import a task list with `pcagent tasks import FILE`.',
          ),
      h(
        'div',
        { class: 'row' },
        h(
          'button',
          {
            type: 'button',
            class: 'btn',
            id: 'task-previous',
            disabled: !t || !!s.live,
            onclick: () => void call(() => api.call('tracker.previous', {})).then(apply),
          },
          '← Previous',
        ),
        h(
          'button',
          {
            type: 'button',
            class: 'btn',
            id: 'task-next',
            disabled: !t || !!s.live,
            onclick: () => void call(() => api.call('tracker.next', {})).then(apply),
          },
          'Next →',
        ),
        h(
          'button',
          {
            type: 'button',
            class: 'btn danger',
            id: 'task-bad',
            disabled: !t || !!s.live,
            onclick: () => t && void call(() => api.call('tracker.bad', { taskId: t.id })).then(apply),
          },
          'Bad task',
        ),
      ),
    );
  };

  const drawLive = (s: TrackerStateDto) => {
    if (s.live) {
      const live = s.live;
      const isPaused = live.status === 'paused';
      replace(
        livePanel,
        h(
          'h2',
          {},
          h(
            'span',
            { class: `badge ${isPaused ? 'paused' : 'recording'}`, id: 'live-status' },
            isPaused ? '❚❚ paused' : '● recording',
          ),
          ` #${live.id} · ${MODE_LABELS[live.mode]}`,
        ),
        h(
          'p',
          {},
          h('strong', { id: 'live-actions' }, live.actions),
          live.actions === 1 ? ' action recorded' : ' actions recorded',
          isPaused ? ' — nothing is recorded while paused.' : '.',
        ),
        h(
          'p',
          { class: 'muted' },
          `Started ${time(live.startedAt)}. Ctrl+Shift+F12 finishes from any program; the tray icon pauses, finishes or fails.`,
        ),
        h(
          'div',
          { class: 'row' },
          isPaused
            ? h(
                'button',
                {
                  type: 'button',
                  class: 'btn',
                  id: 'resume',
                  onclick: () => void call(() => api.call('tracker.resume', {})).then(apply),
                },
                '▶ Resume',
              )
            : h(
                'button',
                {
                  type: 'button',
                  class: 'btn',
                  id: 'pause',
                  onclick: () => void call(() => api.call('tracker.pause', {})).then(apply),
                },
                '❚❚ Pause',
              ),
          h(
            'button',
            {
              type: 'button',
              class: 'btn primary',
              id: 'finish',
              onclick: () => void call(() => api.call('tracker.finish', { outcome: 'finished' })).then(apply),
            },
            'Finish',
          ),
          h(
            'button',
            {
              type: 'button',
              class: 'btn danger',
              id: 'fail',
              onclick: () => void call(() => api.call('tracker.finish', { outcome: 'failed' })).then(apply),
            },
            'Fail',
          ),
        ),
      );
      return;
    }
    const canStart = mode !== 'given' || s.task !== null;
    replace(
      livePanel,
      h(
        'div',
        { class: 'row' },
        h(
          'button',
          {
            type: 'button',
            class: 'btn primary',
            id: 'start',
            disabled: !canStart,
            onclick: () =>
              void call(() =>
                api.call('tracker.start', mode === 'given' && s.task ? { mode, taskId: s.task.id } : { mode }),
              ).then(apply),
          },
          `Start recording (${MODE_LABELS[mode]})`,
        ),
        h('span', { class: 'muted' }, 'Recording captures the whole screen, the keyboard and the mouse.'),
      ),
    );
  };

  const drawCounters = (s: TrackerStateDto) => {
    const c = s.counters;
    replace(
      countersPanel,
      h('h2', { id: 'counters-title' }, 'Counters'),
      h(
        'div',
        { class: 'counters' },
        h('div', {}, h('strong', { id: 'count-given-finished' }, c.givenFinished), 'given finished'),
        h('div', {}, h('strong', { id: 'count-free-finished' }, c.freeFinished), 'free described'),
        h('div', {}, h('strong', {}, c.givenOpen), 'given open'),
        h('div', {}, h('strong', {}, c.givenBad), 'marked bad'),
      ),
    );
  };

  const drawAfter = (s: TrackerStateDto) => {
    const recent = s.recent;
    if (recent.length === 0) {
      replace(
        afterPanel,
        h('h2', { id: 'after-title' }, 'Finished recordings'),
        h('p', { class: 'muted' }, 'None yet.'),
      );
      return;
    }
    if (selected === null || !recent.some((r) => r.id === selected)) selected = recent[0]!.id;
    const rec: RecordingDto = recent.find((r) => r.id === selected)!;
    const picker = h(
      'select',
      { id: 'after-recording' },
      ...recent.map((r) =>
        h(
          'option',
          { value: r.id, selected: r.id === selected },
          `#${r.id} ${r.mode} · ${r.status} · ${time(r.startedAt)}${r.description ? '' : ' · not described'}`,
        ),
      ),
    );
    picker.addEventListener('change', () => {
      selected = Number(picker.value);
      draw();
    });
    const draft = drafts.get(rec.id);
    const text = h('textarea', { id: 'after-description', 'aria-describedby': 'after-help' });
    text.value = draft?.description ?? rec.description ?? '';
    const chosenLevel = draft?.level ?? rec.level ?? '';
    const level = h(
      'select',
      { id: 'after-level' },
      h('option', { value: '' }, '—'),
      ...['easy', 'medium', 'hard'].map((l) => h('option', { value: l, selected: chosenLevel === l }, l)),
    );
    const keepDraft = () => drafts.set(rec.id, { description: text.value, level: level.value });
    text.addEventListener('input', keepDraft);
    level.addEventListener('change', keepDraft);
    const save = async () => {
      const r = await call(() =>
        api.call('tracker.describe', {
          id: rec.id,
          description: text.value,
          ...(level.value ? { level: level.value as 'easy' | 'medium' | 'hard' } : {}),
        }),
      );
      if (r) {
        drafts.delete(r.id);
        notify(`Recording ${r.id} saved.`);
      }
    };
    const discard = async () => {
      if (!confirm(`Discard recording ${rec.id}? Its actions and frames are deleted.`)) return;
      const r = await call(() => api.call('tracker.discard', { id: rec.id }));
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
    replace(
      afterPanel,
      h('h2', { id: 'after-title' }, 'Finished recordings'),
      h('label', { for: 'after-recording' }, 'Recording'),
      picker,
      h('p', { class: 'muted', id: 'after-help' }, help),
      rec.mode === 'non-task'
        ? null
        : h(
            'div',
            {},
            h('label', { for: 'after-description' }, 'Task description'),
            text,
            h('label', { for: 'after-level' }, 'Level'),
            level,
          ),
      h(
        'div',
        { class: 'row', style: null },
        rec.mode === 'non-task'
          ? h(
              'button',
              {
                type: 'button',
                class: 'btn primary',
                id: 'after-save',
                // A non-task recording is complete as it is: saving only confirms it stays.
                onclick: () => notify(`Recording ${rec.id} kept in the library.`),
              },
              'Save',
            )
          : h(
              'button',
              { type: 'button', class: 'btn primary', id: 'after-save', onclick: () => void save() },
              'Save description',
            ),
        h(
          'button',
          { type: 'button', class: 'btn danger', id: 'after-discard', onclick: () => void discard() },
          'Discard',
        ),
      ),
    );
  };

  const draw = () => {
    if (!state) return;
    const live = state.live !== null;
    modeBox.querySelectorAll('input').forEach((input) => {
      input.disabled = live;
      input.checked = input.value === mode;
    });
    drawTask(state);
    drawLive(state);
    drawCounters(state);
    drawAfter(state);
  };

  replace(
    root,
    h('div', { class: 'panel' }, modeBox),
    h('div', { class: 'grid2' }, h('div', {}, taskPanel, livePanel, countersPanel), afterPanel),
  );
  const off = api.on('tracker', (s) => apply(s));
  void call(() => api.call('tracker.state', {})).then(apply);
  return off;
}
