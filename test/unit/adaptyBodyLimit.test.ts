// README "Outputs and layout": an Adapty body is at most 2 GiB. 36 years of daily cohorts made a 7.8 GB
// days-day-cohort body: the run died after minutes in render with Node's RangeError (an internal error, retried).
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/config/AppError.js';
import { historyDays, type TenantHistory } from '../../src/ltv/historyDays.js';
import type { RunMatrix } from '../../src/ltv/cellRuns.js';
import { ADAPTY_BODY_LIMIT, adaptyBodyFloorOf, adaptyDayBodyFloor, COHORT_ROW_FLOOR, longestHistory, refuseLongHistory, SEGMENT_ROW_FLOOR } from '../../src/report/adaptyBodyLimit.js';
import { adaptyJson } from '../../src/report/toAdapty.js';
import { installMacros } from '../../src/warehouse/installMacros.js';
import { Warehouse } from '../../src/warehouse/openWarehouse.js';

/** A days-day-cohort matrix of `days` daily cohorts, every value 1 (the shortest a cell can be but 0). */
function dayMatrix(days: number, last = days - 1): RunMatrix {
  const run = (to: number) => ({ from: 0, to, customers: 1, state: 'complete' as const, complete_customers: 1, revenue: 1, proceeds: 1, net_revenue: 1 });
  const rows = [{ title: 'Total', type: 'total' as const, customers: 1, runs: [run(last)] }];
  for (let i = 0; i < days; i++) rows.push({ title: `2025-01-${String(i + 1).padStart(2, '0')}`, type: 'cohort' as never, customers: 1, runs: [run(days - 1 - i)] });
  return { id: 'days-day-cohort', period_type: 'days', period_unit: 'day', segmentation: 'cohort', cohort_unit: 'day', rows } as unknown as RunMatrix;
}

describe('the day-by-day body\'s floor', () => {
  it('counts each row\'s and cell\'s least bytes, by hand', () => {
    // Per type: the Total row 70, each cohort row 76 and the comma before it, each cell 22 and its period's
    // digits, less the comma the first cell of each row does not have.
    // 1 day: 70 + 77 + 2 cells × 22 + 2 digits − 2 = 191; × 3 = 573.
    expect(adaptyDayBodyFloor(1)).toBe(573);
    // 2 days: 70 + 2 × 77; period 0 in 3 rows, period 1 in 2: 5 × 22 + 5 digits − 3 = 336; × 3 = 1,008.
    expect(adaptyDayBodyFloor(2)).toBe(1008);
    // 11 days: 70 + 11 × 77 = 917; 77 cells × 22 = 1,694; digits 75 + 2 × 2 = 79; − 12: 2,678; × 3.
    expect(adaptyDayBodyFloor(11)).toBe(8034);
  });

  it('is never more than a body by an attribute whose values are short (it counted up to 3 bytes a row too many)', () => {
    // 700 titles of one character, two bytes each (U+0100 on; the Total row's is "Total"), each row 2 periods:
    // adaptyJson writes them. The floor counted 70 bytes a row and 23 a cell: 1 byte a row too many here.
    const titles = Array.from({ length: 700 }, (_, i) => String.fromCodePoint(0x100 + i));
    const rows = [{ title: 'Total', type: 'total' as const, customers: 1, runs: [{ from: 0, to: 1, customers: 1, state: 'complete' as const, complete_customers: 1, revenue: 1, proceeds: 1, net_revenue: 1 }] },
      ...titles.map((title) => ({ title, type: 'segment' as const, customers: 1, runs: [{ from: 0, to: 1, customers: 1, state: 'complete' as const, complete_customers: 1, revenue: 1, proceeds: 1, net_revenue: 1 }] }))];
    const body = adaptyJson({ id: 'days-day-product', period_type: 'days', period_unit: 'day', segmentation: 'product', cohort_unit: 'day', rows } as unknown as RunMatrix, 'USD');
    const floor = adaptyBodyFloorOf(700, 1402, 1402, SEGMENT_ROW_FLOOR);
    expect(body.length).toBeGreaterThanOrEqual(floor);
    // The envelope (title, unit, description of each type) and the titles' bytes are all the floor leaves out.
    expect(body.length - floor).toBeLessThan(3 * 200 + 3 * 700 * 2);
  });

  it('is never more than the body written', () => {
    for (const days of [1, 2, 11, 40]) expect(adaptyJson(dayMatrix(days), 'USD').length).toBeGreaterThanOrEqual(adaptyDayBodyFloor(days));
  });

  it('lets 20 years of daily cohorts through and refuses 36', () => {
    const keep = longestHistory();
    expect(adaptyDayBodyFloor(keep)).toBeLessThanOrEqual(ADAPTY_BODY_LIMIT);
    expect(adaptyDayBodyFloor(keep + 1)).toBeGreaterThan(ADAPTY_BODY_LIMIT);
    expect(keep).toBeGreaterThan(7305);
    expect(adaptyDayBodyFloor(13150)).toBeGreaterThan(6e9);
  });
});

