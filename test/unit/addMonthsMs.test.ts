// SPEC §4 month arithmetic as the forecast does it (src/forecast/addMonthsMs.ts, a table of month starts):
// checked against JavaScript's own calendar (Date's setUTCMonth, month ends clamped by hand), across leap
// years, month ends, times of day, negative shifts and dates outside the table's years.
import { describe, expect, it } from 'vitest';
import { addMonthsMs, monthAdder } from '../../src/forecast/addMonthsMs.js';

/** ms + n months, month ends clamped (Jan 31 + 1 month = Feb 28), by Date alone. */
function byDate(ms: number, n: number): number {
  const d = new Date(ms);
  const day = d.getUTCDate();
  const t = new Date(ms);
  t.setUTCDate(1);
  t.setUTCMonth(t.getUTCMonth() + n);
  const last = new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth() + 1, 0)).getUTCDate();
  t.setUTCDate(Math.min(day, last));
  return t.getTime();
}

describe('addMonthsMs / monthAdder', () => {
  it('clamps month ends and keeps the time of day', () => {
    const jan31 = Date.parse('2026-01-31T10:30:00.250Z');
    expect(new Date(addMonthsMs(jan31, 1)).toISOString()).toBe('2026-02-28T10:30:00.250Z');
    expect(new Date(addMonthsMs(jan31, 2)).toISOString()).toBe('2026-03-31T10:30:00.250Z');
    expect(new Date(addMonthsMs(Date.parse('2024-01-31T00:00:00Z'), 1)).toISOString()).toBe('2024-02-29T00:00:00.000Z');
    expect(new Date(addMonthsMs(Date.parse('2024-02-29T23:59:59.999Z'), 12)).toISOString()).toBe('2025-02-28T23:59:59.999Z');
    expect(new Date(addMonthsMs(Date.parse('2000-03-31T00:00:00Z'), -1)).toISOString()).toBe('2000-02-29T00:00:00.000Z');
    expect(new Date(addMonthsMs(Date.parse('1900-03-31T00:00:00Z'), -1)).toISOString()).toBe('1900-02-28T00:00:00.000Z');
  });

  it('agrees with Date on 20,000 times from 1850 to 2350, inside the table and out', () => {
    // A fixed linear congruential sequence: the same cases every run.
    let seed = 17;
    const next = (): number => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
    const from = Date.UTC(1850, 0, 1);
    const to = Date.UTC(2350, 0, 1);
    for (let i = 0; i < 20_000; i++) {
      // Every fourth time on a month's last days, where clamping happens.
      let ms = Math.floor(from + next() * (to - from));
      if (i % 4 === 0) {
        const d = new Date(ms);
        ms = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0 - Math.floor(next() * 3), d.getUTCHours(), d.getUTCMinutes());
      }
      const n = Math.floor(next() * 400) - 100;
      expect(addMonthsMs(ms, n), `${new Date(ms).toISOString()} + ${n}`).toBe(byDate(ms, n));
      expect(monthAdder(ms)(n)).toBe(byDate(ms, n));
    }
  });
});
