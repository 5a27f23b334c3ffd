// One input, several tenants: each tenant's published statistics (ltv.json, manifest.json, the workbook's
// About sheet, the email), its inputs[] counts and its stale-as-of warning count its own rows only; the run's
// totals (RunResult.stats: the CLI's summary line, the worker's metrics) stay the run's. Single-process and
// sharded runs (SPEC §12, split, shards and merge run in this process) alike. Expected numbers by hand.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobFromFlags } from '../../src/config/loadJob.js';
import type { JobInput } from '../../src/config/jobSchema.js';
import type { RunStats, TenantReport } from '../../src/ltv/model.js';
import type { Manifest } from '../../src/ltv/runFiles.js';
import { runPipeline, runStages, startRun, type RunEffects, type RunResult } from '../../src/pipeline.js';
import { findPublishedRun } from '../../src/publish/publishRun.js';
import { computeShard, type ShardResult } from '../../src/shard/computeShard.js';
import { mergeShards } from '../../src/shard/mergeShards.js';
import { shardPaths } from '../../src/shard/shardPaths.js';
import { splitRun, type SplitManifest } from '../../src/shard/splitRun.js';
import { testSettings } from '../helpers/emailFixture.js';
import { csv, grid, makeFixture, readLatest, runJob, silentLogger, type Fixture } from '../helpers/runFixture.js';
import { sheetFacts } from '../helpers/sheetFacts.js';

const NO_STATS: RunStats = {
  rows_read: 0, rows_quarantined: 0, duplicates: 0, sandbox_rows: 0, after_as_of_rows: 0, transactions: 0,
  refund_rows: 0, zero_amount_rows: 0, customer_ids: 0, refunds_linked: 0, refunds_unlinked: 0, movements_without_customer: 0,
};

async function manifestOf(fx: Fixture, tenant: string): Promise<Manifest> {
  return JSON.parse(await readFile(join(fx.reportsDir, tenant, 'latest', 'manifest.json'), 'utf8')) as Manifest;
}

describe('200 rows of tenant A and 2 of tenant B in one file (the tester\'s case)', () => {
  let fx: Fixture;
  let result: RunResult;

  beforeAll(async () => {
    const rows = Array.from({ length: 200 }, (_, i) => ['A', `a${i}`, '2026-01-05T10:00:00Z', '10']);
    rows.push(['B', 'b1', '2026-01-05T10:00:00Z', '10'], ['B', 'b2', '05/01/2026', '10']);
    fx = await makeFixture({ 'tx.csv': csv('tenant_id,customer_id,event_time,amount', rows) });
    result = await runJob(fx, { inputs: [{ path: 'tx.csv' }], max_bad_row_share: 0.9, forecast: { model: 'off' } }, '2026-01-10T00:00:00Z');
  }, 120_000);
  afterAll(() => fx?.cleanup());

  it('counts A\'s 200 rows in A\'s report and B\'s 2 rows in B\'s', async () => {
    // A: 200 rows, none bad, no transaction id (so no duplicate), 200 payments of 200 customers.
    const a = (await readLatest(fx, 'A')).report;
    expect(a.stats).toEqual({ ...NO_STATS, rows_read: 200, transactions: 200, customer_ids: 200 });
    expect(a.inputs.map((i) => [i.rows, i.quarantined])).toEqual([[200, 0]]);
    // B: 2 rows, one with a time that is not ISO 8601: 1 quarantined, 1 payment of 1 customer.
    const b = (await readLatest(fx, 'B')).report;
    expect(b.stats).toEqual({ ...NO_STATS, rows_read: 2, rows_quarantined: 1, transactions: 1, customer_ids: 1 });
    expect(b.inputs.map((i) => [i.rows, i.quarantined])).toEqual([[2, 1]]);
    // A's quarantine.csv is its header alone: its report says 0 quarantined, as it does.
    expect((await readFile(join(fx.reportsDir, 'A', 'latest', 'quarantine.csv'), 'utf8')).trim().split('\n')).toHaveLength(1);
  });

  it('keeps the run\'s totals in the result (the CLI\'s summary line, the worker\'s metrics)', () => {
    expect(result.stats).toEqual({ ...NO_STATS, rows_read: 202, rows_quarantined: 1, transactions: 201, customer_ids: 201 });
  });

  it('writes the tenant\'s own numbers to its manifest, which names no other tenant', async () => {
    const b = await manifestOf(fx, 'B');
    expect(b.stats).toEqual((await readLatest(fx, 'B')).report.stats);
    expect(b.inputs.map((i) => [i.rows, i.quarantined])).toEqual([[2, 1]]);
    expect(b.run_tenant_count).toBe(2);
    expect(b.run_tenants).toBeUndefined();
    expect(JSON.stringify(b)).not.toContain('"A"');
  });
});

