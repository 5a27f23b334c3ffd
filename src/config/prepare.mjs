// `npm ci` runs this (package.json "prepare"): the build to dist/ (`npm run build`). The build needs the
// devDependencies (typescript, esbuild, and uplot for the explorer's bundle). A production install of a
// checkout (`npm ci --omit=dev`) has none of them: tsx, a dependency, brings esbuild along, so the explorer's
// build started and failed on uplot, and the install with it. There the build is left out, saying so: the CLI
// runs src/ through tsx (src/cli/bin.mjs) and the explorer's committed bundle (src/explorer/assets/).
import { execSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const missing = ['typescript', 'esbuild', 'uplot'].filter((name) => {
  try {
    require.resolve(name);
    return false;
  } catch {
    return true;
  }
});
if (missing.length > 0) {
  process.stdout.write(`prepare: ${missing.join(', ')} not installed (a production install): no build to dist/; ltv runs src/ through tsx, with the committed explorer bundle\n`);
} else {
  execSync('npm run build', { stdio: 'inherit' });
}
