import type { ApiTransport, RecordingDto, StepDto, TrajectoryDto } from '../../api/contract.js';
import { attempt, h, notify, replace, time } from '../dom.js';

/** Library: recordings with filters; a recording opens in the trajectory viewer. */
export function libraryView(root: HTMLElement, api: ApiTransport): () => void {
  let closeViewer: (() => void) | null = null;
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
  const body = h('tbody');
  const count = h('span', { class: 'muted' });
  const list = h(
    'section',
    { class: 'panel', 'aria-labelledby': 'library-title' },
    h('h2', { id: 'library-title' }, 'Recordings'),
    h(
      'div',
      { class: 'row' },
      h('label', { for: 'filter-kind' }, 'Kind'),
      kind,
      h('label', { for: 'filter-status' }, 'Status'),
      status,
      count,
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
          ...['#', 'Name', 'Mode', 'Stage', 'Status', 'Actions', 'Started', 'Description'].map((t) =>
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

  const row = (r: RecordingDto) =>
    h(
      'tr',
      { 'data-recording': r.id },
      h('td', {}, r.id),
      h('td', {}, h('button', { type: 'button', class: 'btn open-recording', onclick: () => void open(r.id) }, r.name)),
      h('td', {}, r.mode),
      h('td', {}, r.stage),
      h('td', {}, h('span', { class: `badge ${r.status}` }, r.status)),
      h('td', {}, r.actions),
      h('td', {}, time(r.startedAt)),
      h('td', { class: 'muted' }, (r.description ?? '').slice(0, 140)),
    );

  const load = async () => {
    const recs = await attempt(() =>
      api.call('library.listRecordings', {
        ...(kind.value ? { kind: kind.value as RecordingDto['kind'] } : {}),
        ...(status.value ? { status: status.value as RecordingDto['status'] } : {}),
      }),
    );
    if (!recs) return;
    replace(body, ...recs.map(row));
    if (recs.length === 0) replace(body, h('tr', {}, h('td', { colspan: 8, class: 'muted' }, 'No recordings.')));
    count.textContent = `${recs.length} recording${recs.length === 1 ? '' : 's'}`;
  };

  const showList = () => {
    closeViewer?.();
    closeViewer = null;
    replace(root, list);
    void load();
  };

  const open = async (id: number) => {
    const traj = await attempt(() => api.call('library.getTrajectory', { id }));
    if (!traj) return;
    closeViewer = trajectoryViewer(root, api, traj, showList);
  };

  kind.addEventListener('change', () => void load());
  status.addEventListener('change', () => void load());
  const off = api.on('library', () => {
    if (!closeViewer) void load();
  });
  showList();
  return () => {
    off();
    closeViewer?.();
  };
}

/** One recording, step by step: frame, action, element, description, thought; ←/→ move. */
function trajectoryViewer(root: HTMLElement, api: ApiTransport, traj: TrajectoryDto, back: () => void): () => void {
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
  go(0);
  return () => document.removeEventListener('keydown', onKey);
}
