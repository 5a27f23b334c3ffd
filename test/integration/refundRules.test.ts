// SPEC §4 refunds: linked refunds in another currency than their payment, on tiny exports with the arithmetic
// in comments (README "Decisions").
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
});
