import { useEffect, useRef, useState } from 'preact/hooks';
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
import type { PlannerProfile } from '../../core/planner-profiles.js';
import { DEFAULT_GROUNDER, GROUNDER_CHOICES, PLANNER_PROFILE_CHOICES } from '../choices.js';
import { Badge } from '../components/Badge.js';
import { Button } from '../components/Button.js';
import { Field, invalidProps } from '../components/Field.js';
import { Panel } from '../components/Panel.js';
import { type Option, Select } from '../components/Select.js';
import { Table } from '../components/Table.js';
import { attempt, notify } from '../status.js';

type EndpointTarget = 'completion' | 'planner' | 'grounder';

/** One endpoint's fields as typed; the key is write-only, so empty means "keep the stored one". */
interface EndpointFields {
  endpoint: string;
  model: string;
  apiKey: string;
}

/** The whole form as typed. */
interface Form {
  completion: EndpointFields;
  planner: EndpointFields;
  vlm: EndpointFields;
  grounder: string;
  /** The planner's input layout and the file replacing its instructions ('' for none). */
  profile: string;
  prompt: string;
  apps: string;
  titles: string;
  stopKey: string;
  abortKey: string;
}

/** A free-text setting of the form: its field id, the form key, its label and hint. */
interface TextSettingRow {
  id: string;
  key: 'apps' | 'titles' | 'stopKey' | 'abortKey';
  label: string;
  hint: string;
  /** A list, one entry per line (a textarea). */
  lines?: boolean;
}

/** The panels of free-text settings: privacy exclusions and global hotkeys. */
const TEXT_PANELS: readonly { id: string; title: string; intro: string; fields: readonly TextSettingRow[] }[] = [
  {
    id: 'privacy',
    title: 'Privacy',
    intro: 'While one of these is under the pointer, the recorder stores a black frame instead of the screen.',
    fields: [
      {
        id: 'privacy-apps',
        key: 'apps',
        label: 'Excluded applications',
        hint: 'One application name per line; a name matches when it is part of the application name (e.g. keepassxc).',
        lines: true,
      },
      {
        id: 'privacy-titles',
        key: 'titles',
        label: 'Excluded window titles',
        hint: 'One regular expression per line, matched without case (e.g. private browsing|incognito).',
        lines: true,
      },
    ],
  },
  {
    id: 'hotkeys',
    title: 'Hotkeys',
    intro:
      'Global shortcuts, never recorded. A change applies to the next recording; the desktop app registers it again when it starts.',
    fields: [
      {
        id: 'hotkey-stop',
        key: 'stopKey',
        label: 'Stop recording',
        hint: 'Modifiers and one key, e.g. CommandOrControl+Shift+F12.',
      },
      {
        id: 'hotkey-abort',
        key: 'abortKey',
        label: 'Abort the agent',
        hint: 'Modifiers and one key, e.g. CommandOrControl+Shift+F11.',
      },
    ],
  },
];

/** Refusals by field id (`hotkey-stop` → "…"). */
type Errors = Record<string, string>;

/** Non-empty lines of a textarea: one entry per line. */
function lines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

const fields = (e: EndpointDto): EndpointFields => ({ endpoint: e.endpoint ?? '', model: e.model ?? '', apiKey: '' });

function formOf(s: SettingsDto): Form {
  return {
    completion: fields(s.completion),
    planner: fields(s.planner),
    vlm: fields(s.grounder.vlm),
    grounder: s.grounder.name,
    profile: s.planner.profile,
    prompt: s.planner.prompt ?? '',
    apps: s.privacy.excludedApps.join('\n'),
    titles: s.privacy.excludedTitles.join('\n'),
    stopKey: s.hotkeys.stopRecording,
    abortKey: s.hotkeys.abortAgent,
  };
}

/** What to save of an endpoint: the key only when one was typed. */
function endpointValue(f: EndpointFields): { endpoint: string; model: string; apiKey?: string } {
  return {
    endpoint: f.endpoint.trim(),
    model: f.model.trim(),
    ...(f.apiKey.trim() ? { apiKey: f.apiKey.trim() } : {}),
  };
}

/** The field a refused path of `settings.set` belongs to (`hotkeys.stopRecording` → hotkey-stop). */
const FIELD_OF: [RegExp, string][] = [
  [/^completion\.(endpoint|model|apiKey)/, 'completion-$1'],
  [/^planner\.(endpoint|model|apiKey)/, 'planner-$1'],
  [/^planner\.profile/, 'planner-profile'],
  [/^planner\.prompt/, 'planner-prompt'],
  [/^grounder\.vlm\.(endpoint|model|apiKey)/, 'vlm-$1'],
  [/^grounder\.name/, 'grounder-name'],
  [/^privacy\.excludedApps/, 'privacy-apps'],
  [/^privacy\.excludedTitles/, 'privacy-titles'],
  [/^hotkeys\.stopRecording/, 'hotkey-stop'],
  [/^hotkeys\.abortAgent/, 'hotkey-abort'],
];

