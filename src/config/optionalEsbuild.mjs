// esbuild for the build scripts (bundleEntries.mjs, explorer/buildExplorer.mjs). It is a devDependency: a
// production install (`npm ci --omit=dev`) has none, and there a build step says what it leaves as it is
// and ends without failing the install.
export async function esbuildOrExit(skipped) {
  try {
    return (await import('esbuild')).build;
  } catch {
    process.stdout.write(`${skipped}\n`);
    process.exit(0);
  }
}
