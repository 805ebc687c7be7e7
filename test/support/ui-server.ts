/**
 * Starts the real `pcagent ui --web` (the built CLI) as a child process and opens pages of it in
 * Debian's Chromium (Playwright), collecting page errors so a test can assert there were none.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ROOT } from './cli.js';

export interface UiServer {
  readonly child: ChildProcess;
  /** `http://127.0.0.1:<port>/?token=<token>` as printed. */
  readonly url: string;
  readonly origin: string;
  readonly token: string;
  /** Calls the API over HTTP with the token header; resolves with the parsed reply. */
  call(method: string, input?: unknown): Promise<{ status: number; reply: unknown }>;
  stop(): Promise<void>;
}

/**
 * `env` is the child's whole environment: pass a session's env (with DISPLAY) to record or run
 * the agent on a test X server; the default has no DISPLAY, so starting a recording fails.
 */
export function startUi(dataDir: string, env?: NodeJS.ProcessEnv, uiArgs: readonly string[] = []): Promise<UiServer> {
  const childEnv = env ?? { ...process.env };
  if (!env) {
    delete childEnv.DISPLAY;
    delete childEnv.WAYLAND_DISPLAY;
  }
  const child = spawn(
    process.execPath,
    [path.join(ROOT, 'bin', 'pcagent.js'), '--home', dataDir, 'ui', '--web', ...uiArgs],
    {
      env: childEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`ui --web printed no URL: ${out}${err}`)), 30_000);
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /^PC Agent UI: (http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+)$/m.exec(out);
      if (!m) return;
      clearTimeout(timer);
      const url = m[1]!;
      const origin = new URL(url).origin;
      const token = new URL(url).searchParams.get('token')!;
      resolve({
        child,
        url,
        origin,
        token,
        async call(method, input = {}) {
          const res = await fetch(`${origin}/api/${method}`, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', 'X-PCAgent-Token': token },
            body: JSON.stringify(input),
          });
          return { status: res.status, reply: await res.json() };
        },
        async stop() {
          if (child.exitCode !== null || child.signalCode !== null) return;
          const exited = new Promise((r) => child.once('exit', r));
          child.kill('SIGINT');
          await exited;
        },
      });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`ui --web exited ${code}: ${err}`));
    });
  });
}

/** A page with its errors collected: page errors, console errors, 403 responses. */
export type UiPage = Page & { errors: string[] };

export async function openPage(browser: Browser, url: string, hash: string): Promise<UiPage> {
  const page = (await browser.newPage({ viewport: { width: 1400, height: 900 } })) as UiPage;
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // Calls refused on purpose (400 bad input, 422 a service's refusal) log a failed load; nothing else may.
  page.on('console', (m) => m.type() === 'error' && !/status of (400|422) /.test(m.text()) && errors.push(m.text()));
  page.on('response', (r) => r.status() === 403 && errors.push(`403 for ${r.url()}`));
  page.errors = errors;
  await page.goto(`${url}#${hash}`);
  return page;
}