// Every statistic at once, over two files, as-of T = 2026-03-01 (the default matrices' smallest unit: a week).
const T = '2026-03-01T00:00:00Z';
const HEADER = 'tenant_id,customer_id,event_time,amount,transaction_id,refund_of,is_sandbox';
const E1 = csv(HEADER, [
  ['A', 'a1', '2026-02-20T10:00:00Z', '10', 't1', '', 'false'], // payment
  ['B', 'b1', '2026-01-10T10:00:00Z', '20', 't1', '', 'false'], // B's own t1: no duplicate of A's
  ['A', 'a1', '2026-02-20T10:00:00Z', '10', 't1', '', 'false'], // A's t1 again: a duplicate
  ['A', 'a1', '2026-02-21T10:00:00Z', '-4', 'r1', 't1', 'false'], // linked refund
  ['B', 'b1', '2026-01-12T10:00:00Z', '-5', 'r1', 't1', 'false'], // linked refund of B's t1
  ['A', 'a2', '2026-02-22T10:00:00Z', '-3', 'r2', '', 'false'], // unlinked refund of a customer who never paid
  ['A', 'a3', '2026-02-23T10:00:00Z', '5', 't3', '', 'true'], // sandbox
  ['B', 'b2', '05/01/2026', '10', 't2', '', 'false'], // bad time: quarantined
  ['A', 'a4', '2026-03-05T10:00:00Z', '7', 't4', '', 'false'], // after T
  ['A', 'a5', 'not a time', '1', 't5', '', 'false'], // bad time: quarantined
]);
const E2 = csv(HEADER, [
  ['A', 'a6', '2026-02-25T10:00:00Z', '8', 't6', '', 'false'], // payment
  ['A', 'a7', '2026-02-26T10:00:00Z', '-8', 'r7', 't6', 'false'], // refund of a6's payment: quarantined by the refund rules
]);
const RICH: JobInput = { inputs: [{ path: 'e1.csv' }, { path: 'e2.csv' }], max_bad_row_share: 0.5, forecast: { model: 'off' } };

// A: e1 7 rows (1 bad), e2 2 rows (1 refund set aside): 9 read, 2 quarantined. Valid 8, one duplicate of t1
// → 7, a7's refund set aside → 6 deduped: duplicates 9 − 2 − 6 = 1. Sandbox a3, after T a4. Payments at T:
// t1, t6 = 2. Customers among the deduped rows: a1, a2, a3, a4, a6 = 5. r1 linked, r2 unlinked and of no
// customer (a2 has no payment). 2 refund rows (r1, r2): 9 = 2 + 1 + 1 + 1 + 2 + 2 + 0 rows of amount 0.
const A_STATS: RunStats = {
  rows_read: 9, rows_quarantined: 2, duplicates: 1, sandbox_rows: 1, after_as_of_rows: 1, transactions: 2,
  refund_rows: 2, zero_amount_rows: 0, customer_ids: 5, refunds_linked: 1, refunds_unlinked: 1, movements_without_customer: 1,
};
// B: e1 3 rows, 1 bad; b1's payment and its linked refund; nothing in e2.
const B_STATS: RunStats = { ...NO_STATS, rows_read: 3, rows_quarantined: 1, transactions: 1, refund_rows: 1, customer_ids: 1, refunds_linked: 1 };
// The run: the sums (every row has one tenant).
const RUN_STATS: RunStats = {
  rows_read: 12, rows_quarantined: 3, duplicates: 1, sandbox_rows: 1, after_as_of_rows: 1, transactions: 3,
  refund_rows: 3, zero_amount_rows: 0, customer_ids: 6, refunds_linked: 2, refunds_unlinked: 1, movements_without_customer: 1,
};
// B's newest transaction, Jan 12 10:00, is more than a week before T: 48 days, "6 weeks". A's, Feb 25 (a7's
// Feb 26 refund is set aside), is not. The run's newest is A's: the run as a whole would warn of nothing.
const B_STALE = 'the newest transaction (2026-01-12) is 6 weeks before the as-of time (2026-03-01), more than one week';

