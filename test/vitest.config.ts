import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // DuckDB and Redis tests are heavy on 2 cores; a few files at a time keeps timings honest.
    maxWorkers: 2,
  },
});
