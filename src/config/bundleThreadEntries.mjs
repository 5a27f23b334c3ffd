// Part of `npm run build`, after tsc: the forecast thread's entry (dist/forecast/forecastThreadMain.js) is
// made one file with its dependencies, in place. Its models load @stdlib's log-gamma, log-beta, digamma and
// Mersenne Twister, about 460 small CommonJS files: resolving, reading and compiling them took ~0.3 s of
// wall time and ~0.45 s of CPU at every thread start (with DuckDB's client, which the thread no longer
// imports), once per `ltv run` that forecasts, beside the run's own work on a 2-core machine; the bundle
// loads in ~0.08 s. It is the same code (esbuild, not minified), so the numbers are the same; src/ (tsx,
// vitest) runs the modules as they are. test/integration/forecastThread.test.ts bundles the entry with
// these options and checks its forecast. Without esbuild (a production install) the entry stays as tsc
// wrote it and works the same, only slower to start.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** esbuild's options for a thread entry (an ES module for Node 20, its npm dependencies inside). */
export const THREAD_BUNDLE = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // CommonJS dependencies inside an ES module bundle call require() for Node's own modules.
  banner: { js: "import { createRequire as __ltvCreateRequire } from 'node:module'; const require = __ltvCreateRequire(import.meta.url);" },
  legalComments: 'eof',
  logLevel: 'warning',
};

/** The entries bundled in dist/, relative to it. */
export const THREAD_ENTRIES = ['forecast/forecastThreadMain.js'];

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  let build;
  try {
    ({ build } = await import('esbuild'));
  } catch {
    process.stdout.write('build: esbuild is not installed (production install); thread entries stay unbundled\n');
    process.exit(0);
  }
  const dist = fileURLToPath(new URL('../../dist/', import.meta.url));
  for (const entry of THREAD_ENTRIES) {
    const file = dist + entry;
    if (!existsSync(file)) throw new Error(`build: ${file} is missing: run tsc first`);
    await build({ ...THREAD_BUNDLE, entryPoints: [file], outfile: file, allowOverwrite: true, sourcemap: true });
  }
}