/** The job run sharded (SPEC §12: split, 2 shards, merge) in this process, published to `<fixture>/sharded`. */
async function shardedRun(fx: Fixture, job: JobInput, id: string): Promise<{ sharded: RunResult; results: ShardResult[]; reportsDir: string }> {
  const reportsDir = join(fx.dir, 'sharded');
  const def = jobFromFlags(job, fx.dir);
  const shardEffects: RunEffects = { logger: silentLogger, asOf: new Date(T), reportsDir };
  const paths = shardPaths(reportsDir, def.name, id);
  await mkdir(paths.root, { recursive: true });
  // Through JSON, as BullMQ carries the split's manifest and the shards' results.
  const split = JSON.parse(JSON.stringify(await splitRun(startRun(def, shardEffects), 2, paths))) as SplitManifest;
  const results: ShardResult[] = [];
  for (const shard of [0, 1]) {
    results.push(JSON.parse(JSON.stringify(await computeShard(def, { asOf: new Date(T), paths, shard, split, logger: silentLogger, reportsDir, another: 'give another directory' }))) as ShardResult);
  }
  const sharded = await runStages(def, shardEffects, (run, rw) => mergeShards(run, rw, { paths, split, results }));
  return { sharded, results, reportsDir };
}

/** Each tenant's ltv.json as the checks below read it. */
async function published(fx: Fixture, tenant: string): Promise<Pick<TenantReport, 'stats' | 'newest_transaction_at' | 'warnings'> & { inputs: number[][] }> {
  const { report } = await readLatest(fx, tenant);
  return { stats: report.stats, inputs: report.inputs.map((i) => [i.rows, i.quarantined]), newest_transaction_at: report.newest_transaction_at, warnings: report.warnings };
}