/** The fields the back end named in its one-line refusal, with what is wrong with each. */
function errorsOf(message: string, sent: { titles: string[]; apps: string[] }): Errors {
  const errors: Errors = {};
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
    errors[id] =
      index !== undefined && list ? `Line ${Number(index) + 1} ("${list[Number(index)] ?? ''}"): ${why}` : why;
  }
  return errors;
}

/**
 * Settings: the data directory, the three model endpoints (each with "Test connection"), the
 * grounder, local models and their execution provider, privacy exclusions and global hotkeys.
 * One Save sends every section; a refused field is named in the status line and marked where it
 * is. API keys are write-only: the back end only says whether one is stored.
 */
export function SettingsView({ api }: { api: ApiTransport }) {
  const [settings, setSettings] = useState<SettingsDto | null>(null);
  const [form, setForm] = useState<Form | null>(null);
  const [models, setModels] = useState<ModelsDto | null | undefined>(undefined);
  const [errors, setErrors] = useState<Errors>({});
  const [saving, setSaving] = useState(false);
  /** Set by a refused save: the first refused field gets the focus once it is marked. */
  const focusFirst = useRef(false);

  const show = (s: SettingsDto | undefined) => {
    if (!s) return;
    setSettings(s);
    setForm(formOf(s));
  };
  useEffect(() => {
    void attempt(() => api.call('settings.get', {})).then(show);
    void attempt(() => api.call('settings.models', {})).then((m) => setModels(m ?? null));
  }, [api]);
  useEffect(() => {
    if (!focusFirst.current) return;
    focusFirst.current = false;
    const first = Object.keys(errors)[0];
    if (first) document.getElementById(first)?.focus();
  }, [errors]);

  const f: Form = form ?? formOf(EMPTY_SETTINGS);
  // Updates from the latest form, not this render's: two inputs may come before a redraw.
  const edit = (patch: Partial<Form>) => setForm((prev) => ({ ...(prev ?? formOf(EMPTY_SETTINGS)), ...patch }));
  const choice = (id: string, label: string, options: readonly Option[], key: 'profile' | 'grounder') => (
    <Field id={id} label={label} error={errors[id]}>
      <Select
        id={id}
        options={options}
        value={f[key]}
        onChange={(value) => edit({ [key]: value })}
        {...invalidProps(id, errors[id])}
      />
    </Field>
  );
  const textSetting = (row: TextSettingRow) => (
    <TextSetting
      key={row.id}
      row={row}
      value={f[row.key]}
      error={errors[row.id]}
      onInput={(value) => edit({ [row.key]: value })}
    />
  );

  const save = async () => {
    setErrors({});
    const sent = { apps: lines(f.apps), titles: lines(f.titles) };
    const input: ApiInput<'settings.set'> = {
      completion: endpointValue(f.completion),
      planner: { ...endpointValue(f.planner), profile: f.profile as PlannerProfile, prompt: f.prompt.trim() },
      grounder: { name: f.grounder as GrounderName, vlm: endpointValue(f.vlm) },
      privacy: { excludedApps: sent.apps, excludedTitles: sent.titles },
      hotkeys: { stopRecording: f.stopKey.trim(), abortAgent: f.abortKey.trim() },
    };
    setSaving(true);
    try {
      show(await api.call('settings.set', input));
      notify('Settings saved.');
    } catch (err) {
      const message = (err as Error).message;
      notify(message, 'error');
      focusFirst.current = true;
      setErrors(errorsOf(message, sent));
    } finally {
      setSaving(false);
    }
  };
  const endpoint = (prefix: 'completion' | 'planner' | 'vlm', target: EndpointTarget) => (
    <EndpointForm
      api={api}
      prefix={prefix}
      target={target}
      value={f[prefix]}
      stored={settings ? (prefix === 'vlm' ? settings.grounder.vlm : settings[prefix]) : null}
      errors={errors}
      onChange={(patch) =>
        setForm((prev) => {
          const base = prev ?? formOf(EMPTY_SETTINGS);
          return { ...base, [prefix]: { ...base[prefix], ...patch } };
        })
      }
      onSaved={show}
    />
  );

  return (
    <form
      id="settings-form"
      noValidate
      aria-labelledby="settings-title"
      // Enter in a field saves, as in any form; the page never navigates (the CSP forbids it anyway).
      onSubmit={(ev) => {
        ev.preventDefault();
        void save();
      }}
    >
      <h2 id="settings-title">Settings</h2>
      <HomePanel home={settings?.home ?? ''} />
      <div class="settings-grid">
        <Panel
          id="completion"
          heading="h3"
          title="Completion model"
          intro="Writes click descriptions and thoughts for recordings (pcagent complete). OPENAI_API_KEY wins over a stored key."
        >
          {endpoint('completion', 'completion')}
        </Panel>
        <Panel
          id="planner"
          heading="h3"
          title="Planner"
          intro="The agent's planner (pcagent run): a vision-language model that decides each next action."
        >
          {endpoint('planner', 'planner')}
          {choice('planner-profile', 'Input layout (profile)', PLANNER_PROFILE_CHOICES, 'profile')}
          <Field id="planner-prompt" label="Instructions file (optional)" error={errors['planner-prompt']}>
            <input
              id="planner-prompt"
              type="text"
              placeholder="/path/to/instructions.txt"
              value={f.prompt}
              onInput={(e) => edit({ prompt: e.currentTarget.value })}
              {...invalidProps('planner-prompt', errors['planner-prompt'])}
            />
          </Field>
        </Panel>
        <Panel
          id="grounder"
          heading="h3"
          title="Grounder"
          intro="Finds the click target the planner describes (pcagent run --grounder overrides it)."
        >
          {choice('grounder-name', 'Default grounder', GROUNDER_CHOICES, 'grounder')}
          <div role="group" class="subsection" aria-labelledby="vlm-title">
            <h4 id="vlm-title">VLM grounding model</h4>
            <p class="muted">
              Used when the grounder is VLM: a pointing model such as Molmo, UI-TARS, Qwen2.5-VL or ShowUI.
            </p>
            {endpoint('vlm', 'grounder')}
          </div>
        </Panel>
      </div>
      <ModelsPanel models={models} />
      <div class="settings-grid">
        {TEXT_PANELS.map((p) => (
          <Panel key={p.id} id={p.id} heading="h3" title={p.title} intro={p.intro}>
            {p.fields.map(textSetting)}
          </Panel>
        ))}
      </div>
      <div class="settings-actions row">
        <Button type="submit" variant="primary" id="settings-save" disabled={saving}>
          Save settings
        </Button>
        <span class="muted">Saves every section to settings.json.</span>
      </div>
    </form>
  );
}

