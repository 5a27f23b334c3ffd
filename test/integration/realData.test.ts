// Real public exports (test/fixtures/datasets, copies of ../shared/datasets): their published totals hold, and the totals of the report
// equal an independent sum computed here with BigInt cents-of-cents arithmetic.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { makeFixture, readAdapty, readLatest, runJob, type Fixture } from '../helpers/runFixture.js';

const DATASETS = fileURLToPath(new URL('../fixtures/datasets/', import.meta.url));
const fixtures: Fixture[] = [];
afterAll(async () => {
  for (const f of fixtures) await f.cleanup();
});

/** Exact decimal text → integer count of 10⁻⁸, rounded half away from zero (as DECIMAL(18,8) casts). */
function units(text: string): bigint {
  const [int = '0', frac = ''] = text.trim().replace(/^-/, '').split('.');
  const padded = (frac + '000000000').slice(0, 9);
  let v = BigInt(int) * 100_000_000n + BigInt(padded.slice(0, 8));
  if (Number(padded[8]) >= 5) v += 1n;
  return text.trim().startsWith('-') ? -v : v;
}
const toCents = (u: bigint): number => Number((u + (u >= 0n ? 500_000n : -500_000n)) / 1_000_000n) / 100;

describe('CDNOW (whitespace-separated, YYYYMMDD dates, no transaction ids)', () => {
  it('keeps 69,659 purchases by 23,570 customers worth $2,500,315.63', async () => {
    // 80 purchases have dollar_value 0: rows of amount 0 are no payments (SPEC §2).
    const fields = (await readFile(`${DATASETS}CDNOW_master.txt`, 'utf8')).trim().split('\n').slice(1).map((l) => l.trim().split(/\s+/));
    const payments = fields.filter((f) => Number(f[3]) > 0).length;
    // Independently: each paying customer's first month with a purchase above $0.
    const firstPaid = new Map<string, string>();
    for (const [id, date, , value] of fields) {
      if (Number(value) > 0 && (!firstPaid.has(id!) || date! < firstPaid.get(id!)!)) firstPaid.set(id!, date!);
    }
    const cohortSizes = new Map<string, number>();
    for (const d of firstPaid.values()) {
      const month = `${d.slice(0, 4)}-${d.slice(4, 6)}-01`;
      cohortSizes.set(month, (cohortSizes.get(month) ?? 0) + 1);
    }
    expect(payments).toBe(69_579);
    const fx = await makeFixture({});
    fixtures.push(fx);
    const result = await runJob(fx, {
      inputs: [{ path: `${DATASETS}CDNOW_master.txt`, map: { amount: 'dollar_value', event_time: 'date' } }],
      // What is checked is in ltv.json and a snapshot: no workbook or CSV, and no forecast (forecastRun checks
      // CDNOW's; it took most of this run's time).
      formats: ['json'], forecast: { model: 'off' },
    }, '1998-07-01T00:00:00Z');
    // The 80 rows of $0.00 are counted (they were in no bucket): 69,659 = 69,579 payments + 80.
    expect(result.stats).toMatchObject({ rows_read: 69_659, rows_quarantined: 0, duplicates: 0, transactions: payments, refund_rows: 0, zero_amount_rows: 80 });
    expect(fields.length - payments).toBe(80);
    const { report } = await readLatest(fx);
    // 23,570 customer ids; 68 of them bought only $0.00 items: no payment, so in no cohort (SPEC §2).
    expect(result.stats.customer_ids).toBe(23_570);
    expect(report.summary.customers).toBe(23_502);
    expect(report.summary.revenue).toBe(2_500_315.63);
    // Everyone first bought in Q1 1997, but a customer whose Q1 purchases were all $0.00 starts a cohort
    // with their first paid month: the monthly cohorts equal the independent count.
    const monthly = await readAdapty(fx, 'days-month-cohort.json');
    const cohorts = monthly.revenue.data.filter((r) => r.type === 'cohort');
    expect(cohorts.map((c) => [c.title, c.cohort_size])).toEqual([...cohortSizes.entries()].sort());
    expect(cohorts.slice(0, 3).reduce((a, c) => a + c.cohort_size, 0)).toBeGreaterThan(23_400);
  });
});

describe('UCI Online Retail (mapped with --map, GBP)', () => {
  it('matches an independent exact sum and the invoice and customer counts', async () => {
    const text = await readFile(`${DATASETS}online_retail.csv`, 'utf8');
    const lines = text.trim().split('\n').slice(1).map((l) => l.split(','));
    const expectedUnits = lines.reduce((a, l) => a + units(l[3]!), 0n);
    const customers = new Set(lines.map((l) => l[2])).size;
    const fx = await makeFixture({});
    fixtures.push(fx);
    const result = await runJob(fx, {
      inputs: [{ path: `${DATASETS}online_retail.csv`, map: { customer_id: 'CustomerID', event_time: 'InvoiceDate', amount: 'TotalPrice', transaction_id: 'InvoiceNo' } }],
      currency: 'GBP',
      timezone: 'Europe/London',
      formats: ['json'], // what is checked is in ltv.json: no workbook or CSV
    }, '2011-12-10T00:00:00Z');
    expect(result.stats).toMatchObject({ rows_read: 18_532, rows_quarantined: 0, transactions: 18_532 });
    const { report } = await readLatest(fx);
    expect(report.currency).toBe('GBP');
    expect(report.summary.customers).toBe(customers);
    expect(customers).toBe(4_338);
    expect(report.summary.revenue).toBe(toCents(expectedUnits));
    // SPEC §9 on a web shop: BG/NBD, fitted near its limit a → 0 (hardly anybody drops out), so many of
    // the bootstrap's replicates end at that edge of the space; they count as that limit (leaving them
    // out would narrow the interval to the draws that did not go there), and the note says how many.
    const f = report.forecast!;
    expect(f.model).toBe('bgnbd');
    expect(f.fits.find((x) => x.model === 'bgnbd')!.params.a).toBeLessThan(0.01);
    const [, atEdge] = /(\d+) replicate\(s\) went to the edge of the parameter space \(the model's limit: nobody drops out, or one purchase rate for all\) and count as that limit/.exec(f.bootstrap.note ?? '') ?? [];
    expect(Number(atEdge)).toBeGreaterThan(0);
    expect(f.bootstrap.note).not.toMatch(/left out/);
    const total = f.rows.find((r) => r.type === 'total')!;
    expect(total.cells.length).toBeGreaterThan(0);
    for (const c of total.cells) {
      expect(Number.isFinite(c.upper.revenue)).toBe(true);
      expect(c.lower.revenue).toBeLessThanOrEqual(c.revenue);
      expect(c.upper.revenue).toBeGreaterThanOrEqual(c.revenue);
    }
  });
});