describe('two tenants over two files, every statistic', () => {
  let fx: Fixture;
  let result: RunResult;
  const effects = (): RunEffects => ({
    logger: silentLogger, asOf: new Date(T), reportsDir: fx.reportsDir, idempotencyKey: 'k-tenant-stats',
    email: 'dry-run', mail: { settings: testSettings('smtp://127.0.0.1:9') },
  });
  const job = (): JobInput => ({ ...RICH, email: { to: ['finance@example.com'] } });

  beforeAll(async () => {
    fx = await makeFixture({ 'e1.csv': E1, 'e2.csv': E2 });
    result = await runPipeline(jobFromFlags(job(), fx.dir), effects());
  }, 120_000);
  afterAll(() => fx?.cleanup());

  it('publishes each tenant\'s own statistics, inputs[] counts and newest transaction in ltv.json', async () => {
    for (const stats of [A_STATS, B_STATS, RUN_STATS]) expect(buckets(stats)).toBe(stats.rows_read);
    expect(await published(fx, 'A')).toEqual({ stats: A_STATS, inputs: [[7, 1], [2, 1]], newest_transaction_at: '2026-02-25T10:00:00.000Z', warnings: [] });
    const b = await published(fx, 'B');
    // A file without a row of B is still listed, with 0.
    expect(b).toMatchObject({ stats: B_STATS, inputs: [[3, 1], [0, 0]], newest_transaction_at: '2026-01-12T10:00:00.000Z' });
    expect(b.warnings!.map((w) => w.code)).toEqual(['stale_as_of']);
    expect(b.warnings![0]!.message).toContain(B_STALE);
    expect(b.warnings![0]!.message).toContain('--as-of 2026-01-13T00:00:00Z');
  });

  it('keeps the file\'s own facts in inputs[] (name, format, columns)', async () => {
    const [a, b] = [(await readLatest(fx, 'A')).report, (await readLatest(fx, 'B')).report];
    expect(b.inputs.map((i) => i.path.split('/').pop())).toEqual(['e1.csv', 'e2.csv']);
    expect(b.inputs.map(({ rows: _r, quarantined: _q, ...rest }) => rest)).toEqual(a.inputs.map(({ rows: _r, quarantined: _q, ...rest }) => rest));
  });

  it('writes the same into each manifest', async () => {
    for (const [tenant, stats] of [['A', A_STATS], ['B', B_STATS]] as const) {
      const m = await manifestOf(fx, tenant);
      const report = (await readLatest(fx, tenant)).report;
      expect(m.stats).toEqual(stats);
      expect(m.inputs).toEqual(report.inputs);
      expect(m.newest_transaction_at).toBe(report.newest_transaction_at);
      expect(m.warnings).toEqual(report.warnings);
      expect(m.run_tenant_count).toBe(2);
    }
  });

  it('shows them on the About sheet of each workbook', async () => {
    for (const [tenant, stats, inputs] of [['A', A_STATS, ['7 rows read, 1 quarantined', '2 rows read, 1 quarantined']], ['B', B_STATS, ['3 rows read, 1 quarantined', '0 rows read, 0 quarantined']]] as const) {
      const { report, dir } = await readLatest(fx, tenant);
      const facts = await sheetFacts(join(dir, 'ltv.xlsx'), 'About');
      expect([facts.get('Rows read'), facts.get('Rows quarantined (bad rows)'), facts.get('Duplicate rows merged'), facts.get('Transactions counted')], tenant)
        .toEqual([stats.rows_read, stats.rows_quarantined, stats.duplicates, stats.transactions]);
      expect(report.inputs.map((i) => facts.get(i.path)), tenant).toEqual(inputs.map((s) => `csv: ${s}`));
      expect(facts.has('Stale as-of time'), tenant).toBe(tenant === 'B');
    }
  });

  it('says them in each email', async () => {
    const [a, b] = await Promise.all(result.notify!.map(async (n) => simpleParser(await readFile(n.eml!))));
    expect(result.notify!.map((n) => n.key.tenant)).toEqual(['A', 'B']);
    expect(a!.text).toContain('9 input rows, 2 quarantined as bad rows');
    expect(a!.text).toContain('1 duplicate merged, 1 sandbox row left out, 1 row left out as later than the as-of time.\n  e1.csv: 7 rows, 1 quarantined\n  e2.csv: 2 rows, 1 quarantined\n');
    expect(a!.text).not.toContain('WARNING');
    expect(b!.text).toContain('3 input rows, 1 quarantined as bad rows (quarantine.csv on the report server).');
    expect(b!.text).toContain(`WARNING: ${B_STALE}`);
  });

  it('returns the run\'s totals, and every tenant\'s warning named by its tenant', () => {
    expect(result.stats).toEqual(RUN_STATS);
    expect(result.warnings.map((w) => w.message.slice(0, 'tenant B: '.length + B_STALE.length))).toEqual([`tenant B: ${B_STALE}`]);
  });

  it('returns the same from a recovered attempt that finds the run published (same idempotency key)', async () => {
    const again = await runPipeline(jobFromFlags(job(), fx.dir), effects());
    expect(again.tenants.map((t) => [t.tenant, t.runId])).toEqual(result.tenants.map((t) => [t.tenant, t.runId]));
    expect(again.timings).toEqual({});
    expect(again.stats).toEqual(RUN_STATS);
    expect(again.warnings).toEqual(result.warnings);
  });

  it('knows a whole publication by the manifests\' tenant count: with one tenant\'s run missing it computes again', async () => {
    const find = () => findPublishedRun(fx.reportsDir, 'adhoc', new Date(T), 'k-tenant-stats');
    expect((await find())?.map((p) => p.tenant)).toEqual(['A', 'B']);
    const b = result.tenants[1]!.dir;
    await rename(b, `${b}.away`);
    try {
      expect(await find()).toBeNull();
    } finally {
      await rename(`${b}.away`, b);
    }
    // A manifest written before the count names the run's tenants instead: still read.
    const path = join(result.tenants[0]!.dir, 'manifest.json');
    const written = await readFile(path, 'utf8');
    const { run_tenant_count: _, ...older } = JSON.parse(written) as Manifest;
    await writeFile(path, JSON.stringify({ ...older, run_tenants: ['A', 'B', 'C'] }));
    try {
      expect(await find()).toBeNull();
    } finally {
      await writeFile(path, written);
    }
  });

  it('computes the same in a sharded run: split, 2 shards, merge', async () => {
    const { sharded, results, reportsDir } = await shardedRun(fx, RICH, 'tenant-stats');
    // A's customers lie in both shards: its movements are summed over them.
    expect(results.map((r) => r.tenants!.some((t) => t.tenant_id === 'A'))).toEqual([true, true]);
    expect(sharded.stats).toEqual(RUN_STATS);
    expect(sharded.warnings).toEqual(result.warnings);
    const sfx = { ...fx, reportsDir };
    for (const tenant of ['A', 'B']) expect(await published(sfx, tenant), tenant).toEqual(await published(fx, tenant));
    expect((await manifestOf(sfx, 'B')).stats).toEqual(B_STATS);
  });
});

