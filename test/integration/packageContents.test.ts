// What `npm pack` puts in ltv's package (package.json "files"): the build in dist/ (the package had none, as
// .gitignore leaves dist/ out, so an installed ltv compiled its TypeScript at every start), the launcher and
// sources it falls back to, the example job; not the tests, their fixtures or the CI and deployment scripts.
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function packed(): Promise<string[]> {
  return new Promise((resolve, reject) => {
    // --ignore-scripts: the build is there already (npm ci ran prepare); a dry run writes no tarball.
    execFile('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, maxBuffer: 64 << 20 }, (err, stdout) => {
      if (err) reject(err);
      else resolve((JSON.parse(stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path));
    });
  });
}

const filesUnder = (dir: string): string[] =>
  readdirSync(`${ROOT}${dir}`, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => `${e.parentPath.slice(ROOT.length)}/${e.name}`);

describe('the npm package', () => {
  it('carries the whole build, the launcher and the example job, and none of the tests or CI scripts', async () => {
    const files = new Set(await packed());
    const built = filesUnder('dist');
    expect(built).toContain('dist/cli/main.js');
    expect(built.filter((f) => !files.has(f))).toEqual([]);
    for (const f of ['src/cli/bin.mjs', 'src/cli/buildIsCurrent.mjs', 'src/cli/main.ts', 'jobs/example.json', 'jobs/example/transactions.csv', 'README.md', 'package.json']) {
      expect(files.has(f), f).toBe(true);
    }
    expect([...files].filter((f) => /^(test|\.ci|\.deploy|node_modules|reports)\//.test(f))).toEqual([]);
  }, 60_000);
});
