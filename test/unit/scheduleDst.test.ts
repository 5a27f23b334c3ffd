// What the README says of schedules around a DST change (job field `schedule`) and SPEC §4 of every local
// time: a wall time the spring-forward skips fires the gap later, one the fall-back repeats fires once, at
// its first occurrence. scheduleFirings is what the worker's BullMQ schedulers (repeatStrategy) and the
// schedule-interval gauge read. Every instant below is computed by hand from the zone's rules, in the comment
// above it; cron-parser alone (BullMQ's default) dropped the day in Santiago, Lord Howe, Beirut and Havana.
import { describe, expect, it } from 'vitest';
import { repeatStrategy, scheduleFirings } from '../../src/queue/scheduleFirings.js';

/** The first `n` firings after `from`. */
function firings(pattern: string, tz: string, from: string, n: number): string[] {
  const out: string[] = [];
  for (const t of scheduleFirings(pattern, tz, Date.parse(from))) {
    out.push(new Date(t).toISOString());
    if (out.length === n) break;
  }
  return out;
}

describe('a daily schedule on a spring-forward day', () => {
  it('America/Santiago, midnight skipped (2026-09-06 00:00 -04 → 01:00 -03): fires at 01:00', () => {
    // 09-05 00:00 -04 = 04:00Z; 09-06 00:00 does not exist: 01:00 -03 = 04:00Z; 09-07 00:00 -03 = 03:00Z.
    expect(firings('0 0 * * *', 'America/Santiago', '2026-09-04T12:00:00Z', 3)).toEqual(['2026-09-05T04:00:00.000Z', '2026-09-06T04:00:00.000Z', '2026-09-07T03:00:00.000Z']);
  });

  it('Australia/Lord_Howe, a 30-minute gap (2026-10-04 02:00 +10:30 → 02:30 +11): 02:15 fires at 02:45', () => {
    // 10-03 02:15 +10:30 = 10-02 15:45Z; 10-04 02:15 does not exist: 02:45 +11 = 10-03 15:45Z; 10-05 02:15 +11 = 10-04 15:15Z.
    expect(firings('15 2 * * *', 'Australia/Lord_Howe', '2026-10-02T12:00:00Z', 3)).toEqual(['2026-10-02T15:45:00.000Z', '2026-10-03T15:45:00.000Z', '2026-10-04T15:15:00.000Z']);
    // Every 20 minutes of 02:xx on the 4th: 02:00 → 02:30 +11 (15:30Z), 02:20 → 02:50 (15:50Z), 02:40 exists
    // (+11: 15:40Z). In time order, each once.
    expect(firings('*/20 2 * * *', 'Australia/Lord_Howe', '2026-10-03T12:00:00Z', 4)).toEqual(['2026-10-03T15:30:00.000Z', '2026-10-03T15:40:00.000Z', '2026-10-03T15:50:00.000Z', '2026-10-04T15:00:00.000Z']);
  });

  it('Asia/Beirut, midnight skipped (2027-03-28 00:00 +02 → 01:00 +03): fires at 01:00', () => {
    // 03-27 00:00 +02 = 03-26 22:00Z; 03-28 00:00 does not exist: 01:00 +03 = 03-27 22:00Z; 03-29 00:00 +03 = 03-28 21:00Z.
    expect(firings('0 0 * * *', 'Asia/Beirut', '2027-03-26T12:00:00Z', 3)).toEqual(['2027-03-26T22:00:00.000Z', '2027-03-27T22:00:00.000Z', '2027-03-28T21:00:00.000Z']);
  });

  it('America/Havana, midnight skipped (2027-03-14 00:00 -05 → 01:00 -04): fires at 01:00', () => {
    // 03-13 00:00 -05 = 05:00Z; 03-14 00:00 does not exist: 01:00 -04 = 05:00Z; 03-15 00:00 -04 = 04:00Z.
    expect(firings('0 0 * * *', 'America/Havana', '2027-03-12T12:00:00Z', 3)).toEqual(['2027-03-13T05:00:00.000Z', '2027-03-14T05:00:00.000Z', '2027-03-15T04:00:00.000Z']);
  });

  it('Europe/Berlin (2027-03-28 02:00 CET → 03:00 CEST): 02:30 at 03:30; 02:00 and 03:00 both at 03:00', () => {
    // 02:30 CET on the 27th = 01:30Z; 02:30 does not exist on the 28th: 03:30 CEST = 01:30Z; then 00:30Z.
    expect(firings('30 2 * * *', 'Europe/Berlin', '2027-03-26T12:00:00Z', 3)).toEqual(['2027-03-27T01:30:00.000Z', '2027-03-28T01:30:00.000Z', '2027-03-29T00:30:00.000Z']);
    expect(firings('0 2 * * *', 'Europe/Berlin', '2027-03-27T12:00:00Z', 1)).toEqual(['2027-03-28T01:00:00.000Z']);
    expect(firings('0 3 * * *', 'Europe/Berlin', '2027-03-27T12:00:00Z', 1)).toEqual(['2027-03-28T01:00:00.000Z']);
    // Both in one pattern: one firing at 03:00 CEST (01:00Z), then 02:00 and 03:00 CEST of the 29th.
    expect(firings('0 2,3 * * *', 'Europe/Berlin', '2027-03-27T12:00:00Z', 3)).toEqual(['2027-03-28T01:00:00.000Z', '2027-03-29T00:00:00.000Z', '2027-03-29T01:00:00.000Z']);
  });

  it('a weekly schedule: Santiago on Sundays at midnight, the spring-forward Sunday at 01:00', () => {
    // Sunday 2026-08-30 00:00 -04 = 04:00Z; Sunday 09-06 00:00 skipped: 01:00 -03 = 04:00Z; 09-13 00:00 -03 = 03:00Z.
    expect(firings('0 0 * * 0', 'America/Santiago', '2026-08-29T12:00:00Z', 3)).toEqual(['2026-08-30T04:00:00.000Z', '2026-09-06T04:00:00.000Z', '2026-09-13T03:00:00.000Z']);
  });
});

