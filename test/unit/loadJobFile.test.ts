// A job file that is no regular file is refused at once: reading a FIFO waited for a writer forever
// (`ltv run pipe.json` hung without a word), and a directory said only "(EISDIR)".
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadJob } from '../../src/config/loadJob.js';

describe('loadJob', () => {
  it('refuses a FIFO or a directory in one line naming it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ltv-jobfile-'));
    try {
      execFileSync('mkfifo', [join(dir, 'pipe.json')]);
      await mkdir(join(dir, 'jobs.json'));
      await expect(loadJob(join(dir, 'pipe.json'))).rejects.toThrow(`${join(dir, 'pipe.json')}: is a FIFO (named pipe), not a job file: give a job's .json file, e.g. jobs/example.json`);
      await expect(loadJob(join(dir, 'jobs.json'))).rejects.toThrow(`${join(dir, 'jobs.json')}: is a directory, not a job file: give a job's .json file, e.g. jobs/example.json`);
      await expect(loadJob(join(dir, 'missing.json'))).rejects.toThrow(`${join(dir, 'missing.json')}: cannot read the job file (ENOENT)`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 5000);
});
