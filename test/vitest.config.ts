import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // DuckDB and Redis tests are heavy on 2 cores; a few files at a time keeps timings honest.
    maxWorkers: 2,
    // Each worker imports DuckDB, BullMQ, exceljs and the sources once for all its files instead of once per
    // file (measured on 32 files: 64 s of imports became 19 s). The files share no state that matters: each
    // test makes its own temp directories, Redis prefix, servers and metrics registry, and restores what
    // it changes in process.env.
    isolate: false,
  },
});
