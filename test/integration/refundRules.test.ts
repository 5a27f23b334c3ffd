// SPEC §3 bad rows and §4 refunds: linked refunds in another currency, refunds that cannot be applied as they
// stand (another customer's payment, more than the payment, refunded twice) and refunds of sandbox payments,
// each on a tiny export with the arithmetic in comments (README "Decisions").
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { JobInput } from '../../src/config/jobSchema.js';
import type { RunResult } from '../../src/pipeline.js';
import type { TenantReport } from '../../src/ltv/model.js';
import { parseCsv } from '../helpers/parseCsv.js';
import { csv, grid, makeFixture, readLatest, runJob } from '../helpers/runFixture.js';

// Feb 1 + 1 month ≤ T: February cohorts show periods 0 and 1, January ones 0..2.
const T = '2026-03-01T00:00:00Z';
const MONTHLY: JobInput['matrices'] = [{ period_type: 'days', period_unit: 'month' }];

/**
 * Runs the job over the files; what a finance team audits: the first matrix, the summary, the statistics and
 * quarantine.csv (without its header, each row's file as its base name).
 */
async function outcome(files: Record<string, string>, job: Partial<JobInput> = {}, asOf = T): Promise<{
  grid: Record<string, number[]>; summary: TenantReport['summary']; stats: RunResult['stats']; quarantine: string[][];
}> {
  const fx = await makeFixture(files);
  try {
    const result = await runJob(fx, { inputs: [{ path: 'e.csv' }], matrices: MONTHLY, max_bad_row_share: 0.5, forecast: { model: 'off' }, ...job }, asOf);
    const { report, dir } = await readLatest(fx);
    const quarantine = parseCsv((await readFile(join(dir, 'quarantine.csv'), 'utf8')).replace(/\r?\n/g, '\r\n')).slice(1);
    return { grid: grid(report.matrices[0]!), summary: report.summary, stats: result.stats, quarantine: quarantine.map(([file = '', ...rest]) => [basename(file), ...rest]) };
  } finally {
    await fx.cleanup();
  }
}

describe('a linked refund in another currency than its payment', () => {
  const HEADER = 'customer_id,event_time,amount,currency,transaction_id,refund_of,commission_percentage,tax_percentage';
  const RATES = 'date,currency,rate\n2026-01-01,GBP,1.3\n2026-01-01,EUR,1.2\n';
  const JAN_20 = '2026-01-20T00:00:00Z';

  it('takes back proceeds and net in the proportion of the converted amounts', async () => {
    // t1 10 GBP × 1.3 = 13 USD; r1 −10 EUR × 1.2 = −12 USD (its own rate: another currency).
    // Revenue 13 − 12 = 1. Proportion 12 ÷ 13, not 10 EUR ÷ 10 GBP = 100 %: proceeds = net = 13 − 13 × 12/13 = 1.
    const rows = [['a', '2026-01-15T10:00:00Z', '10', 'GBP', 't1', '', '', ''], ['a', '2026-01-16T10:00:00Z', '-10', 'EUR', 'r1', 't1', '', '']];
    expect(await outcome({ 'e.csv': csv(HEADER, rows), 'rates.csv': RATES }, { rates: 'rates.csv' }, JAN_20)).toMatchObject({
      summary: { customers: 1, revenue: 1, proceeds: 1, net_revenue: 1 },
      stats: { refunds_linked: 1, refunds_unlinked: 0, rows_quarantined: 0 },
    });
  });

  it('with commission and tax: the converted proportion of the payment\'s proceeds and net', async () => {
    // t1 10 GBP, commission 30 %, tax 10 %: revenue 13, proceeds 13 × 0.7 = 9.10, net 9.10 × 0.9 = 8.19 USD.
    // r1 −5 EUR × 1.2 = −6 USD: proportion 6/13. Revenue 13 − 6 = 7; proceeds 9.10 − 9.10 × 6/13 = 9.10 − 4.20
    // = 4.90; net 8.19 − 8.19 × 6/13 = 8.19 − 3.78 = 4.41.
    const rows = [['a', '2026-01-15T10:00:00Z', '10', 'GBP', 't1', '', '30', '10'], ['a', '2026-01-16T10:00:00Z', '-5', 'EUR', 'r1', 't1', '', '']];
    expect(await outcome({ 'e.csv': csv(HEADER, rows), 'rates.csv': RATES }, { rates: 'rates.csv' }, JAN_20)).toMatchObject({
      summary: { revenue: 7, proceeds: 4.9, net_revenue: 4.41 },
    });
  });

  it('in its payment\'s currency: converts at the payment\'s rate, proportion of the amounts, as before', async () => {
    // t1 10 GBP (30 %, 10 %) on Jan 15 at 1.3; r1 −4 GBP on Feb 2, when GBP is 1.5: it converts at t1's 1.3.
    // Revenue (10 − 4) × 1.3 = 7.80; proceeds 9.10 × 6/10 = 5.46; net 8.19 × 6/10 = 4.914 → 4.91.
    const rows = [['a', '2026-01-15T10:00:00Z', '10', 'GBP', 't1', '', '30', '10'], ['a', '2026-02-02T10:00:00Z', '-4', 'GBP', 'r1', 't1', '', '']];
    expect(await outcome({ 'e.csv': csv(HEADER, rows), 'rates.csv': `${RATES}2026-02-01,GBP,1.5\n` }, { rates: 'rates.csv' })).toMatchObject({
      summary: { revenue: 7.8, proceeds: 5.46, net_revenue: 4.91 },
    });
  });

  it('is quarantined when, converted, it takes back more than the payment', async () => {
    // t1 10 GBP × 1.3 = 13 USD; r1 −11 EUR × 1.2 = 13.20 USD > 13 → quarantined (13.20 ÷ 1.3 = 10.1538… GBP).
    const rows = [['a', '2026-01-15T10:00:00Z', '10', 'GBP', 't1', '', '', ''], ['a', '2026-01-16T10:00:00Z', '-11', 'EUR', 'r1', 't1', '', '']];
    expect(await outcome({ 'e.csv': csv(HEADER, rows), 'rates.csv': RATES }, { rates: 'rates.csv' }, JAN_20)).toMatchObject({
      summary: { revenue: 13 },
      quarantine: [['e.csv', '3', 'refund_of "t1": this refund takes back 10.1538, more than the 10 that remains of that payment of 10 (in the payment\'s currency)', 'default', 'a']],
    });
  });
});


