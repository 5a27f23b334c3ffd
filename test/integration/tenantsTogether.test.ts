// Issue 13 "compute is one function": every tenant of an input is computed at once (computeRun.ts: the
// matrix and summary statements group by tenant_id). A tenant's numbers must not depend on its neighbours:
// each tenant's published files are compared with those of a run over that tenant's rows alone (an
// independent path: a one-tenant input, which the pipeline reads with tenant_id as a constant). The run
// model itself is checked against hand-computed values.
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobFromFlags } from '../../src/config/loadJob.js';
import type { JobInput } from '../../src/config/jobSchema.js';
import { TWO_LANES_MAX_TRANSACTIONS, computeRun, matrixLanes, type RunModel } from '../../src/ltv/computeRun.js';
import { pino } from 'pino';
import { buildRun, openRunWarehouse, runPipeline, startRun } from '../../src/pipeline.js';
import type { TenantReport } from '../../src/ltv/model.js';
import { tenantDirName } from '../../src/publish/publishRun.js';
import { compareRunDirs } from '../helpers/compareRunDirs.js';
import { csv, makeFixture, runJob, silentLogger, type Fixture } from '../helpers/runFixture.js';

const AS_OF = '2026-03-16T15:00:00Z';
const HEADER = 'tenant_id,customer_id,event_time,amount,transaction_id,refund_of,country,product_id';

