/**
 * A FAKE OpenAI-compatible model server for tests and benchmarks. It is not a model: it answers
 * over real HTTP on 127.0.0.1 with scripted replies, so that code under test talks to it through
 * its ordinary HTTP client (the `openai` package, fetch, a spawned CLI) exactly as it would to
 * OpenAI, vLLM, Ollama or LM Studio.
 *
 * - `POST /v1/chat/completions`: rules are tried in the order they were added; the first whose
 *   `match` accepts the request (and has `times` left) replies. No rule → the fallback
 *   (default: the text "OK"). Replies can be plain text (wrapped in a chat.completion with
 *   usage tokens), an HTTP status (429, 500, … with an OpenAI-style error body and headers such
 *   as Retry-After), a raw JSON body, a delay, a hang (never answers: for timeout tests), or a
 *   dropped connection.
 * - `GET /v1/models` lists `models`.
 * - With `apiKey`, every request without that bearer key is refused with 401.
 * - Every request is logged in `requests` (parsed body, text parts, image URLs) for assertions.
 *
 *   const server = await FakeModelServer.start({ latencyMs: 50 });
 *   server.when((r) => r.text.includes('Describe'), "the 'Insert' tab");
 *   server.when(() => true, { status: 429, headers: { 'retry-after-ms': '10' } }, { times: 1 });
 *   … new OpenAI({ baseURL: server.url, apiKey: 'x' }) …
 *   await server.close();
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface FakeRequest {
  /** 0-based arrival order. */
  readonly index: number;
  readonly method: string;
  /** Path without the query, e.g. `/v1/chat/completions`. */
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  /** The parsed JSON body (undefined when the body is not JSON). */
  readonly body: ChatBody | undefined;
  /** Every text part of every message, joined by newlines. */
  readonly text: string;
  /** Text of the system message(s). */
  readonly system: string;
  /** Text of the last user message. */
  readonly lastUser: string;
  /** URLs of every `image_url` content part, in order. */
  readonly images: readonly string[];
  readonly model: string | undefined;
  readonly receivedAt: number;
}

/** The JSON body of a chat request, loosely typed (tests read whatever they need). */
export interface ChatBody {
  readonly model?: string;
  readonly messages?: readonly { readonly role: string; readonly content: unknown }[];
  readonly max_tokens?: number;
  readonly [key: string]: unknown;
}

export interface FakeReply {
  /** HTTP status (default 200). A non-200 status without `body` gets an OpenAI-style error body. */
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** Assistant text; wrapped in a `chat.completion` object. */
  readonly content?: string;
  /** Raw JSON body instead of a chat completion. */
  readonly body?: unknown;
  /** Usage tokens reported with `content` (default: about a token per 4 characters). */
  readonly usage?: { readonly prompt_tokens: number; readonly completion_tokens: number };
  /** Wait this long before answering (added to the server's latency). */
  readonly delayMs?: number;
  /** Never answer: the request stays open until the client gives up or the server closes. */
  readonly hang?: boolean;
  /** Close the connection without an answer. */
  readonly drop?: boolean;
}

export type ReplySpec = FakeReply | string;
export type Responder = (request: FakeRequest) => ReplySpec | Promise<ReplySpec>;

export interface Rule {
  readonly match: (request: FakeRequest) => boolean;
  readonly reply: ReplySpec | Responder;
  /** How many requests this rule answers (default: unlimited). */
  times: number;
}

export interface FakeServerOptions {
  /** Added before every answer (a model's response time). */
  readonly latencyMs?: number;
  /** Answers requests that no rule matches. */
  readonly fallback?: ReplySpec | Responder;
  /** Model ids for GET /v1/models. */
  readonly models?: readonly string[];
  /** Port to listen on (default: any free port). */
  readonly port?: number;
  /** When set, a request without `Authorization: Bearer <apiKey>` gets 401, as OpenAI answers. */
  readonly apiKey?: string;
}

