// Builds the explorer's browser bundle (npm run build:explorer; `prepare` runs it): src/explorer/app →
// src/explorer/assets/explorer.js and explorer.css, uPlot bundled in, minified. The output is committed
// (the server and the render stage read it from the package, and `npm ci --omit=dev` images have no
// esbuild); test/integration/explorerRoutes.test.ts fails when it is older than its sources.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { esbuildOrExit } from '../config/optionalEsbuild.mjs';

export const EXPLORER_BUILD = {
  absWorkingDir: fileURLToPath(new URL('.', import.meta.url)),
  entryPoints: ['app/explorer.ts', 'app/explorer.css'],
  bundle: true,
  minify: true,
  format: 'iife',
  // Browsers of the last few years (DecompressionStream, ResizeObserver, :focus-visible).
  target: ['chrome105', 'firefox113', 'safari16.4'],
  legalComments: 'eof',
  banner: {
    js: '/*! ltv explorer; bundles uPlot 1.6.32 (MIT License, Copyright (c) 2022 Leon Sorokin, https://github.com/leeoniya/uPlot) */',
    css: '/*! ltv explorer; bundles uPlot 1.6.32 styles (MIT License, Copyright (c) 2022 Leon Sorokin) */',
  },
  charset: 'utf8',
  logLevel: 'warning',
};

const outdir = fileURLToPath(new URL('./assets/', import.meta.url));

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // A production install has no esbuild: the committed bundle is what it serves.
  const build = await esbuildOrExit('build:explorer: esbuild is not installed (production install); keeping the committed bundle');
  // --check: build in memory and compare with the committed files (the test suite runs this).
  const check = process.argv.includes('--check');
  const r = await build({ ...EXPLORER_BUILD, outdir, entryNames: '[name]', metafile: true, write: !check });
  if (check) {
    const stale = r.outputFiles.filter((f) => !existsSync(f.path) || !readFileSync(f.path).equals(Buffer.from(f.contents)));
    for (const f of stale) console.error(`${f.path} is older than src/explorer/app: run npm run build:explorer and commit it`);
    process.exitCode = stale.length ? 1 : 0;
  } else {
    for (const [file, out] of Object.entries(r.metafile.outputs)) process.stdout.write(`${file}: ${out.bytes} bytes\n`);
  }
}