describe('the run model of a small input with two tenants', () => {
  let fx: Fixture;
  let model: RunModel;
  /** The same run computed with its matrix statements one after another on the run's one connection. */
  let oneLane: RunModel;

  beforeAll(async () => {
    fx = await makeFixture({
      'tx.csv': csv(HEADER, [
        // Tenant A: a1 pays 10 on Jan 5 and 10 a month later (period 1); a2 pays 5 on Jan 20.
        ['A', 'a1', '2026-01-05T10:00:00Z', '10.00', 't1', '', 'US', 'p'],
        ['A', 'a1', '2026-02-05T10:00:00Z', '10.00', 't2', '', 'US', 'p'],
        ['A', 'a2', '2026-01-20T10:00:00Z', '5.00', 't3', '', 'DE', 'p'],
        // Tenant B: b1 pays 7 on Feb 10; the same transaction id as A's first is another transaction.
        ['B', 'b1', '2026-02-10T10:00:00Z', '7.00', 't1', '', 'US', 'q'],
        // A bad amount: quarantined, in B's quarantine.csv only.
        ['B', 'b2', '2026-02-11T10:00:00Z', 'abc', 't9', '', 'US', 'q'],
      ]),
    });
    const job = jobFromFlags({ inputs: [{ path: 'tx.csv' }], tenant: 'default', max_bad_row_share: 0.5 }, fx.dir);
    const run = startRun(job, { logger: silentLogger, asOf: new Date(AS_OF), reportsDir: fx.reportsDir });
    const rw = await openRunWarehouse(job, silentLogger);
    try {
      const facts = await buildRun(run, rw);
      model = await computeRun(rw.wh, facts, { asOf: run.asOf, matrices: job.matrices, defaultTenant: job.tenant, filesDir: join(fx.dir, 'files') });
      oneLane = await computeRun(rw.wh, facts, { asOf: run.asOf, matrices: job.matrices, defaultTenant: job.tenant, filesDir: join(fx.dir, 'files-1'), lanes: 1 });
    } finally {
      // Closed before the model is read: it holds everything the later stages need.
      await rw.release();
    }
  }, 120_000);
  afterAll(() => fx?.cleanup());

  it('has every tenant, sorted, with its summary (SPEC §4 Zenovay summary) and first-payment dates', () => {
    expect(model.tenants.map((t) => t.tenant)).toEqual(['A', 'B']);
    const [a, b] = model.tenants;
    // A: 2 customers, 25 in all; both are 30 days old at T, their first 30 days hold 10 + 5: 7.50; no
    // customer is 90 days old (Jan 5 + 90 days = Apr 5 > T).
    expect(a!.summary).toEqual({ customers: 2, cohorts: 1, revenue: 25, proceeds: 25, net_revenue: 25, average_ltv_30d: 7.5, average_ltv_90d: null });
    expect(a!.firstPaymentDates).toEqual({ min: '2026-01-05', max: '2026-01-20' });
    // B: Feb 10 + 30 days = Mar 12 ≤ T.
    expect(b!.summary).toEqual({ customers: 1, cohorts: 1, revenue: 7, proceeds: 7, net_revenue: 7, average_ltv_30d: 7, average_ltv_90d: null });
    expect(b!.firstPaymentDates).toEqual({ min: '2026-02-10', max: '2026-02-10' });
    expect(model.stats).toMatchObject({ rows_read: 5, rows_quarantined: 1, transactions: 4, customer_ids: 3 });
  });

  it('holds each tenant\'s monthly matrix (SPEC §4 cells and censoring) as runs of equal cells', () => {
    const [a, b] = model.tenants;
    // A's January cohort (s = Jan 1, e = Feb 1): periods 0..2 shown (Jan 1 + 2 months ≤ T < + 3);
    // period 0 complete (Feb 1 + 1 month ≤ T), 1 and 2 partial. Cumulative: 15 / 2, then 25 / 2.
    const cohortA = { from: 0, to: 0, customers: 2, state: 'complete', complete_customers: 2, revenue: 7.5, proceeds: 7.5, net_revenue: 7.5 };
    const laterA = { from: 1, to: 2, customers: 2, state: 'partial', complete_customers: 0, revenue: 12.5, proceeds: 12.5, net_revenue: 12.5 };
    expect(a!.matrix('days-month-cohort').rows).toEqual([
      { type: 'total', title: 'Total', customers: 2, runs: [cohortA, laterA] },
      { type: 'cohort', title: '2026-01-01', customers: 2, runs: [cohortA, laterA] },
    ]);
    // B's February cohort: periods 0 and 1 shown, both partial (Mar 1 + 1 month > T).
    const runB = { from: 0, to: 1, customers: 1, state: 'partial', complete_customers: 0, revenue: 7, proceeds: 7, net_revenue: 7 };
    expect(b!.matrix('days-month-cohort').rows).toEqual([
      { type: 'total', title: 'Total', customers: 1, runs: [runB] },
      { type: 'cohort', title: '2026-02-01', customers: 1, runs: [runB] },
    ]);
    // Segments by the first payment's country, biggest first: A has one US and one DE customer.
    expect(a!.matrix('days-month-country').rows.map((r) => [r.title, r.customers])).toEqual([['Total', 2], ['DE', 1], ['US', 1]]);
    // Every configured matrix and every Adapty combination, for each tenant.
    expect(a!.matrices().size).toBe(b!.matrices().size);
    expect(a!.matrices().get('renewals-month-product')?.rows.map((r) => r.title)).toEqual(['Total', 'p']);
  });

  it('computes the same matrices on two connections at once (a small run) as on one, every statement on its own', () => {
    expect(matrixLanes(model.stats.transactions)).toBe(2);
    expect(matrixLanes(TWO_LANES_MAX_TRANSACTIONS + 1)).toBe(1);
    for (const [i, t] of model.tenants.entries()) {
      const one = oneLane.tenants[i]!;
      expect(t.tenant).toBe(one.tenant);
      const both = [...t.matrices()];
      // Every matrix of each kind the statements compute (10 statements: 2 period types × 5 units).
      expect(both.length).toBeGreaterThan(100);
      expect(both.map(([id]) => id)).toEqual([...one.matrices().keys()]);
      for (const [id, m] of both) expect(JSON.stringify(m), `${t.tenant} ${id}`).toBe(JSON.stringify(one.matrix(id)));
      expect(t.summary).toEqual(one.summary);
    }
  });

  it('has written each tenant\'s data files, its quarantine holding its own bad rows only', async () => {
    const [a, b] = model.tenants;
    for (const t of [a!, b!]) for (const f of Object.values(t.files)) expect(existsSync(f), f).toBe(true);
    expect((await readFile(a!.files.quarantine, 'utf8')).trim().split('\n')).toHaveLength(1);
    const quarantineB = (await readFile(b!.files.quarantine, 'utf8')).trim().split('\n');
    expect(quarantineB).toHaveLength(2);
    expect(quarantineB[1]).toMatch(/,6,.*,B,b2$/);
  });

  it('times each stage once: the log, the manifest and the result say the same', async () => {
    const lines: { msg: string; stage?: string; ms?: number }[] = [];
    const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
    const job = jobFromFlags({ inputs: [{ path: 'tx.csv' }], tenant: 'default', max_bad_row_share: 0.5 }, fx.dir);
    const result = await runPipeline(job, { logger, asOf: new Date(AS_OF), reportsDir: fx.reportsDir });
    const logged = Object.fromEntries(lines.filter((l) => l.msg === `${l.stage} done` && l.stage !== 'forecast').map((l) => [l.stage, l.ms]));
    expect(logged).toEqual(result.timings);
    expect(Object.keys(logged)).toEqual(['ingest', 'compute', 'render', 'publish']);
    for (const t of result.tenants) {
      const manifest = JSON.parse(await readFile(join(t.dir, 'manifest.json'), 'utf8')) as { timings_ms: Record<string, number> };
      // Written while publishing: every stage before it.
      expect(manifest.timings_ms).toEqual({ ingest: logged.ingest, compute: logged.compute, render: logged.render });
    }
  });
});

