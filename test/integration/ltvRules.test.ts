// SPEC §2–§4 rule by rule, each on a tiny export with the arithmetic in comments.
import { describe, expect, it } from 'vitest';
import { adaptyGrid, csv, grid, makeFixture, readAdapty, readLatest, runJob } from '../helpers/runFixture.js';

const HEADER = 'customer_id,event_time,amount,transaction_id';

describe('periods (days type)', () => {
  it('adds calendar months with month ends clamped: Jan 31 + 1 month = Feb 28, + 2 months = Mar 31', async () => {
    // t0 = Jan 31 10:00. Period 1 starts Feb 28 10:00, period 2 Mar 31 10:00, period 3 Apr 30 10:00.
    // 1.00 Feb 28 09:59 → period 0; 2.00 Feb 28 10:00 → 1; 4.00 Mar 30 → 1; 8.00 Mar 31 10:00 → 2.
    // Cumulative per customer: p0 10 + 1 = 11; p1 11 + 2 + 4 = 17; p2 17 + 8 = 25; p3 25.
    const fx = await makeFixture({
      'e.csv': csv(HEADER, [
        ['c', '2026-01-31T10:00:00Z', '10', 'a'],
        ['c', '2026-02-28T09:59:00Z', '1', 'b'],
        ['c', '2026-02-28T10:00:00Z', '2', 'c'],
        ['c', '2026-03-30T12:00:00Z', '4', 'd'],
        ['c', '2026-03-31T10:00:00Z', '8', 'e'],
      ]),
    });
    try {
      await runJob(fx, { inputs: [{ path: 'e.csv' }], matrices: [{ period_type: 'days', period_unit: 'month' }] }, '2026-05-15T00:00:00Z');
      const { report } = await readLatest(fx);
      // Jan cohort (s = Jan 1): shown while Jan 1 + k months ≤ May 15 → k ≤ 4.
      expect(grid(report.matrices[0]!)).toEqual({ Total: [11, 17, 25, 25, 25], '2026-01-01': [11, 17, 25, 25, 25] });
      // Complete when e + (k+1) months ≤ T, e = Feb 1: k + 1 ≤ 3 (May 1 ≤ May 15) → k ≤ 2 complete, 3..4 partial.
      expect(report.matrices[0]!.rows[1]!.cells.map((c) => c.state)).toEqual(['complete', 'complete', 'complete', 'partial', 'partial']);
    } finally {
      await fx.cleanup();
    }
  });

  it('keeps local wall-clock time across a DST change (America/New_York)', async () => {
    // DST starts 2026-03-08 02:00 local. t0 = Mar 7 10:00 EST (15:00Z).
    //   Mar 8 09:30 EDT (13:30Z), 22.5 h later, is before t0 + 1 day = Mar 8 10:00 local → period 0.
    //   Mar 8 10:30 EDT (14:30Z), 23.5 h later, is after it                             → period 1.
    // A payment at 2026-03-08 03:30Z is Mar 7 22:30 EST: customer d's cohort day is Mar 7, not Mar 8.
    // Day cohort Mar 7: c (10 + 1 in p0, + 2 in p1), d (5 in p0). p0 = (11 + 5) / 2 = 8; p1 = (16 + 2) / 2 = 9.
    const fx = await makeFixture({
      'e.csv': csv(HEADER, [
        ['c', '2026-03-07T15:00:00Z', '10', 'a'],
        ['c', '2026-03-08T13:30:00Z', '1', 'b'],
        ['c', '2026-03-08T14:30:00Z', '2', 'c'],
        ['d', '2026-03-08T03:30:00Z', '5', 'd'],
      ]),
    });
    try {
      await runJob(fx, {
        inputs: [{ path: 'e.csv' }], timezone: 'America/New_York',
        matrices: [{ period_type: 'days', period_unit: 'day' }],
      }, '2026-03-09T12:00:00Z'); // T = Mar 9 08:00 EDT: Mar 7 + 2 days ≤ T → periods 0..2 shown
      const { report } = await readLatest(fx);
      expect(grid(report.matrices[0]!)).toEqual({ Total: [8, 9, 9], '2026-03-07': [8, 9, 9] });
    } finally {
      await fx.cleanup();
    }
  });

  it('forms ISO-week cohorts from Monday across New Year', async () => {
    // 2026-01-01 is a Thursday: its ISO week starts Mon 2025-12-29. Sun 2025-12-28 belongs to week 2025-12-22.
    const fx = await makeFixture({
      'e.csv': csv(HEADER, [
        ['a', '2025-12-28T12:00:00Z', '7', 'a'],
        ['b', '2026-01-01T12:00:00Z', '3', 'b'],
        ['c', '2026-01-04T23:00:00Z', '5', 'c'],
        ['d', '2026-01-05T00:00:00Z', '9', 'd'],
      ]),
    });
    try {
      await runJob(fx, { inputs: [{ path: 'e.csv' }], matrices: [{ period_type: 'days', period_unit: 'week' }] }, '2026-01-06T00:00:00Z');
      const { report } = await readLatest(fx);
      const m = report.matrices[0]!;
      // Shown k ≤ (T − s) / 7 days: week 12-22 → 15 days → 0..2; 12-29 → 8 days → 0..1; 01-05 → 1 day → 0.
      expect(grid(m)).toEqual({
        // Total: p0 all four: (7 + 3 + 5 + 9) / 4 = 6; p1 weeks 12-22 and 12-29: (7 + 3 + 5) / 3 = 5;
        // p2 week 12-22 only: 7 / 1 = 7 (a Total row may fall: each period averages the cohorts showing it).
        Total: [6, 5, 7],
        '2025-12-22': [7, 7, 7],
        '2025-12-29': [4, 4],      // (3 + 5) / 2
        '2026-01-05': [9],
      });
    } finally {
      await fx.cleanup();
    }
  });
});