describe('a schedule on a fall-back day', () => {
  it('fires a repeated wall time at its first occurrence only (Europe/Berlin, 2027-10-31 03:00 CEST → 02:00 CET)', () => {
    // 02:30 occurs at 00:30Z (CEST) and 01:30Z (CET) on the 31st: one firing, the first; then 01:30Z (CET).
    expect(firings('30 2 * * *', 'Europe/Berlin', '2027-10-29T12:00:00Z', 3)).toEqual(['2027-10-30T00:30:00.000Z', '2027-10-31T00:30:00.000Z', '2027-11-01T01:30:00.000Z']);
  });

  it('an hourly schedule fires the repeated hour once (America/New_York, 2026-11-01 02:00 EDT → 01:00 EST)', () => {
    // 00:00 EDT = 04:00Z, 01:00 EDT = 05:00Z, (01:00 EST = 06:00Z is the same wall time again), 02:00 EST = 07:00Z.
    expect(firings('0 * * * *', 'America/New_York', '2026-11-01T03:30:00Z', 3)).toEqual(['2026-11-01T04:00:00.000Z', '2026-11-01T05:00:00.000Z', '2026-11-01T07:00:00.000Z']);
  });

  it('America/Santiago (2027-04-04 00:00 -03 → 2027-04-03 23:00 -04): 23:30 of the 3rd once, midnight once', () => {
    // The 2nd's 23:30 -03 = 04-03 02:30Z; the 3rd's 23:30 first at -03 = 04-04 02:30Z (again at -04 = 03:30Z);
    // the 4th's 23:30 -04 = 04-05 03:30Z.
    expect(firings('30 23 * * *', 'America/Santiago', '2027-04-02T12:00:00Z', 3)).toEqual(['2027-04-03T02:30:00.000Z', '2027-04-04T02:30:00.000Z', '2027-04-05T03:30:00.000Z']);
    // Midnight is not repeated: 04-03 00:00 -03 = 03:00Z, 04-04 00:00 -04 = 04:00Z.
    expect(firings('0 0 * * *', 'America/Santiago', '2027-04-02T12:00:00Z', 2)).toEqual(['2027-04-03T03:00:00.000Z', '2027-04-04T04:00:00.000Z']);
  });
});

