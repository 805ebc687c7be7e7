import { describe, expect, it } from 'vitest';
import { MMAP_THRESHOLD_BYTES, tuneAllocator, tuneAllocatorNow } from '../../src/platform/allocator.js';

// The real mallopt of this process's C library, called through koffi (nothing is faked). Its
// effect on memory over a long run is measured by bench/soak.bench.ts, not here.
const glibc =
  process.platform === 'linux' &&
  Boolean((process.report.getReport() as { header: { glibcVersionRuntime?: string } }).header.glibcVersionRuntime);

describe('allocator tuning', () => {
  it('pins glibc’s mmap threshold once per process; other C libraries are left alone', () => {
    const first = tuneAllocator({});
    expect(first).toEqual(
      glibc ? { tuned: true, mmapThreshold: MMAP_THRESHOLD_BYTES } : { tuned: false, reason: 'not glibc' },
    );
    expect(tuneAllocator({ PCAGENT_ALLOCATOR: 'system' })).toBe(first);
  });

  it('leaves the allocator alone when the user set it or asked for the system one', () => {
    expect(tuneAllocatorNow({ MALLOC_MMAP_THRESHOLD_: '65536' })).toEqual({
      tuned: false,
      reason: 'the mmap threshold is set in the environment',
    });
    expect(tuneAllocatorNow({ GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=65536' }).tuned).toBe(false);
    expect(tuneAllocatorNow({ PCAGENT_ALLOCATOR: 'system' })).toEqual({
      tuned: false,
      reason: 'PCAGENT_ALLOCATOR=system',
    });
  });
});
