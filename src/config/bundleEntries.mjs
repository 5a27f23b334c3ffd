// Part of `npm run build`, after tsc: a few modules in dist/ are made one file with their npm dependencies,
// in place, where loading a package's many small CommonJS files costs a run's start (measured at each):
// - the forecast thread's entry (forecast/forecastThreadMain.js): its models load @stdlib's log-gamma,
//   log-beta, digamma and Mersenne Twister, about 460 files; resolving, reading and compiling them took
//   ~0.3 s of wall time and ~0.45 s of CPU at every thread start; the bundle loads in ~0.08 s (the
//   endpoint's forecast thread, forecast/subsetThreadMain.js, loads the same models);
// - the workbook thread's entry (report/xlsxThreadMain.js): exceljs's streaming writer and the zip and XML
//   modules under it, ~0.25 s of the thread's CPU at every run's start (beside DuckDB's statements on a
//   2-core machine), ~0.13 s bundled;
// - DuckDB's client (warehouse/duckdb.js, through which ltv imports it): ~180 files, ~0.14 s on the run's
//   own thread before its first statement, ~0.05 s bundled; its native binding stays a package;
// - zod (config/zod.js, through which ltv imports it): ~95 ES modules at the start of every command that
//   reads a job or a request (importing the pipeline and the job loader: ~0.05 s less).
// It is the same code (esbuild, not minified), so the numbers and files are the same; src/ (tsx, vitest)
// runs the modules as they are. forecastThread.test.ts, xlsxThread.test.ts and bundledModules.test.ts (in
// test/integration/) bundle each entry with these options and check what it does. Without esbuild (a
// production install) the modules stay as tsc wrote them and work the same, only slower to start.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { esbuildOrExit } from './optionalEsbuild.mjs';

/** esbuild's options for an entry (an ES module for Node 20, its npm dependencies inside). */
export const BUNDLE = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // CommonJS dependencies inside an ES module bundle call require() for Node's own modules.
  banner: { js: "import { createRequire as __ltvCreateRequire } from 'node:module'; const require = __ltvCreateRequire(import.meta.url);" },
  legalComments: 'eof',
  logLevel: 'warning',
};

/**
 * The deprecated `new Buffer(…)` made as Buffer.alloc/from, so Node does not warn (legacyBuffer.mjs): only
 * in a bundle whose packages call it, since every other use of Buffer there goes through a Proxy too
 * (DuckDB's client reads string bytes through Buffer.from).
 */
const LEGACY_BUFFER = [fileURLToPath(new URL('./legacyBuffer.mjs', import.meta.url))];

/**
 * The modules bundled in dist/, relative to it, each with the packages left outside it (native code) and
 * what is injected into it.
 */
export const BUNDLED_ENTRIES = [
  { entry: 'forecast/forecastThreadMain.js', external: [], inject: [] },
  { entry: 'forecast/subsetThreadMain.js', external: [], inject: [] },
  // archiver-utils, under exceljs's zip writer, calls `new Buffer()`.
  { entry: 'report/xlsxThreadMain.js', external: [], inject: LEGACY_BUFFER },
  { entry: 'warehouse/duckdb.js', external: ['@duckdb/node-bindings'], inject: [] },
  { entry: 'config/zod.js', external: [], inject: [] },
];

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const build = await esbuildOrExit('build: esbuild is not installed (production install); entries stay unbundled');
  const dist = fileURLToPath(new URL('../../dist/', import.meta.url));
  for (const { entry, external, inject } of BUNDLED_ENTRIES) {
    const file = dist + entry;
    if (!existsSync(file)) throw new Error(`build: ${file} is missing: run tsc first`);
    await build({ ...BUNDLE, entryPoints: [file], outfile: file, allowOverwrite: true, sourcemap: true, external, inject });
  }
}