describe('several linked refunds of one payment', () => {
  it('take back proceeds and net together as one refund of their sum would: three thirds net to exactly 0', async () => {
    // a: 3.00 paid with proceeds 0.01 (given) and net 0.01 (given), refunded in three refunds of 1.00. Each
    // third of 0.01 is 0.00333…: rounded one by one (to 10⁻²⁰ and 10⁻²⁶ units), they took back a hair less than
    // 0.01, and a's proceeds stayed above 0. b: 0.01 paid, −0.02 refunded (unlinked): −0.01. February, period 0:
    // revenue (0 − 0.01) / 2 = −0.005 → −0.01 (half away from zero); proceeds and net (0 − 0.01) / 2 = −0.005
    // exactly → −0.01 (they came out 0.00: −0.005 plus the hair).
    const HEADER = 'customer_id,event_time,amount,transaction_id,refund_of,proceeds,net_revenue';
    const rows = [
      ['a', '2026-02-02T12:00:00Z', '3', 'a1', '', '0.01', '0.01'],
      ['a', '2026-02-03T12:00:00Z', '-1', 'a2', 'a1', '', ''],
      ['a', '2026-02-04T12:00:00Z', '-1', 'a3', 'a1', '', ''],
      ['a', '2026-02-05T12:00:00Z', '-1', 'a4', 'a1', '', ''],
      ['b', '2026-02-02T12:00:00Z', '0.01', 'b1', '', '', ''],
      ['b', '2026-02-03T12:00:00Z', '-0.02', 'b2', '', '', ''],
    ];
    const fx = await makeFixture({ 'e.csv': csv(HEADER, rows) });
    try {
      await runJob(fx, { inputs: [{ path: 'e.csv' }], matrices: MONTHLY, forecast: { model: 'off' } }, T);
      const { report } = await readLatest(fx);
      const m = report.matrices[0]!;
      for (const type of ['revenue', 'proceeds', 'net_revenue'] as const) expect(grid(m, type)).toEqual({ Total: [-0.01, -0.01], '2026-02-01': [-0.01, -0.01] });
      expect(report.summary).toMatchObject({ revenue: -0.01, proceeds: -0.01, net_revenue: -0.01 });
    } finally {
      await fx.cleanup();
    }
  });
});
describe('refunds that cannot be applied as they stand are quarantined', () => {
  const HEADER = 'customer_id,event_time,amount,transaction_id,refund_of,refunded_at';
  const more = (id: string, take: string, remains: string, paid: string): string =>
    `refund_of "${id}": this refund takes back ${take}, more than the ${remains} that remains of that payment of ${paid} (in the payment's currency)`;

  it('a refund whose refund_of is another customer\'s payment', async () => {
    // a: t1 10 (Feb 5); c: t2 30 (Feb 1), r1 −10 refund_of t1 (line 4) → quarantined: a keeps its 10.
    // February cohort p0 (10 + 30) / 2 = 20 (it was (0 + 30) / 2 = 15 with a's money taken).
    const rows = [['a', '2026-02-05T10:00:00Z', '10', 't1', '', ''], ['c', '2026-02-01T10:00:00Z', '30', 't2', '', ''], ['c', '2026-02-06T10:00:00Z', '-10', 'r1', 't1', '']];
    expect(await outcome({ 'e.csv': csv(HEADER, rows) })).toMatchObject({
      grid: { Total: [20, 20], '2026-02-01': [20, 20] },
      stats: { rows_read: 3, rows_quarantined: 1, duplicates: 0, refunds_linked: 0, refunds_unlinked: 0 },
      quarantine: [['e.csv', '4', 'refund_of "t1" is a payment of another customer ("a"): a refund can take back only its own customer\'s payment', 'default', 'c']],
    });
  });

  it('a refund of a quarantined payment is set aside with it, not counted as a refund of nothing', async () => {
    // a: t1 "abc" (line 2, quarantined), r1 −5 refund_of t1 (line 3) → quarantined with it; t3 10 (Feb 7).
    // b: t4 30 (Feb 1), r2 −10 refund_of t5 (line 6): t5 is nowhere → a refund of nothing, at its own time.
    // c: t6 with no customer (line 7, quarantined), r3 −5 refund_of t6 (line 8, customer c) → quarantined.
    // February p0 (10 + 20) / 2 = 15 (with r1 counted, a's −5 on Feb 6 came before its cohort: (5 + 20) / 2).
    const rows = [
      ['a', '2026-02-05T10:00:00Z', 'abc', 't1', '', ''], ['a', '2026-02-06T10:00:00Z', '-5', 'r1', 't1', ''],
      ['a', '2026-02-07T10:00:00Z', '10', 't3', '', ''],
      ['b', '2026-02-01T10:00:00Z', '30', 't4', '', ''], ['b', '2026-02-02T10:00:00Z', '-10', 'r2', 't5', ''],
      ['', '2026-02-03T10:00:00Z', '8', 't6', '', ''], ['c', '2026-02-04T10:00:00Z', '-5', 'r3', 't6', ''],
    ];
    const { quarantine, ...rest } = await outcome({ 'e.csv': csv(HEADER, rows) }, { max_bad_row_share: 0.6 });
    expect(rest).toMatchObject({
      grid: { Total: [15, 15], '2026-02-01': [15, 15] },
      stats: { rows_read: 7, rows_quarantined: 4, duplicates: 0, refunds_linked: 0, refunds_unlinked: 1 },
    });
    expect(quarantine.map(([file, line, , tenant, customer]) => [file, line, tenant, customer])).toEqual([
      ['e.csv', '2', 'default', 'a'], ['e.csv', '3', 'default', 'a'], ['e.csv', '7', 'default', ''], ['e.csv', '8', 'default', 'c'],
    ]);
    const orphan = (id: string, line: number): RegExp =>
      new RegExp(`^refund_of "${id}" names a quarantined row \\(.*/e\\.csv line ${line}\\): this refund is set aside with it; fix that row and both count$`);
    expect(quarantine[1]![2]).toMatch(orphan('t1', 2));
    expect(quarantine[3]![2]).toMatch(orphan('t6', 7));
  });

  it('a refund of more than its payment, and the later of several refunds that exceeds what remains', async () => {
    // a: t1 20, r1 −50 refund_of t1 (line 3) → quarantined: a's revenue 20, not −30.
    // b: t2 20, r2 −15 (remains 5), r3 −10 (line 6: more than 5 → quarantined), r4 −5 (remains 5: kept) → 0.
    // February p0 (20 + 0) / 2 = 10.
    const rows = [
      ['a', '2026-02-05T10:00:00Z', '20', 't1', '', ''], ['a', '2026-02-06T10:00:00Z', '-50', 'r1', 't1', ''],
      ['b', '2026-02-05T10:00:00Z', '20', 't2', '', ''], ['b', '2026-02-06T10:00:00Z', '-15', 'r2', 't2', ''],
      ['b', '2026-02-07T10:00:00Z', '-10', 'r3', 't2', ''], ['b', '2026-02-08T10:00:00Z', '-5', 'r4', 't2', ''],
    ];
    expect(await outcome({ 'e.csv': csv(HEADER, rows) })).toMatchObject({
      grid: { Total: [10, 10], '2026-02-01': [10, 10] },
      stats: { rows_read: 6, rows_quarantined: 2, duplicates: 0, refunds_linked: 2 },
      quarantine: [['e.csv', '3', more('t1', '50', '20', '20'), 'default', 'a'], ['e.csv', '6', more('t2', '10', '5', '20'), 'default', 'b']],
    });
  });

  it('a refund dated before the payment it names, also when that payment lies after T', async () => {
    // a: t1 20 (Feb 5, line 2), r1 −20 refund_of t1 on Feb 3 (line 3) → quarantined: a keeps its 20.
    // b: t2 10 (Feb 1), r2 −4 refund_of t2 on Feb 6 (kept: 10 − 4 = 6); r3 −5 refund_of t3 on Feb 7 (line 6),
    // t3 5 on Mar 2 (line 7, after T) → quarantined, not a refund of nothing at its own time (which gave b 1).
    // February p0 (20 + 6) / 2 = 13 (with r1 applied and r3 unlinked: (0 + 1) / 2 = 0.5).
    const rows = [
      ['a', '2026-02-05T10:00:00Z', '20', 't1', '', ''], ['a', '2026-02-03T10:00:00Z', '-20', 'r1', 't1', ''],
      ['b', '2026-02-01T10:00:00Z', '10', 't2', '', ''], ['b', '2026-02-06T10:00:00Z', '-4', 'r2', 't2', ''],
      ['b', '2026-02-07T10:00:00Z', '-5', 'r3', 't3', ''], ['b', '2026-03-02T10:00:00Z', '5', 't3', '', ''],
    ];
    const early = (id: string, line: number): RegExp =>
      new RegExp(`^refund_of "${id}" names a payment dated after this refund \\(.*/e\\.csv line ${line}\\): a refund cannot precede its payment; fix the time of one of them$`);
    const { quarantine, ...rest } = await outcome({ 'e.csv': csv(HEADER, rows) });
    expect(rest).toMatchObject({
      grid: { Total: [13, 13], '2026-02-01': [13, 13] },
      stats: { rows_read: 6, rows_quarantined: 2, refunds_linked: 1, refunds_unlinked: 0, after_as_of_rows: 1 },
    });
    expect(quarantine.map(([file, line, , tenant, customer]) => [file, line, tenant, customer])).toEqual([
      ['e.csv', '3', 'default', 'a'], ['e.csv', '6', 'default', 'b'],
    ]);
    expect(quarantine[0]![2]).toMatch(early('t1', 2));
    expect(quarantine[1]![2]).toMatch(early('t3', 7));
  });

  it('a refund row whose amount is positive or zero (a refund exported without its sign)', async () => {
    // a: t1 10 (Feb 5), r1 +10 refund_of t1 (line 3) → quarantined, not a second payment of 10: a's 10 stays.
    // b: t2 30 (Feb 1), r2 0 refund_of t2 (line 5) → quarantined likewise. February p0 (10 + 30) / 2 = 20
    // (with r1 counted as a payment it was (20 + 30) / 2 = 25).
    const rows = [
      ['a', '2026-02-05T10:00:00Z', '10', 't1', '', ''], ['a', '2026-02-20T10:00:00Z', '10.00', 'r1', 't1', ''],
      ['b', '2026-02-01T10:00:00Z', '30', 't2', '', ''], ['b', '2026-02-02T10:00:00Z', '0', 'r2', 't2', ''],
    ];
    const not = (amount: string): string => `refund_of is set but amount "${amount}" is not negative: a refund row takes money back (give its amount as negative); a payment has no refund_of`;
    expect(await outcome({ 'e.csv': csv(HEADER, rows) })).toMatchObject({
      grid: { Total: [20, 20], '2026-02-01': [20, 20] },
      stats: { rows_read: 4, rows_quarantined: 2, duplicates: 0, refunds_linked: 0 },
      quarantine: [['e.csv', '3', not('10.00'), 'default', 'a'], ['e.csv', '5', not('0'), 'default', 'b']],
    });
  });

  it('a Stripe charge with more refunded than its amount', async () => {
    // ch_1: 20.00 paid, 50.00 refunded → the refund row (line 2, beside its charge) is quarantined: 20 stays.
    // ch_2: 30.00 paid, 10.00 refunded → 20. January p0 (20 + 20) / 2 = 20.
    const stripe = 'id,Created date (UTC),Amount,Amount Refunded,Currency,Status,Customer ID\n'
      + 'ch_1,2026-01-05 10:00,20.00,50.00,usd,Paid,cus_a\nch_2,2026-01-06 10:00,30.00,10.00,usd,Paid,cus_b\n';
    expect(await outcome({ 'e.csv': stripe }, { inputs: [{ path: 'e.csv', preset: 'stripe' }] })).toMatchObject({
      grid: { Total: [20, 20, 20], '2026-01-01': [20, 20, 20] },
      stats: { rows_read: 4, rows_quarantined: 1, refunds_linked: 1 },
      quarantine: [['e.csv', '2', more('ch_1', '50', '20', '20'), 'default', 'cus_a']],
    });
  });

  it('a refund row of a payment that its refunded_at already refunds', async () => {
    // a: t1 10 refunded_at Feb 10 (−10 at t1's time) and r1 −10 refund_of t1 (line 3) → r1 quarantined:
    // a's revenue 10 − 10 = 0, not −10. b: t2 10. February p0 (0 + 10) / 2 = 5.
    const rows = [['a', '2026-02-05T10:00:00Z', '10', 't1', '', '2026-02-10T00:00:00Z'], ['a', '2026-02-10T00:00:00Z', '-10', 'r1', 't1', ''], ['b', '2026-02-05T10:00:00Z', '10', 't2', '', '']];
    expect(await outcome({ 'e.csv': csv(HEADER, rows) })).toMatchObject({
      grid: { Total: [5, 5], '2026-02-01': [5, 5] },
      stats: { rows_quarantined: 1, refunds_linked: 1 },
      quarantine: [['e.csv', '3', 'refund_of "t1": that payment is already refunded in full by its refunded_at; this row would refund it twice', 'default', 'a']],
    });
  });

  it('a refund row before a refunded_at that lies after T is applied: at T the payment is not refunded yet', async () => {
    // As of Feb 12: t1 10 (refunded_at Feb 20, after T), r1 −4 refund_of t1 on Feb 10 → 6. February p0 6.
    const rows = [['a', '2026-02-05T10:00:00Z', '10', 't1', '', '2026-02-20T00:00:00Z'], ['a', '2026-02-10T00:00:00Z', '-4', 'r1', 't1', '']];
    expect(await outcome({ 'e.csv': csv(HEADER, rows) }, {}, '2026-02-12T00:00:00Z')).toMatchObject({
      grid: { Total: [6], '2026-02-01': [6] },
      stats: { rows_quarantined: 0, refunds_linked: 1 },
      quarantine: [],
    });
  });
});

