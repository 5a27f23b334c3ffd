#!/usr/bin/env node
// `npx ltv`: runs the JavaScript that `npm run build` wrote to dist/ (`npm ci` builds it through
// `prepare`), so a command starts without compiling TypeScript. In a checkout where dist/ is missing or
// older than a file in src/ (edited since the last build; documentation aside), it runs the TypeScript
// through tsx instead: slower to start, never stale. The image has src/cli's .mjs files alone, no TypeScript,
// and always runs dist/.
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';
import { buildIsCurrent } from './buildIsCurrent.mjs';

// A signal while the command is still loading (a fraction of a second from dist/, seconds through tsx)
// ended the process through Node's default: no line, exit by signal. Until a command's action begins, one
// line and 128 + n. The listener stays to the end (src/cli/signalMode.ts says why) and then defers: to the
// command's own handlers ('owned'), or to Node's default ('default': it steps aside and raises the signal again).
const EARLY_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];
let mode = 'loading';
const early = (sig) => {
  if (mode === 'owned') return;
  if (mode === 'default') {
    for (const s of EARLY_SIGNALS) process.off(s, early);
    process.kill(process.pid, sig);
    return;
  }
  process.stderr.write(`ltv: interrupted (${sig}) before the command started: nothing was done\n`);
  process.exit(128 + constants.signals[sig]);
};
for (const sig of EARLY_SIGNALS) process.on(sig, early);
process[Symbol.for('ltv.signalMode')] = (m) => {
  mode = m;
};

if (buildIsCurrent(fileURLToPath(new URL('../../', import.meta.url)))) {
  await import(new URL('../../dist/cli/main.js', import.meta.url).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./main.ts');
}
