/**
 * The line protocol the native accessibility helpers speak (Windows: uia-helper.ps1 under
 * PowerShell; macOS: ax-helper.js under osascript), and the provider built on it.
 *
 * A helper is one long-lived child process, because starting PowerShell or osascript costs far
 * more than the per-click deadline. It first prints a greeting line, then answers each request
 * line with exactly one reply line, in order:
 *
 *   greeting  {"ready":true}  or  {"ready":false,"error":"…"} (it cannot work, e.g. no permission)
 *   request   "x y"           a screen point
 *   reply     null  or  {"name","role","rect":{"left","top","right","bottom"}|null,"windowTitle","appName"}
 *   request   "elements"      the focused window's elements (provider.ts `elements`)
 *   reply     [{"name","description","role","states":[…],"rect":{…},"windowTitle","inPopup"}, …]
 *             (elements without a rectangle are left out; the helper stops walking after a
 *             time budget of its own, well inside the stuck timeout, and sends what it has)
 *
 * `LineChild` is platform-independent (tested on Linux); the helpers themselves are not run in CI.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isRecord, parseReplyLine, text, toRect } from './helper-reply.js';
import {
  DEFAULT_DEADLINE_MS,
  ELEMENTS_DEADLINE_MS,
  type AccessibilityProvider,
  type ElementAtPoint,
  isElementState,
  type ScreenElement,
} from './provider.js';

export interface LineChildOptions {
  readonly command: string;
  readonly args?: readonly string[];
  /** Longest wait for the greeting after a spawn (PowerShell compiling its P/Invoke takes seconds). */
  readonly startTimeoutMs?: number;
  /**
   * With replies outstanding, this long without any reply means the child is stuck: it is killed
   * and started again on the next request. Much longer than a request's deadline, because a first
   * query into an application is often slow and killing would throw the warm-up away.
   */
  readonly stuckAfterMs?: number;
  /** Starts in a row that die or time out before the greeting, after which the child is given up. */
  readonly maxFailedStarts?: number;
  /** Judges the greeting line: an Error gives the child up for good (it cannot work here). */
  readonly checkGreeting?: (line: string) => Error | null;
  /** Called once, when the child is given up. */
  readonly onError?: (error: Error) => void;
}

interface Pending {
  readonly line: string;
  settled: boolean;
  settle(reply: string | null): void;
}

const STDERR_TAIL_CHARS = 2000;
const CLOSE_GRACE_MS = 1000;

/**
 * One long-lived child answering request lines with reply lines in FIFO order. Requests never
 * reject: a missed deadline, a dead or stuck child and a closed or given-up LineChild all give null.
 * A request whose deadline passed stays in the FIFO, so its late reply is consumed, not mismatched.
 */
export class LineChild {
  readonly #options: LineChildOptions;
  #child: ChildProcess | null = null;
  #greeted = false;
  #stdout = '';
  #stderr = '';
  /** Waiting for the greeting; sent once it comes (unless their deadline passed first). */
  #unsent: Pending[] = [];
  /** Written to the child, awaiting replies in order. */
  #sent: Pending[] = [];
  #readyWaiters: Array<(ready: boolean) => void> = [];
  #startTimer: NodeJS.Timeout | undefined;
  #stuckTimer: NodeJS.Timeout | undefined;
  #failedStarts = 0;
  #failure: Error | null = null;
  #closed = false;

  constructor(options: LineChildOptions) {
    this.#options = options;
  }

  /** Why the child was given up, or null while it is usable. */
  get failure(): Error | null {
    return this.#failure;
  }

