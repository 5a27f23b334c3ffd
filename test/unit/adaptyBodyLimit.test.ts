// README "Outputs and layout": an Adapty body is at most 2 GiB. 36 years of daily cohorts made a 7.8 GB
// days-day-cohort body: the run died after minutes in render with Node's RangeError (an internal error, retried).
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/config/AppError.js';
import { historyDays } from '../../src/ltv/historyDays.js';
import type { RunMatrix } from '../../src/ltv/cellRuns.js';
import { ADAPTY_BODY_LIMIT, adaptyDayBodyFloor, longestHistory, refuseLongHistory } from '../../src/report/adaptyBodyLimit.js';
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
  it('counts each cell\'s least bytes, by hand', () => {
    // 1 day: the Total row and one cohort, a cell each (period 0): per type 2 rows × 70 + 2 cells × 23 = 186; × 3 = 558.
    expect(adaptyDayBodyFloor(1)).toBe(558);
    // 2 days: 3 rows × 70; period 0 in 3 rows, period 1 in 2 (Total and the first cohort): (3 + 2) × 23 = 115; (210 + 115) × 3 = 975.
    expect(adaptyDayBodyFloor(2)).toBe(975);
    // 11 days: period 10 has two digits (24 bytes), in the Total row and the first cohort: 12 × 70 + 23 × (12 + 11 + … + 3) + 24 × 2 = 840 + 1725 + 48 = 2613; × 3.
    expect(adaptyDayBodyFloor(11)).toBe(7839);
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
  /** A history with a cohort every day of `days`: cohort i has days − i periods, the Total row days. */
  const daily = (tenant_id: string, first_day: string, days: number) => ({ tenant_id, first_day, days, cohorts: days, cells: (days * (days + 1)) / 2 + days });

  it('refuses, as a DATA error not retried, in one line naming the tenant, the cohorts, the size, the limit and the field', () => {
    const keep = longestHistory();
    // 13,150 daily cohorts: 86,480,975 cells; 3 × (13,151 rows × 70 + 86,480,975 cells × 23) = 5,969,948,985 bytes = 5.6 GiB.
    expect(() => refuseLongHistory([daily('small', '2025-01-01', 365), daily('d36', '1990-01-01', 13150)], '2026-01-01', where))
      .toThrow(new AppError('DATA', `tenant "d36": 13,150 daily cohorts over 13,150 days (first payment 1990-01-01, as-of 2026-01-01) make its day-by-day Adapty snapshot (days-day-cohort) at least 5.6 GiB, above the 2.0 GiB limit on one body (README "Outputs and layout"): nothing was computed; leave the early years out of the input, or set "min_event_time" in /jobs/d36.json to 2005-08-04 or later (now 1990-01-01T00:00:00Z; rows before it are quarantined and count toward max_bad_row_share) — at most ${keep.toLocaleString('en-US')} days of daily cohorts can fit, fewer with longer values`));
    // 2005-08-04 to 2026-01-01, both counted, is the most that fits.
    expect((Date.parse('2026-01-01') - Date.parse('2005-08-04')) / 86_400_000 + 1).toBe(keep);
    const e = (() => { try { refuseLongHistory([daily('d36', '1990-01-01', 13150)], '2026-01-01', where); } catch (x) { return x as AppError; } })();
    expect(e?.retryable).toBe(false);
    expect(() => refuseLongHistory([daily('d', '2005-08-04', keep)], '2026-01-01', where)).not.toThrow();
  });

  it('counts the cohorts there are: a long history of few cohorts is small (3 cohorts over 26 years were refused)', () => {
    // 1999-12-31, 2026-01-10 and 2026-01-20 with T 2026-02-15: 9,544 days; cells 48 + 37 + 27 + 9,544 (Total) = 9,656.
    expect(() => refuseLongHistory([{ tenant_id: 'p', first_day: '1999-12-31', days: 9544, cohorts: 3, cells: 9656 }], '2026-02-15', where)).not.toThrow();
  });

  it('reads each tenant\'s daily cohorts from customers_all on DuckDB: cohort days up to T', async () => {
    const wh = await Warehouse.open({ timezone: 'America/New_York', threads: 1 });
    try {
      await installMacros(wh, 'America/New_York');
      await wh.run(`CREATE TABLE customers_all AS SELECT * FROM (VALUES
        ('a', TIMESTAMPTZ '2025-01-01 03:00:00+00', DATE '2024-12-31'),   -- the first cohort day (New York's)
        ('a', TIMESTAMPTZ '2025-01-01 04:00:00+00', DATE '2024-12-31'),   -- the same cohort
        ('a', TIMESTAMPTZ '2025-06-01 12:00:00+00', DATE '2025-06-01'),
        ('b', TIMESTAMPTZ '2025-12-31 12:00:00+00', DATE '2025-12-31'),
        ('b', TIMESTAMPTZ '2026-02-01 12:00:00+00', DATE '2026-02-01')    -- after T
      ) AS v(tenant_id, t0, cohort_day)`);
      // T 2026-01-01 04:00 UTC is 2025-12-31 23:00 in New York. a: 2024-12-31 … 2025-12-31 = 366 days, cohorts
      // 2024-12-31 (366 periods) and 2025-06-01 (214: June 30, July 31, August 31, September 30, October 31,
      // November 30, December 31), Total 366: 946 cells. b: 1 day, 1 cohort, 1 + 1 cells.
      const rows = await historyDays(wh, new Date('2026-01-01T04:00:00Z'), '2025-12-31 23:00:00');
      expect(rows.sort((x, y) => x.tenant_id.localeCompare(y.tenant_id))).toEqual([
        { tenant_id: 'a', first_day: '2024-12-31', days: 366, cohorts: 2, cells: 946 },
        { tenant_id: 'b', first_day: '2025-12-31', days: 1, cohorts: 1, cells: 2 },
      ]);
    } finally {
      wh.close();
    }
  });
});

describe('adaptyJson past the limit', () => {
  it('throws one DATA line instead of Node\'s RangeError, before allocating', () => {
    // 40,000,000 periods × 3 types × at least 23 bytes, and 2 rows × 70 = 2.76 GB = 2.6 GiB.
    expect(() => adaptyJson(dayMatrix(0, 39_999_999), 'USD')).toThrow(/^an Adapty body of 2\.6 GiB or more is above the 2\.0 GiB limit on one body \(README "Outputs and layout"\): shorten the history of daily cohorts \(min_event_time in the job file, or leave the early years out of the input\)$/);
  });
});
