// SPEC §11 /readyz: the reports directory check of `ltv serve` (it must be there to serve) and of the worker
// (it makes a job's directory when it first publishes: one not made yet is ready if it can be). Real files.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkReadiness, reportsReadable } from '../../src/metrics/checkReadiness.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ltv-ready-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const answer = async (path: string, creatable: boolean): Promise<string> => {
  const r = await checkReadiness([reportsReadable(path, { creatable })], 1_000);
  return r.checks[`reports ${path}`]!;
};

describe('the reports directory check', () => {
  it('is ready for an existing directory, either way', async () => {
    await mkdir(join(dir, 'reports'));
    expect(await answer(join(dir, 'reports'), false)).toBe('ok');
    expect(await answer(join(dir, 'reports'), true)).toBe('ok');
  });

  it('a worker is ready for a directory not made yet under one it can write in (a new install); serve is not', async () => {
    const fresh = join(dir, 'reports', 'fresh');
    expect(await answer(fresh, true)).toBe('ok');
    expect(await answer(fresh, false)).toBe(`reports directory ${fresh} is not readable (ENOENT)`);
  });

  it('says a file is not a directory (it said EACCES), and that nothing can be made under a file', async () => {
    const file = join(dir, 'reports.txt');
    await writeFile(file, 'x');
    expect(await answer(file, false)).toBe(`reports directory ${file} is not a directory`);
    expect(await answer(file, true)).toBe(`reports directory ${file} is not a directory`);
    const under = join(file, 'a', 'b');
    expect(await answer(under, true)).toBe(`reports directory ${under} does not exist and cannot be created (${file} is not a directory)`);
  });
});
