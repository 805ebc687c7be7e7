import type {
  ApiInput,
  ApiTransport,
  ConnectionTestDto,
  EndpointDto,
  GrounderName,
  ModelsDto,
  SettingsDto,
} from '../../api/contract.js';
import { formatBytes } from '../../core/bytes.js';
import { attempt, h, notify, replace } from '../dom.js';

type EndpointTarget = 'completion' | 'planner' | 'grounder';

/** One OpenAI-compatible endpoint's fields (endpoint, model, write-only key) and its test. */
interface EndpointForm {
  readonly element: HTMLElement;
  show(e: EndpointDto): void;
  /** What to save: the key only when one was typed (it is never shown, so empty means "keep"). */
  value(): { endpoint: string; model: string; apiKey?: string };
}

const GROUNDERS: { name: GrounderName; label: string }[] = [
  { name: 'ocr', label: 'OCR (local, default)' },
  { name: 'vlm', label: 'VLM (the model below)' },
  { name: 'omniparser', label: 'OmniParser (local icons + OCR)' },
];

/** Non-empty lines of a textarea: one entry per line. */
function lines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

/**
 * Settings: the data directory, the three model endpoints (each with "Test connection"), the
 * grounder, local models and their execution provider, privacy exclusions and global hotkeys.
 * One Save sends every section; a refused field is named in the status line and marked where it
 * is. API keys are write-only: the back end only says whether one is stored.
 */