describe('a refund of a sandbox payment', () => {
  it('is excluded with its payment, counted as sandbox', async () => {
    // t1 10 sandbox (excluded), t2 20, r1 −10 refund_of t1 → excluded with t1: revenue 20 (not 20 − 10).
    const rows = [['a', '2026-02-05T10:00:00Z', '10', 't1', '', 'true'], ['a', '2026-02-06T10:00:00Z', '20', 't2', '', 'false'], ['a', '2026-02-07T10:00:00Z', '-10', 'r1', 't1', 'false']];
    expect(await outcome({ 'e.csv': csv('customer_id,event_time,amount,transaction_id,refund_of,is_sandbox', rows) })).toMatchObject({
      grid: { Total: [20, 20], '2026-02-01': [20, 20] },
      stats: { rows_read: 3, rows_quarantined: 0, duplicates: 0, sandbox_rows: 2, refunds_linked: 0, refunds_unlinked: 0, transactions: 1 },
      quarantine: [],
    });
  });

  it('is sandbox when it comes after T too, not a row after the as-of time', async () => {
    // As of Feb 12: t1 10 sandbox, t2 20, r1 −10 refund_of t1 on Feb 20 (after T) → sandbox 2, after as-of 0.
    // A refund after T of a payment that is not sandbox (r2 of t2) stays a row after the as-of time.
    const rows = [
      ['a', '2026-02-05T10:00:00Z', '10', 't1', '', 'true'], ['a', '2026-02-06T10:00:00Z', '20', 't2', '', 'false'],
      ['a', '2026-02-20T10:00:00Z', '-10', 'r1', 't1', 'false'], ['a', '2026-02-21T10:00:00Z', '-5', 'r2', 't2', 'false'],
    ];
    expect(await outcome({ 'e.csv': csv('customer_id,event_time,amount,transaction_id,refund_of,is_sandbox', rows) }, {}, '2026-02-12T00:00:00Z')).toMatchObject({
      grid: { Total: [20], '2026-02-01': [20] },
      stats: { rows_read: 4, rows_quarantined: 0, duplicates: 0, sandbox_rows: 2, after_as_of_rows: 1, refunds_linked: 0, refunds_unlinked: 0, transactions: 1 },
      quarantine: [],
    });
  });
});
