import { type EndpointSettings, readSettings, SettingsError, storedKeyFor } from '../../library/settings.js';

/**
 * Where completion finds its model: `--endpoint` / `--model` flags, else the `completion`
 * section of `<data dir>/settings.json` (read by the library's settings module, the file's one
 * reader); the API key from `OPENAI_API_KEY`, else the settings file. The key is a secret: it
 * goes to the HTTP client and nowhere else (not the library, batch files, logs or error messages).
 */

export type CompletionSettings = EndpointSettings;

/** The `completion` section of the settings file; an absent file is an empty section. */
export function readCompletionSettings(home: string): CompletionSettings {
  return readSettings(home).completion;
}

export interface ResolvedEndpoint {
  endpoint: string | undefined;
  model: string | undefined;
  apiKey: string | undefined;
}

/**
 * Flags win over the settings file. The settings file's key belongs to the settings file's
 * endpoint: it is not sent to another server named by `--endpoint` (OPENAI_API_KEY, set by
 * the user for this run, goes to whatever endpoint is used, as with the openai client).
 */
export function resolveEndpoint(
  flags: { endpoint?: string; model?: string },
  settings: CompletionSettings,
  env: NodeJS.ProcessEnv = process.env,
): ResolvedEndpoint {
  const endpoint = flags.endpoint ?? settings.endpoint;
  return {
    endpoint,
    model: flags.model ?? settings.model,
    apiKey: env.OPENAI_API_KEY?.trim() || storedKeyFor(settings, endpoint),
  };
}

/**
 * The client's base URL: `http://host:port` gets the conventional `/v1` (OpenAI, vLLM, Ollama
 * and LM Studio all serve `/v1/chat/completions`); a URL with a path is used as given.
 */
export function normaliseEndpoint(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new SettingsError(`"${endpoint}" is not a URL (expected e.g. http://127.0.0.1:8000/v1)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new SettingsError(`"${endpoint}" is not an http(s) URL`);
  }
  if (url.username || url.password)
    throw new SettingsError('put the API key in OPENAI_API_KEY or settings.json, not in the URL');
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/v1';
  return url.toString().replace(/\/+$/, '');
}

/** Removes every occurrence of the secret from a text that is about to be shown or stored. */
export function redact(text: string, secret: string | undefined): string {
  if (!secret || secret.length < 4) return text;
  return text.split(secret).join('[redacted]');
}
