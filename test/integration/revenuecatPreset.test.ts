// SPEC §3: the revenuecat preset reads RevenueCat's Scheduled Data Export v5 as RevenueCat documents it:
// times in UTC (naive ones too), prices after full and partial refunds, commission and tax as portions of
// the price, renewal numbers that count free trials. Values computed by hand in the comments.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { adaptyGrid, csv, grid, makeFixture, readAdapty, readLatest, runJob, type Fixture } from '../helpers/runFixture.js';

const HEADER = 'rc_original_app_user_id,store_transaction_id,start_time,price_in_usd,purchase_price_in_usd,price_in_purchased_currency,purchase_price_in_purchased_currency,purchased_currency,commission_percentage,tax_percentage,refunded_at,renewal_number,is_trial_period,is_sandbox,product_identifier';
// a: first payment at 23:30 UTC, naive (01:30 on the 15th in Berlin, 19:30 on the 14th in New York); its
//    renewal partially refunded without refunded_at: price 25.4189 of a purchase price 63.5473.
// b: a free trial (RevenueCat 1), its conversion (RevenueCat 2 → renewal 0) and a renewal (3 → 1).
// c: fully refunded: price 0, purchase price 20, refunded_at → in the cohort, nets to 0.
// d: partially refunded with refunded_at: price 5 of 20 → 5 stays (refunded_at does not take it back again).
//    Its purchased currency is GBP (rates: 1 GBP = 1.2 EUR).
const ROWS = [
  ['a', 'a1', '2025-07-14 23:30:00', '10', '10', '10', '10', 'EUR', '0.15', '0.1597', '', '1', 'false', 'false', 'm'],
  ['a', 'a2', '2025-08-14 23:30:00', '25.4189', '63.5473', '25.4189', '63.5473', 'EUR', '0.15', '0.1597', '', '2', 'false', 'false', 'm'],
  ['b', 'b1', '2025-07-20 10:00:00', '0', '0', '0', '0', 'EUR', '0.15', '0.1597', '', '1', 'true', 'false', 'm'],
  ['b', 'b2', '2025-07-27 10:00:00', '10.8322', '10.8322', '10.8322', '10.8322', 'EUR', '0.15', '0.1597', '', '2', 'false', 'false', 'm'],
  ['b', 'b3', '2025-08-27 10:00:00', '10.8322', '10.8322', '10.8322', '10.8322', 'EUR', '0.15', '0.1597', '', '3', 'false', 'false', 'm'],
  ['c', 'c1', '2025-07-21 08:00:00', '0', '20', '0', '20', 'EUR', '0.3', '0', '2025-07-22 00:00:00', '1', 'false', 'false', 'm'],
  ['d', 'd1', '2025-07-25 08:00:00', '5', '20', '5', '20', 'GBP', '0.3', '0', '2025-07-26 00:00:00', '1', 'false', 'false', 'm'],
];

