// The longest gap between a schedule's firings (src/queue/JobCatalog.ts), which ltv_job_schedule_interval_seconds
// exports and LtvReportStale doubles: computed by hand from each pattern's calendar.
import { describe, expect, it } from 'vitest';
import { scheduleIntervalSeconds } from '../../src/queue/JobCatalog.js';

const FROM = new Date('2026-12-02T12:00:00Z'); // a Wednesday
const HOUR = 3600;

describe('a schedule\'s longest gap', () => {
  it.each([
    ['0 3 * * *', 24 * HOUR],
    // Hours of weekdays: Friday 17:00 to Monday 09:00 (ten firings from a Wednesday saw 16 h).
    ['0 9-17 * * 1-5', 64 * HOUR],
    // Every hour of weekdays: Friday 23:00 to Monday 00:00 (ten firings saw an hour: an alert every weekend).
    ['0 * * * 1-5', 49 * HOUR],
    // Business hours every day: 18:30 to 08:00.
    ['*/30 8-18 * * *', 13.5 * HOUR],
    ['0 3 * * 1', 7 * 24 * HOUR],
    // The first of each month: the 31-day months.
    ['0 3 1 * *', 31 * 24 * HOUR],
    // 29 February: from 2028 to 2032.
    ['0 0 29 2 *', 1461 * 24 * HOUR],
    ['* * * * *', 60],
  ])('%s: %d s', (cron, seconds) => {
    expect(scheduleIntervalSeconds(cron, 'UTC', FROM)).toBe(seconds);
  });

  it('counts a spring-forward day as the worker fires it, not as a missing day', () => {
    // America/Santiago, midnight daily: 2027-04-04 falls back (00:00 -03 → 23:00 -04 on the 3rd), so the 3rd's
    // midnight (-03, 03:00Z) to the 4th's (-04, 04:00Z) is 25 h, the longest; 2027-09-05 springs forward at
    // midnight, which fires at 01:00 -03 (04:00Z), 24 h after the 4th's midnight (-04, 04:00Z). Read as a
    // missing day, it was 47 h, and LtvReportStale waited 94 h.
    expect(scheduleIntervalSeconds('0 0 * * *', 'America/Santiago', FROM)).toBe(25 * HOUR);
  });

  it('is null for a pattern it cannot read', () => {
    expect(scheduleIntervalSeconds('not a cron', 'UTC', FROM)).toBeNull();
  });
});
