/**
 * The C allocator's tuning for the agents' long-running commands (run, replay, eval, the app).
 *
 * glibc serves allocations above its mmap threshold (128 KiB) with their own mappings, but the
 * first time such a mapping is freed it raises the threshold to that size (up to 32 MiB). Every
 * step of the agent loop allocates and frees large buffers (grabs, packed RGB, PNG encoding in
 * libvips): once the threshold has risen they come from the heap arenas instead, which
 * fragment, so RSS kept creeping up step after step and sat 60–80 MB higher (bench/soak.bench.ts:
 * 291 MB after 990 agent steps, 2–7 KB more each step; with the threshold pinned 215 MB and
 * flat). A threshold of 1 or 2 MiB still crept (24–53 KB a step over 400 steps): buffers of a
 * few hundred KiB fragment the heap too. Pinning the threshold (mallopt(M_MMAP_THRESHOLD), which
 * also turns the dynamic rule off) gives every large buffer back to the system when it is freed.
 *
 * Done in-process through koffi (a maintained FFI library that ships prebuilt binaries) because
 * the environment variable that does the same (MALLOC_MMAP_THRESHOLD_) must be set before the
 * process starts. A user's own MALLOC_MMAP_THRESHOLD_ / GLIBC_TUNABLES wins, and
 * PCAGENT_ALLOCATOR=system leaves glibc as it is (the soak bench's baseline); other C libraries
 * (musl, macOS, Windows) have no such rule and are left alone.
 */
import { createRequire } from 'node:module';
import type Koffi from 'koffi';

/** glibc's mallopt parameter number for the mmap threshold (malloc.h). */
const M_MMAP_THRESHOLD = -3;
/** glibc's initial threshold: large pixel buffers are far above it, small objects far below. */
export const MMAP_THRESHOLD_BYTES = 128 * 1024;

export type AllocatorTuning =
  { readonly tuned: true; readonly mmapThreshold: number } | { readonly tuned: false; readonly reason: string };

let done: AllocatorTuning | null = null;

function glibcVersion(): string | null {
  if (process.platform !== 'linux') return null;
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  return header?.glibcVersionRuntime ?? null;
}

/**
 * Pins glibc's mmap threshold once for this process; later calls return the first answer.
 * Never throws: a process that cannot be tuned runs as before.
 */
export function tuneAllocator(env: NodeJS.ProcessEnv = process.env): AllocatorTuning {
  if (done) return done;
  done = tuneAllocatorNow(env);
  return done;
}

/** Tunes now, whatever an earlier call did (tests; tuneAllocator is the one to use). */
export function tuneAllocatorNow(env: NodeJS.ProcessEnv): AllocatorTuning {
  if (env.PCAGENT_ALLOCATOR === 'system') return { tuned: false, reason: 'PCAGENT_ALLOCATOR=system' };
  if (env.MALLOC_MMAP_THRESHOLD_ !== undefined || env.GLIBC_TUNABLES?.includes('mmap_threshold'))
    return { tuned: false, reason: 'the mmap threshold is set in the environment' };
  if (!glibcVersion()) return { tuned: false, reason: 'not glibc' };
  try {
    // koffi is CommonJS; createRequire keeps it out of the start-up of commands that never tune.
    const koffi = createRequire(import.meta.url)('koffi') as typeof Koffi;
    const mallopt = koffi.load('libc.so.6').func('int mallopt(int, int)') as (param: number, value: number) => number;
    // mallopt returns 1 on success, 0 on error.
    if (mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES) !== 1) return { tuned: false, reason: 'mallopt refused' };
    return { tuned: true, mmapThreshold: MMAP_THRESHOLD_BYTES };
  } catch (err) {
    return { tuned: false, reason: err instanceof Error ? err.message.split('\n')[0]! : String(err) };
  }
}
