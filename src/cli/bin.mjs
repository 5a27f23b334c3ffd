#!/usr/bin/env node
// `npx ltv`: runs the JavaScript that `npm run build` wrote to dist/ (`npm ci` builds it through
// `prepare`), so a command starts without compiling TypeScript. In a checkout where dist/ is missing or
// older than a file in src/ (edited since the last build; documentation aside), it runs the TypeScript
// through tsx instead: slower to start, never stale. The image has no src/ and always runs dist/.
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';
import { buildIsCurrent } from './buildIsCurrent.mjs';

// A signal while the command is still loading (a fraction of a second from dist/, seconds through tsx)
// ended the process through Node's default: no line, exit by signal. Until a command's action takes over
// (main.ts releases these before it runs, and it installs its own or leaves Node's), one line and 128 + n.
const EARLY_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const early = (sig) => {
  process.stderr.write(`ltv: interrupted (${sig}) before the command started: nothing was done\n`);
  process.exit(128 + constants.signals[sig]);
};
for (const sig of EARLY_SIGNALS) process.on(sig, early);
process[Symbol.for('ltv.releaseEarlySignals')] = () => {
  for (const sig of EARLY_SIGNALS) process.off(sig, early);
};

if (buildIsCurrent(fileURLToPath(new URL('../../', import.meta.url)))) {
  await import(new URL('../../dist/cli/main.js', import.meta.url).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./main.ts');
}
