// src/cli/bin.mjs runs dist/ when the build is current (buildIsCurrent.mjs), the TypeScript through tsx
// when some source was modified after it. Documentation does not count: a README edit made every command
// start through tsx until the next build. Here on a tree of its own, times set by hand.
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a JavaScript module of the launcher, without types
import { buildIsCurrent } from '../../src/cli/buildIsCurrent.mjs';

const root = `${mkdtempSync(join(tmpdir(), 'ltv-build-'))}/`;
afterAll(() => rmSync(root, { recursive: true, force: true }));

const at = (path: string, seconds: number): void => {
  mkdirSync(join(root, path, '..'), { recursive: true });
  writeFileSync(join(root, path), '');
  utimesSync(join(root, path), seconds, seconds);
};

describe('whether the build is current', () => {
  it('is not without a build, is when every source is older, and is not once a source is newer', () => {
    at('src/cli/main.ts', 1000);
    at('src/sql/23_matrix.sql', 1000);
    expect(buildIsCurrent(root)).toBe(false);
    at('dist/cli/main.js', 2000);
    expect(buildIsCurrent(root)).toBe(true);
    at('src/sql/23_matrix.sql', 3000);
    expect(buildIsCurrent(root)).toBe(false);
    at('dist/cli/main.js', 4000);
    at('src/forecast/deep/x.ts', 4001);
    expect(buildIsCurrent(root)).toBe(false);
  });

  it('does not count documentation', () => {
    at('dist/cli/main.js', 5000);
    at('src/README.md', 6000);
    at('src/forecast/README.md', 6000);
    expect(buildIsCurrent(root)).toBe(true);
  });
});

describe('an installed package', () => {
  // npm writes a tarball's files in no set order, so its src/ may be newer than its dist/ (it was, by 1.5 s,
  // in an `npm install ltv-0.1.0.tgz`: every command then compiled the TypeScript at its start).
  const installed = `${mkdtempSync(join(tmpdir(), 'ltv-installed-'))}/node_modules/ltv/`;
  afterAll(() => rmSync(join(installed, '../../'), { recursive: true, force: true }));
  const put = (path: string, seconds: number): void => {
    mkdirSync(join(installed, path, '..'), { recursive: true });
    writeFileSync(join(installed, path), '');
    utimesSync(join(installed, path), seconds, seconds);
  };

  it('runs its dist/ whatever the files’ times, and its sources when it has no dist/', () => {
    put('src/cli/main.ts', 2000);
    expect(buildIsCurrent(installed)).toBe(false);
    put('dist/cli/main.js', 1000);
    expect(buildIsCurrent(installed)).toBe(true);
  });
});

describe('the Docker image', () => {
  // Its src/ holds the launcher's .mjs files alone (Dockerfile), which COPY may leave newer than dist/.
  const image = `${mkdtempSync(join(tmpdir(), 'ltv-image-'))}/`;
  afterAll(() => rmSync(image, { recursive: true, force: true }));

  it('runs its dist/ whatever the times, having no TypeScript to fall back to', () => {
    for (const [path, seconds] of [['dist/cli/main.js', 1000], ['src/cli/bin.mjs', 2000], ['src/cli/buildIsCurrent.mjs', 2000]] as const) {
      mkdirSync(join(image, path, '..'), { recursive: true });
      writeFileSync(join(image, path), '');
      utimesSync(join(image, path), seconds, seconds);
    }
    expect(buildIsCurrent(image)).toBe(true);
  });
});