export function settingsView(root: HTMLElement, api: ApiTransport): () => void {
  /** Field ids that currently show an error, to clear them on the next save. */
  const invalid = new Set<string>();

  const fieldError = (id: string) => h('p', { class: 'field-error', id: `${id}-error`, hidden: true });
  /** A labelled input with a place for its error message. */
  const field = (id: string, label: string, input: HTMLElement, hint?: string) =>
    h(
      'div',
      { class: 'field' },
      h('label', { for: id }, label),
      input,
      hint ? h('p', { class: 'hint muted', id: `${id}-hint` }, hint) : null,
      fieldError(id),
    );

  const endpointForm = (prefix: string, target: EndpointTarget): EndpointForm => {
    const endpoint = h('input', {
      type: 'url',
      id: `${prefix}-endpoint`,
      placeholder: 'http://127.0.0.1:8000/v1',
      autocomplete: 'off',
      spellcheck: 'false',
    });
    const model = h('input', { type: 'text', id: `${prefix}-model`, placeholder: 'model name', spellcheck: 'false' });
    const apiKey = h('input', { type: 'password', id: `${prefix}-key`, autocomplete: 'off' });
    const keyState = h('span', { class: 'muted', id: `${prefix}-key-state` });
    const forget = h(
      'button',
      {
        type: 'button',
        class: 'btn',
        id: `${prefix}-forget-key`,
        hidden: true,
        onclick: () => void forgetKey(),
      },
      'Forget stored key',
    );
    const result = h('p', { class: 'test-result', id: `${prefix}-test-result`, role: 'status', 'aria-live': 'polite' });
    const testButton = h(
      'button',
      { type: 'button', class: 'btn', id: `${prefix}-test`, onclick: () => void test() },
      'Test connection',
    );
    const showResult = (r: ConnectionTestDto) => {
      result.className = `test-result ${r.ok ? 'ok' : 'error'}`;
      result.textContent = r.message;
    };
    const test = async () => {
      testButton.disabled = true;
      result.className = 'test-result';
      result.textContent = 'Testing…';
      try {
        showResult(
          await api.call('settings.testConnection', {
            target,
            endpoint: endpoint.value.trim(),
            model: model.value.trim(),
          }),
        );
      } catch (err) {
        // A refused call (e.g. not a URL): the same line here and in the status area.
        const message = (err as Error).message;
        showResult({ ok: false, message, latencyMs: null, models: [] });
        notify(message, 'error');
      } finally {
        testButton.disabled = false;
      }
    };
    const forgetKey = async () => {
      const patch: ApiInput<'settings.set'> =
        target === 'grounder' ? { grounder: { vlm: { apiKey: '' } } } : { [target]: { apiKey: '' } };
      const s = await attempt(() => api.call('settings.set', patch));
      if (s) {
        show(s);
        notify('The stored key was removed.');
      }
    };
    const element = h(
      'div',
      { class: 'endpoint' },
      field(`${prefix}-endpoint`, 'OpenAI-compatible endpoint', endpoint),
      field(`${prefix}-model`, 'Model', model),
      field(`${prefix}-key`, 'API key (write-only: never shown again)', apiKey),
      h('div', { class: 'row' }, keyState, forget),
      h('div', { class: 'row' }, testButton),
      result,
    );
    return {
      element,
      show(e) {
        endpoint.value = e.endpoint ?? '';
        model.value = e.model ?? '';
        apiKey.value = '';
        apiKey.placeholder = e.hasApiKey ? 'a key is stored (type to replace it)' : 'none stored';
        keyState.textContent = e.hasApiKey ? 'A key is stored in settings.json.' : 'No key stored.';
        forget.hidden = !e.hasApiKey;
      },
      value: () => ({
        endpoint: endpoint.value.trim(),
        model: model.value.trim(),
        ...(apiKey.value.trim() ? { apiKey: apiKey.value.trim() } : {}),
      }),
    };
  };

  // Data directory.
  const home = h('code', { id: 'settings-home' });
  const copyHome = async () => {
    const text = home.textContent ?? '';
    try {
      await navigator.clipboard.writeText(text);
      notify('Data directory copied.');
    } catch {
      // Clipboard access can be refused (permissions): select the path for Ctrl+C instead.
      const range = document.createRange();
      range.selectNodeContents(home);
      const selection = getSelection();
      selection?.removeAllRanges();
      selection?.addRange(range);
      notify('The path is selected: press Ctrl+C to copy it.');
    }
  };
  const homePanel = h(
    'section',
    { class: 'panel', 'aria-labelledby': 'home-title' },
    h('h3', { id: 'home-title' }, 'Data directory'),
    h(
      'p',
      { class: 'muted' },
      'The library, frames, pulled models and settings.json live here (--home or PCAGENT_HOME choose another).',
    ),
    h(
      'div',
      { class: 'row' },
      home,
      h('button', { type: 'button', class: 'btn', id: 'settings-copy-home', onclick: () => void copyHome() }, 'Copy'),
    ),
  );

  const panel = (id: string, title: string, intro: string, ...children: HTMLElement[]) =>
    h(
      'section',
      { class: 'panel', 'aria-labelledby': `${id}-title` },
      h('h3', { id: `${id}-title` }, title),
      h('p', { class: 'muted' }, intro),
      ...children,
    );
  const completion = endpointForm('completion', 'completion');
  const completionPanel = panel(
    'completion',
    'Completion model',
    'Writes click descriptions and thoughts for recordings (pcagent complete). OPENAI_API_KEY wins over a stored key.',
    completion.element,
  );
  const planner = endpointForm('planner', 'planner');
  const plannerPanel = panel(
    'planner',
    'Planner',
    "The agent's planner (pcagent run): a vision-language model that decides each next action.",
    planner.element,
  );

  // Grounder.
  const grounderName = h(
    'select',
    { id: 'grounder-name' },
    ...GROUNDERS.map((g) => h('option', { value: g.name }, g.label)),
  );
  const vlm = endpointForm('vlm', 'grounder');
  const grounderPanel = panel(
    'grounder',
    'Grounder',
    'Finds the click target the planner describes (pcagent run --grounder overrides it).',
    field('grounder-name', 'Default grounder', grounderName),
    h(
      'div',
      { role: 'group', class: 'subsection', 'aria-labelledby': 'vlm-title' },
      h('h4', { id: 'vlm-title' }, 'VLM grounding model'),
      h(
        'p',
        { class: 'muted' },
        'Used when the grounder is VLM: a pointing model such as Molmo, UI-TARS, Qwen2.5-VL or ShowUI.',
      ),
      vlm.element,
    ),
  );

  // Local models.
  const modelRows = h('tbody');
  const providerLine = h('p', { id: 'execution-provider' }, 'Execution provider: checking…');
  const modelsPanel = h(
    'section',
    { class: 'panel', 'aria-labelledby': 'models-title' },
    h('h3', { id: 'models-title' }, 'Local models'),
    h(
      'table',
      { id: 'models-table' },
      h('thead', {}, h('tr', {}, ...['Name', 'Task', 'Installed', 'Size'].map((t) => h('th', { scope: 'col' }, t)))),
      modelRows,
    ),
    providerLine,
    h('p', { class: 'muted' }, 'Missing models are pulled with `pcagent models pull`.'),
  );
  const showModels = (m: ModelsDto | undefined) => {
    if (!m) {
      providerLine.textContent = 'Execution provider: unknown (the model list could not be read)';
      return;
    }
    replace(
      modelRows,
      ...(m.models.length
        ? m.models.map((row) =>
            h(
              'tr',
              { 'data-model': row.name },
              h('td', {}, h('code', {}, row.name)),
              h('td', {}, row.task),
              h(
                'td',
                {},
                h('span', { class: `badge ${row.installed ? 'finished' : 'failed'}` }, row.installed ? 'yes' : 'no'),
              ),
              h('td', {}, row.bytes === null ? '' : formatBytes(row.bytes)),
            ),
          )
        : [h('tr', {}, h('td', { colspan: 4, class: 'muted' }, 'The model manifest lists no models.'))]),
    );
    providerLine.textContent = m.provider
      ? `Execution provider: ${m.provider.name} (${m.provider.detail})`
      : 'Execution provider: unknown';
  };

  // Privacy.
  const apps = h('textarea', {
    id: 'privacy-apps',
    rows: 4,
    spellcheck: 'false',
    'aria-describedby': 'privacy-apps-hint',
  });
  const titles = h('textarea', {
    id: 'privacy-titles',
    rows: 4,
    spellcheck: 'false',
    'aria-describedby': 'privacy-titles-hint',
  });
  const privacyPanel = h(
    'section',
    { class: 'panel', 'aria-labelledby': 'privacy-title' },
    h('h3', { id: 'privacy-title' }, 'Privacy'),
    h(
      'p',
      { class: 'muted' },
      'While one of these is under the pointer, the recorder stores a black frame instead of the screen.',
    ),
    field(
      'privacy-apps',
      'Excluded applications',
      apps,
      'One application name per line; a name matches when it is part of the application name (e.g. keepassxc).',
    ),
    field(
      'privacy-titles',
      'Excluded window titles',
      titles,
      'One regular expression per line, matched without case (e.g. private browsing|incognito).',
    ),
  );

  // Hotkeys.
  const stopKey = h('input', {
    type: 'text',
    id: 'hotkey-stop',
    spellcheck: 'false',
    'aria-describedby': 'hotkey-stop-hint',
  });
  const abortKey = h('input', {
    type: 'text',
    id: 'hotkey-abort',
    spellcheck: 'false',
    'aria-describedby': 'hotkey-abort-hint',
  });
  const hotkeysPanel = h(
    'section',
    { class: 'panel', 'aria-labelledby': 'hotkeys-title' },
    h('h3', { id: 'hotkeys-title' }, 'Hotkeys'),
    h(
      'p',
      { class: 'muted' },
      'Global shortcuts, never recorded. A change applies to the next recording; the desktop app registers it again when it starts.',
    ),
    field('hotkey-stop', 'Stop recording', stopKey, 'Modifiers and one key, e.g. CommandOrControl+Shift+F12.'),
    field('hotkey-abort', 'Abort the agent', abortKey, 'Modifiers and one key, e.g. CommandOrControl+Shift+F11.'),
  );

  const show = (s: SettingsDto | undefined) => {
    if (!s) return;
    home.textContent = s.home;
    completion.show(s.completion);
    planner.show(s.planner);
    grounderName.value = s.grounder.name;
    vlm.show(s.grounder.vlm);
    apps.value = s.privacy.excludedApps.join('\n');
    titles.value = s.privacy.excludedTitles.join('\n');
    stopKey.value = s.hotkeys.stopRecording;
    abortKey.value = s.hotkeys.abortAgent;
  };

  /** The field a refused path of `settings.set` belongs to (`hotkeys.stopRecording` → hotkey-stop). */
  const FIELD_OF: [RegExp, string][] = [
    [/^completion\.(endpoint|model|apiKey)/, 'completion-$1'],
    [/^planner\.(endpoint|model|apiKey)/, 'planner-$1'],
    [/^grounder\.vlm\.(endpoint|model|apiKey)/, 'vlm-$1'],
    [/^grounder\.name/, 'grounder-name'],
    [/^privacy\.excludedApps/, 'privacy-apps'],
    [/^privacy\.excludedTitles/, 'privacy-titles'],
    [/^hotkeys\.stopRecording/, 'hotkey-stop'],
    [/^hotkeys\.abortAgent/, 'hotkey-abort'],
  ];
  const clearErrors = () => {
    for (const id of invalid) {
      document.getElementById(id)?.removeAttribute('aria-invalid');
      const box = document.getElementById(`${id}-error`);
      if (box) {
        box.hidden = true;
        box.textContent = '';
      }
    }
    invalid.clear();
  };
  /** Marks each field the back end named in its one-line refusal. */
  const markErrors = (message: string, sent: { titles: string[]; apps: string[] }) => {
    const body = message.replace(/^settings\.set: /, '');
    for (const part of body.split('; ')) {
      const m = /^([\w.]+): (.*)$/.exec(part);
      if (!m) continue;
      const [, where, why] = m as unknown as [string, string, string];
      const rule = FIELD_OF.find(([re]) => re.test(where));
      if (!rule) continue;
      const id = where.replace(rule[0], rule[1]).split('.')[0]!.replace('apiKey', 'key');
      // A list entry is named by its index: say which line and show it.
      const index = /\.(\d+)$/.exec(where)?.[1];
      const list = id === 'privacy-titles' ? sent.titles : id === 'privacy-apps' ? sent.apps : null;
      const text =
        index !== undefined && list ? `Line ${Number(index) + 1} ("${list[Number(index)] ?? ''}"): ${why}` : why;
      const input = document.getElementById(id);
      const box = document.getElementById(`${id}-error`);
      if (!input || !box) continue;
      input.setAttribute('aria-invalid', 'true');
      input.setAttribute('aria-errormessage', `${id}-error`);
      box.textContent = text;
      box.hidden = false;
      invalid.add(id);
    }
  };

  const saveButton = h('button', { type: 'submit', class: 'btn primary', id: 'settings-save' }, 'Save settings');
  const save = async () => {
    clearErrors();
    const sent = { apps: lines(apps.value), titles: lines(titles.value) };
    const input: ApiInput<'settings.set'> = {
      completion: completion.value(),
      planner: planner.value(),
      grounder: { name: grounderName.value as GrounderName, vlm: vlm.value() },
      privacy: { excludedApps: sent.apps, excludedTitles: sent.titles },
      hotkeys: { stopRecording: stopKey.value.trim(), abortAgent: abortKey.value.trim() },
    };
    saveButton.disabled = true;
    try {
      const s = await api.call('settings.set', input);
      show(s);
      notify('Settings saved.');
    } catch (err) {
      const message = (err as Error).message;
      notify(message, 'error');
      markErrors(message, sent);
      const first = [...invalid][0];
      if (first) document.getElementById(first)?.focus();
    } finally {
      saveButton.disabled = false;
    }
  };

  const form = h(
    'form',
    { id: 'settings-form', novalidate: true, 'aria-labelledby': 'settings-title' },
    h('h2', { id: 'settings-title' }, 'Settings'),
    homePanel,
    h('div', { class: 'settings-grid' }, completionPanel, plannerPanel, grounderPanel),
    modelsPanel,
    h('div', { class: 'settings-grid' }, privacyPanel, hotkeysPanel),
    h(
      'div',
      { class: 'settings-actions row' },
      saveButton,
      h('span', { class: 'muted' }, 'Saves every section to settings.json.'),
    ),
  );
  // Enter in a field saves, as in any form; the page never navigates (the CSP forbids it anyway).
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void save();
  });
  replace(root, form);

  void attempt(() => api.call('settings.get', {})).then(show);
  void attempt(() => api.call('settings.models', {})).then(showModels);
  return () => {};
}
