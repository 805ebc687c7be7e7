import type { ApiTransport } from '../../api/contract.js';
import { attempt, h, replace } from '../dom.js';

/** Agent console: type a task for the desktop agent. */
export function agentView(root: HTMLElement, api: ApiTransport): () => void {
  const task = h('textarea', { id: 'agent-task', placeholder: 'e.g. Open LibreOffice Impress and add a title slide' });
  const info = h('p', { class: 'muted', id: 'agent-info', 'aria-live': 'polite' });
  const run = h(
    'button',
    {
      type: 'button',
      class: 'btn primary',
      id: 'agent-run',
      onclick: () => void attempt(() => api.call('agent.run', { task: task.value })),
    },
    'Run',
  );
  replace(
    root,
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'agent-title' },
      h('h2', { id: 'agent-title' }, 'Agent console'),
      h('label', { for: 'agent-task' }, 'Task'),
      task,
      h('div', { class: 'row' }, run),
      info,
    ),
  );
  void attempt(() => api.call('agent.state', {})).then((s) => {
    if (!s) return;
    info.textContent = s.available ? 'Ready.' : (s.reason ?? 'The agent is not available.');
    run.disabled = !s.available;
  });
  return () => {};
}
