import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApiReply } from '../api/contract.js';
import { ApiValidationError, isApiMethod } from '../api/contract.js';
import { type Backend, errorKind } from './handlers.js';
import { loadRendererBundle, RENDERER_CSP } from './renderer-bundle.js';

/**
 * `pcagent ui --web`: the renderer and the same API as Electron's IPC, over HTTP on 127.0.0.1.
 * Every request needs the random token of this run: `?token=` on URLs the browser loads itself
 * (the page, its script, frames, the event stream), the `X-PCAgent-Token` header on API calls.
 */
export interface WebServer {
  readonly url: string;
  readonly port: number;
  readonly token: string;
  close(): Promise<void>;
}

export const TOKEN_HEADER = 'x-pcagent-token';
const MAX_BODY = 1 << 20;

const CONTENT_TYPES: Record<string, string> = {
  png: 'image/png',
  webp: 'image/webp',
  jpeg: 'image/jpeg',
};

function sameToken(given: string | null | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

function securityHeaders(res: http.ServerResponse): void {
  res.setHeader('Content-Security-Policy', RENDERER_CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  res.setHeader('Cache-Control', 'no-store');
}

function send(res: http.ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.statusCode = status;
  res.setHeader('Content-Type', type);
  res.end(body);
}

function sendJson(res: http.ServerResponse, status: number, reply: ApiReply<unknown>): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(reply));
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new ApiValidationError('request', 'request body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startWebServer(
  backend: Backend,
  options: { port?: number; token?: string } = {},
): Promise<WebServer> {
  const token = options.token ?? crypto.randomBytes(24).toString('hex');
  const bundle = await loadRendererBundle();
  const html = bundle.html.replaceAll('__TOKEN__', token);
  const streams = new Set<http.ServerResponse>();
  let port = 0;

  const unsubscribe = backend.on((event, payload) => {
    const frame = `event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`;
    for (const s of streams) s.write(frame);
  });

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    securityHeaders(res);
    // DNS rebinding: only our own address is a valid Host.
    const host = req.headers.host ?? '';
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) {
      return send(res, 403, 'text/plain; charset=utf-8', 'forbidden: wrong host\n');
    }
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    const given = req.method === 'POST' ? req.headers[TOKEN_HEADER] : url.searchParams.get('token');
    if (!sameToken(typeof given === 'string' ? given : null, token)) {
      return send(
        res,
        403,
        'text/plain; charset=utf-8',
        'forbidden: this URL needs the token printed by `pcagent ui --web`\n',
      );
    }
    const p = url.pathname;
    if (req.method === 'GET' && (p === '/' || p === '/index.html'))
      return send(res, 200, 'text/html; charset=utf-8', html);
    if (req.method === 'GET' && p === '/app.js') return send(res, 200, 'text/javascript; charset=utf-8', bundle.js);
    if (req.method === 'GET' && p === '/styles.css') return send(res, 200, 'text/css; charset=utf-8', bundle.css);
    if (req.method === 'GET' && p === '/api/events') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', Connection: 'keep-alive' });
      res.write(': connected\n\n');
      streams.add(res);
      req.on('close', () => streams.delete(res));
      return;
    }
    const frame = /^\/frames\/(\d+)$/.exec(p);
    if (req.method === 'GET' && frame) {
      let file: { file: string; format: string };
      try {
        file = backend.framePath(Number(frame[1]));
      } catch {
        return send(res, 404, 'text/plain; charset=utf-8', 'no such frame\n');
      }
      return fs.readFile(file.file, (err, data) => {
        if (err) send(res, 404, 'text/plain; charset=utf-8', 'frame file missing\n');
        else {
          res.setHeader('Cache-Control', 'private, max-age=3600');
          send(res, 200, CONTENT_TYPES[file.format] ?? 'application/octet-stream', data);
        }
      });
    }
    const api = /^\/api\/([a-zA-Z.]+)$/.exec(p);
    if (api) {
      if (req.method !== 'POST') return send(res, 405, 'text/plain; charset=utf-8', 'use POST\n');
      const method = api[1]!;
      if (!isApiMethod(method)) {
        return sendJson(res, 404, {
          ok: false,
          error: { kind: 'invalid-input', message: `unknown API method "${method}"` },
        });
      }
      if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) {
        return sendJson(res, 415, { ok: false, error: { kind: 'invalid-input', message: 'send application/json' } });
      }
      let input: unknown;
      try {
        const text = await readBody(req);
        input = text.trim() === '' ? {} : JSON.parse(text);
      } catch (err) {
        const message = err instanceof ApiValidationError ? err.message : `${method}: the body is not valid JSON`;
        return sendJson(res, 400, { ok: false, error: { kind: 'invalid-input', message } });
      }
      try {
        const result = await backend.call(method, input);
        return sendJson(res, 200, { ok: true, result });
      } catch (err) {
        const kind = errorKind(err);
        const status = kind === 'invalid-input' ? 400 : kind === 'not-found' ? 404 : 422;
        return sendJson(res, status, { ok: false, error: { kind, message: (err as Error).message } });
      }
    }
    return send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
  };

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', `${(err as Error).message}\n`);
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const keepAlive = setInterval(() => {
    for (const s of streams) s.write(': ping\n\n');
  }, 15_000);
  keepAlive.unref();

  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(keepAlive);
        unsubscribe();
        for (const s of streams) s.end();
        streams.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
