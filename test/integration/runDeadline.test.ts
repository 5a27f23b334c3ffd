// A job's max_run_time: a run still going after it is stopped the way a cancelled run is (the statement in
// progress interrupted, the writers checked between files), publishes nothing, keeps the last report, and
// is not retried. In process, through `ltv run`, and by a worker. Real DuckDB, Redis and files.
import { readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { isAppError } from '../../src/config/AppError.js';
import { enqueueRun } from '../../src/queue/enqueueRun.js';
import { csv, makeFixture, runJob } from '../helpers/runFixture.js';
import { useHarness, waitFor } from '../helpers/queueHarness.js';

const harness = useHarness();

const ROWS = csv('customer_id,event_time,amount,transaction_id', [
  ['a', '2026-01-10T10:00:00Z', '10', 't1'],
  ['b', '2026-01-11T10:00:00Z', '30', 't2'],
  ['a', '2026-02-12T10:00:00Z', '5', 't3'],
]);
const MONTHLY = [{ period_type: 'days' as const, period_unit: 'month' as const }];
/** No run of even three rows ends within 50 ms (opening DuckDB and reading the file take longer). */
const STOPPED = /^run stopped in its (ingest|compute) stage: it ran longer than max_run_time \(0\.05s\)( in \S+)?; nothing was published \(the last report stays\): raise max_run_time, give the run more DuckDB threads or memory, or split the job$/;

test('a run out of time fails in one line, publishes nothing and leaves no scratch; one within its time publishes as ever', async () => {
  const fx = await makeFixture({ 'e.csv': ROWS });
  try {
    // Within a generous limit the run publishes, and nothing of the limit outlives it.
    const first = await runJob(fx, { inputs: [{ path: 'e.csv' }], matrices: MONTHLY, max_run_time: '10m' }, '2026-03-01T00:00:00Z');
    const report = JSON.parse(await readFile(join(fx.reportsDir, 'default', 'latest', 'ltv.json'), 'utf8')) as { summary: { revenue: number } };
    expect(report.summary.revenue).toBe(45);

    const err = await runJob(fx, { inputs: [{ path: 'e.csv' }], matrices: MONTHLY, max_run_time: '0.05s' }, '2026-03-02T00:00:00Z').catch((e: unknown) => e);
    expect(isAppError(err) && err.retryable).toBe(false);
    expect((err as Error).message).toMatch(STOPPED);
    expect((err as Error).message.match(STOPPED)![2]).toBeUndefined(); // no job file to name
    expect(await readlink(join(fx.reportsDir, 'default', 'latest'))).toBe(`runs/${first.tenants[0]!.runId}`);
    expect(await readdir(join(fx.reportsDir, 'default', 'runs'))).toEqual([first.tenants[0]!.runId]);
    // No staging directory of the stopped run is left beside the published one.
    expect((await readdir(join(fx.reportsDir, 'default'))).filter((n) => n.startsWith('.') && n !== '.failed')).toEqual([]);
  } finally {
    await fx.cleanup();
  }
});

test('ltv run: a run out of time is one line on stderr and exit 1; a job file with a malformed max_run_time is refused by name', async () => {
  const h = harness();
  const file = await h.writeJob('slow', { max_run_time: '0.05s', as_of: '2026-03-01T00:00:00Z' }, ROWS);
  const bad = await h.writeJob('typo', { max_run_time: '2 hours' }, ROWS);
  const [r, typo] = await Promise.all([
    h.cli(['run', file, '--out', join(h.dir, 'out')]),
    h.cli(['run', bad, '--out', join(h.dir, 'out')]),
  ]);
  expect(r.code).toBe(1);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]!.replace(/^ltv: /, '').match(STOPPED)![2]).toBe(` in ${file}`);
  expect(await readdir(join(h.dir, 'out', 'slow')).catch(() => [])).not.toContain('latest');
  expect(typo.code).toBe(1);
  expect(typo.stderr).toMatch(/^ltv: \S*typo\.json: max_run_time: a duration such as "2h", "90m" or "45s"\n$/);
});

test('a run out of time sends its failure notice to the ops recipients (it was skipped as a cancelled run\'s)', async () => {
  const h = harness();
  const file = await h.writeJob('slowmail', { max_run_time: '0.05s', as_of: '2026-03-01T00:00:00Z', email: { to: ['fin@example.com'], ops: ['ops@example.com'] } }, ROWS);
  const r = await h.cli(['run', file, '--out', join(h.dir, 'out'), '--email-dry-run']);
  expect(r.code).toBe(1);
  expect(r.stderr.replace(/^ltv: /, '').trimEnd()).toMatch(STOPPED);
  const notices = join(h.dir, 'out', '.failed', 'notices');
  const eml = (await readdir(notices)).filter((n) => n.endsWith('.eml'));
  expect(eml).toHaveLength(1);
  const message = await readFile(join(notices, eml[0]!), 'utf8');
  expect(message).toMatch(/^To: ops@example\.com$/m);
  expect(message).toContain('max_run_time');
  // Its advice fits the error (it sent the reader to quarantined rows the run did not have).
  expect(message).not.toMatch(/Look at the quarantined rows/);
  expect(message).toMatch(/Do what the error above says/);
  expect(r.stdout).toMatch(/failure notice/);
});

test('a worker fails a run out of time once, without retrying it, with the same line as its reason', async () => {
  const h = harness();
  await h.writeJob('slow', { max_run_time: '0.05s' }, ROWS);
  const w = h.worker({ LTV_ATTEMPTS: '5' });
  await w.ready;
  const q = h.queue();
  try {
    const run = await enqueueRun(q, h.jobsDir, 'slow', { source: 'cli', asOf: new Date('2026-03-01T00:00:00Z') });
    const failed = await waitFor('run failed', async () => ((await q.getJobState(run.id)) === 'failed' ? q.getJob(run.id) : undefined));
    expect(failed!.attemptsStarted).toBe(1);
    expect(failed!.failedReason).toMatch(STOPPED);
    expect(await readdir(join(h.reportsDir, 'slow')).catch(() => [])).not.toContain('latest');
  } finally {
    await q.close();
    await w.close(1_000);
  }
});