/** The form before settings.get answers: empty fields. */
const EMPTY_ENDPOINT: EndpointDto = { endpoint: null, model: null, hasApiKey: false };
const EMPTY_SETTINGS: SettingsDto = {
  home: '',
  completion: EMPTY_ENDPOINT,
  planner: { ...EMPTY_ENDPOINT, profile: 'generic', prompt: null },
  grounder: { name: DEFAULT_GROUNDER, vlm: EMPTY_ENDPOINT },
  privacy: { excludedApps: [], excludedTitles: [] },
  hotkeys: { stopRecording: '', abortAgent: '' },
};

/** A free-text setting: a text field, or a textarea for a list; described by its hint. */
function TextSetting(props: { row: TextSettingRow; value: string; error?: string; onInput: (value: string) => void }) {
  const { id, label, hint, lines } = props.row;
  const control = {
    id,
    spellcheck: false,
    'aria-describedby': `${id}-hint`,
    value: props.value,
    onInput: (e: { currentTarget: HTMLInputElement | HTMLTextAreaElement }) => props.onInput(e.currentTarget.value),
    ...invalidProps(id, props.error),
  };
  return (
    <Field id={id} label={label} hint={hint} error={props.error}>
      {lines ? <textarea rows={4} {...control} /> : <input type="text" {...control} />}
    </Field>
  );
}

function HomePanel({ home }: { home: string }) {
  const code = useRef<HTMLElement>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(home);
      notify('Data directory copied.');
    } catch {
      // Clipboard access can be refused (permissions): select the path for Ctrl+C instead.
      const range = document.createRange();
      if (code.current) range.selectNodeContents(code.current);
      const selection = getSelection();
      selection?.removeAllRanges();
      selection?.addRange(range);
      notify('The path is selected: press Ctrl+C to copy it.');
    }
  };
  return (
    <Panel
      id="home"
      heading="h3"
      title="Data directory"
      intro="The library, frames, pulled models and settings.json live here (--home or PCAGENT_HOME choose another)."
    >
      <div class="row">
        <code id="settings-home" ref={code}>
          {home}
        </code>
        <Button id="settings-copy-home" onClick={() => void copy()}>
          Copy
        </Button>
      </div>
    </Panel>
  );
}

