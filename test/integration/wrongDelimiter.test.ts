// A delimiter given that is not the file's (a ";" for a comma export, "format": "tsv" or a .tsv name on a
// CSV file) is named as such: the message said "no column for the required customer_id … map one with --map".
import { describe, it } from 'vitest';
import { isAppError } from '../../src/config/AppError.js';
import type { JobInput } from '../../src/config/jobSchema.js';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadJob } from '../../src/config/loadJob.js';
import { runPipeline } from '../../src/pipeline.js';
import { csv, makeFixture, runJob, silentLogger } from '../helpers/runFixture.js';

const EXPORT = csv('customer_id,event_time,amount', [['a', '2026-01-10T10:00:00Z', '10']]);

/** The run's error, of a job from the command line's flags (runJob), or of a job file. */
async function failure(name: string, input: JobInput['inputs'][number], from: 'flags' | 'file' = 'flags'): Promise<string> {
  const fx = await makeFixture({ [name]: EXPORT });
  try {
    const job: JobInput = { inputs: [input], formats: ['json'], forecast: { model: 'off' } };
    const run = async (): Promise<unknown> => {
      if (from === 'flags') return runJob(fx, job, '2026-02-01T00:00:00Z');
      await writeFile(join(fx.dir, 'job.json'), JSON.stringify({ ...job, reports_dir: fx.reportsDir }));
      return runPipeline(await loadJob(join(fx.dir, 'job.json')), { logger: silentLogger, asOf: new Date('2026-02-01T00:00:00Z') });
    };
    const err = await run().catch((e: unknown) => e);
    return isAppError(err) ? `${err.code}: ${err.message.replace(fx.dir, '<dir>')}` : `no error: ${String(err)}`;
  } finally {
    await fx.cleanup();
  }
}

describe.concurrent('a delimiter that is not the file\'s', () => {
  it('names the delimiter given and the one the header shows, whether a column is mapped or required, in the job file\'s words or the flags\'', async ({ expect }) => {
    expect(await failure('e.csv', { path: 'e.csv', delimiter: ';' }, 'file')).toBe('INPUT: <dir>/e.csv: line 1 (the header) is one column, '
      + '"customer_id,event_time,amount", split at ";", the delimiter inputs[0] gives (its "delimiter", or tab for "format": "tsv" or a .tsv name); '
      + 'the file looks separated by ",": give that one ("delimiter" in the input, --delimiter)');
    expect(await failure('e.tsv', { path: 'e.tsv', map: { amount: 'amount' } }, 'file')).toBe('INPUT: <dir>/e.tsv: line 1 (the header) is one column, '
      + '"customer_id,event_time,amount", split at tab, the delimiter inputs[0] gives (its "delimiter", or tab for "format": "tsv" or a .tsv name); '
      + 'the file looks separated by ",": give that one ("delimiter" in the input, --delimiter)');
    // A run from flags has no inputs[0]: it said so all the same.
    expect(await failure('e.csv', { path: 'e.csv', delimiter: ';' })).toBe('INPUT: <dir>/e.csv: line 1 (the header) is one column, '
      + '"customer_id,event_time,amount", split at ";", the delimiter --delimiter gives; the file looks separated by ",": give that one (--delimiter)');
    expect(await failure('e.tsv', { path: 'e.tsv' })).toBe('INPUT: <dir>/e.tsv: line 1 (the header) is one column, '
      + '"customer_id,event_time,amount", split at tab, the delimiter of a .tsv name; the file looks separated by ",": give that one (--delimiter)');
  });

  it('a job\'s as_of without an offset says what it needs (zod said "Invalid ISO datetime")', async ({ expect }) => {
    const fx = await makeFixture({ 'e.csv': EXPORT });
    try {
      const err = await runJob(fx, { inputs: [{ path: 'e.csv' }], as_of: '2026-02-01' }, '2026-02-01T00:00:00Z').catch((e: unknown) => e);
      expect((err as Error).message).toBe('command line: as_of: "2026-02-01" has no UTC offset: give one, e.g. 2026-02-01T00:00:00Z or 2026-02-01T00:00:00+01:00 (without it the time would be read in UTC, not in the report time zone)');
      const basic = await runJob(fx, { inputs: [{ path: 'e.csv' }], as_of: '2026-02-01T10:00+0100' }, '2026-02-01T00:00:00Z').catch((e: unknown) => e);
      expect((basic as Error).message).toBe('command line: as_of: "2026-02-01T10:00+0100": write its UTC offset as +01:00 (e.g. 2026-02-01T10:00+01:00)');
      // What --as-of takes, a job takes (it refused a time without seconds, and a lower-case t or z).
      const short = await runJob(fx, { inputs: [{ path: 'e.csv' }], formats: ['json'], forecast: { model: 'off' }, as_of: '2026-02-01t10:00z' }, '2026-02-01T10:00:00Z');
      expect(short.tenants.map((t) => t.runId)).toEqual(['20260201T100000Z']);
    } finally {
      await fx.cleanup();
    }
  });
});
