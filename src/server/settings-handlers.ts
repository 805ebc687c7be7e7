import fs from 'node:fs';
import path from 'node:path';
import type { EndpointDto, SettingsDto } from '../api/contract.js';
import type { BackendContext, HandlersOf } from './context.js';

const SETTINGS_FILE = 'settings.json';

/** Settings of the data directory (`settings.json`); API keys are write-only. */
export function settingsHandlers({ lib }: BackendContext): HandlersOf<'settings'> {
  const settingsFile = path.join(lib.home, SETTINGS_FILE);
  const readSettings = (): Record<string, unknown> => {
    try {
      const raw: unknown = JSON.parse(fs.readFileSync(settingsFile, 'utf8'));
      return raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw new Error(`${settingsFile} is not valid JSON: fix or remove it`);
    }
  };
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
  const endpointDto = (section: unknown): EndpointDto => {
    const c = (section ?? {}) as Record<string, unknown>;
    // The key is write-only: only whether one is stored goes back to the renderer.
    return { endpoint: str(c.endpoint), model: str(c.model), hasApiKey: str(c.apiKey) !== null };
  };
  const settingsDto = (): SettingsDto => {
    const all = readSettings();
    return {
      home: lib.home,
      completion: endpointDto(all.completion),
      planner: endpointDto(all.planner),
      grounder: { name: 'ocr', vlm: endpointDto(undefined) },
      privacy: { excludedApps: [], excludedTitles: [] },
      hotkeys: { stopRecording: 'CommandOrControl+Shift+F12', abortAgent: 'CommandOrControl+Shift+F11' },
    };
  };
  const notYet = (): never => {
    throw new Error('not available yet');
  };
  return {
    'settings.get': () => settingsDto(),
    'settings.set': ({ completion }) => {
      const all = readSettings();
      const c = { ...((all.completion ?? {}) as Record<string, unknown>) };
      for (const key of ['endpoint', 'model', 'apiKey'] as const) {
        const v = completion?.[key];
        if (v === undefined) continue;
        if (v === '') delete c[key];
        else c[key] = v;
      }
      all.completion = c;
      const tmp = `${settingsFile}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, `${JSON.stringify(all, null, 2)}\n`, { mode: 0o600 });
      fs.renameSync(tmp, settingsFile);
      return settingsDto();
    },
    'settings.testConnection': notYet,
    'settings.models': notYet,
  };
}