describe('revenuecat preset: RevenueCat\'s documented semantics (SPEC §3)', () => {
  it('USD from price_in_usd, Europe/Berlin: UTC times, prices after refunds, portions, trials', async () => {
    const fx = await makeFixture({ 'rc.csv': csv(HEADER, ROWS) });
    try {
      await runJob(fx, { inputs: [{ path: 'rc.csv', preset: 'revenuecat' }], timezone: 'Europe/Berlin', currency: 'USD' }, '2025-10-01T00:00:00Z');
      const body = await readAdapty(fx, 'renewals-month-cohort.json');
      // One cohort (July 2025), 4 customers. Renewal 0: a 10, b 10.8322, c 20 − 20, d 5 = 25.8322 / 4 = 6.46;
      // renewal 1: + a 25.4189 + b 10.8322 = 62.0833 / 4 = 15.520825 → 15.52.
      expect(adaptyGrid(body)).toEqual({ Total: [6.46, 15.52], '2025-07-01': [6.46, 15.52] });
      // proceeds = price × (1 − c): r0 8.5 + 9.20737 + 0 + 3.5 = 21.20737 / 4 = 5.30;
      // r1 + 21.606065 + 9.20737 = 52.020805 / 4 = 13.005… → 13.01.
      expect(adaptyGrid(body, 'proceeds').Total).toEqual([5.3, 13.01]);
      // net = price × (1 − c − t) (0.6903 for a and b): r0 6.903 + 7.47746766 + 0 + 3.5 = 17.88046766 / 4 = 4.47;
      // r1 + 17.54666667 + 7.47746766 = 42.90460199 / 4 = 10.726… → 10.73.
      expect(adaptyGrid(body, 'net_revenue').Total).toEqual([4.47, 10.73]);
      // a's first payment is 01:30 on 15 July in Berlin: the day cohort is the 15th, not the 14th.
      const days = await readAdapty(fx, 'days-day-cohort.json');
      expect(days.revenue.data.map((r) => r.title)).toEqual(['Total', '2025-07-15', '2025-07-21', '2025-07-25', '2025-07-27']);
    } finally {
      await fx.cleanup();
    }
  });

  it('refuses a file that is not RevenueCat\'s (its canonical columns were read with RevenueCat\'s rules), and takes it once mapped', async () => {
    const canonical = csv('customer_id,event_time,amount', [['a', '2025-07-14 23:30:00', '10']]);
    const fx = await makeFixture({ 'plain.csv': canonical });
    try {
      await expect(runJob(fx, { inputs: [{ path: 'plain.csv', preset: 'revenuecat' }] }, '2025-10-01T00:00:00Z')).rejects.toThrow(
        `${fx.dir}/plain.csv: --input is read with the revenuecat preset, but the file has no "rc_original_app_user_id" for "customer_id" (it has: customer_id, event_time, amount): is it a revenuecat export? Read it with the canonical preset, or map one with --map customer_id=<column>`);
      // Mapped, the user says where each required column is and what it holds: a mapped column is read as
      // the canonical one (a map overrides the preset's entry, transform and all), so 23:30 naive is 23:30
      // in Berlin, on the 14th.
      const map = { customer_id: 'customer_id', event_time: 'event_time', amount: 'amount' };
      await runJob(fx, { inputs: [{ path: 'plain.csv', preset: 'revenuecat', map }], timezone: 'Europe/Berlin' }, '2025-10-01T00:00:00Z');
      const days = await readAdapty(fx, 'days-day-cohort.json');
      expect(days.revenue.data.map((r) => r.title)).toEqual(['Total', '2025-07-14']);
    } finally {
      await fx.cleanup();
    }
  });

  it('reads every naive time shape as UTC, the input\'s time_format too, never in the report time zone', async () => {
    // America/New_York is UTC−4 in April 2024: a UTC time before 04:00 is on the day before in New York. One
    // customer per shape, each on its own day; the day cohort is the New York day of the UTC reading (in
    // brackets the day of a reading in the report zone).
    const header = 'rc_original_app_user_id,store_transaction_id,start_time,price_in_usd,purchase_price_in_usd,refunded_at,renewal_number';
    const iso = [
      ['a', 'A1', '2024-04-02t01:30:00', '10', '10', '', '1'], // RFC 3339's t: Apr 1 21:30 (Apr 2)
      ['b', 'B1', '20240404', '10', '10', '', '1'], // basic date, 00:00 UTC: Apr 3 20:00 (Apr 4)
      ['c', 'C1', '2024-04-06t02:00', '10', '10', '', '1'], // t and hh:mm: Apr 5 22:00 (Apr 6)
      ['d', 'D1', '2024-04-08 24:00', '10', '10', '', '1'], // Apr 9 00:00 UTC: Apr 8 20:00 (Apr 9)
      ['e', 'E1', '2024-04-10 01:00:00.5', '10', '10', '', '1'], // Apr 9 21:00 (Apr 10)
    ];
    const formatted = [
      ['f', 'F1', '12/04/2024 03:00', '10', '10', '', '1'], // Apr 11 23:00 (Apr 12)
      // Fully refunded at 02:00 UTC on Apr 20, before T (03:00 UTC): taken back. Read in New York (06:00 UTC),
      // the refund was after T and g kept its 10.
      ['g', 'G1', '13/04/2024 12:00', '0', '10', '20/04/2024 02:00', '1'], // Apr 13 08:00
    ];
    const fx = await makeFixture({ 'rc.csv': csv(header, iso), 'rcf.csv': csv(header, formatted) });
    try {
      await runJob(fx, {
        inputs: [{ path: 'rc.csv', preset: 'revenuecat' }, { path: 'rcf.csv', preset: 'revenuecat', time_format: '%d/%m/%Y %H:%M' }],
        timezone: 'America/New_York', matrices: [{ period_type: 'days', period_unit: 'day' }], forecast: { model: 'off' },
      }, '2024-04-20T03:00:00Z');
      const { report } = await readLatest(fx);
      expect(Object.keys(grid(report.matrices[0]!))).toEqual(['Total', '2024-04-01', '2024-04-03', '2024-04-05', '2024-04-08', '2024-04-09', '2024-04-11', '2024-04-13']);
      // a to f 10 each, g 10 − 10.
      expect(report.summary.revenue).toBe(60);
    } finally {
      await fx.cleanup();
    }
  });

  it('EUR from the purchased currency, America/New_York: the same rules, GBP converted', async () => {
    const fx = await makeFixture({ 'rc.csv': csv(HEADER, ROWS), 'rates.csv': 'date,currency,rate\n2025-01-01,GBP,1.2\n' });
    try {
      await runJob(fx, { inputs: [{ path: 'rc.csv', preset: 'revenuecat' }], timezone: 'America/New_York', currency: 'EUR', rates: 'rates.csv' }, '2025-10-01T00:00:00Z');
      const body = await readAdapty(fx, 'renewals-month-cohort.json');
      // As in USD, but d's 5 GBP is 6 EUR: r0 10 + 10.8322 + 0 + 6 = 26.8322 / 4 = 6.70805 → 6.71;
      // r1 + 25.4189 + 10.8322 = 63.0833 / 4 = 15.770825 → 15.77.
      expect(adaptyGrid(body)).toEqual({ Total: [6.71, 15.77], '2025-07-01': [6.71, 15.77] });
      // a's 23:30 UTC is 19:30 on the 14th in New York.
      const days = await readAdapty(fx, 'days-day-cohort.json');
      expect(days.revenue.data.map((r) => r.title)).toEqual(['Total', '2025-07-14', '2025-07-21', '2025-07-25', '2025-07-27']);
    } finally {
      await fx.cleanup();
    }
  });
  it('numbers renewals per subscription: a later subscription owes nothing to an earlier one\'s trial; a conversion without its trial\'s row is renewal 0', async () => {
    // w, product m: trial W1 (RC 1), W2 10 (RC 2, a conversion → renewal 0), W3 10 (RC 3 → 1); a new subscription
    // W4 20 (RC 1 → 0) and W5 40 (RC 2 → 1, not 0: W1 was the other subscription's trial): r0 30, r1 80
    // (subtracting W1 from W5 gave r0 70). n: a conversion N2 10 (RC 2) whose trial's row is not in the file, and
    // N3 10 (RC 3): r0 10, r1 20 (without is_trial_conversion read: r1 10, r2 20). Both in January's cohort:
    // r0 (30 + 10) / 2 = 20, r1 (80 + 20) / 2 = 50.
    const header = 'rc_original_app_user_id,product_identifier,start_time,is_trial_period,is_sandbox,price_in_usd,store_transaction_id,purchased_currency,price_in_purchased_currency,renewal_number,is_trial_conversion';
    const rows = [
      ['w', 'm', '2026-01-01 10:00:00', 'true', 'false', '0', 'W1', 'USD', '0', '1', 'false'],
      ['w', 'm', '2026-01-08 10:00:00', 'false', 'false', '10', 'W2', 'USD', '10', '2', 'true'],
      ['w', 'm', '2026-02-08 10:00:00', 'false', 'false', '10', 'W3', 'USD', '10', '3', 'false'],
      ['w', 'm', '2026-05-01 10:00:00', 'false', 'false', '20', 'W4', 'USD', '20', '1', 'false'],
      ['w', 'm', '2026-06-01 10:00:00', 'false', 'false', '40', 'W5', 'USD', '40', '2', 'false'],
      ['n', 'm', '2026-01-08 10:00:00', 'false', 'false', '10', 'N2', 'USD', '10', '2', 'true'],
      ['n', 'm', '2026-02-08 10:00:00', 'false', 'false', '10', 'N3', 'USD', '10', '3', 'false'],
    ];
    const fx = await makeFixture({ 'rc.csv': csv(header, rows) });
    try {
      await runJob(fx, { inputs: [{ path: 'rc.csv', preset: 'revenuecat' }], matrices: [{ period_type: 'renewals', period_unit: 'month' }], forecast: { model: 'off' } }, '2026-07-16T00:00:00Z');
      expect(grid((await readLatest(fx)).report.matrices[0]!)).toEqual({ Total: [20, 50], '2026-01-01': [20, 50] });
    } finally {
      await fx.cleanup();
    }
  });

  it('reads family sharing and Google\'s invalidated transactions as rows without money, and a trial without a price as a trial', async () => {
    // o pays 10 (T1); f's family-shared copy of T1 carries no money and replaces nothing; g's Play Store row ends
    // before it starts (invalid: 0); t's free trial has empty prices (a trial, not a row missing its amount),
    // then converts at 5 (RC 2 → renewal 0). Customers o and t: 15 / 2 = 7.50 (it was 4 customers and 35.00).
    const header = 'rc_original_app_user_id,product_identifier,start_time,end_time,store,is_trial_period,is_sandbox,price_in_usd,store_transaction_id,purchased_currency,price_in_purchased_currency,renewal_number,ownership_type';
    const rows = [
      ['o', 'annual', '2026-01-05 10:00:00', '2027-01-05 10:00:00', 'app_store', 'false', 'false', '10', 'T1', 'USD', '10', '1', 'PURCHASED'],
      ['f', 'annual', '2026-01-05 10:00:00', '2027-01-05 10:00:00', 'app_store', 'false', 'false', '10', 'T1', 'USD', '10', '1', 'FAMILY_SHARED'],
      ['g', 'monthly', '2026-01-06 10:00:00', '2026-01-06 09:00:00', 'play_store', 'false', 'false', '10', 'G1', 'USD', '10', '1', 'PURCHASED'],
      ['t', 'monthly', '2026-01-07 10:00:00', '2026-01-14 10:00:00', 'play_store', 'true', 'false', '', 'G2', 'USD', '', '1', 'PURCHASED'],
      ['t', 'monthly', '2026-01-14 10:00:00', '2026-02-14 10:00:00', 'play_store', 'false', 'false', '5', 'G3', 'USD', '5', '2', 'PURCHASED'],
    ];
    const fx = await makeFixture({ 'rc.csv': csv(header, rows) });
    try {
      const result = await runJob(fx, { inputs: [{ path: 'rc.csv', preset: 'revenuecat' }], matrices: [{ period_type: 'renewals', period_unit: 'month' }], forecast: { model: 'off' } }, '2026-03-16T00:00:00Z');
      const { report } = await readLatest(fx);
      expect([report.summary.customers, report.summary.revenue]).toEqual([2, 15]);
      expect([result.stats.rows_read, result.stats.rows_quarantined, result.stats.duplicates]).toEqual([5, 0, 0]);
      expect(grid(report.matrices[0]!)).toEqual({ Total: [7.5], '2026-01-01': [7.5] });
    } finally {
      await fx.cleanup();
    }
  });

  it('reads end_time before start_time as Google\'s invalidated transaction in any time shape the run reads: the input\'s time_format, RFC 3339\'s lower-case t and z', async () => {
    // o pays 10; g's and h's rows end an hour before they start (invalid: no money, no cohort); k's ends a
    // day after. Both files' times were compared only in DuckDB's own cast shapes: with a time_format (or
    // 2026-01-06t10:00:00z) neither side was read, the row kept its 10, and g, h counted as customers.
    const header = 'rc_original_app_user_id,product_identifier,start_time,end_time,store,is_trial_period,is_sandbox,price_in_usd,store_transaction_id,purchased_currency,price_in_purchased_currency,renewal_number,ownership_type';
    const row = (id: string, start: string, end: string): string[] => [id, 'monthly', start, end, 'play_store', 'false', 'false', '10', `${id}1`, 'USD', '10', '1', 'PURCHASED'];
    const formatted = [row('o', '05/01/2026 10:00', '05/02/2026 10:00'), row('g', '06/01/2026 10:00', '06/01/2026 09:00'), row('k', '07/01/2026 10:00', '08/01/2026 10:00')];
    const rfc = [row('o', '2026-01-05T10:00:00Z', '2026-02-05T10:00:00Z'), row('h', '2026-01-06t10:00:00z', '2026-01-06t09:00:00z'), row('k', '2026-01-07t10:00:00', '2026-01-08t10:00:00')];
    for (const [rows, time_format] of [[formatted, '%d/%m/%Y %H:%M'], [rfc, undefined]] as const) {
      const fx = await makeFixture({ 'rc.csv': csv(header, rows as string[][]) });
      try {
        const result = await runJob(fx, { inputs: [{ path: 'rc.csv', preset: 'revenuecat', ...(time_format ? { time_format } : {}) }], matrices: [{ period_type: 'days', period_unit: 'month' }], forecast: { model: 'off' } }, '2026-03-16T00:00:00Z');
        const { report } = await readLatest(fx);
        expect([report.summary.customers, report.summary.revenue]).toEqual([2, 20]);
        expect([result.stats.rows_read, result.stats.rows_quarantined]).toEqual([3, 0]);
      } finally {
        await fx.cleanup();
      }
    }
  });

  it('quarantines an end_time that is no time, in either order of its rows (DuckDB read it by a guess, in a zone the row before named)', async () => {
    // a's end_time names Tokyo; b's (2025-1-5, no ISO shape) was read by DuckDB's cast in Tokyo's zone after
    // it: 13:00 there is before b's start (12:00 UTC), so b's 10 silently became a row without money. Alone or
    // first, b counted 10. Either way it is now a bad row naming end_time.
    const a = endRow('u1', '2025-01-05 12:00:00', '2025-02-05 12:00:00 Asia/Tokyo');
    const b = endRow('u2', '2025-01-05 12:00:00', '2025-1-5 13:00:00');
    for (const rows of [[a, b], [b, a]]) {
      // [rows read, quarantined, zero amount], [customers, revenue]: b is the bad row.
      const { counts, summary, q } = await runEndTimes(rows, '2026-01-01T00:00:00Z');
      expect([counts, summary]).toEqual([[2, 1, 0], [1, 10]]);
      expect(q).toHaveLength(1);
      expect(q[0]).toContain('end_time is not an ISO 8601 time: ""2025-1-5 13:00:00"": write it as ISO 8601');
    }
  });

  it('reads an end_time in every shape the rules for times read (hh:mm with Z, UTC without a space, t and z): kept when after the start, no money when before', async () => {
    // Each end_time below is a time (README "Input rules"); DuckDB's cast alone refused them: the first two
    // rows were bad rows, and p's row, ending a day before it started, carried its 10.
    const row = endRow;
    const rows = [
      row('a', '2026-01-05T10:00:00Z', '2026-02-05T10:00Z'), row('b', '2026-01-05T10:00:00Z', '2026-02-05 10:00:00UTC'),
      row('c', '2026-01-05T10:00:00Z', '2026-02-05 10:00 UTC'), row('d', '2026-01-05T10:00:00Z', '2026-02-05t10:00z'),
      row('p', '2026-01-05T10:00Z', '2026-01-04T10:00:00Z'), row('q', '2026-01-05T10:00:00Z', '2026-01-04 10:00 GMT'),
      row('u', '2026-01-05T10:00:00Z', '2026-01-04 10:00:00 Etc/Unknown'),
    ];
    // a-d pay 10 each; p and q end before they start (no money); u's end_time names no zone (a bad row).
    const { counts, summary, q } = await runEndTimes(rows, '2026-06-01T00:00:00Z');
    expect([counts, summary]).toEqual([[7, 1, 2], [4, 40]]);
    expect(q).toHaveLength(1);
    expect(q[0]).toContain('end_time is not an ISO 8601 time: ""2026-01-04 10:00:00 Etc/Unknown""');
  });

  it('reads commission and tax as exact fractions from 0 to 1; an exponent, a seventh decimal, a percentage or a negative share is a bad row quoting the file', async () => {
    const header = 'rc_original_app_user_id,store_transaction_id,start_time,price_in_usd,purchase_price_in_usd,commission_percentage,tax_percentage,renewal_number';
    const rows = [
      ['a', 'A1', '2026-01-05 10:00:00', '10.00', '10.00', '.15', '0.05', '1'], // 15 %, 5 %
      ['b', 'B1', '2026-01-05 10:00:00', '10.00', '10.00', '0.123456', '0.30000000000000004', '1'], // 12.3456 %, 30 % (pandas' noise)
      ['c', 'C1', '2026-01-05 10:00:00', '10.00', '10.00', '1', '0', '1'], // 100 %
      ['d', 'D1', '2026-01-05 10:00:00', '10.00', '10.00', '1e-1', '0', '1'], // line 5: was read as 10 %
      ['e', 'E1', '2026-01-05 10:00:00', '10.00', '10.00', '0.3333333333', '0', '1'], // line 6: was quoted as "33.33333300"
      ['f', 'F1', '2026-01-05 10:00:00', '10.00', '10.00', '30', '0', '1'], // line 7: was read as 30 %
      ['g', 'G1', '2026-01-05 10:00:00', '10.00', '10.00', '0.3', '-0.1', '1'], // line 8: was quoted as "-10.00000000"
    ];
    const fx = await makeFixture({ 'rc.csv': csv(header, rows) });
    try {
      const result = await runJob(fx, { inputs: [{ path: 'rc.csv', preset: 'revenuecat' }], matrices: [{ period_type: 'days', period_unit: 'month' }], max_bad_row_share: 0.9, forecast: { model: 'off' } }, '2026-01-31T00:00:00Z');
      const { report } = await readLatest(fx);
      // a, b, c pay 10 each: 30 / 3 = 10. Proceeds = price × (1 − c): 8.5 + 8.7654 (10 × 0.876544) + 0 = 17.2654
      // / 3 = 5.755… → 5.76 (with d and f read at 10 % and 30 %: (17.2654 + 9 + 7) / 5 = 6.65).
      // Net = price × (1 − c − t): 8 + 5.7654 (10 × 0.576544) + 0 = 13.7654 / 3 = 4.588… → 4.59.
      expect(grid(report.matrices[0]!)).toEqual({ Total: [10], '2026-01-01': [10] });
      expect(grid(report.matrices[0]!, 'proceeds')).toEqual({ Total: [5.76], '2026-01-01': [5.76] });
      expect(grid(report.matrices[0]!, 'net_revenue')).toEqual({ Total: [4.59], '2026-01-01': [4.59] });
      expect([result.stats.rows_read, result.stats.rows_quarantined]).toEqual([7, 4]);
      const notFraction = (column: string): string => `${column} is not a fraction as RevenueCat writes it (0.3 = 30 %: digits, a dot, at most 6 decimals; no separators or exponent)`;
      expect(await quarantineOf(fx)).toEqual([
        `<dir>/rc.csv,5,"${notFraction('commission_percentage')}: ""1e-1""",default,d`,
        `<dir>/rc.csv,6,"${notFraction('commission_percentage')}: ""0.3333333333""",default,e`,
        '<dir>/rc.csv,7,"commission_percentage is more than 1: RevenueCat writes it as a fraction of the price (0.3 = 30 %), never as a percentage: ""30""",default,f',
        '<dir>/rc.csv,8,"tax_percentage is negative: RevenueCat writes it as a fraction of the price from 0 to 1: ""-0.1""",default,g',
      ]);
    } finally {
      await fx.cleanup();
    }
  });

  it('quarantines a fully refunded row without its purchase price, naming the column (read as 0, its customer left every cohort unseen)', async () => {
    const header = 'rc_original_app_user_id,store_transaction_id,start_time,price_in_usd,purchase_price_in_usd,price_in_purchased_currency,purchase_price_in_purchased_currency,purchased_currency,refunded_at,renewal_number';
    const rows = [
      ['u1', 'T1', '2026-01-05 10:00:00', '9.99', '9.99', '9.99', '9.99', 'EUR', '', '1'],
      // Fully refunded with its purchase price: +9.99 − 9.99, u2 keeps its cohort.
      ['u2', 'T2', '2026-01-06 10:00:00', '0', '9.99', '0', '9.99', 'EUR', '2026-01-10 10:00:00', '1'],
      // Line 4: fully refunded, purchase prices empty: nothing to take back.
      ['u3', 'T3', '2026-01-06 10:00:00', '0', '', '0', '', 'EUR', '2026-01-10 10:00:00', '1'],
    ];
    const fx = await makeFixture({ 'rc.csv': csv(header, rows) });
    const reason = (price: string, purchase: string): string =>
      `${purchase} is missing on a fully refunded row (refunded_at ""2026-01-10 10:00:00"", ${price} ""0""): the purchase price is what the refund takes back, the customer keeping its cohort; export the purchase price columns`;
    try {
      for (const [currency, price, purchase] of [['USD', 'price_in_usd', 'purchase_price_in_usd'], ['EUR', 'price_in_purchased_currency', 'purchase_price_in_purchased_currency']] as const) {
        const result = await runJob(fx, { inputs: [{ path: 'rc.csv', preset: 'revenuecat' }], currency, matrices: [{ period_type: 'days', period_unit: 'month' }], max_bad_row_share: 0.9, forecast: { model: 'off' } }, '2026-01-31T00:00:00Z');
        // u1 9.99, u2 9.99 − 9.99: January's two customers, 9.99 / 2 = 4.995 → 5.00 (as before, when u3 read as 0 was silently no customer).
        expect(grid((await readLatest(fx)).report.matrices[0]!)).toEqual({ Total: [5], '2026-01-01': [5] });
        expect([result.stats.rows_read, result.stats.rows_quarantined]).toEqual([3, 1]);
        expect(await quarantineOf(fx)).toEqual([`<dir>/rc.csv,4,"${reason(price, purchase)}",default,u3`]);
      }
    } finally {
      await fx.cleanup();
    }
  });
});