describe('refunds, accounting types and period types', () => {
  // Jan cohort of four customers, T = 2026-04-01 (Jan 1 + k months ≤ Apr 1 → periods 0..3 shown).
  //  a: t1 Jan 10 100 (commission 30 %, tax 10 %), t2 Feb 10 100 (same), r1 Mar 20 −100 refund_of t2
  //     → clawback: −100 in t2's period 1 and renewal 1; proceeds 70, 70, −70; net 63, 63, −63.
  //  b: t3 Jan 15 50, r2 Mar 20 −20 refers to nothing → its own time: period 2 (Mar 15 ≤ t < Apr 15), renewal 0.
  //  c: t4 Jan 20 40 (commission 30 %) refunded_at Feb 25 → −40 at t4's time: period 0; proceeds 28 − 28.
  //  d: t5 Jan 25 100 (commission 30 %), r3 Feb 27 −25 refund_of t5 → period 0; proceeds −25/100 × 70 = −17.50.
  const rows = [
    ['a', '2026-01-10T00:00:00Z', '100', 't1', '', '', '30', '10', 'US'],
    ['a', '2026-02-10T00:00:00Z', '100', 't2', '', '', '30', '10', 'US'],
    ['a', '2026-03-20T00:00:00Z', '-100', 'r1', 't2', '', '', '', 'US'],
    ['b', '2026-01-15T00:00:00Z', '50', 't3', '', '', '', '', 'de'],
    ['b', '2026-03-20T00:00:00Z', '-20', 'r2', '', '', '', '', 'de'],
    ['c', '2026-01-20T00:00:00Z', '40', 't4', '', '2026-02-25T00:00:00Z', '30', '', 'US'],
    ['d', '2026-01-25T00:00:00Z', '100', 't5', '', '', '30', '', 'US'],
    ['d', '2026-02-27T00:00:00Z', '-25', 'r3', 't5', '', '', '', 'US'],
  ];
  const header = 'customer_id,event_time,amount,transaction_id,refund_of,refunded_at,commission_percentage,tax_percentage,country';

  it('claws linked refunds back into their payment period, counts unlinked ones at their own time', async () => {
    const fx = await makeFixture({ 'e.csv': csv(header, rows) });
    try {
      const result = await runJob(fx, { inputs: [{ path: 'e.csv' }] }, '2026-04-01T00:00:00Z');
      expect(result.stats).toMatchObject({ refunds_linked: 3, refunds_unlinked: 1, transactions: 5 });
      const body = await readAdapty(fx, 'days-month-cohort.json');
      // revenue by period: p0 100 + 50 + 40 − 40 + 100 − 25 = 225; p1 100 − 100 = 0; p2 −20.
      // cumulative ÷ 4: 56.25, 56.25, 51.25, 51.25.
      expect(adaptyGrid(body, 'revenue')['2026-01-01']).toEqual([56.25, 56.25, 51.25, 51.25]);
      // proceeds p0 70 + 50 + 0 + 52.50 = 172.50 → 43.125 → 43.13 (half away from zero); p2 −20 → 38.125 → 38.13.
      expect(adaptyGrid(body, 'proceeds')['2026-01-01']).toEqual([43.13, 43.13, 38.13, 38.13]);
      // net p0 63 + 50 + 0 + 52.50 = 165.50 → 41.375 → 41.38; p2 145.50 → 36.375 → 36.38.
      expect(adaptyGrid(body, 'net_revenue')['2026-01-01']).toEqual([41.38, 41.38, 36.38, 36.38]);
      expect(body.revenue.value).toBe(51.25);
      expect(body.revenue.data[0]).toMatchObject({ title: 'Total', type: 'total', cohort_size: 4 });
    } finally {
      await fx.cleanup();
    }
  });

  it('puts each movement in its renewal number for the renewals type', async () => {
    const fx = await makeFixture({ 'e.csv': csv(header, rows) });
    try {
      await runJob(fx, { inputs: [{ path: 'e.csv' }], matrices: [{ period_type: 'renewals', period_unit: 'month' }] }, '2026-04-01T00:00:00Z');
      // Derived renewal numbers (no column): a t1 0, t2 1; b, c, d 0. r1 → 1 (t2's); r2 → 0 (b's latest
      // payment before it); c's and d's refunds → 0. Shown: 0 .. the highest renewal among payments = 1.
      // r0: 100 + 50 − 20 + 40 − 40 + 100 − 25 = 205 → 51.25; r1: + 100 − 100 → 51.25.
      const { report } = await readLatest(fx);
      const m = report.matrices[0]!;
      expect(grid(m)).toEqual({ Total: [51.25, 51.25], '2026-01-01': [51.25, 51.25] });
      // The highest renewal is still filling: partial; below it complete.
      expect(m.rows[1]!.cells.map((c) => c.state)).toEqual(['complete', 'partial']);
    } finally {
      await fx.cleanup();
    }
  });

  it('derives only the renewal numbers an export leaves blank, per customer and product', async () => {
    // x: m Jan 5 10 and m Feb 5 10 with blank numbers → derived 0 and 1 (order of payments); x's y-product
    // payment Jan 20 5 is its own product's first → 0. z: given 3 on Jan 10 (20). Cohort Jan: x, z.
    // Renewals shown 0..3. r0: 10 + 5 = 15 → 7.5; r1: + 10 → 12.5; r2: 12.5; r3: + 20 → 45 / 2 = 22.5.
    const fx = await makeFixture({
      'e.csv': csv('customer_id,event_time,amount,transaction_id,product_id,renewal_number', [
        ['x', '2026-01-05T10:00:00Z', '10', 't1', 'm', ''],
        ['x', '2026-02-05T10:00:00Z', '10', 't2', 'm', ''],
        ['x', '2026-01-20T10:00:00Z', '5', 't3', 'y', ''],
        ['z', '2026-01-10T10:00:00Z', '20', 't4', 'm', '3'],
      ]),
    });
    try {
      await runJob(fx, { inputs: [{ path: 'e.csv' }], matrices: [{ period_type: 'renewals', period_unit: 'month' }] }, '2026-04-01T00:00:00Z');
      const { report } = await readLatest(fx);
      expect(grid(report.matrices[0]!)).toEqual({ Total: [7.5, 12.5, 12.5, 22.5], '2026-01-01': [7.5, 12.5, 12.5, 22.5] });
    } finally {
      await fx.cleanup();
    }
  });

  it('segments by the first payment attributes, case-insensitively, biggest segment first', async () => {
    const fx = await makeFixture({ 'e.csv': csv(header, rows) });
    try {
      await runJob(fx, { inputs: [{ path: 'e.csv' }] }, '2026-04-01T00:00:00Z');
      const body = await readAdapty(fx, 'days-month-country.json');
      // US: a, c, d → p0 100 + 0 + 75 = 175 / 3 = 58.33 (no later US movement but a's net-zero p1). DE: b → 50, 50, 30, 30.
      expect(body.revenue.data.map((r) => [r.title, r.type, r.cohort_size])).toEqual([
        ['Total', 'total', 4], ['US', 'segment', 3], ['DE', 'segment', 1],
      ]);
      expect(adaptyGrid(body)).toEqual({ Total: [56.25, 56.25, 51.25, 51.25], US: [58.33, 58.33, 58.33, 58.33], DE: [50, 50, 30, 30] });
    } finally {
      await fx.cleanup();
    }
  });
});

