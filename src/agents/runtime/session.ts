import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { bootId } from '../../library/recorder-lock.js';
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

/**
 * Backend names `auto` may try: those the binding offers, less those that cannot load here —
 * WebGPU on Linux without a Vulkan loader (Dawn then prints "Couldn't load Vulkan" on every
 * start, though nobody asked for a GPU), CUDA when its provider library was not installed.
 * An explicit device is still tried, and its failure reported.
 */
export function supportedBackends(): string[] {
  const skipped = new Set(autoSkips().map((s) => s.provider));
  return ort
    .listSupportedBackends()
    .map((b) => b.name)
    .filter((name) => !skipped.has(name as Provider));
}

let skipsCache: ProviderFailure[] | undefined;

/** Providers `auto` leaves out on this machine, and why (shown with the provider in use). */
export function autoSkips(): ProviderFailure[] {
  if (skipsCache) return skipsCache;
  const skips: ProviderFailure[] = [];
  const backends = ort.listSupportedBackends();
  const cuda = backends.find((b) => b.name === 'cuda');
  if (cuda && !cuda.bundled && !cudaProviderInstalled())
    skips.push({ provider: 'cuda', reason: 'the CUDA provider of onnxruntime-node is not installed' });
  if (
    process.platform === 'linux' &&
    backends.some((b) => b.name === 'webgpu') &&
    !sharedLibraryFound('libvulkan.so.1')
  )
    skips.push({ provider: 'webgpu', reason: 'no Vulkan loader (libvulkan.so.1)' });
  skipsCache = skips;
  return skips;
}

/** onnxruntime-node's install script puts the CUDA provider beside the binding. */
function cudaProviderInstalled(): boolean {
  try {
    const binding = path.dirname(createRequire(import.meta.url).resolve('onnxruntime-node'));
    const dir = path.join(binding, '..', 'bin', 'napi-v6', process.platform, process.arch);
    return fs.readdirSync(dir).some((f) => f.startsWith('libonnxruntime_providers_cuda'));
  } catch {
    return false;
  }
}

/** Whether the dynamic loader can find a library: LD_LIBRARY_PATH, the ld.so cache, the usual folders. */
function sharedLibraryFound(name: string): boolean {
  const dirs = [
    ...(process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean),
    '/lib',
    '/usr/lib',
    '/lib64',
    '/usr/lib64',
    `/usr/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu`,
    '/usr/local/lib',
  ];
  if (dirs.some((d) => fs.existsSync(path.join(d, name)))) return true;
  try {
    return fs.readFileSync('/etc/ld.so.cache').includes(name);
  } catch {
    return false;
  }
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
  const fallbacks: ProviderFailure[] = device === 'auto' ? [...autoSkips()] : [];
  for (const provider of providerOrder(device)) {
    const key = cacheKey(modelPath, provider, threads, fuse);
    // Nobody asked for the GPU: WebGPU is tried in this process only when a quiet probe in a
    // child found an adapter, because Dawn prints its failures (`Couldn't load Vulkan: …`)
    // straight to this process's stderr, where no log level can silence them.
    if (device === 'auto' && provider === 'webgpu' && !failures.has(key)) {
      const probe = probeWebGpu(modelPath);
      if (probe !== null) failures.set(key, probe);
    }
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

let webGpuProbe: string | null | undefined;

/**
 * Whether a WebGPU session can be created here, asked of a child process whose stderr is
 * dropped: null when it can, else why not. Remembered for the process and, per boot, in a file
 * under the temporary folder (the answer changes only with drivers or hardware, and a probe
 * costs a second of loading onnxruntime).
 */
export function probeWebGpu(modelPath: string): string | null {
  if (webGpuProbe !== undefined) return webGpuProbe;
  const boot = bootId();
  const cache = path.join(os.tmpdir(), `pcagent-webgpu-probe-${os.userInfo().uid}.json`);
  try {
    const saved = JSON.parse(fs.readFileSync(cache, 'utf8')) as { boot: string; failure: string | null };
    if (saved.boot === boot) return (webGpuProbe = saved.failure);
  } catch {
    // no probe yet on this boot
  }
  const script = `
    const ort = await import(${JSON.stringify(import.meta.resolve('onnxruntime-node'))});
    ort.env.logLevel = 'fatal';
    try {
      await ort.InferenceSession.create(${JSON.stringify(modelPath)}, { executionProviders: ['webgpu'], logSeverityLevel: 3 });
      process.stdout.write('ok');
    } catch (err) {
      process.stdout.write(String(err && err.message).split('\\n')[0]);
    }`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
    timeout: 60_000,
    // Inside Electron, execPath is the app: run it as plain Node.
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
  });
  const answer = r.stdout?.trim() ?? '';
  webGpuProbe = answer === 'ok' ? null : firstLine(answer || `the WebGPU probe exited with ${r.status ?? r.signal}`);
  try {
    fs.writeFileSync(cache, JSON.stringify({ boot, failure: webGpuProbe }));
  } catch {
    // an unwritable temporary folder only costs a probe next time
  }
  return webGpuProbe;
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
