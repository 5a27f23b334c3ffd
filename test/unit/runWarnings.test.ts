import { describe, expect, it } from 'vitest';
import type { MatrixSpec } from '../../src/ltv/model.js';
import { addUnit, staleAsOfWarning } from '../../src/ltv/runWarnings.js';

const spec = (period_unit: MatrixSpec['period_unit'], period_type: MatrixSpec['period_type'] = 'days'): MatrixSpec => ({ period_type, period_unit, segmentation: 'cohort' });

describe('staleAsOfWarning', () => {
  it('warns once T is more than one smallest matrix unit after the newest transaction', () => {
    const newest = '2026-02-10T10:00:00.000Z';
    // Weekly and monthly matrices: the week counts. Feb 10 10:00 + 7 days = Feb 17 10:00.
    const both = [spec('month'), spec('week')];
    expect(staleAsOfWarning(newest, new Date('2026-02-17T10:00:00Z'), both)).toBeNull();
    expect(staleAsOfWarning(newest, new Date('2026-02-17T10:00:01Z'), both)?.message).toContain('more than one week');
    // Monthly (and renewals by month) only: Feb 10 + 1 month = Mar 10.
    const monthly = [spec('month'), spec('month', 'renewals')];
    expect(staleAsOfWarning(newest, new Date('2026-03-10T10:00:00Z'), monthly)).toBeNull();
    const w = staleAsOfWarning(newest, new Date('2041-03-16T00:00:00Z'), monthly);
    expect(w?.code).toBe('stale_as_of');
    // Feb 10 2026 → Mar 16 2041: 15 years (5513 days / 365.25 = 15.09).
    expect(w?.message).toMatch(/^the newest transaction \(2026-02-10\) is 15 years before the as-of time \(2041-03-16\), more than one month: .* --as-of 2026-02-11T00:00:00Z/);
    expect(staleAsOfWarning(null, new Date('2041-03-16T00:00:00Z'), monthly)).toBeNull();
  });

  it("gives the dates on the report time zone's calendar, a gap under two days in hours, and the next local midnight", () => {
    const daily = [spec('day')];
    // 2011-07-31 00:00 in London (BST, +01:00) is 2011-07-30T23:00Z; T 2011-08-01T00:00Z is 25 hours later:
    // more than one day. The data ends on July 31 there: run again as of August 1, 00:00 London time.
    expect(staleAsOfWarning('2011-07-30T23:00:00.000Z', new Date('2011-08-01T00:00:00Z'), daily, 'Europe/London')?.message)
      .toMatch(/^the newest transaction \(2011-07-31\) is 25 hours before the as-of time \(2011-08-01\), more than one day: .* --as-of 2011-08-01T00:00:00\+01:00 /);
    // Winter: +00:00 is said as Z; New York −05:00.
    expect(staleAsOfWarning('2011-01-10T12:00:00.000Z', new Date('2011-03-01T00:00:00Z'), daily, 'Europe/London')?.message).toContain('--as-of 2011-01-11T00:00:00Z ');
    expect(staleAsOfWarning('2011-01-10T12:00:00.000Z', new Date('2011-03-01T00:00:00Z'), daily, 'America/New_York')?.message)
      .toMatch(/^the newest transaction \(2011-01-10\) is 7 weeks before the as-of time \(2011-02-28\).* --as-of 2011-01-11T00:00:00-05:00 /);
    // New York fell back on 2018-11-04: 00:21 EDT that day is 24 h 39 min before the next midnight (EST).
    // T at that midnight, as the warning suggests, is the data's end: no warning (it suggested T again).
    expect(staleAsOfWarning('2018-11-04T04:21:00.000Z', new Date('2018-11-10T00:00:00Z'), daily, 'America/New_York')?.message).toContain('--as-of 2018-11-05T00:00:00-05:00 ');
    expect(staleAsOfWarning('2018-11-04T04:21:00.000Z', new Date('2018-11-05T05:00:00Z'), daily, 'America/New_York')).toBeNull();
    expect(staleAsOfWarning('2018-11-04T04:21:00.000Z', new Date('2018-11-05T05:00:01Z'), daily, 'America/New_York')?.message).toContain('is 24 hours before');
    // Sao Paulo skipped its midnight on 2018-11-04 (DST began at 00:00): the day starts at 01:00, 03:00Z.
    expect(staleAsOfWarning('2018-11-03T12:00:00.000Z', new Date('2018-12-01T00:00:00Z'), daily, 'America/Sao_Paulo')?.message).toContain('--as-of 2018-11-04T03:00:00Z ');
  });

  it('adds months on the calendar, month ends clamped', () => {
    expect(addUnit(new Date('2026-01-31T10:00:00Z'), 'month').toISOString()).toBe('2026-02-28T10:00:00.000Z');
    expect(addUnit(new Date('2025-11-30T00:00:00Z'), 'quarter').toISOString()).toBe('2026-02-28T00:00:00.000Z');
    expect(addUnit(new Date('2024-02-29T00:00:00Z'), 'year').toISOString()).toBe('2025-02-28T00:00:00.000Z');
  });
});