/** Every bucket a row read lands in, once (README "How the row counts add up"). */
function buckets(s: RunStats): number {
  return s.rows_quarantined + s.duplicates + s.sandbox_rows + s.after_as_of_rows + s.transactions + s.refund_rows + s.zero_amount_rows;
}

// Every kind of row in one file, T = 2026-03-01. Lines 12–14 are no rows (a repeated header, the same in
// capitals, a blank line): 13 rows read. Before, rows of amount 0 were in no bucket: the 2 here (g's free
// trial, h's -0) went missing between rows read and the rest.
const EVERY_KIND = `${[
  'customer_id,event_time,amount,transaction_id,refund_of,refunded_at,is_sandbox,is_trial',
  'a,2026-01-05T10:00:00Z,10,t1,,,false,false', // 2: payment
  'a,2026-01-06T10:00:00Z,-4,r1,t1,,false,false', // 3: refund row, linked to t1
  'b,2026-01-07T10:00:00Z,20,t2,,2026-01-20T00:00:00Z,false,false', // 4: payment, refunded by its refunded_at (a refund, no row)
  'c,2026-01-08T10:00:00Z,-3,r3,,,false,false', // 5: refund row naming no payment (c never paid)
  'a,2026-01-05T10:00:00Z,10,t1,,,false,false', // 6: t1 again: a duplicate
  'd,2026-01-09T10:00:00Z,5,t4,,,true,false', // 7: sandbox
  'e,2026-03-05T10:00:00Z,7,t5,,,false,false', // 8: after T
  'f,not a time,1,t6,,,false,false', // 9: quarantined
  'g,2026-01-10T10:00:00Z,0,t7,,,false,true', // 10: amount 0, a free trial
  'h,2026-01-11T10:00:00Z,-0,t8,,,false,false', // 11: amount 0, written -0
  'customer_id,event_time,amount,transaction_id,refund_of,refunded_at,is_sandbox,is_trial', // 12
  'Customer_ID,Event_Time,Amount,Transaction_ID,Refund_Of,Refunded_At,Is_Sandbox,Is_Trial', // 13
  '', // 14
  'i,2026-03-06T10:00:00Z,0,t9,,,false,false', // 15: amount 0 after T: after T
  'j,2026-01-12T10:00:00Z,0.00,t10,,,true,false', // 16: amount 0 in sandbox: sandbox
  'g,2026-02-10T10:00:00Z,9.99,t11,,,false,false', // 17: payment (g's first)
].join('\n')}\n`;
// 13 = 1 quarantined (f) + 1 duplicate (t1) + 2 sandbox (d, j) + 2 after T (e, i) + 3 transactions (t1, t2,
// t11) + 2 refund rows (r1, r3) + 2 of amount 0 (g's trial, h). Refunds: r1 and t2's refunded_at linked, r3
// unlinked and of no customer. Customer ids among the deduplicated rows: a, b, c, d, e, g, h, i, j.
const EVERY_KIND_STATS: RunStats = {
  rows_read: 13, rows_quarantined: 1, duplicates: 1, sandbox_rows: 2, after_as_of_rows: 2, transactions: 3,
  refund_rows: 2, zero_amount_rows: 2, customer_ids: 9, refunds_linked: 2, refunds_unlinked: 1, movements_without_customer: 1,
};
const EVERY_KIND_JOB: JobInput = { inputs: [{ path: 'rows.csv' }], max_bad_row_share: 0.1, forecast: { model: 'off' } };

