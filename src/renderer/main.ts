import { type FunctionComponent, h, render } from 'preact';
import type { ApiTransport } from '../api/contract.js';
import { notify, StatusLine } from './status.js';
import { chooseTransport } from './transport.js';
import { AgentView } from './views/agent.js';
import { EvaluateView } from './views/evaluate.js';
import { LibraryView } from './views/library.js';
import { SettingsView } from './views/settings.js';
import { TrackerView } from './views/tracker.js';

/** A screen of the app: a component given the transport; unmounting it undoes its listeners. */
export type View = FunctionComponent<{ api: ApiTransport }>;

const VIEWS: Record<string, View> = {
  tracker: TrackerView,
  library: LibraryView,
  agent: AgentView,
  evaluate: EvaluateView,
  settings: SettingsView,
};

function start(): void {
  const api = chooseTransport();
  const root = document.getElementById('view')!;
  const show = (name: string) => {
    const view = VIEWS[name] ?? TrackerView;
    // A fresh screen each time (as a click on its tab promises), not a re-render of the last one.
    render(null, root);
    document.querySelectorAll<HTMLButtonElement>('nav button[data-view]').forEach((b) => {
      if (b.dataset.view === name) b.setAttribute('aria-current', 'page');
      else b.removeAttribute('aria-current');
    });
    render(h(view, { api }), root);
  };
  document.querySelectorAll<HTMLButtonElement>('nav button[data-view]').forEach((b) => {
    b.addEventListener('click', () => {
      const name = b.dataset.view ?? 'tracker';
      history.replaceState(null, '', `${location.search}#${name}`);
      show(name);
    });
  });
  render(h(StatusLine, {}), document.getElementById('status')!);
  api.on('notice', (n) => notify(n.message, n.level));
  show(location.hash.slice(1) || 'tracker');
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
