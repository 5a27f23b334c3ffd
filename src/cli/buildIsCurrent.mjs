// Whether the build in <root>/dist is current: dist/cli/main.js exists and no file under <root>/src but
// documentation (.md) was modified after it. src/cli/bin.mjs runs dist/ when it is, the TypeScript
// through tsx when it is not (a README edit is no reason to compile on every start).
import { existsSync, readdirSync, statSync } from 'node:fs';

/** Newest modification time under dir, in ms (0 when it does not exist); .md files do not count. */
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
    if (e.isDirectory()) t = Math.max(t, newest(p));
    else if (!e.name.endsWith('.md')) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}

/**
 * An installed package (a folder under node_modules: `npm install ltv-x.tgz`, `npm install -g`) is never
 * edited in place, and npm writes its files in no particular order, so src/ may be newer than the dist/ packed
 * beside it: there dist/ existing is enough. So it is in the Docker image, whose src/ holds the launcher's
 * .mjs files and no TypeScript (no src/cli/main.ts) to fall back to, whatever times COPY gave them.
 * @param {string} root the package's directory, with a trailing slash
 */
export function buildIsCurrent(root) {
  const built = `${root}dist/cli/main.js`;
  if (!existsSync(built)) return false;
  if (root.split(/[\\/]/).includes('node_modules') || !existsSync(`${root}src/cli/main.ts`)) return true;
  return newest(`${root}src`) <= statSync(built).mtimeMs;
}
