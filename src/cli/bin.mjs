#!/usr/bin/env node
// `npx ltv`: runs the JavaScript that `npm run build` wrote to dist/ (`npm ci` builds it through
// `prepare`), so a command starts without compiling TypeScript. In a checkout where dist/ is missing or
// older than a file in src/ (edited since the last build; documentation aside), it runs the TypeScript
// through tsx instead: slower to start, never stale. The image has no src/ and always runs dist/.
import { fileURLToPath } from 'node:url';
import { buildIsCurrent } from './buildIsCurrent.mjs';

if (buildIsCurrent(fileURLToPath(new URL('../../', import.meta.url)))) {
  await import(new URL('../../dist/cli/main.js', import.meta.url).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./main.ts');
}