describe('one input with several tenants', () => {
  // Three tenants (one of them the rows without a tenant_id: the job's), sharing customer and
  // transaction ids, with refunds, a duplicate, a bad row and attributes.
  const TENANTS = ['shop-a', 'shop b', ''];
  const rows: string[][] = [];
  for (const [i, tenant] of TENANTS.entries()) {
    for (let c = 0; c < 4 + i; c++) {
      const month = String(1 + ((c + i) % 3)).padStart(2, '0');
      rows.push([tenant, `c${c}`, `2025-${month}-${String(3 + c * 5).padStart(2, '0')}T0${c}:30:00Z`, String(9.99 + c + i), `t${c}`, '', ['US', 'DE', 'FR'][c % 3]!, c % 2 ? 'annual' : 'monthly']);
      rows.push([tenant, `c${c}`, `2025-${String(Number(month) + 1 + i).padStart(2, '0')}-${String(3 + c * 5).padStart(2, '0')}T0${c}:30:00Z`, String(9.99 + c), `r${c}`, '', '', '']);
    }
    rows.push([tenant, 'c0', '2025-06-01T12:00:00Z', '-4.99', `x${i}`, 't0', '', '']);
    rows.push([tenant, 'c1', '2025-06-02T12:00:00Z', '-2.00', '', '', '', '']);
    rows.push([tenant, 'c1', '2025-06-03T12:00:00Z', '3.00', 'dup', '', '', '']);
    rows.push([tenant, 'c1', '2025-06-03T12:00:00Z', '3.00', 'dup', '', '', '']);
    rows.push([tenant, `bad${i}`, 'not a time', '1.00', `b${i}`, '', '', '']);
  }
  // Interleaved, as an export of several shops is.
  const lines = rows.map((r, n) => ({ tenant: r[0]!, line: r, order: (n * 7) % rows.length })).sort((x, y) => x.order - y.order);
  const file = (only?: string): string => csv(HEADER, lines.map((l) => (only === undefined || l.tenant === only ? l.line : [])));
  const job = (): JobInput => ({ inputs: [{ path: 'tx.csv' }], tenant: 'default', max_bad_row_share: 0.5 });
  let fx: Fixture;
  const aloneDir = (tenant: string): string => join(fx.dir, 'alone', tenant);

  beforeAll(async () => {
    fx = await makeFixture({ 'tx.csv': file() });
    await runJob(fx, job(), AS_OF);
    // The same path and physical lines (the other tenants' rows left as blank lines, which are skipped):
    // the quarantine names the same file and line.
    for (const t of TENANTS) {
      await writeFile(join(fx.dir, 'tx.csv'), file(t));
      await runJob({ ...fx, reportsDir: aloneDir(t || 'default') }, job(), AS_OF);
    }
  }, 240_000);
  afterAll(() => fx?.cleanup());

  it.each(TENANTS.map((t) => [t || 'default'] as const))('publishes for %j exactly what a run over its rows alone publishes', async (tenant) => {
    const a = join(fx.reportsDir, tenantDirName(tenant), 'latest');
    const b = join(aloneDir(tenant), tenantDirName(tenant), 'latest');
    const { files, differences } = await compareRunDirs(a, b);
    expect(files).toContain('ltv.csv');
    expect(files).toContain('quarantine.csv');
    expect(files).toContain('data/facts.parquet');
    expect(files.filter((f) => f.startsWith('api/')).length).toBeGreaterThan(100);
    // What describes the input file (its blank lines: here the other tenants' rows) differs by construction;
    // every number of the tenant is the same, its statistics and its rows of the file too.
    expect(differences.filter((f) => !['manifest.json', 'ltv.json', 'ltv.xlsx', 'report.html'].includes(f))).toEqual([]);
    const json = async (dir: string) => JSON.parse(await readFile(join(dir, 'ltv.json'), 'utf8')) as TenantReport;
    const [ja, jb] = [await json(a), await json(b)];
    expect(ja.summary).toEqual(jb.summary);
    expect(ja.matrices).toEqual(jb.matrices);
    expect(ja.stats).toEqual(jb.stats);
    expect(ja.inputs.map((i) => [i.rows, i.quarantined])).toEqual(jb.inputs.map((i) => [i.rows, i.quarantined]));
    expect(ja.newest_transaction_at).toEqual(jb.newest_transaction_at);
    const manifest = async (dir: string) => JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as Record<string, unknown>;
    expect((await manifest(a)).first_payment_dates).toEqual((await manifest(b)).first_payment_dates);
    // The tenant's own bad row, and only it.
    expect((await readFile(join(a, 'quarantine.csv'), 'utf8')).trim().split('\n')).toHaveLength(2);
  });
});
