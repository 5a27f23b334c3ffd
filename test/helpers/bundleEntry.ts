// One of the modules `npm run build` bundles in place (src/config/bundleEntries.mjs), bundled here from its
// TypeScript with the build's own options, externals and injected modules, into `outDir`; and the packages the bundle still
// loads at run time (Node's own modules aside).
import { readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuildOptions } from 'esbuild';

interface BundleScript {
  BUNDLE: BuildOptions;
  BUNDLED_ENTRIES: { entry: string; external: string[]; inject: string[] }[];
}

/** Bundles `src/<entry>` (e.g. 'warehouse/duckdb.js', as BUNDLED_ENTRIES names it) into outDir. */
export async function bundleEntry(entry: string, outDir: string): Promise<{ file: string; packages: string[] }> {
  const { build } = await import('esbuild');
  const script = new URL('../../src/config/bundleEntries.mjs', import.meta.url).href;
  const { BUNDLE, BUNDLED_ENTRIES } = (await import(script)) as BundleScript;
  const listed = BUNDLED_ENTRIES.find((e) => e.entry === entry);
  if (!listed) throw new Error(`${entry} is not one of the build's bundled entries`);
  const file = join(outDir, basename(entry).replace(/\.js$/, '.mjs'));
  await build({ ...BUNDLE, entryPoints: [fileURLToPath(new URL(`../../src/${entry.replace(/\.js$/, '.ts')}`, import.meta.url))], outfile: file, external: listed.external, inject: listed.inject });
  const text = readFileSync(file, 'utf8');
  const packages = [...text.matchAll(/(?:from |import\(|require\()["']([^"'.][^"']*)["']/g)].map((m) => m[1]!).filter((p) => !isBuiltin(p));
  return { file, packages: [...new Set(packages)] };
}
