// What the README says of schedules around a DST change (job field `schedule`): BullMQ's job schedulers,
// which the worker registers with the job's pattern and time zone (src/queue/syncSchedules.ts), fire a
// daily wall time the spring-forward skips the gap later, and one the fall-back repeats once, at its first
// occurrence. Times computed by hand for Europe/Berlin (CET +01:00, CEST +02:00; 2027-03-28 02:00 → 03:00,
// 2027-10-31 03:00 → 02:00).
import { getNextMillis } from 'bullmq';
import { describe, expect, it } from 'vitest';

/** The next `n` firings after `from`, as BullMQ computes each from the one before. */
function firings(pattern: string, from: string, n: number): string[] {
  const out: string[] = [];
  let t = Date.parse(from);
  for (let i = 0; i < n; i++) {
    t = getNextMillis(t, { pattern, tz: 'Europe/Berlin' })!;
    out.push(new Date(t).toISOString());
  }
  return out;
}

describe('a daily schedule across DST changes (Europe/Berlin)', () => {
  it('fires a skipped wall time the gap later, once', () => {
    // 02:30 CET on the 27th = 01:30Z; 02:30 does not exist on the 28th: 03:30 CEST = 01:30Z; then 00:30Z.
    expect(firings('30 2 * * *', '2027-03-26T12:00:00Z', 3)).toEqual(['2027-03-27T01:30:00.000Z', '2027-03-28T01:30:00.000Z', '2027-03-29T00:30:00.000Z']);
    // 02:00 and 03:00 both fire at 03:00 CEST (01:00Z) that day.
    expect(firings('0 2 * * *', '2027-03-27T12:00:00Z', 1)).toEqual(['2027-03-28T01:00:00.000Z']);
    expect(firings('0 3 * * *', '2027-03-27T12:00:00Z', 1)).toEqual(['2027-03-28T01:00:00.000Z']);
  });

  it('fires a repeated wall time at its first occurrence only', () => {
    // 02:30 occurs at 00:30Z (CEST) and 01:30Z (CET) on the 31st: one firing, the first; then 01:30Z (CET).
    expect(firings('30 2 * * *', '2027-10-29T12:00:00Z', 3)).toEqual(['2027-10-30T00:30:00.000Z', '2027-10-31T00:30:00.000Z', '2027-11-01T01:30:00.000Z']);
  });
});
