import { describe, expect, it } from 'vitest';
import { formatBytes } from '../../src/core/bytes.js';

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1024, '1.0 KB'],
    [26_214, '25.6 KB'],
    [4_718_592, '4.5 MB'],
    [125_829_120, '120 MB'],
    [3 * 1024 ** 3, '3.0 GB'],
  ])('%d bytes → %s', (n, text) => expect(formatBytes(n)).toBe(text));
});