/** Text of a chat message's content: a string or its text parts. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return (content as { type?: unknown; text?: unknown }[])
    .filter((p): p is { type: 'text'; text: string } => p?.type === 'text' && typeof p.text === 'string')
    .map((p) => p.text)
    .join('\n');
}

export function contentImages(content: unknown): string[] {
  if (!Array.isArray(content)) return [];
  return (content as { type?: unknown; image_url?: string | { url?: unknown } }[])
    .filter((p) => p?.type === 'image_url')
    .map((p) => (typeof p.image_url === 'string' ? p.image_url : p.image_url?.url))
    .filter((u): u is string => typeof u === 'string');
}

/** A `chat.completion` response body, as OpenAI and vLLM send it. */
export function chatCompletion(
  content: string,
  options: { model?: string; usage?: { prompt_tokens: number; completion_tokens: number }; promptChars?: number } = {},
): Record<string, unknown> {
  const usage = options.usage ?? {
    prompt_tokens: Math.ceil((options.promptChars ?? 0) / 4),
    completion_tokens: Math.max(1, Math.ceil(content.length / 4)),
  };
  return {
    id: `chatcmpl-fake-${Math.random().toString(36).slice(2, 10)}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: options.model ?? 'fake-model',
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop', logprobs: null }],
    usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
  };
}

const ERROR_TYPES: Readonly<Record<number, string>> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  404: 'not_found_error',
  429: 'rate_limit_exceeded',
  500: 'server_error',
  503: 'server_error',
};

export class FakeModelServer {
  readonly requests: FakeRequest[] = [];
  private readonly rules: Rule[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly pending = new Set<http.ServerResponse>();
  private fallback: ReplySpec | Responder;
  latencyMs: number;

  private constructor(
    private readonly server: http.Server,
    private readonly options: FakeServerOptions,
  ) {
    this.latencyMs = options.latencyMs ?? 0;
    this.fallback = options.fallback ?? 'OK';
  }

  static async start(options: FakeServerOptions = {}): Promise<FakeModelServer> {
    const server = http.createServer();
    const fake = new FakeModelServer(server, options);
    server.on('request', (req, res) => void fake.handle(req, res));
    server.on('connection', (socket) => {
      fake.sockets.add(socket);
      socket.on('close', () => fake.sockets.delete(socket));
    });
    server.keepAliveTimeout = 1000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    return fake;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Base URL for OpenAI clients: `http://127.0.0.1:<port>/v1`. */
  get url(): string {
    return `http://127.0.0.1:${this.port}/v1`;
  }

  /** Chat requests only (the log also holds GET /v1/models and unknown routes). */
  get chats(): FakeRequest[] {
    return this.requests.filter((r) => r.path.endsWith('/chat/completions'));
  }

  /** Adds a rule; rules are tried in the order they were added. */
  when(match: (request: FakeRequest) => boolean, reply: ReplySpec | Responder, options: { times?: number } = {}): this {
    this.rules.push({ match, reply, times: options.times ?? Infinity });
    return this;
  }

  /** The next `times` requests, whatever they are, get `reply` (before any other rule). */
  next(reply: ReplySpec | Responder, times = 1): this {
    this.rules.unshift({ match: () => true, reply, times });
    return this;
  }

  setFallback(reply: ReplySpec | Responder): this {
    this.fallback = reply;
    return this;
  }

  /** Forgets the rules and the request log. */
  reset(): this {
    this.rules.length = 0;
    this.requests.length = 0;
    return this;
  }

  async close(): Promise<void> {
    for (const res of this.pending) res.destroy();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: ChatBody | undefined;
    try {
      const parsed: unknown = raw ? JSON.parse(raw) : undefined;
      body = parsed && typeof parsed === 'object' ? (parsed as ChatBody) : undefined;
    } catch {
      body = undefined;
    }
    const messages = Array.isArray(body?.messages) ? body.messages : [];
    const users = messages.filter((m) => m?.role === 'user');
    const request: FakeRequest = {
      index: this.requests.length,
      method: req.method ?? 'GET',
      path: (req.url ?? '/').split('?')[0]!,
      headers: req.headers,
      body,
      text: messages.map((m) => contentText(m?.content)).join('\n'),
      system: messages
        .filter((m) => m?.role === 'system')
        .map((m) => contentText(m.content))
        .join('\n'),
      lastUser: contentText(users.at(-1)?.content),
      images: messages.flatMap((m) => contentImages(m?.content)),
      model: typeof body?.model === 'string' ? body.model : undefined,
      receivedAt: Date.now(),
    };
    this.requests.push(request);

    if (this.options.apiKey !== undefined && request.headers.authorization !== `Bearer ${this.options.apiKey}`) {
      return this.send(res, 401, {
        error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' },
      });
    }
    if (request.method === 'GET' && request.path.endsWith('/models')) {
      const data = (this.options.models ?? ['fake-model']).map((id) => ({
        id,
        object: 'model',
        created: 0,
        owned_by: 'fake',
      }));
      return this.send(res, 200, { object: 'list', data });
    }
    if (request.method !== 'POST' || !request.path.endsWith('/chat/completions')) {
      return this.send(res, 404, {
        error: { message: `no route ${request.method} ${request.path}`, type: 'not_found_error' },
      });
    }
    const rule = this.rules.find((r) => r.times > 0 && r.match(request));
    if (rule) rule.times--;
    const spec = rule ? rule.reply : this.fallback;
    this.pending.add(res);
    res.on('close', () => this.pending.delete(res));
    let reply: FakeReply;
    try {
      const resolved = typeof spec === 'function' ? await spec(request) : spec;
      reply = typeof resolved === 'string' ? { content: resolved } : resolved;
    } catch (err) {
      reply = {
        status: 500,
        body: { error: { message: `fake server responder failed: ${(err as Error).message}`, type: 'server_error' } },
      };
    }
    const wait = this.latencyMs + (reply.delayMs ?? 0);
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    if (reply.hang) return; // left open; close() or the client ends it
    if (reply.drop) {
      req.socket.destroy();
      return;
    }
    const status = reply.status ?? 200;
    let payload: unknown = reply.body;
    if (payload === undefined) {
      payload =
        status === 200
          ? chatCompletion(reply.content ?? '', {
              model: request.model,
              usage: reply.usage,
              promptChars: request.text.length,
            })
          : {
              error: { message: `fake error ${status}`, type: ERROR_TYPES[status] ?? 'error', code: null, param: null },
            };
    }
    this.send(res, status, payload, reply.headers);
  }

  private send(
    res: http.ServerResponse,
    status: number,
    payload: unknown,
    headers: Readonly<Record<string, string>> = {},
  ): void {
    if (res.destroyed) return;
    const text = JSON.stringify(payload);
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      ...headers,
    });
    res.end(text);
  }
}
