import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/**
 * Where completion finds its model: `--endpoint` / `--model` flags, else the `completion`
 * section of `<data dir>/settings.json`; the API key from `OPENAI_API_KEY`, else the settings
 * file. The settings file is only read here. The key is a secret: it goes to the HTTP client
 * and nowhere else (not the library, batch files, logs or error messages).
 */

export const SETTINGS_FILE = 'settings.json';

const SettingsSchema = z.looseObject({
  completion: z
    .looseObject({
      endpoint: z.string().min(1).optional(),
      model: z.string().min(1).optional(),
      apiKey: z.string().min(1).optional(),
    })
    .optional(),
});

export interface CompletionSettings {
  endpoint?: string;
  model?: string;
  apiKey?: string;
}

export class SettingsError extends Error {
  override readonly name = 'SettingsError';
}

/** The `completion` section of the settings file; an absent file is an empty section. */
export function readCompletionSettings(home: string): CompletionSettings {
  const file = path.join(home, SETTINGS_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new SettingsError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'unknown error'}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    // The parser's message quotes the file's text, which may hold the key: say less.
    throw new SettingsError(`${file} is not valid JSON`);
  }
  const parsed = SettingsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SettingsError(
      `${file}: ${issue ? `${issue.path.join('.') || 'settings'}: ${issue.message}` : 'invalid settings'}`,
    );
  }
  return { ...parsed.data.completion };
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
  const sameServer =
    settings.endpoint === undefined || endpoint === undefined || origin(endpoint) === origin(settings.endpoint);
  return {
    endpoint,
    model: flags.model ?? settings.model,
    apiKey: env.OPENAI_API_KEY?.trim() || (sameServer ? settings.apiKey : undefined),
  };
}

function origin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
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