describe('every kind of row in one file: the counts add up to the rows read', () => {
  let fx: Fixture;
  let result: RunResult;

  beforeAll(async () => {
    fx = await makeFixture({ 'rows.csv': EVERY_KIND });
    result = await runPipeline(jobFromFlags({ ...EVERY_KIND_JOB, email: { to: ['finance@example.com'] } }, fx.dir), {
      logger: silentLogger, asOf: new Date(T), reportsDir: fx.reportsDir, idempotencyKey: 'k-every-kind',
      email: 'dry-run', mail: { settings: testSettings('smtp://127.0.0.1:9') },
    });
  }, 120_000);
  afterAll(() => fx?.cleanup());

  it('puts each row in one bucket of ltv.json and manifest.json, rows of amount 0 in zero_amount_rows', async () => {
    const { report } = await readLatest(fx, 'default');
    expect(report.stats).toEqual(EVERY_KIND_STATS);
    expect(buckets(report.stats)).toBe(report.stats.rows_read);
    expect((await manifestOf(fx, 'default')).stats).toEqual(EVERY_KIND_STATS);
    expect(result.stats).toEqual(EVERY_KIND_STATS);
    // The blank line and the two header lines are the file's, not rows.
    expect(report.inputs[0]).toMatchObject({ rows: 13, quarantined: 1, blank_lines: 1, repeated_header_lines: 2 });
    // January: a 10 − 4 = 6, b 20 refunded in full = 0: 3.00 a customer; February: g 9.99. h and c paid nothing.
    const monthly = report.matrices.find((m) => m.id === 'days-month-cohort')!;
    expect(grid(monthly)).toMatchObject({ '2026-01-01': [3, 3, 3], '2026-02-01': [9.99, 9.99] });
  });

  it('shows them on the About sheet and in the email', async () => {
    const { dir } = await readLatest(fx, 'default');
    const facts = await sheetFacts(join(dir, 'ltv.xlsx'), 'About');
    expect(['Rows read', 'Rows quarantined (bad rows)', 'Duplicate rows merged', 'Sandbox rows left out', 'Rows after the as-of time left out',
      'Transactions counted', 'Refund rows counted', 'Rows of amount 0 (no money)'].map((k) => facts.get(k))).toEqual([13, 1, 1, 2, 2, 3, 2, 2]);
    // The two ltv.json counts the sheet left out: 9 customer ids, and h's refund, in no cohort.
    expect(['Customer ids (paying or not)', 'Refunds of customers without a payment (in no cohort)'].map((k) => facts.get(k))).toEqual([9, 1]);
    expect(String(facts.get('How they add up'))).toContain('rows read = quarantined + duplicates + sandbox + after the as-of time + transactions + refund rows + rows of amount 0');
    const mail = await simpleParser(await readFile(result.notify![0]!.eml!));
    expect(mail.text).toContain('13 input rows, 1 quarantined as bad rows (quarantine.csv on the report server), 1 duplicate merged, 2 sandbox rows left out, ' +
      '2 rows left out as later than the as-of time, 2 rows of amount 0 counted without money.');
  });

  it('counts the same in a sharded run: split, 2 shards, merge', async () => {
    const { sharded, reportsDir } = await shardedRun(fx, EVERY_KIND_JOB, 'every-kind');
    expect(sharded.stats).toEqual(EVERY_KIND_STATS);
    expect((await readLatest({ ...fx, reportsDir }, 'default')).report.stats).toEqual(EVERY_KIND_STATS);
  });
});
