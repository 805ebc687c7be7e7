/**
 * The one model client (src/models/): endpoint rule, key lookup and redaction, the
 * reasoning-model request shape, retries with backoff and Retry-After. The model server is a
 * FAKE (test/support/openai-server.ts): scripted replies over real HTTP, so the client's real
 * `openai` package, sockets and timers are what is tested.
 */
import { describe, expect, it } from 'vitest';
import { ModelClient, ModelError, retryAfter } from '../../src/models/client.js';
import { EndpointError, normaliseEndpoint } from '../../src/models/endpoint.js';
import { isReasoningModel, outputLimits } from '../../src/models/reasoning.js';
import { apiKeyFor, redact } from '../../src/models/secrets.js';
import type { FakeModelServer } from '../support/openai-server.js';
import { useFakeModelServer } from '../support/hooks.js';

describe('endpoint rule', () => {
  it.each([
    ['http://127.0.0.1:8000', 'http://127.0.0.1:8000/v1'],
    ['http://gpu-box:8000/', 'http://gpu-box:8000/v1'],
    ['http://localhost:11434/v1/', 'http://localhost:11434/v1'],
    ['https://api.openai.com/v1', 'https://api.openai.com/v1'],
    ['https://router.example/api/v1//', 'https://router.example/api/v1'],
  ])('%s → %s', (given, expected) => {
    expect(normaliseEndpoint(given)).toBe(expected);
  });

  it.each([
    ['not a url', /^"not a url" is not a URL \(expected e\.g\. http:\/\/127\.0\.0\.1:8000\/v1\)$/],
    ['ftp://host/v1', /^"ftp:\/\/host\/v1" is not an http\(s\) URL$/],
    ['http://user:sk-secret@host/v1', /^put the API key in .*, not in the URL$/],
    ['https://:sk-secret@host', /not in the URL$/],
    ['http://sk-secret@host:8000', /not in the URL$/],
  ])('refuses %s with one line', (given, message) => {
    const error = (() => {
      try {
        normaliseEndpoint(given);
      } catch (err) {
        return err as Error;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(EndpointError);
    expect(error!.message).toMatch(message);
    expect(error!.message).not.toContain('\n');
    // A refused URL with credentials is not echoed: it holds the secret.
    expect(error!.message).not.toContain('sk-secret');
  });

  it('every client applies it when constructed', () => {
    expect(() => new ModelClient({ endpoint: 'http://k:sk-x@h/v1', model: 'm' })).toThrow(EndpointError);
    expect(new ModelClient({ endpoint: 'http://h:1', model: 'm' }).endpoint).toBe('http://h:1/v1');
  });
});

describe('keys', () => {
  it('redacts every occurrence of a key, but not keys too short to mean anything', () => {
    expect(redact('key sk-abc and again sk-abc.', 'sk-abc')).toBe('key [redacted] and again [redacted].');
    expect(redact('a b c', 'a')).toBe('a b c');
    expect(redact('nothing', undefined)).toBe('nothing');
  });

  it("the caller's key wins, else OPENAI_API_KEY, else none", () => {
    expect(apiKeyFor(' sk-flag ', { OPENAI_API_KEY: 'sk-env' })).toBe('sk-flag');
    expect(apiKeyFor(undefined, { OPENAI_API_KEY: ' sk-env ' })).toBe('sk-env');
    expect(apiKeyFor('', { OPENAI_API_KEY: '  ' })).toBeUndefined();
  });
});

describe('reasoning models', () => {
  it.each([
    ['o1', true],
    ['o3-mini', true],
    ['gpt-5-mini', true],
    ['openai/o4-mini', true],
    ['gpt-4o', false],
    ['qwen2.5-vl-7b', false],
    ['molmo-7b', false],
  ])('%s: %s', (model, reasoning) => {
    expect(isReasoningModel(model)).toBe(reasoning);
  });

  it('get max_completion_tokens with room to reason, and no temperature', () => {
    expect(outputLimits('o3-mini', 200, 0.8)).toEqual({ max_completion_tokens: 4200 });
    expect(outputLimits('gpt-4o', 200, 0.8)).toEqual({ max_tokens: 200, temperature: 0.8 });
    expect(outputLimits('gpt-4o', 200)).toEqual({ max_tokens: 200 });
  });
});

describe('retry-after', () => {
  it('reads retry-after-ms, seconds and HTTP dates', () => {
    expect(retryAfter(new Headers({ 'retry-after': '2' }))).toBe(2000);
    expect(retryAfter(new Headers({ 'retry-after-ms': '15' }))).toBe(15);
    expect(retryAfter(new Headers({ 'retry-after': new Date(10_000).toUTCString() }), 4_000)).toBe(6_000);
    expect(retryAfter(new Headers({ 'retry-after': 'soon' }))).toBeUndefined();
    expect(retryAfter(new Headers())).toBeUndefined();
  });
});

describe('over HTTP', () => {
  let server: FakeModelServer;
  useFakeModelServer(
    (s) => (server = s),
    (s) => s.setFallback('OK'),
  );

  const client = (options: Partial<ConstructorParameters<typeof ModelClient>[0]> = {}) =>
    new ModelClient({ endpoint: server.url, model: 'fake-vlm', backoffMs: 5, timeoutMs: 5_000, ...options });
  const hi = [{ role: 'user' as const, content: 'hi' }];

  it('sends max_tokens and the temperature to an ordinary model, per request when asked', async () => {
    const c = client({ temperature: 0.2 });
    await c.chat(hi, 50);
    await c.chat(hi, 60, { temperature: 0.8 });
    expect(server.chats.map((r) => r.body)).toMatchObject([
      { model: 'fake-vlm', max_tokens: 50, temperature: 0.2 },
      { model: 'fake-vlm', max_tokens: 60, temperature: 0.8 },
    ]);
  });

  it('sends max_completion_tokens and no temperature to a reasoning model', async () => {
    await client({ model: 'o3-mini', temperature: 0 }).chat(hi, 50, { temperature: 0.8 });
    const body = server.chats[0]!.body!;
    expect(body.max_completion_tokens).toBe(4050);
    expect(body).not.toHaveProperty('max_tokens');
    expect(body).not.toHaveProperty('temperature');
  });

  it('backs off exponentially with jitter, up to the ceiling', async () => {
    server.when(() => true, { status: 502 }, { times: 4 }).when(() => true, 'fine');
    const delays: number[] = [];
    const c = client({ backoffMs: 8, maxBackoffMs: 40, random: () => 0, onRetry: (r) => delays.push(r.delayMs) });
    expect((await c.chat(hi, 5)).content).toBe('fine');
    expect(delays).toEqual([4, 8, 16, 20]); // 8·2ⁿ capped at 40, times (0.5 + 0.5·random)
    expect(c.stats).toMatchObject({ requests: 5, retries: 4 });
  });

  it("honours the server's Retry-After (capped), in seconds or milliseconds", async () => {
    server
      .next({ status: 429, headers: { 'retry-after-ms': '30' } })
      .next({ status: 503, headers: { 'retry-after': '0' } })
      .next({ status: 429, headers: { 'retry-after': '3600' } });
    const delays: number[] = [];
    const c = client({ maxRetryAfterMs: 20, onRetry: (r) => delays.push(r.delayMs) });
    // 30 ms asked, 20 ms allowed; 0 s; an hour asked, 20 ms allowed.
    expect((await c.chat(hi, 5)).content).toBe('OK');
    expect(delays).toEqual([20, 0, 20]);
  });

  it('does not retry a refused request, and names the endpoint without the key', async () => {
    server.next({ status: 400, body: { error: { message: 'bad image for key sk-secret-123' } } });
    const c = client({ apiKey: 'sk-secret-123' });
    const error = (await c.chat(hi, 5).catch((e: unknown) => e)) as ModelError;
    expect(error).toBeInstanceOf(ModelError);
    expect(error).toMatchObject({ scope: 'request', status: 400 });
    expect(error.message).toBe(`${server.url} answered HTTP 400: bad image for key [redacted]`);
    expect(c.stats).toMatchObject({ requests: 1, retries: 0, failed: 1 });
    expect(server.chats[0]!.headers.authorization).toBe('Bearer sk-secret-123');
  });

  it('an aborted signal ends the wait before a retry', async () => {
    server.setFallback({ status: 500 });
    const controller = new AbortController();
    const c = client({ backoffMs: 60_000, onRetry: () => controller.abort(new Error('stopped by the user')) });
    await expect(c.chat(hi, 5, { signal: controller.signal })).rejects.toThrow('stopped by the user');
    expect(c.stats.requests).toBe(1);
  });
});
