import { setMaxListeners } from 'node:events';
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import { normaliseEndpoint } from './endpoint.js';
import { Limiter } from './limit.js';
import { outputLimits } from './reasoning.js';
import { apiKeyFor, redact } from './secrets.js';

/**
 * The one model client (cognition completion, the planner, the VLM grounder): the official
 * `openai` client pointed at any OpenAI-compatible `/v1/chat/completions` (OpenAI, vLLM,
 * Ollama, LM Studio), plus what the reference lacked: bounded concurrency, retries with
 * exponential backoff and jitter on 429, 5xx, timeouts and connection errors (Retry-After
 * honoured), a per-request timeout, request/retry/token counts, the reasoning-model rule of
 * reasoning.ts, and error messages with the key redacted. The openai client's own retries are
 * off so that every attempt is counted and paced here.
 */

/** Chat message in the OpenAI chat/completions wire shape (also written to batch files). */
export type ContentPart = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } };
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string | ContentPart[];
}

/** Per request: what differs between the calls of one client. */
export interface ChatOptions {
  /** Overrides the client's temperature (not sent to reasoning models). */
  readonly temperature?: number;
  /** Aborts the request, or the wait before its next retry; the promise rejects with the signal's reason. */
  readonly signal?: AbortSignal;
}

export interface ClientOptions {
  /** Base URL, e.g. `http://127.0.0.1:8000/v1` (`/v1` is added to a bare host). */
  readonly endpoint: string;
  readonly model: string;
  /** Sent as the bearer token (default OPENAI_API_KEY); local servers usually need none. */
  readonly apiKey?: string;
  /** Requests in flight at most (default 8). */
  readonly concurrency?: number;
  /** Per attempt (default 60 s). */
  readonly timeoutMs?: number;
  /** Retries after the first attempt (default 5). */
  readonly maxRetries?: number;
  /** First backoff; doubles per retry, with jitter (default 1 s). */
  readonly backoffMs?: number;
  /** Backoff ceiling (default 30 s). */
  readonly maxBackoffMs?: number;
  /** Longest Retry-After that is honoured as given (default 120 s); longer ones are capped. */
  readonly maxRetryAfterMs?: number;
  /** Request-level failures in a row after which the endpoint is considered broken (default 5). */
  readonly maxConsecutiveFailures?: number;
  /** Default sampling temperature; none sent when undefined (the server's default). */
  readonly temperature?: number;
  /** Called before each retry, e.g. for a log line. */
  readonly onRetry?: (info: { attempt: number; delayMs: number; reason: string }) => void;
  /** For tests: the jitter source, in [0, 1). */
  readonly random?: () => number;
}

export interface Usage {
  promptTokens: number;
  completionTokens: number;
}

export interface ChatResult {
  content: string;
  usage: Usage;
}

export interface ClientStats {
  /** HTTP attempts made, retries included. */
  requests: number;
  retries: number;
  promptTokens: number;
  completionTokens: number;
  /** Requests that failed for good. */
  failed: number;
}

/**
 * A request that failed for good. `endpoint`: the endpoint cannot serve this run (unreachable,
 * refused credentials, unknown model, still failing after every retry) — the run stops.
 * `request`: only this request was refused (e.g. 400 for one image) — its field is skipped.
 */
export class ModelError extends Error {
  override readonly name = 'ModelError';

  constructor(
    message: string,
    readonly scope: 'endpoint' | 'request',
    readonly status?: number,
  ) {
    super(message);
  }
}

export const DEFAULTS = {
  concurrency: 8,
  timeoutMs: 60_000,
  maxRetries: 5,
  backoffMs: 1_000,
  maxBackoffMs: 30_000,
  maxRetryAfterMs: 120_000,
  maxConsecutiveFailures: 5,
} as const;

export class ModelClient {
  readonly endpoint: string;
  readonly model: string;
  readonly stats: ClientStats = { requests: 0, retries: 0, promptTokens: 0, completionTokens: 0, failed: 0 };
  private readonly openai: OpenAI;
  private readonly limiter: Limiter;
  private readonly options: Required<Omit<ClientOptions, 'apiKey' | 'temperature' | 'onRetry' | 'random'>>;
  private readonly apiKey: string | undefined;
  private readonly stopController = new AbortController();
  private stopError: ModelError | null = null;
  private consecutiveFailures = 0;
  private readonly temperature: number | undefined;
  private readonly onRetry: ClientOptions['onRetry'];
  private readonly random: () => number;

