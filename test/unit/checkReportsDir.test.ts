// A run probes its reports directory before it reads anything (src/pipeline.ts checkReportsDir), making
// the directories it needs and removing them again. A worker takes two runs at once: two probes of one new
// directory could remove it under each other, and a run failed with "cannot write the reports directory
// (ENOENT)" although the directory was writable (seen in CI: workerProcess.test.ts). Here eight probes at a
// time, twenty times, on real directories.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkReportsDir } from '../../src/pipeline.js';

const base = mkdtempSync(join(tmpdir(), 'ltv-probe-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('checkReportsDir', () => {
  it('passes every probe of one new directory made at the same time', async () => {
    for (let round = 0; round < 20; round++) {
      const dir = join(base, `r${round}`, 'reports');
      const results = await Promise.allSettled(Array.from({ length: 8 }, () => checkReportsDir(dir)));
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    }
  });

  it('leaves nothing behind when it probes alone', async () => {
    await checkReportsDir(join(base, 'alone', 'deeper', 'reports'));
    expect(existsSync(join(base, 'alone'))).toBe(false);
  });

  it('still refuses a directory that cannot be made, in one line naming it', async () => {
    const file = join(base, 'a-file');
    (await import('node:fs')).writeFileSync(file, '');
    await expect(checkReportsDir(join(file, 'reports'))).rejects.toThrow(`cannot write the reports directory ${join(file, 'reports')} (ENOTDIR: a part of that path is a file, not a folder): move the file away, or give another --out (or "reports_dir" in the job file)`);
  });
});
