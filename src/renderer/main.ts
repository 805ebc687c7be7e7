import type { ApiTransport } from '../api/contract.js';
import { notify } from './dom.js';
import { chooseTransport } from './transport.js';
import { agentView } from './views/agent.js';
import { libraryView } from './views/library.js';
import { settingsView } from './views/settings.js';
import { trackerView } from './views/tracker.js';

/** A screen of the app: draws into `root`, returns what undoes its listeners. */
export type View = (root: HTMLElement, api: ApiTransport) => () => void;

const VIEWS: Record<string, View> = {
  tracker: trackerView,
  library: libraryView,
  agent: agentView,
  settings: settingsView,
};

function start(): void {
  const api = chooseTransport();
  const root = document.getElementById('view')!;
  let cleanup: () => void = () => {};
  const show = (name: string) => {
    const view = VIEWS[name] ?? trackerView;
    cleanup();
    root.replaceChildren();
    document.querySelectorAll<HTMLButtonElement>('nav button[data-view]').forEach((b) => {
      if (b.dataset.view === name) b.setAttribute('aria-current', 'page');
      else b.removeAttribute('aria-current');
    });
    cleanup = view(root, api);
  };
  document.querySelectorAll<HTMLButtonElement>('nav button[data-view]').forEach((b) => {
    b.addEventListener('click', () => {
      const name = b.dataset.view ?? 'tracker';
      history.replaceState(null, '', `${location.search}#${name}`);
      show(name);
    });
  });
  api.on('notice', (n) => notify(n.message, n.level));
  show(location.hash.slice(1) || 'tracker');
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