/** One OpenAI-compatible endpoint's fields (endpoint, model, write-only key) and its test. */
function EndpointForm(props: {
  api: ApiTransport;
  prefix: string;
  target: EndpointTarget;
  value: EndpointFields;
  stored: EndpointDto | null;
  errors: Errors;
  onChange: (patch: Partial<EndpointFields>) => void;
  onSaved: (s: SettingsDto | undefined) => void;
}) {
  const { api, prefix, target, value, errors } = props;
  const [result, setResult] = useState<ConnectionTestDto | 'testing' | null>(null);
  const hasKey = props.stored?.hasApiKey ?? false;
  const id = (field: string) => `${prefix}-${field}`;
  const input = (field: keyof EndpointFields) => ({
    id: id(field === 'apiKey' ? 'key' : field),
    value: value[field],
    onInput: (e: { currentTarget: HTMLInputElement }) => props.onChange({ [field]: e.currentTarget.value }),
    ...invalidProps(id(field === 'apiKey' ? 'key' : field), errors[id(field === 'apiKey' ? 'key' : field)]),
  });
  const test = async () => {
    setResult('testing');
    try {
      setResult(
        await api.call('settings.testConnection', {
          target,
          endpoint: value.endpoint.trim(),
          model: value.model.trim(),
        }),
      );
    } catch (err) {
      // A refused call (e.g. not a URL): the same line here and in the status area.
      const message = (err as Error).message;
      setResult({ ok: false, message, latencyMs: null, models: [] });
      notify(message, 'error');
    }
  };
  const forgetKey = async () => {
    const patch: ApiInput<'settings.set'> =
      target === 'grounder' ? { grounder: { vlm: { apiKey: '' } } } : { [target]: { apiKey: '' } };
    const s = await attempt(() => api.call('settings.set', patch));
    if (s) {
      props.onSaved(s);
      notify('The stored key was removed.');
    }
  };
  return (
    <div class="endpoint">
      <Field id={id('endpoint')} label="OpenAI-compatible endpoint" error={errors[id('endpoint')]}>
        <input
          type="url"
          placeholder="http://127.0.0.1:8000/v1"
          autocomplete="off"
          spellcheck={false}
          {...input('endpoint')}
        />
      </Field>
      <Field id={id('model')} label="Model" error={errors[id('model')]}>
        <input type="text" placeholder="model name" spellcheck={false} {...input('model')} />
      </Field>
      <Field id={id('key')} label="API key (write-only: never shown again)" error={errors[id('key')]}>
        <input
          type="password"
          autocomplete="off"
          placeholder={hasKey ? 'a key is stored (type to replace it)' : 'none stored'}
          {...input('apiKey')}
        />
      </Field>
      <div class="row">
        <span class="muted" id={id('key-state')}>
          {props.stored ? (hasKey ? 'A key is stored in settings.json.' : 'No key stored.') : ''}
        </span>
        <Button id={id('forget-key')} hidden={!hasKey} onClick={() => void forgetKey()}>
          Forget stored key
        </Button>
      </div>
      <div class="row">
        <Button id={id('test')} disabled={result === 'testing'} onClick={() => void test()}>
          Test connection
        </Button>
      </div>
      <p
        class={result === null || result === 'testing' ? 'test-result' : `test-result ${result.ok ? 'ok' : 'error'}`}
        id={id('test-result')}
        role="status"
        aria-live="polite"
      >
        {result === 'testing' ? 'Testing…' : (result?.message ?? '')}
      </p>
    </div>
  );
}

function ModelsPanel({ models }: { models: ModelsDto | null | undefined }) {
  const provider =
    models === undefined
      ? 'Execution provider: checking…'
      : models === null
        ? 'Execution provider: unknown (the model list could not be read)'
        : models.provider
          ? `Execution provider: ${models.provider.name} (${models.provider.detail})`
          : 'Execution provider: unknown';
  return (
    <Panel id="models" heading="h3" title="Local models">
      <Table
        id="models-table"
        columns={['Name', 'Task', 'Installed', 'Size']}
        empty={models && models.models.length === 0 ? 'The model manifest lists no models.' : null}
      >
        {models?.models.map((row) => (
          <tr key={row.name} data-model={row.name}>
            <td>
              <code>{row.name}</code>
            </td>
            <td>{row.task}</td>
            <td>
              <Badge tone={row.installed ? 'finished' : 'failed'}>{row.installed ? 'yes' : 'no'}</Badge>
            </td>
            <td>{row.bytes === null ? '' : formatBytes(row.bytes)}</td>
          </tr>
        ))}
      </Table>
      <p id="execution-provider">{provider}</p>
      <p class="muted">Missing models are pulled with `pcagent models pull`.</p>
    </Panel>
  );
}
