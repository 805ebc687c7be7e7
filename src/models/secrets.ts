/**
 * API keys: which key a client sends, and keeping it out of everything that is shown or stored
 * (messages, logs, reports). A key is only ever given to the HTTP client.
 */

/** Keys shorter than this are not searched for: replacing "a" in every message helps nobody. */
const MIN_SECRET_LENGTH = 4;

/** Removes every occurrence of the secret from a text that is about to be shown or stored. */
export function redact(text: string, secret: string | undefined): string {
  if (!secret || secret.length < MIN_SECRET_LENGTH) return text;
  return text.split(secret).join('[redacted]');
}

/**
 * The key a client sends: the one its caller chose (flag, environment or settings, see
 * `runChoices` / `resolveEndpoint`), else `OPENAI_API_KEY` as the openai client itself would.
 * Undefined when there is none: local servers need no key.
 */
export function apiKeyFor(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return explicit?.trim() || env.OPENAI_API_KEY?.trim() || undefined;
}
