// package.json's "prepare" (src/config/prepare.mjs), run by `npm ci`: in a production install of a checkout
// (`npm ci --omit=dev`: no typescript, esbuild or uplot) it builds nothing and says so, exit 0. Before, the
// explorer's build started (tsx brings esbuild along), failed on uplot, and failed the install. Run here as
// npm runs it, from a copy of the script in a folder whose node_modules holds only some of the tools.
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const run = promisify(execFile);

it('leaves the build out in a production install, naming what is missing, and exits 0', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ltv-prepare-'));
  try {
    mkdirSync(join(dir, 'src/config'), { recursive: true });
    cpSync(new URL('../../src/config/prepare.mjs', import.meta.url), join(dir, 'src/config/prepare.mjs'));
    // esbuild is there (tsx depends on it), typescript and uplot are not: as `npm ci --omit=dev` leaves them.
    mkdirSync(join(dir, 'node_modules/esbuild'), { recursive: true });
    writeFileSync(join(dir, 'node_modules/esbuild/package.json'), JSON.stringify({ name: 'esbuild', version: '0.0.0', main: 'index.js' }));
    writeFileSync(join(dir, 'node_modules/esbuild/index.js'), '');
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'x', scripts: { build: 'exit 3' } }));
    const r = await run(process.execPath, ['src/config/prepare.mjs'], { cwd: dir });
    expect(r.stdout).toBe('prepare: typescript, uplot not installed (a production install): no build to dist/; ltv runs src/ through tsx, with the committed explorer bundle\n');
    // With every tool there it runs the build (here a script that fails: the failure is npm's, exit 3).
    for (const name of ['typescript', 'uplot']) {
      mkdirSync(join(dir, 'node_modules', name), { recursive: true });
      writeFileSync(join(dir, 'node_modules', name, 'package.json'), JSON.stringify({ name, version: '0.0.0', main: 'index.js' }));
      writeFileSync(join(dir, 'node_modules', name, 'index.js'), '');
    }
    await expect(run(process.execPath, ['src/config/prepare.mjs'], { cwd: dir })).rejects.toMatchObject({ code: 1 });
    // package.json runs it as "prepare".
    expect((JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> }).scripts.prepare).toBe('node src/config/prepare.mjs');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