describe('rows spanning several cohorts', () => {
  it('averages, at each period, only the cohorts that show it', async () => {
    // Jan: e (US) 10 on Jan 10 + 5 on Feb 12; f (FR) 20 on Jan 12. Mar: g (US) 30 on Mar 5. T = Mar 20.
    // Shown: Jan cohort 0..2, Mar cohort 0.
    // US: k0 (10 + 30) / 2 = 20; k1 Jan only: (10 + 5) / 1 = 15; k2 15.
    // Total: k0 (10 + 20 + 30) / 3 = 20; k1 (15 + 20) / 2 = 17.50; k2 17.50.
    const fx = await makeFixture({
      'e.csv': csv('customer_id,event_time,amount,country', [
        ['e', '2026-01-10T00:00:00Z', '10', 'US'], ['e', '2026-02-12T00:00:00Z', '5', 'US'],
        ['f', '2026-01-12T00:00:00Z', '20', 'FR'], ['g', '2026-03-05T00:00:00Z', '30', 'us'],
      ]),
    });
    try {
      await runJob(fx, { inputs: [{ path: 'e.csv' }] }, '2026-03-20T00:00:00Z');
      const body = await readAdapty(fx, 'days-month-country.json');
      expect(adaptyGrid(body)).toEqual({ Total: [20, 17.5, 17.5], US: [20, 15, 15], FR: [20, 20, 20] });
      expect(body.revenue.data.map((r) => r.cohort_size)).toEqual([3, 2, 1]);
      // The same cohorts as rows (time segmentation by month), and by week cohorts with monthly periods:
      // weeks of Jan 5 (e: 10 + 5 in period 1), Jan 12 (f), Mar 2 (g); shown while week start + k months ≤ Mar 20.
      const weekly = await readAdapty(fx, 'days-month-week.json');
      expect(adaptyGrid(weekly)).toEqual({
        Total: [20, 17.5, 17.5], '2026-01-05': [10, 15, 15], '2026-01-12': [20, 20, 20], '2026-03-02': [30],
      });
    } finally {
      await fx.cleanup();
    }
  });
});

