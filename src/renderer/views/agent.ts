import type { AgentRunDto, AgentStateDto, AgentStepDto, ApiTransport, GrounderName } from '../../api/contract.js';
import { attempt, h, replace, time } from '../dom.js';

const STATUS_TEXT: Record<AgentRunDto['status'], string> = {
  starting: 'starting (loading models, opening the screen)…',
  running: 'running',
  paused: 'paused',
  finished: 'finished',
  failed: 'failed',
  stopped: 'stopped',
};

/**
 * Agent console: a task for the desktop agent with its planner and grounder; while it runs, the
 * steps arrive live (marked frame, thought, action, grounding) with pause / resume / stop. The
 * run is an agent recording in the library. Replays started from the library show here too.
 */
export function agentView(root: HTMLElement, api: ApiTransport): () => void {
  const task = h('textarea', {
    id: 'agent-task',
    placeholder: 'e.g. Create a title slide that says "Quarterly Review" and save it as review.odp',
  });
  const endpoint = h('input', { type: 'url', id: 'agent-endpoint', placeholder: 'from Settings → Planner' });
  const model = h('input', { type: 'text', id: 'agent-model', placeholder: 'from Settings → Planner' });
  const grounder = h(
    'select',
    { id: 'agent-grounder' },
    h('option', { value: 'ocr' }, 'ocr — on-device text (PP-OCR)'),
    h('option', { value: 'vlm' }, 'vlm — pointing model (Settings → Grounder)'),
    h('option', { value: 'omniparser' }, 'omniparser — icon detector + OCR'),
  );
  const maxSteps = h('input', { type: 'number', id: 'agent-max-steps', min: 1, max: 1000, value: 50 });
  const info = h('p', { class: 'muted', id: 'agent-info' });
  const statusLine = h('p', { id: 'agent-status', 'aria-live': 'polite' });
  const steps = h('ol', { class: 'agent-steps', id: 'agent-steps', 'aria-label': 'Agent steps' });
  const start = h('button', { type: 'button', class: 'btn primary', id: 'agent-run' }, 'Run');
  const pause = h('button', { type: 'button', class: 'btn', id: 'agent-pause' }, 'Pause');
  const stop = h('button', { type: 'button', class: 'btn danger', id: 'agent-stop' }, 'Stop');
  let available = false;
  let shown: AgentRunDto | null = null;

  const stepItem = (s: AgentStepDto) => {
    const img = h('img', { alt: `Screen at step ${s.index}: ${s.action}`, class: 'thumb' });
    const frame = s.markedFrame ?? s.frame;
    if (frame) {
      img.width = frame.width;
      img.height = frame.height;
      void api.frameUrl(frame.id).then((url) => (img.src = url));
    }
    const g = s.grounding;
    const grounding = g
      ? g.found && g.point
        ? `${g.grounder}: ${g.target} → (${g.point.x}, ${g.point.y})${g.text ? ` "${g.text}"` : ''}${g.score !== null ? `, score ${g.score.toFixed(2)}` : ''}`
        : `${g.grounder}: ${g.target} — not found`
      : null;
    return h(
      'li',
      { class: 'agent-step', 'data-step': s.index },
      frame
        ? h(
            'button',
            {
              type: 'button',
              class: 'thumb-button',
              title: 'Show larger',
              'aria-label': `Step ${s.index} screen, larger`,
              onclick: (e: Event) => (e.currentTarget as HTMLElement).closest('li')?.classList.toggle('expanded'),
            },
            img,
          )
        : h('div', { class: 'muted' }, 'no frame'),
      h(
        'div',
        {},
        h('p', { class: 'step-action' }, h('strong', {}, `${s.index}. `), s.action),
        s.thought ? h('p', { class: 'step-thought' }, s.thought) : null,
        grounding ? h('p', { class: 'step-grounding muted' }, grounding) : null,
        s.notFound.length ? h('p', { class: 'muted' }, `Not found first: ${s.notFound.join('; ')}`) : null,
        h(
          'p',
          { class: 'muted small' },
          `screenshot ${s.timings.screenshotMs} ms · plan ${s.timings.planMs} ms · ground ${s.timings.groundMs} ms · execute ${s.timings.executeMs} ms`,
        ),
      ),
    );
  };

  const draw = (run: AgentRunDto | null) => {
    // A reply older than an event already shown (e.g. stop's reply after the "stopped" event).
    if (run && shown && run.revision < shown.revision) return;
    const live = run !== null && (run.status === 'starting' || run.status === 'running' || run.status === 'paused');
    start.disabled = !available || live;
    pause.disabled = !live || run?.status === 'starting';
    stop.disabled = !live;
    pause.textContent = run?.status === 'paused' ? 'Resume' : 'Pause';
    for (const el of [task, endpoint, model, grounder, maxSteps]) el.disabled = live;
    if (!run) {
      replace(statusLine, h('span', { class: 'muted' }, 'No run yet in this session.'));
      replace(steps);
      shown = null;
      return;
    }
    replace(
      statusLine,
      h('span', { class: `badge ${run.status}` }, STATUS_TEXT[run.status]),
      ` ${run.kind === 'replay' ? 'Replay' : 'Task'}: ${run.task}`,
      run.recordingId !== null ? ` · recording #${run.recordingId}` : '',
      ` · grounder ${run.grounder}${run.provider ? ` on ${run.provider}` : ''}`,
      run.planner ? ` · planner ${run.planner}` : '',
      ` · started ${time(run.startedAt)}`,
      run.reason ? h('span', { id: 'agent-reason', class: 'block' }, run.reason) : null,
    );
    // Steps only grow within a run: append the new ones, keep the loaded images.
    const sameRun = shown !== null && shown.startedAt === run.startedAt;
    if (!sameRun) replace(steps);
    for (const s of run.steps.slice(sameRun ? shown!.steps.length : 0)) steps.append(stepItem(s));
    if (run.steps.length === 0 && steps.childElementCount === 0 && live)
      steps.append(h('li', { class: 'muted waiting' }, 'Waiting for the first step…'));
    else steps.querySelector('li.waiting')?.remove();
    shown = run;
  };

  const apply = (s: AgentStateDto | undefined) => {
    if (!s) return;
    available = s.available;
    info.textContent = s.available ? 'The agent acts on this computer’s screen with real input.' : (s.reason ?? '');
    draw(s.run);
  };

  start.addEventListener('click', () => {
    const steps = Number(maxSteps.value);
    void attempt(() =>
      api.call('agent.run', {
        task: task.value,
        grounder: grounder.value as GrounderName,
        ...(endpoint.value.trim() || model.value.trim()
          ? { planner: { endpoint: endpoint.value.trim(), model: model.value.trim() } }
          : {}),
        ...(Number.isInteger(steps) && steps > 0 ? { maxSteps: steps } : {}),
      }),
    ).then(apply);
  });
  pause.addEventListener('click', () => {
    const method = shown?.status === 'paused' ? 'agent.resume' : 'agent.pause';
    void attempt(() => api.call(method, {})).then(apply);
  });
  stop.addEventListener('click', () => void attempt(() => api.call('agent.stop', {})).then(apply));

  replace(
    root,
    h(
      'div',
      { class: 'grid2 agent' },
      h(
        'section',
        { class: 'panel', 'aria-labelledby': 'agent-title' },
        h('h2', { id: 'agent-title' }, 'Agent console'),
        info,
        h('label', { for: 'agent-task' }, 'Task'),
        task,
        h('label', { for: 'agent-endpoint' }, 'Planner endpoint (OpenAI-compatible; empty: Settings)'),
        endpoint,
        h('label', { for: 'agent-model' }, 'Planner model'),
        model,
        h('label', { for: 'agent-grounder' }, 'Grounder'),
        grounder,
        h('label', { for: 'agent-max-steps' }, 'Steps at most'),
        maxSteps,
        h('div', { class: 'row' }, start, pause, stop),
        h('p', { class: 'muted' }, 'Stop also: the abort hotkey, or move the pointer into a screen corner.'),
      ),
      h(
        'section',
        { class: 'panel', 'aria-labelledby': 'agent-run-title' },
        h('h2', { id: 'agent-run-title' }, 'Run'),
        statusLine,
        steps,
      ),
    ),
  );
  void attempt(() => api.call('settings.get', {})).then((s) => {
    if (!s) return;
    grounder.value = s.grounder.name;
  });
  const off = api.on('agent', (run) => draw(run));
  void attempt(() => api.call('agent.state', {})).then(apply);
  return off;
}
