import type { ApiTransport, SettingsDto } from '../../api/contract.js';
import { attempt, h, notify, replace } from '../dom.js';

/** Settings: the data directory, and the completion model (the API key is write-only). */
export function settingsView(root: HTMLElement, api: ApiTransport): () => void {
  const home = h('code', { id: 'settings-home' });
  const endpoint = h('input', { type: 'url', id: 'settings-endpoint', placeholder: 'http://127.0.0.1:8000/v1' });
  const model = h('input', { type: 'text', id: 'settings-model', placeholder: 'model name' });
  const apiKey = h('input', { type: 'password', id: 'settings-key', autocomplete: 'off' });
  const keyState = h('span', { class: 'muted', id: 'settings-key-state' });
  const show = (s: SettingsDto | undefined) => {
    if (!s) return;
    home.textContent = s.home;
    endpoint.value = s.completion.endpoint ?? '';
    model.value = s.completion.model ?? '';
    apiKey.value = '';
    apiKey.placeholder = s.completion.hasApiKey ? 'a key is stored (type to replace)' : 'none stored';
    keyState.textContent = s.completion.hasApiKey ? 'A key is stored in settings.json.' : '';
  };
  const save = async () => {
    const s = await attempt(() =>
      api.call('settings.set', {
        completion: {
          endpoint: endpoint.value,
          model: model.value,
          ...(apiKey.value ? { apiKey: apiKey.value } : {}),
        },
      }),
    );
    if (s) {
      show(s);
      notify('Settings saved.');
    }
  };
  replace(
    root,
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'settings-title' },
      h('h2', { id: 'settings-title' }, 'Settings'),
      h('p', {}, 'Data directory: ', home),
      h('h3', {}, 'Cognition completion model'),
      h('label', { for: 'settings-endpoint' }, 'OpenAI-compatible endpoint'),
      endpoint,
      h('label', { for: 'settings-model' }, 'Model'),
      model,
      h('label', { for: 'settings-key' }, 'API key (never shown again; OPENAI_API_KEY wins when set)'),
      apiKey,
      keyState,
      h(
        'div',
        { class: 'row' },
        h('button', { type: 'button', class: 'btn primary', id: 'settings-save', onclick: () => void save() }, 'Save'),
      ),
    ),
  );
  void attempt(() => api.call('settings.get', {})).then(show);
  return () => {};
}