describe('which transactions exist', () => {
  it('deduplicates by transaction_id, drops sandbox, trials start no cohort, nothing after T exists', async () => {
    const h = 'customer_id,event_time,amount,transaction_id,updated_at,is_sandbox,is_trial';
    const fx = await makeFixture({
      'a.csv': csv(h, [
        ['h', '2026-01-05T00:00:00Z', '10', 'x1', '2026-01-05T00:00:00Z', '', ''],
        ['h', '2026-01-05T00:00:00Z', '12', 'x1', '2026-01-06T00:00:00Z', '', ''], // later updated_at wins: 12
        ['h', '2026-01-06T00:00:00Z', '3', 'x2', '', '', ''],
        ['i', '2026-01-07T00:00:00Z', '0', 'x3', '', 'false', 'true'], // trial: no cohort start
        ['i', '2026-01-08T00:00:00Z', '9', 'x4', '', '', ''],
        ['j', '2026-01-09T00:00:00Z', '50', 'x5', '', 'true', ''], // sandbox
        ['k', '2026-02-20T00:00:00Z', '8', 'x6', '', '', ''], // after T
        ['m', '2026-01-20T00:00:00Z', '7', 'x7', '2026-01-20T00:00:00Z', '', ''],
        ['m', '2026-02-10T00:00:00Z', '7', 'x7', '2026-01-25T00:00:00Z', '', ''], // the winning version is after T
        ['n', '2026-01-10', '5', '', '', '', ''], // no transaction_id: identical rows are two purchases
        ['n', '2026-01-10', '5', '', '', '', ''],
      ]),
      'b.csv': csv(h, [['h', '2026-01-06T00:00:00Z', '4', 'x2', '', '', '']]), // same updated_at: the later file wins: 4
    });
    try {
      const result = await runJob(fx, { inputs: [{ path: 'a.csv' }, { path: 'b.csv' }] }, '2026-02-01T00:00:00Z');
      // Jan cohort: h 12 + 4 = 16, i 9, n 10 → 35 / 3 = 11.666… → 11.67. j, k, m have no payment up to T.
      // Shown: Jan 1 + k months ≤ Feb 1 → periods 0 and 1.
      const { report } = await readLatest(fx);
      expect(report.summary.customers).toBe(3);
      expect(grid(report.matrices[0]!)['2026-01-01']).toEqual([11.67, 11.67]);
      expect(result.stats).toMatchObject({ rows_read: 12, duplicates: 3, sandbox_rows: 1, after_as_of_rows: 2 });
    } finally {
      await fx.cleanup();
    }
  });

  it('a quarantined winner still supersedes the versions before it: they are duplicates, not the payment', async () => {
    // x1's latest version (updated Oct 2) is dated before min_event_time, x8's has an amount that is no
    // number: both are bad rows, and the versions they replaced lost to them. Before, the versions were
    // ranked without the bad rows, so a's superseded 50.00 counted and opened a cohort (revenue 90, 5 customers).
    const h = 'customer_id,event_time,amount,transaction_id,updated_at';
    const fx = await makeFixture({
      'a.csv': csv(h, [
        ['a', '2025-10-01T10:00:00Z', '50', 'x1', '2025-10-01T10:00:00Z'],
        ['a', '2025-09-01T10:00:00Z', '50', 'x1', '2025-10-02T10:00:00Z'],
        ['f', '2025-10-03T10:00:00Z', '30', 'x8', '2025-10-03T10:00:00Z'],
        ['f', '2025-10-03T10:00:00Z', '5O', 'x8', '2025-10-04T10:00:00Z'],
        ['b', '2025-10-05T10:00:00Z', '10', 't2', ''], ['c', '2025-10-05T10:00:00Z', '10', 't3', ''],
        ['d', '2025-10-05T10:00:00Z', '10', 't4', ''], ['e', '2025-10-05T10:00:00Z', '10', 't5', ''],
      ]),
    });
    try {
      const result = await runJob(fx, { inputs: [{ path: 'a.csv' }], min_event_time: '2025-09-10T00:00:00Z', max_bad_row_share: 0.5, forecast: { model: 'off' } }, '2025-11-10T00:00:00Z');
      const { report } = await readLatest(fx);
      // b, c, d, e: 40 / 4 = 10.
      expect([report.summary.customers, report.summary.revenue]).toEqual([4, 40]);
      expect(result.stats).toMatchObject({ rows_read: 8, rows_quarantined: 2, duplicates: 2, transactions: 4 });
    } finally {
      await fx.cleanup();
    }
  });
});

