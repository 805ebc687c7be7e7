import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // X-server and LibreOffice tests share one display per file; files run in separate forks.
    pool: 'forks',
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
