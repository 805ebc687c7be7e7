import type { ConnectionTestDto, EndpointDto, ModelsDto, SettingsDto } from '../api/contract.js';
import { ApiValidationError } from '../api/contract.js';
import { HotkeyError, hotkeyKeys } from '../core/accelerator.js';
import {
  type EndpointSettings,
  readSettings,
  type Settings,
  storedKeyFor,
  updateSettings,
} from '../library/settings.js';
import { EndpointError, normaliseEndpoint } from '../models/endpoint.js';
import { redact } from '../models/secrets.js';
import type { BackendContext, HandlersOf } from './context.js';

/** How long "Test connection" waits for the server's model list. */
export const CONNECTION_TIMEOUT_MS = 5_000;

/** The key is write-only: only whether one is stored goes back to the renderer. */
function endpointDto(e: EndpointSettings): EndpointDto {
  return { endpoint: e.endpoint ?? null, model: e.model ?? null, hasApiKey: e.apiKey !== undefined };
}

function settingsDto(home: string, s: Settings): SettingsDto {
  return {
    home,
    completion: endpointDto(s.completion),
    planner: { ...endpointDto(s.planner), profile: s.planner.profile, prompt: s.planner.prompt ?? null },
    grounder: { name: s.grounder.name, vlm: endpointDto(s.grounder.vlm) },
    privacy: { excludedApps: [...s.privacy.excludedApps], excludedTitles: [...s.privacy.excludedTitles] },
    hotkeys: { ...s.hotkeys },
  };
}

/** Settings of the data directory (`settings.json`, through the library's settings module). */
export function settingsHandlers({ lib }: BackendContext): HandlersOf<'settings'> {
  const home = lib.home;
  let provider: Promise<ModelsDto['provider']> | null = null;
  return {
    'settings.get': () => settingsDto(home, readSettings(home)),
    'settings.set': (input) => {
      // The contract checks the accelerator's form; the recorder also has to see its keys.
      for (const name of ['stopRecording', 'abortAgent'] as const) {
        const value = input.hotkeys?.[name];
        if (value === undefined) continue;
        try {
          hotkeyKeys(value, process.platform);
        } catch (err) {
          if (err instanceof HotkeyError)
            throw new ApiValidationError('settings.set', `settings.set: hotkeys.${name}: ${err.message}`);
          throw err;
        }
      }
      return settingsDto(home, updateSettings(home, input));
    },
    'settings.testConnection': async ({ target, endpoint, model }) => {
      const s = readSettings(home);
      const section = target === 'grounder' ? s.grounder.vlm : s[target];
      return testConnection({
        target,
        // The form's values when given (testing before saving); an empty form field means none.
        endpoint: endpoint === undefined ? section.endpoint : endpoint || undefined,
        model: model === undefined ? section.model : model || undefined,
        section,
      });
    },
    'settings.models': async () => {
      const { listModels } = await import('../agents/runtime/manifest.js');
      const models = listModels({ dataDir: home }).map((m) => ({
        name: m.id,
        task: m.task,
        installed: m.available,
        bytes: m.files.reduce((sum, f) => sum + f.size, 0),
        path: m.paths.find((p) => p !== null) ?? null,
      }));
      // Once per back end: a provider that had to be tried stays the answer for this process.
      provider ??= executionProvider(home).catch((err: unknown) => ({
        name: 'unknown',
        detail: `could not be checked: ${(err as Error).message}`,
      }));
      return { provider: await provider, models };
    },
  };
}

const TARGET_NAMES = { completion: 'completion model', planner: 'planner', grounder: 'grounding model' } as const;

/** A one-line error as the form shows it: a capital letter and a full stop. */
function sentence(message: string): string {
  return `${message.charAt(0).toUpperCase()}${message.slice(1)}.`;
}

/** Why a fetch failed, in one sentence: from the cause's code when Node gives one. */
function networkReason(err: unknown, where: string): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError')
    return `${where} did not answer within ${CONNECTION_TIMEOUT_MS / 1000} s.`;
  const code = e.cause?.code;
  if (code === 'ECONNREFUSED') return `${where} refused the connection: is the server running?`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `${where}: the host name does not resolve.`;
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return `${where} closed the connection without answering.`;
  return `Cannot reach ${where}: ${e.cause?.message ?? e.message}.`;
}

/**
 * GET `<endpoint>/models` of an OpenAI-compatible server (OpenAI, vLLM, Ollama, LM Studio) with
 * the section's stored key when it belongs to that server: reachable, key accepted, the models
 * it serves, and whether `model` is one of them. Never throws; every failure is one line.
 */