describe('currencies', () => {
  it('converts at the latest rate on or before the local date; a linked refund at its payment rate', async () => {
    // EUR: 1.10 from Jan 1, 1.20 from Feb 1. p: 100 EUR Jan 15 → 110; 100 EUR Feb 10 → 120; its refund on
    // Mar 2 converts at 1.20 → −120 (nets to exactly zero although Mar's rate is 1.30). r: 7 USD.
    // q: GBP has no rate → quarantined (line 5). Jan cohort p0 (110 + 7) / 2 = 58.50, p1 58.50, p2 58.50.
    // s: 100 EUR Feb 20 → 120; refunded by −50 USD (another currency): counts at the payment's time, converted
    // at its own rate (USD, the report's: −50). Feb cohort (s alone): p0 = 120 − 50 = 70, p1 (from Mar 1) 70.
    const fx = await makeFixture({
      'rates.csv': 'date,currency,rate\n2026-01-01,EUR,1.10\n2026-02-01,EUR,1.20\n2026-03-01,EUR,1.30\n',
      'e.csv': csv('customer_id,event_time,amount,currency,transaction_id,refund_of', [
        ['p', '2026-01-15T00:00:00Z', '100', 'EUR', 'p1', ''],
        ['p', '2026-02-10T00:00:00Z', '100', 'eur', 'p2', ''],
        ['p', '2026-03-02T00:00:00Z', '-100', 'EUR', 'p3', 'p2'],
        ['q', '2026-01-20T00:00:00Z', '10', 'GBP', 'q1', ''],
        ['r', '2026-01-03T00:00:00Z', '7', '', 'r1', ''],
        ['s', '2026-02-20T00:00:00Z', '100', 'EUR', 's1', ''],
        ['s', '2026-03-02T00:00:00Z', '-50', 'USD', 's2', 's1'],
      ]),
    });
    try {
      await runJob(fx, { inputs: [{ path: 'e.csv' }], rates: 'rates.csv', max_bad_row_share: 0.5 }, '2026-03-10T00:00:00Z');
      const { report, dir } = await readLatest(fx);
      expect(grid(report.matrices[0]!)['2026-01-01']).toEqual([58.5, 58.5, 58.5]);
      expect(grid(report.matrices[0]!)['2026-02-01']).toEqual([70, 70]);
      const { readFile } = await import('node:fs/promises');
      const q = (await readFile(`${dir}/quarantine.csv`, 'utf8')).trim().split('\n');
      expect(q[0]).toBe('file,line,reason,tenant_id,customer_id');
      expect(q[1]).toMatch(/e\.csv,5,no exchange rate for GBP on or before 2026-01-20: add one to the rates file,default,q$/);
      expect(report.stats.rows_quarantined).toBe(1);
    } finally {
      await fx.cleanup();
    }
  });
});