/** A Google Play row of 10 USD with the given start_time and end_time. */
function endRow(id: string, start: string, end: string): string[] {
  return [id, `${id}1`, start, end, '10', '10', 'play_store', '1', 'false', 'p'];
}

/** Runs RevenueCat rows of endRow's columns: [rows read, quarantined, zero amount], [customers, revenue], quarantine lines. */
async function runEndTimes(rows: string[][], asOf: string): Promise<{ counts: number[]; summary: number[]; q: string[] }> {
  const header = 'rc_original_app_user_id,store_transaction_id,start_time,end_time,price_in_usd,purchase_price_in_usd,store,renewal_number,is_trial_period,product_identifier';
  const fx = await makeFixture({ 'rc.csv': csv(header, rows) });
  try {
    const result = await runJob(fx, { inputs: [{ path: 'rc.csv', preset: 'revenuecat' }], max_bad_row_share: 0.9, matrices: [{ period_type: 'days', period_unit: 'month' }], forecast: { model: 'off' } }, asOf);
    const { report } = await readLatest(fx);
    return {
      counts: [result.stats.rows_read, result.stats.rows_quarantined, result.stats.zero_amount_rows],
      summary: [report.summary.customers, report.summary.revenue],
      q: await quarantineOf(fx),
    };
  } finally {
    await fx.cleanup();
  }
}

/** The latest run's quarantine.csv lines without its header, the fixture's directory as <dir>. */
async function quarantineOf(fx: Fixture): Promise<string[]> {
  const { dir } = await readLatest(fx);
  return (await readFile(`${dir}/quarantine.csv`, 'utf8')).trim().split('\n').slice(1).map((l) => l.replace(fx.dir, '<dir>'));
}
