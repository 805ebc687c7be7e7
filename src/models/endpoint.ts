/**
 * The one rule for an OpenAI-compatible endpoint URL, used by every model client (completion,
 * planner, VLM grounder) and the app's "Test connection": http(s) only, never credentials in the
 * URL (they would end up in logs, error messages and the settings file), and a bare
 * `http://host:port` gets the conventional `/v1` (OpenAI, vLLM, Ollama and LM Studio all serve
 * `/v1/chat/completions` and `/v1/models`); a URL with a path is used as given, without a
 * trailing slash.
 */

/** An endpoint the model clients refuse; the message is one line a user can act on. */
export class EndpointError extends Error {
  override readonly name = 'EndpointError';
}

export function normaliseEndpoint(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new EndpointError(`"${endpoint}" is not a URL (expected e.g. http://127.0.0.1:8000/v1)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new EndpointError(`"${endpoint}" is not an http(s) URL`);
  }
  // The URL is not echoed: it holds the secret.
  if (url.username || url.password)
    throw new EndpointError('put the API key in OPENAI_API_KEY, settings.json or the API key field, not in the URL');
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/v1';
  return url.toString().replace(/\/+$/, '');
}