  /** Starts the child now, so that the first request's deadline need not cover the start. */
  start(): Promise<boolean> {
    if (this.#closed || this.#failure) return Promise.resolve(false);
    this.#ensureChild();
    if (this.#greeted) return Promise.resolve(true);
    return new Promise((resolve) => this.#readyWaiters.push(resolve));
  }

  /** Sends one line (no newline inside) and resolves with the reply, or null (see the class doc). */
  request(line: string, deadlineMs: number): Promise<string | null> {
    if (/[\r\n]/.test(line)) throw new RangeError('a request must be a single line');
    if (this.#closed || this.#failure) return Promise.resolve(null);
    return new Promise((resolve) => {
      const pending: Pending = {
        line,
        settled: false,
        settle(reply) {
          if (pending.settled) return;
          pending.settled = true;
          clearTimeout(deadline);
          resolve(reply);
        },
      };
      const deadline = setTimeout(() => {
        pending.settle(null);
        this.#unsent = this.#unsent.filter((p) => p !== pending);
      }, deadlineMs);
      this.#ensureChild();
      if (this.#greeted) this.#send(pending);
      else this.#unsent.push(pending);
    });
  }

  /** Ends the child's input and waits for it to exit (killing it after a grace period). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const child = this.#child;
    this.#detach();
    this.#settleAll();
    if (!child || child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const kill = setTimeout(() => child.kill('SIGKILL'), CLOSE_GRACE_MS);
      child.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      child.stdin?.end();
    });
  }

  #ensureChild(): void {
    if (this.#child) return;
    const { command, args = [], startTimeoutMs = 15_000 } = this.#options;
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
    this.#child = child;
    this.#greeted = false;
    this.#stdout = '';
    this.#stderr = '';
    child.stdout?.setEncoding('utf8');
    child.stderr?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      if (child === this.#child) this.#onStdout(chunk);
    });
    child.stderr?.on('data', (chunk: string) => {
      if (child === this.#child) this.#stderr = (this.#stderr + chunk).slice(-STDERR_TAIL_CHARS);
    });
    // A write racing the child's death fails with EPIPE; the exit handler settles the requests.
    child.stdin?.on('error', () => undefined);
    child.on('error', (err) => this.#onDeath(child, err.message));
    child.on('exit', (code, signal) => this.#onDeath(child, signal ? `killed by ${signal}` : `exit code ${code}`));
    this.#startTimer = setTimeout(() => this.#kill(child, `no greeting within ${startTimeoutMs} ms`), startTimeoutMs);
  }

  #onStdout(chunk: string): void {
    this.#stdout += chunk;
    let newline: number;
    while ((newline = this.#stdout.indexOf('\n')) >= 0) {
      const line = this.#stdout.slice(0, newline).replace(/\r$/, '');
      this.#stdout = this.#stdout.slice(newline + 1);
      // Helpers never reply with an empty line; a stray one must not shift the FIFO.
      if (line.trim() !== '') this.#onLine(line);
      if (!this.#child) return;
    }
  }

  #onLine(line: string): void {
    if (!this.#greeted) {
      const error = this.#options.checkGreeting?.(line) ?? null;
      if (error) return this.#giveUp(error);
      clearTimeout(this.#startTimer);
      this.#greeted = true;
      this.#failedStarts = 0;
      for (const resolve of this.#readyWaiters.splice(0)) resolve(true);
      for (const pending of this.#unsent.splice(0)) if (!pending.settled) this.#send(pending);
      return;
    }
    this.#sent.shift()?.settle(line);
    this.#armStuckTimer();
  }

  #send(pending: Pending): void {
    this.#sent.push(pending);
    this.#child?.stdin?.write(`${pending.line}\n`);
    if (this.#sent.length === 1) this.#armStuckTimer();
  }

  /** (Re)starts the no-progress clock whenever a reply arrives or work appears. */
  #armStuckTimer(): void {
    clearTimeout(this.#stuckTimer);
    const child = this.#child;
    if (!child || this.#sent.length === 0) return;
    const after = this.#options.stuckAfterMs ?? 3000;
    this.#stuckTimer = setTimeout(() => this.#kill(child, `no reply within ${after} ms`), after);
  }

  #kill(child: ChildProcess, reason: string): void {
    this.#onDeath(child, reason);
    child.kill('SIGKILL');
  }

  /** Once per child (exit, spawn error and our own kill may all report it). */
  #onDeath(child: ChildProcess, reason: string): void {
    if (child !== this.#child) return;
    const wasGreeted = this.#greeted;
    const stderr = this.#stderr.trim();
    this.#detach();
    for (const pending of this.#sent.splice(0)) pending.settle(null);
    if (wasGreeted || this.#closed || this.#failure) return;
    this.#failedStarts += 1;
    const limit = this.#options.maxFailedStarts ?? 3;
    if (this.#failedStarts >= limit) {
      const detail = stderr ? `: ${stderr}` : '';
      this.#giveUp(new Error(`${this.#options.command} failed to start ${limit} times (${reason})${detail}`));
    } else if (this.#unsent.some((p) => !p.settled) || this.#readyWaiters.length > 0) {
      this.#ensureChild();
    }
  }

  #giveUp(error: Error): void {
    this.#failure = error;
    const child = this.#child;
    this.#detach();
    child?.kill('SIGKILL');
    this.#settleAll();
    this.#options.onError?.(error);
  }

  #detach(): void {
    clearTimeout(this.#startTimer);
    clearTimeout(this.#stuckTimer);
    this.#child = null;
    this.#greeted = false;
  }

  #settleAll(): void {
    for (const pending of [...this.#unsent.splice(0), ...this.#sent.splice(0)]) pending.settle(null);
    for (const resolve of this.#readyWaiters.splice(0)) resolve(false);
  }
}

/** The greeting check for the accessibility helpers (module doc). */
export function checkHelperGreeting(line: string): Error | null {
  const greeting = parseReplyLine(line);
  if (greeting === undefined)
    return new Error(`accessibility helper sent an unreadable greeting: ${line.slice(0, 200)}`);
  if (isRecord(greeting) && greeting.ready === true) return null;
  const reason = isRecord(greeting) && typeof greeting.error === 'string' ? greeting.error : line.slice(0, 200);
  return new Error(`accessibility helper cannot work: ${reason}`);
}

/** A reply line → the element, or null for `null` and for anything malformed. */
export function parseElementReply(line: string): ElementAtPoint | null {
  const reply = parseReplyLine(line);
  if (!isRecord(reply)) return null;
  return {
    name: text(reply.name),
    role: text(reply.role),
    rect: toRect(reply.rect),
    windowTitle: text(reply.windowTitle),
    appName: text(reply.appName),
  };
}

/** An `elements` reply line → the elements; malformed entries are dropped, a malformed line gives []. */
export function parseElementsReply(line: string): ScreenElement[] {
  const reply = parseReplyLine(line);
  if (!Array.isArray(reply)) return [];
  const out: ScreenElement[] = [];
  for (const item of reply) {
    if (!isRecord(item)) continue;
    const rect = toRect(item.rect);
    if (!rect) continue;
    const states = Array.isArray(item.states) ? item.states.filter(isElementState) : [];
    out.push({
      name: text(item.name),
      description: text(item.description),
      label: text(item.label),
      role: text(item.role),
      states,
      rect,
      windowTitle: text(item.windowTitle),
      inPopup: item.inPopup === true,
    });
  }
  return out;
}

export interface HelperProviderOptions {
  /** Called once if the helper cannot work (missing permission, cannot start); hit tests then give null. */
  readonly onError?: (error: Error) => void;
}

export interface HelperProvider extends AccessibilityProvider {
  /** Starts the helper now instead of on the first hit test; false when it cannot work. */
  ready(): Promise<boolean>;
}

/** An AccessibilityProvider answered by a helper that speaks the protocol in the module doc. */
export function createHelperProvider(
  platform: string,
  command: string,
  args: readonly string[],
  options: HelperProviderOptions = {},
): HelperProvider {
  const child = new LineChild({ command, args, checkGreeting: checkHelperGreeting, onError: options.onError });
  return {
    platform,
    ready: () => child.start(),
    async elementAt(x, y, deadlineMs = DEFAULT_DEADLINE_MS) {
      if (!Number.isFinite(x) || !Number.isFinite(y)) return null;
      const reply = await child.request(`${x} ${y}`, deadlineMs);
      return reply === null ? null : parseElementReply(reply);
    },
    async elements(deadlineMs = ELEMENTS_DEADLINE_MS) {
      const reply = await child.request('elements', deadlineMs);
      return reply === null ? [] : parseElementsReply(reply);
    },
    close: () => child.close(),
  };
}

/**
 * The helper script's path on disk. In a packaged Electron app the code runs from `app.asar`,
 * which PowerShell and osascript cannot read: the scripts are unpacked next to it
 * (electron-builder.yml `asarUnpack: native/**`).
 */
export function helperScript(url: URL): string {
  const file = fileURLToPath(url);
  return file.replace(`${path.sep}app.asar${path.sep}`, `${path.sep}app.asar.unpacked${path.sep}`);
}
