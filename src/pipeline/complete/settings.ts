import { endpointKey, type EndpointSettings, readSettings } from '../../library/settings.js';

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
    apiKey: endpointKey(env.OPENAI_API_KEY, settings, endpoint),
  };
}