describe('refuseLongHistory', () => {
  const where = { minEventTime: '1990-01-01T00:00:00Z', jobFile: '/jobs/d36.json' };
  /**
   * A history with a cohort every day of `days`, as 16_history_days.sql gives it: cohort i has days − i
   * periods, the Total row days; period k is in days − k + 1 rows, with String(k).length digits each.
   */
  const daily = (tenant_id: string, first_day: string, days: number): TenantHistory => {
    let digits = 0;
    for (let k = 0; k < days; k++) digits += (days - k + 1) * String(k).length;
    return { tenant_id, kind: 'cohort', first_day, days, rows: days, cells: (days * (days + 1)) / 2 + days, digits };
  };

  it('sizes a daily history as the day-by-day body\'s floor does', () => {
    for (const days of [1, 2, 11, 40, 7456, 7457]) {
      const h = daily('t', '2000-01-01', days);
      expect(adaptyBodyFloorOf(h.rows, h.cells, h.digits, COHORT_ROW_FLOOR)).toBe(adaptyDayBodyFloor(days));
    }
  });

  it('refuses, as a DATA error not retried, in one line naming the tenant, the cohorts, the size, the limit and the field', () => {
    const keep = longestHistory();
    // 13,150 daily cohorts: 86,480,975 cells with 336,796,760 digits; 3 × (13,151 rows × 70 + 86,480,975 × 22 + 336,796,760) = 6,720,896,340 bytes = 6.3 GiB.
    expect(() => refuseLongHistory([daily('small', '2025-01-01', 365), daily('d36', '1990-01-01', 13150)], '2026-01-01', where))
      .toThrow(new AppError('DATA', `tenant "d36": 13,150 daily cohorts over 13,150 days (first payment 1990-01-01, as-of 2026-01-01) make its day-by-day Adapty snapshot (days-day-cohort) at least 6.3 GiB, above the 2.0 GiB limit on one body (README "Outputs and layout"): nothing was computed; leave the early years out of the input, or set "min_event_time" in /jobs/d36.json to 2005-08-04 or later (now 1990-01-01T00:00:00Z; rows before it are quarantined and count toward max_bad_row_share) — at most ${keep.toLocaleString('en-US')} days of daily cohorts can fit, fewer with longer values`));
    // 2005-08-04 to 2026-01-01, both counted, is the most that fits.
    expect((Date.parse('2026-01-01') - Date.parse('2005-08-04')) / 86_400_000 + 1).toBe(keep);
    const e = (() => { try { refuseLongHistory([daily('d36', '1990-01-01', 13150)], '2026-01-01', where); } catch (x) { return x as AppError; } })();
    expect(e?.retryable).toBe(false);
    expect(() => refuseLongHistory([daily('d', '2005-08-04', keep)], '2026-01-01', where)).not.toThrow();
    // One day more is refused: the check counts each period's digits (it counted one, and let 7,890 days through
    // while saying that 7,456 fit; the date it gave then failed at the body, minutes later).
    expect(() => refuseLongHistory([daily('d', '2005-08-03', keep + 1)], '2026-01-01', where)).toThrow(/^tenant "d": 7,457 daily cohorts/);
  });

  it('counts the cohorts there are: a long history of few cohorts is small (3 cohorts over 26 years were refused)', () => {
    // 1999-12-31, 2026-01-10 and 2026-01-20 with T 2026-02-15: 9,544 days; cells 48 + 37 + 27 + 9,544 (Total) = 9,656.
    expect(() => refuseLongHistory([{ tenant_id: 'p', kind: 'cohort', first_day: '1999-12-31', days: 9544, rows: 3, cells: 9656, digits: 40_000 }], '2026-02-15', where)).not.toThrow();
  });

  it('refuses an attribute of too many values for its day-by-day body, asking whether its column is the right one (50,000 products failed at the body after minutes)', () => {
    // 50,000 products all first paid for 700 days before T: 50,001 rows (the Total too) of 700 periods, each with
    // 700 + 690 + 600 = 1,990 digits: 3 × (70 + 50,000 × 68 + 35,000,700 × 22 + 50,001 × 1,990 − 50,001) = 2,618,602,377 bytes = 2.4 GiB.
    const h: TenantHistory = { tenant_id: 'shop', kind: 'product', first_day: '2024-01-02', days: 700, rows: 50_000, cells: 35_000_700, digits: 50_001 * 1990 };
    expect(adaptyBodyFloorOf(h.rows, h.cells, h.digits, SEGMENT_ROW_FLOOR)).toBe(2_618_602_377);
    // At most n periods a row: 70 + 3,400,000 + 50,001 × (22n + 3n − 110 − 1) ≤ 2³¹ / 3 for n ≤ 574; 574 days to 2025-12-01 start on 2024-05-07 (365 days to 2024-12-01, then 208).
    expect(() => refuseLongHistory([daily('shop', '2024-01-02', 700), h], '2025-12-01', where)).toThrow(new AppError('DATA',
      'tenant "shop": 50,000 values of product_id with first payments over 700 days (first payment 2024-01-02, as-of 2025-12-01) make its day-by-day Adapty snapshot by product '
      + '(days-day-product: a row a value, a period a day) at least 2.4 GiB, above the 2.0 GiB limit on one body (README "Outputs and layout"): nothing was computed; '
      + 'is product_id read from the right column (not an id per customer or per payment)? Read it from a column of fewer values, or leave it out; '
      + 'or set "min_event_time" in /jobs/d36.json to 2024-05-07 or later (now 1990-01-01T00:00:00Z; rows before it are quarantined and count toward max_bad_row_share) — at most 574 days fit for 50,000 values, fewer with longer values'));
    // So many values that not one day fits: only the column is said.
    expect(() => refuseLongHistory([{ ...h, kind: 'country', rows: 20_000_000, cells: 20_000_001, digits: 20_000_001 }], '2025-12-01', where))
      .toThrow(/; is country read from the right column \(not an id per customer or per payment\)\? Read it from a column of fewer values, or leave it out$/);
  });

  it('gives the min_event_time that makes every body fit, not only the largest (the date it gave was refused again for another body)', () => {
    // With a 20,000,000-byte limit: 901 paywalls over 700 days (47,238,648 bytes at least) and 3,001 products
    // first paid in the last 200 days (44,680,248). Periods of 100 … 999 have 3n − 110 digits: paywalls fit
    // n ≤ 297 days, products n ≤ 90 (70 + 3,001 × 68 + 3,002 × (25n − 111) ≤ 20,000,000 / 3): 90 days to
    // 2025-12-01 start on 2025-09-03.
    const paywall: TenantHistory = { tenant_id: 't', kind: 'paywall', first_day: '2024-01-02', days: 700, rows: 901, cells: 901 * 700 + 700, digits: 902 * 1990 };
    const product: TenantHistory = { tenant_id: 't', kind: 'product', first_day: '2024-01-02', days: 700, rows: 3001, cells: 3001 * 200 + 700, digits: 3001 * 490 + 1990 };
    expect([adaptyBodyFloorOf(901, paywall.cells, paywall.digits, SEGMENT_ROW_FLOOR), adaptyBodyFloorOf(3001, product.cells, product.digits, SEGMENT_ROW_FLOOR)]).toEqual([47_238_648, 44_680_248]);
    expect(() => refuseLongHistory([product, paywall], '2025-12-01', where, 20_000_000)).toThrow(
      /^tenant "t": 901 values of paywall .*; or set "min_event_time" in \/jobs\/d36\.json to 2025-09-03 or later \(.*\) — at most 90 days fit every day-by-day body of the run, fewer with longer values$/);
    // Alone, the paywalls' own: 297 days.
    expect(() => refuseLongHistory([paywall], '2025-12-01', where, 20_000_000)).toThrow(/ — at most 297 days fit for 901 values, fewer with longer values$/);
  });

  it('reads each tenant\'s day-by-day bodies from customers_all and attr_sets on DuckDB: cohort days and attribute values up to T', async () => {
    const wh = await Warehouse.open({ timezone: 'America/New_York', threads: 1 });
    try {
      await installMacros(wh, 'America/New_York');
      await wh.run(`CREATE TABLE customers_all AS SELECT * FROM (VALUES
        ('a', TIMESTAMPTZ '2025-01-01 03:00:00+00', DATE '2024-12-31', 1),   -- the first cohort day (New York's)
        ('a', TIMESTAMPTZ '2025-01-01 04:00:00+00', DATE '2024-12-31', 2),   -- the same cohort
        ('a', TIMESTAMPTZ '2025-06-01 12:00:00+00', DATE '2025-06-01', 2),
        ('b', TIMESTAMPTZ '2025-12-31 12:00:00+00', DATE '2025-12-31', 1),
        ('b', TIMESTAMPTZ '2026-02-01 12:00:00+00', DATE '2026-02-01', 3)    -- after T
      ) AS v(tenant_id, t0, cohort_day, attr_id)`);
      await wh.run(`CREATE TABLE attr_sets AS SELECT * FROM (VALUES
        ('US', 'p1', 1), ('DE', 'p1', 2), ('FR', 'p2', 3)
      ) AS v(country, product_id, attr_id)`);
      await wh.run(`ALTER TABLE attr_sets ADD COLUMN paywall VARCHAR; ALTER TABLE attr_sets ADD COLUMN paywalls_group VARCHAR;
        ALTER TABLE attr_sets ADD COLUMN audience VARCHAR; ALTER TABLE attr_sets ADD COLUMN placement VARCHAR;
        ALTER TABLE attr_sets ADD COLUMN duration VARCHAR; ALTER TABLE attr_sets ADD COLUMN store VARCHAR`);
      // T 2026-01-01 04:00 UTC is 2025-12-31 23:00 in New York. a: 2024-12-31 … 2025-12-31 = 366 days.
      // Cohorts 2024-12-31 (366 periods: 366 + 356 + 266 = 988 digits) and 2025-06-01 (214: June 30, July 31,
      // August 31, September 30, October 31, November 30, December 31; 214 + 204 + 114 = 532 digits), Total 366:
      // 946 cells, 2,508 digits. Countries US and DE, both from 2024-12-31: 3 × 366 cells, 3 × 988 digits; one
      // product p1 and one unknown value of every other attribute: 2 × 366, 2 × 988. b: 1 day, every body a row of 1.
      const rows = await historyDays(wh, new Date('2026-01-01T04:00:00Z'), '2025-12-31 23:00:00');
      const a = { tenant_id: 'a', first_day: '2024-12-31', days: 366 };
      const one = { ...a, rows: 1, cells: 732, digits: 1976 };
      const b = { tenant_id: 'b', first_day: '2025-12-31', days: 1, rows: 1, cells: 2, digits: 2 };
      const kinds = ['audience', 'cohort', 'country', 'duration', 'paywall', 'paywalls_group', 'placement', 'product', 'store'];
      expect(rows).toEqual([
        ...kinds.map((kind) => (kind === 'cohort' ? { ...a, kind, rows: 2, cells: 946, digits: 2508 } : kind === 'country' ? { ...a, kind, rows: 2, cells: 1098, digits: 2964 } : { ...one, kind })),
        ...kinds.map((kind) => ({ ...b, kind })),
      ]);
    } finally {
      wh.close();
    }
  });
});

describe('adaptyJson past the limit', () => {
  it('throws one DATA line instead of Node\'s RangeError, before allocating', () => {
    // 40,000,000 periods × 3 types × at least 23 bytes, and 2 rows × 70 = 2.76 GB = 2.6 GiB.
    expect(() => adaptyJson(dayMatrix(0, 39_999_999), 'USD')).toThrow(/^an Adapty body of 2\.6 GiB or more is above the 2\.0 GiB limit on one body \(README "Outputs and layout"\), its values longer than the least bytes the check after ingest counts: leave out more of the early years \(a later min_event_time in the job file than that check gives\), or, for a segmentation by an attribute, read it from a column of fewer values$/);
  });
});