  constructor(options: ClientOptions) {
    this.endpoint = normaliseEndpoint(options.endpoint);
    this.model = options.model;
    this.apiKey = apiKeyFor(options.apiKey);
    this.options = {
      endpoint: this.endpoint,
      model: options.model,
      concurrency: options.concurrency ?? DEFAULTS.concurrency,
      timeoutMs: options.timeoutMs ?? DEFAULTS.timeoutMs,
      maxRetries: options.maxRetries ?? DEFAULTS.maxRetries,
      backoffMs: options.backoffMs ?? DEFAULTS.backoffMs,
      maxBackoffMs: options.maxBackoffMs ?? DEFAULTS.maxBackoffMs,
      maxRetryAfterMs: options.maxRetryAfterMs ?? DEFAULTS.maxRetryAfterMs,
      maxConsecutiveFailures: options.maxConsecutiveFailures ?? DEFAULTS.maxConsecutiveFailures,
    };
    this.limiter = new Limiter(this.options.concurrency);
    // Every request sleeping before a retry listens for the stop: more than 10 is normal here.
    setMaxListeners(0, this.stopController.signal);
    this.temperature = options.temperature;
    this.onRetry = options.onRetry;
    this.random = options.random ?? Math.random;
    this.openai = new OpenAI({
      baseURL: this.endpoint,
      // Local servers need no key, but the client insists on one; this placeholder is harmless.
      apiKey: this.apiKey ?? 'no-key',
      maxRetries: 0,
      timeout: this.options.timeoutMs,
      // Our errors say what happened; the client's logger could print request details.
      logLevel: 'off',
    });
  }

  /** Set once the run has stopped because the endpoint failed; no new request starts after it. */
  get stopped(): ModelError | null {
    return this.stopError;
  }

  /**
   * Stops the run: queued requests and those waiting to retry give up with `error` (the first
   * one wins); requests already on the wire finish, and their answers are still used.
   */
  stop(error: ModelError): void {
    if (this.stopError) return;
    this.stopError = error;
    this.stopController.abort();
  }

  /**
   * One chat completion. `messages` may be a function, called once a slot is free, so that
   * large images are read only when their request is about to be sent.
   */
  async chat(
    messages: readonly ChatMessage[] | (() => readonly ChatMessage[]),
    maxTokens: number,
    options: ChatOptions = {},
  ): Promise<ChatResult> {
    const { signal } = options;
    return this.limiter.run(async () => {
      signal?.throwIfAborted();
      const body = {
        model: this.model,
        messages: (typeof messages === 'function' ? messages() : messages) as OpenAI.ChatCompletionMessageParam[],
        ...outputLimits(this.model, maxTokens, options.temperature ?? this.temperature),
      };
      for (let attempt = 0; ; attempt++) {
        if (this.stopError) throw this.stopError;
        this.stats.requests++;
        try {
          // In-flight requests are not aborted on stop: their answers are still committed.
          const response = await this.withOwnSignal(signal, (own) =>
            this.openai.chat.completions.create(body, { signal: own }),
          );
          const usage = {
            promptTokens: response.usage?.prompt_tokens ?? 0,
            completionTokens: response.usage?.completion_tokens ?? 0,
          };
          this.stats.promptTokens += usage.promptTokens;
          this.stats.completionTokens += usage.completionTokens;
          this.consecutiveFailures = 0;
          return { content: response.choices[0]?.message?.content ?? '', usage };
        } catch (err) {
          signal?.throwIfAborted();
          if (this.stopError) throw this.stopError;
          const problem = this.classify(err);
          if (problem.retry && attempt < Math.min(this.options.maxRetries, problem.retryLimit ?? Infinity)) {
            const delayMs = this.delay(attempt, problem.retryAfterMs);
            this.stats.retries++;
            this.onRetry?.({ attempt: attempt + 1, delayMs, reason: problem.message });
            await this.sleep(delayMs, signal);
            signal?.throwIfAborted();
            continue;
          }
          this.stats.failed++;
          throw this.finalError(problem, attempt);
        }
      }
    });
  }

  private finalError(problem: Problem, attempt: number): ModelError {
    const retries = attempt > 0 ? ` (gave up after ${attempt} ${attempt === 1 ? 'retry' : 'retries'})` : '';
    const message = redact(`${problem.message}${retries}`, this.apiKey);
    if (problem.scope === 'request') {
      this.consecutiveFailures++;
      if (this.consecutiveFailures >= this.options.maxConsecutiveFailures) {
        return new ModelError(
          `${this.consecutiveFailures} requests in a row were refused; last: ${message}`,
          'endpoint',
          problem.status,
        );
      }
    }
    return new ModelError(message, problem.scope, problem.status);
  }