describe('fall-backs that cron-parser read in the zone could not get through', () => {
  it('Australia/Lord_Howe (2027-04-04 02:00 +11 → 01:30 +10:30): a daily schedule goes on past it (its firings ended there for good)', () => {
    // 06:00 +11 = 19:00Z the day before; from the 4th, 06:00 +10:30 = 19:30Z the day before.
    expect(firings('0 6 * * *', 'Australia/Lord_Howe', '2027-04-01T12:00:00Z', 4)).toEqual(['2027-04-01T19:00:00.000Z', '2027-04-02T19:00:00.000Z', '2027-04-03T19:30:00.000Z', '2027-04-04T19:30:00.000Z']);
    // Once a year on the change's day: 2027-04-04 06:00 +10:30, then 2028-04-04 06:00 +10:30 (Lord Howe's
    // 2028 change is on April 2).
    expect(firings('0 6 4 4 *', 'Australia/Lord_Howe', '2026-12-06T00:00:00Z', 2)).toEqual(['2027-04-03T19:30:00.000Z', '2028-04-03T19:30:00.000Z']);
    // 01:45 occurs at 14:45Z (+11) and 15:15Z (+10:30) on the 4th: the first only.
    expect(firings('45 1 * * *', 'Australia/Lord_Howe', '2027-04-02T12:00:00Z', 3)).toEqual(['2027-04-02T14:45:00.000Z', '2027-04-03T14:45:00.000Z', '2027-04-04T15:15:00.000Z']);
  });

  it('America/Havana (2026-11-01 01:00 -04 → 00:00 -05): the repeated midnight fires at its first occurrence (the day had no firing)', () => {
    // 10-31 00:00 -04 = 04:00Z; 11-01 00:00 first at -04 = 04:00Z (again at -05 = 05:00Z); 11-02 00:00 -05 = 05:00Z.
    expect(firings('0 0 * * *', 'America/Havana', '2026-10-30T12:00:00Z', 3)).toEqual(['2026-10-31T04:00:00.000Z', '2026-11-01T04:00:00.000Z', '2026-11-02T05:00:00.000Z']);
    expect(firings('30 0 * * *', 'America/Havana', '2026-10-30T12:00:00Z', 3)).toEqual(['2026-10-31T04:30:00.000Z', '2026-11-01T04:30:00.000Z', '2026-11-02T05:30:00.000Z']);
  });

  it('every second across a spring-forward gap: each instant once, in order (Europe/Berlin, 2027-03-28 02:00 CET → 03:00 CEST)', () => {
    // From 00:59:58Z: 01:59:58 and 01:59:59 CET, then 02:00:00 (skipped) = 03:00:00 CEST = 01:00:00Z, which
    // 03:00:00 CEST itself also is; 02:00:01 → 01:00:01Z and so on: each second of 01:00Z on once.
    expect(firings('* * * * * *', 'Europe/Berlin', '2027-03-28T00:59:57Z', 5)).toEqual(['2027-03-28T00:59:58.000Z', '2027-03-28T00:59:59.000Z', '2027-03-28T01:00:00.000Z', '2027-03-28T01:00:01.000Z', '2027-03-28T01:00:02.000Z']);
    // From inside the span the skipped walls move into (01:00Z–02:00Z): 02:30 (skipped) fires at 01:30Z, after
    // 01:15Z; every second from 01:30Z on once.
    expect(firings('30 2 * * *', 'Europe/Berlin', '2027-03-28T01:15:00Z', 2)).toEqual(['2027-03-28T01:30:00.000Z', '2027-03-29T00:30:00.000Z']);
    expect(firings('* * * * * *', 'Europe/Berlin', '2027-03-28T01:30:00Z', 3)).toEqual(['2027-03-28T01:30:01.000Z', '2027-03-28T01:30:02.000Z', '2027-03-28T01:30:03.000Z']);
  });
});

describe('an ordinary day', () => {
  it('is the wall time in the zone (Asia/Kolkata, +05:30, no DST)', () => {
    // 06:00 +05:30 = 00:30Z, each day.
    expect(firings('0 6 * * *', 'Asia/Kolkata', '2026-12-01T12:00:00Z', 2)).toEqual(['2026-12-02T00:30:00.000Z', '2026-12-03T00:30:00.000Z']);
  });
});

describe('repeatStrategy (what BullMQ asks for a scheduler\'s next firing)', () => {
  it('is the first firing strictly after the given instant, or after startDate when later', async () => {
    // From the gap firing itself (Santiago 2026-09-06 04:00Z), the next is the 7th's midnight -03 = 03:00Z.
    expect(await repeatStrategy(Date.parse('2026-09-06T04:00:00Z'), { pattern: '0 0 * * *', tz: 'America/Santiago' })).toBe(Date.parse('2026-09-07T03:00:00Z'));
    expect(await repeatStrategy(Date.parse('2026-01-01T00:00:00Z'), { pattern: '0 0 * * *', tz: 'America/Santiago', startDate: '2026-09-05T12:00:00Z' })).toBe(Date.parse('2026-09-06T04:00:00Z'));
  });
});
