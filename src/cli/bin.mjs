#!/usr/bin/env node
// `npx ltv`: runs the JavaScript that `npm run build` wrote to dist/ (`npm ci` builds it through
// `prepare`), so a command starts without compiling TypeScript. In a checkout where dist/ is missing or
// older than a file in src/ (edited since the last build), it runs the TypeScript through tsx instead:
// slower to start, never stale. The image has no src/ and always runs dist/.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const built = `${root}dist/cli/main.js`;

/** Newest modification time under dir, in ms (0 when it does not exist). */
function newest(dir) {
  let t = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = `${dir}/${e.name}`;
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

if (existsSync(built) && newest(`${root}src`) <= statSync(built).mtimeMs) {
  await import(new URL('../../dist/cli/main.js', import.meta.url).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./main.ts');
}