  private classify(err: unknown): Problem {
    const where = this.endpoint;
    if (err instanceof APIConnectionTimeoutError) {
      return {
        retry: true,
        scope: 'endpoint',
        message: `${where} did not answer within ${seconds(this.options.timeoutMs)}`,
      };
    }
    if (err instanceof APIConnectionError) {
      const reason = connectionReason(err);
      // Nothing listens there (or the name does not resolve): a few quick retries cover a server
      // that is starting; a 5xx means a live server and is worth the full backoff.
      const unreachable = reason === 'connection refused' || reason === 'ENOTFOUND';
      return {
        retry: true,
        scope: 'endpoint',
        message: `cannot reach ${where}: ${reason}`,
        ...(unreachable ? { retryLimit: UNREACHABLE_RETRIES } : {}),
      };
    }
    if (err instanceof APIError && typeof err.status === 'number') {
      const status = err.status;
      const detail = oneLine(apiMessage(err));
      const message = `${where} answered HTTP ${status}${detail ? `: ${detail}` : ''}`;
      if (status === 408 || status === 409 || status === 429 || status >= 500) {
        return { retry: true, scope: 'endpoint', status, message, retryAfterMs: retryAfter(err.headers) };
      }
      // Credentials, permissions and unknown models or routes concern every request.
      const scope = status === 401 || status === 403 || status === 404 ? 'endpoint' : 'request';
      return { retry: false, scope, status, message };
    }
    return {
      retry: false,
      scope: 'endpoint',
      message: `request to ${where} failed: ${oneLine(String((err as Error)?.message ?? err))}`,
    };
  }

  /** Retry-After when the server sent one (capped), else exponential backoff with jitter. */
  private delay(attempt: number, retryAfterMs: number | undefined): number {
    if (retryAfterMs !== undefined) return Math.min(retryAfterMs, this.options.maxRetryAfterMs);
    const ceiling = Math.min(this.options.maxBackoffMs, this.options.backoffMs * 2 ** attempt);
    return Math.round(ceiling * (0.5 + 0.5 * this.random()));
  }

  /**
   * The SDK adds an abort listener to the signal it is given and never removes it: handing it
   * a run's signal left one listener per request on it (MaxListenersExceededWarning at step 11
   * of an agent run). Each request gets a signal of its own, linked to the caller's only while
   * the request runs.
   */
  private async withOwnSignal<T>(signal: AbortSignal | undefined, fn: (own: AbortSignal | undefined) => Promise<T>): Promise<T> {
    if (!signal) return fn(undefined);
    const own = new AbortController();
    const forward = () => own.abort(signal.reason);
    if (signal.aborted) forward();
    else signal.addEventListener('abort', forward, { once: true });
    try {
      return await fn(own.signal);
    } finally {
      signal.removeEventListener('abort', forward);
    }
  }

  /** Waits `ms`, or less when the run stops or the request's own signal aborts. */
  private sleep(ms: number, request?: AbortSignal): Promise<void> {
    const signals = request ? [this.stopController.signal, request] : [this.stopController.signal];
    return new Promise((resolve) => {
      if (signals.some((s) => s.aborted)) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        for (const s of signals) s.removeEventListener('abort', done);
        resolve();
      }
      for (const s of signals) s.addEventListener('abort', done, { once: true });
    });
  }
}

interface Problem {
  retry: boolean;
  scope: 'endpoint' | 'request';
  message: string;
  status?: number;
  retryAfterMs?: number;
  /** Retries at most this many times, below the client's maxRetries. */
  retryLimit?: number;
}

function seconds(ms: number): string {
  return ms >= 1000 ? `${+(ms / 1000).toFixed(1)} s` : `${ms} ms`;
}

function oneLine(text: string, limit = 200): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > limit ? `${t.slice(0, limit)}…` : t;
}

function apiMessage(err: APIError): string {
  const body = err.error as { message?: unknown } | string | undefined;
  if (typeof body === 'string') return body;
  if (body && typeof body.message === 'string') return body.message;
  return '';
}

/** Retries after a refused connection: connection refused on every request gives up sooner than a 5xx. */
export const UNREACHABLE_RETRIES = 2;

/** `ECONNREFUSED`, `ENOTFOUND`, … from the error's cause chain, else its message. */
function connectionReason(err: Error): string {
  let e: unknown = err;
  for (let depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return code === 'ECONNREFUSED' ? 'connection refused' : code;
    e = (e as { cause?: unknown }).cause;
  }
  return oneLine(err.message);
}

/** `retry-after-ms`, or `retry-after` in seconds or as an HTTP date. */
export function retryAfter(headers: Headers | undefined, now = Date.now()): number | undefined {
  const ms = Number(headers?.get('retry-after-ms') ?? NaN);
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const value = headers?.get('retry-after');
  if (!value) return undefined;
  const secs = Number(value);
  if (Number.isFinite(secs) && secs >= 0) return secs * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
