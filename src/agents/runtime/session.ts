import fs from 'node:fs';
import os from 'node:os';
import * as ort from 'onnxruntime-node';
import { fuseGraph } from './graph-fusion.js';
import { DEVICES, type Device } from '../../core/vocabulary.js';

/**
 * The one place that creates onnxruntime-node sessions. Every model (OCR, icon detector, …)
 * goes through `loadSession` so the execution provider is chosen the same way everywhere,
 * the provider that actually ran is reported, and a model file is loaded once per provider.
 */

/** What the caller asks for; `auto` tries the GPU providers the binding offers, then CPU. */
export { DEVICES, type Device } from '../../core/vocabulary.js';
/** What actually runs a session. */
export type Provider = 'cpu' | 'cuda' | 'webgpu';

export interface ProviderFailure {
  readonly provider: Provider;
  readonly reason: string;
}

export interface LoadedSession {
  readonly session: ort.InferenceSession;
  readonly provider: Provider;
  readonly modelPath: string;
  /** Providers tried before `provider` and why each could not create the session. */
  readonly fallbacks: readonly ProviderFailure[];
}

export interface SessionOptions {
  /** Defaults to `PCAGENT_DEVICE` when it names a device, else `auto`. */
  readonly device?: Device;
  /** CPU threads for one operator; defaults to `defaultThreads()`. */
  readonly intraOpNumThreads?: number;
  /** Apply the exact PP-LCNet rewrites of graph-fusion.ts before loading (OCR models). */
  readonly fuse?: boolean;
}

/** Device from the environment (`PCAGENT_DEVICE`), so a user can force CPU without code. */
export function deviceFromEnv(env: NodeJS.ProcessEnv = process.env): Device {
  const value = env.PCAGENT_DEVICE?.trim().toLowerCase();
  return DEVICES.find((d) => d === value) ?? 'auto';
}

/**
 * Providers to try, in order. `auto` tries CUDA and WebGPU only when the binding lists them
 * (a CPU-only build lists neither); an explicit device is tried even when unlisted so the
 * failure reason is recorded. CPU always comes last: it is bundled and cannot be missing.
 */
export function providerOrder(device: Device, supported: readonly string[] = supportedBackends()): Provider[] {
  if (device === 'cpu') return ['cpu'];
  if (device !== 'auto') return [device, 'cpu'];
  const order: Provider[] = [];
  if (supported.includes('cuda')) order.push('cuda');
  if (supported.includes('webgpu')) order.push('webgpu');
  order.push('cpu');
  return order;
}

/** Backend names the native binding was built with (bundled or loadable). */
export function supportedBackends(): string[] {
  return ort.listSupportedBackends().map((b) => b.name);
}

/**
 * One operator uses every core but leaves no pool of idle spinning threads: on a 2-core box
 * shared with the recorder and the UI, more threads than cores only adds contention.
 */
export function defaultThreads(): number {
  return Math.max(1, Math.min(4, os.availableParallelism()));
}

// A provider that cannot load is reported through `fallbacks`; onnxruntime would also print it
// as an error on every CPU-only machine where `auto` tries CUDA first.
ort.env.logLevel = 'fatal';

const sessions = new Map<string, Promise<ort.InferenceSession>>();
/** Failures are remembered per (model, provider) so a missing CUDA library is tried once. */
const failures = new Map<string, string>();

function cacheKey(modelPath: string, provider: Provider, threads: number, fuse: boolean): string {
  return `${provider}\u0000${threads}\u0000${fuse ? 'fused' : 'plain'}\u0000${modelPath}`;
}

/** Fused model bytes per file: fused once, then shared by every provider's session. */
const fusedModels = new Map<string, Uint8Array>();

function fusedModel(modelPath: string): Uint8Array {
  let bytes = fusedModels.get(modelPath);
  if (!bytes) {
    bytes = fuseGraph(fs.readFileSync(modelPath)).bytes;
    fusedModels.set(modelPath, bytes);
  }
  return bytes;
}

async function createSession(
  modelPath: string,
  provider: Provider,
  threads: number,
  fuse: boolean,
): Promise<ort.InferenceSession> {
  const source = fuse ? fusedModel(modelPath) : modelPath;
  const options: ort.InferenceSession.SessionOptions = {
    executionProviders: [provider],
    intraOpNumThreads: threads,
    // Operators run one after another: OCR graphs are a single chain.
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    // Input sizes change on every call (frame sizes, crop widths), so a memory plan
    // recorded for one shape is rarely reused.
    enableMemPattern: false,
    logSeverityLevel: 3,
    extra: {
      session: {
        // Idle threads sleep instead of spinning: the recorder and the UI share these cores.
        intra_op: { allow_spinning: '0' },
        // Near-zero activations on flat screen areas would otherwise hit slow denormal paths.
        set_denormal_as_zero: '1',
      },
    },
  };
  return typeof source === 'string'
    ? ort.InferenceSession.create(source, options)
    : ort.InferenceSession.create(source, options);
}

/**
 * Returns a session for the model on the first provider that can create it, reusing a cached
 * one. A provider that fails is recorded in `fallbacks` and the next one is tried.
 */
export async function loadSession(modelPath: string, options: SessionOptions = {}): Promise<LoadedSession> {
  const device = options.device ?? deviceFromEnv();
  const threads = options.intraOpNumThreads ?? defaultThreads();
  const fuse = options.fuse ?? false;
  const fallbacks: ProviderFailure[] = [];
  for (const provider of providerOrder(device)) {
    const key = cacheKey(modelPath, provider, threads, fuse);
    const known = failures.get(key);
    if (known !== undefined) {
      fallbacks.push({ provider, reason: known });
      continue;
    }
    let pending = sessions.get(key);
    if (!pending) {
      pending = createSession(modelPath, provider, threads, fuse);
      sessions.set(key, pending);
    }
    try {
      const session = await pending;
      return { session, provider, modelPath, fallbacks };
    } catch (err) {
      sessions.delete(key);
      const reason = firstLine((err as Error).message);
      failures.set(key, reason);
      fallbacks.push({ provider, reason });
      if (provider === 'cpu') throw new Error(`cannot load model ${modelPath}: ${reason}`);
    }
  }
  // providerOrder always ends with CPU, which either returned or threw above.
  throw new Error(`no execution provider could load ${modelPath}`);
}

/** Releases every cached session (tests, and switching device at run time). */
export async function releaseSessions(): Promise<void> {
  const pending = [...sessions.values()];
  sessions.clear();
  failures.clear();
  fusedModels.clear();
  for (const p of pending) {
    try {
      await (await p).release();
    } catch {
      // A session that failed to create has nothing to release.
    }
  }
}

function firstLine(message: string): string {
  const line = message.split('\n').find((l) => l.trim() !== '') ?? message;
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}