export async function testConnection(o: {
  target: keyof typeof TARGET_NAMES;
  endpoint: string | undefined;
  model: string | undefined;
  section: EndpointSettings;
}): Promise<ConnectionTestDto> {
  const fail = (message: string, latencyMs: number | null = null, models: string[] = []): ConnectionTestDto => ({
    ok: false,
    message: redact(message, o.section.apiKey),
    latencyMs,
    models,
  });
  if (!o.endpoint) return fail(`No endpoint for the ${TARGET_NAMES[o.target]}: enter one first.`);
  let url: URL;
  try {
    // The model clients' own rule: a bare host gets /v1, credentials in the URL are refused.
    url = new URL(normaliseEndpoint(o.endpoint));
  } catch (err) {
    if (err instanceof EndpointError) return fail(sentence(err.message));
    throw err;
  }
  const where = url.host;
  const apiKey = storedKeyFor(o.section, o.endpoint);
  const started = performance.now();
  let res: Response;
  try {
    res = await fetch(`${url.toString()}/models`, {
      headers: { Accept: 'application/json', ...(apiKey ? { Authorization: `Bearer ${apiKey}` } : {}) },
      signal: AbortSignal.timeout(CONNECTION_TIMEOUT_MS),
      redirect: 'error',
    });
  } catch (err) {
    return fail(networkReason(err, where));
  }
  let text: string;
  try {
    text = await res.text();
  } catch (err) {
    return fail(networkReason(err, where));
  }
  const latencyMs = Math.round(performance.now() - started);
  if (res.status === 401 || res.status === 403) {
    return fail(
      apiKey
        ? `${where} refused the stored API key (HTTP ${res.status}).`
        : `${where} needs an API key (HTTP ${res.status}): save one for this endpoint.`,
      latencyMs,
    );
  }
  if (res.status === 404)
    return fail(
      `${where} has no ${url.pathname}/models (HTTP 404): is this the OpenAI-compatible base URL, e.g. http://host:port/v1?`,
      latencyMs,
    );
  if (!res.ok) return fail(`${where} answered HTTP ${res.status} to ${url.pathname}/models.`, latencyMs);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return fail(`${where} did not answer JSON: is this an OpenAI-compatible endpoint?`, latencyMs);
  }
  const data = (body as { data?: unknown } | null)?.data;
  if (!Array.isArray(data))
    return fail(`${where} answered JSON without a model list: is this an OpenAI-compatible endpoint?`, latencyMs);
  const models = data
    .map((m) => (m as { id?: unknown } | null)?.id)
    .filter((id): id is string => typeof id === 'string');
  const shown =
    models.length > 5 ? `${models.slice(0, 5).join(', ')} and ${models.length - 5} more` : models.join(', ');
  const listing = `${models.length} model${models.length === 1 ? '' : 's'}${models.length ? ` (${shown})` : ''}`;
  const reached = `Connected to ${where} in ${latencyMs} ms: ${listing}`;
  if (o.model !== undefined && !models.includes(o.model))
    return fail(`${reached}, but not "${o.model}".`, latencyMs, models);
  return {
    ok: true,
    message: redact(o.model !== undefined ? `${reached}; "${o.model}" is served.` : `${reached}.`, apiKey),
    latencyMs,
    models,
  };
}

/** onnxruntime's long failure texts, in a few words. */
function shortReason(reason: string): string {
  if (/Failed to load shared library/i.test(reason)) return 'its libraries are not installed';
  if (/WebGPU adapter/i.test(reason)) return 'no WebGPU adapter';
  return reason.length > 80 ? `${reason.slice(0, 80)}…` : reason;
}

/**
 * The execution provider local models run on. When the onnxruntime build offers only the CPU
 * (or PCAGENT_DEVICE asks for it) that is the answer without loading anything. Otherwise only
 * creating a session tells whether a GPU provider really works, so the smallest installed ONNX
 * model is loaded once, through the same cached loader the OCR grounder uses (a later agent
 * run in this process reuses that session).
 */
async function executionProvider(home: string): Promise<ModelsDto['provider']> {
  const [{ autoSkips, deviceFromEnv, loadSession, providerOrder }, { listModels }] = await Promise.all([
    import('../agents/runtime/session.js'),
    import('../agents/runtime/manifest.js'),
  ]);
  const device = deviceFromEnv();
  const asked = device === 'auto' ? 'auto' : `PCAGENT_DEVICE=${device}`;
  const order = providerOrder(device);
  if (order.length === 1) {
    const skipped = device === 'auto' ? autoSkips().map((f) => `no ${f.provider}: ${shortReason(f.reason)}`) : [];
    return {
      name: 'cpu',
      detail:
        device === 'cpu'
          ? asked
          : skipped.length > 0
            ? [asked, ...skipped].join('; ')
            : `${asked}: this onnxruntime build offers no GPU provider`,
    };
  }
  const candidates = listModels({ dataDir: home })
    .filter((m) => m.available && m.files[0]?.path.endsWith('.onnx') && m.paths[0])
    .sort((a, b) => (a.files[0]?.size ?? 0) - (b.files[0]?.size ?? 0));
  const smallest = candidates[0];
  if (!smallest) return { name: order.at(-1) ?? 'cpu', detail: `${asked}: not checked, no local model is installed` };
  // OCR models load fused; the same options give the same cached session as the OCR engine.
  const fuse = smallest.task === 'ocr-det' || smallest.task === 'ocr-rec';
  const loaded = await loadSession(smallest.paths[0]!, { device, fuse });
  const tried = loaded.fallbacks.map((f) => `no ${f.provider}: ${shortReason(f.reason)}`);
  return {
    name: loaded.provider,
    detail: [asked, ...tried, `checked by loading ${smallest.id}`].join('; '),
  };
}
