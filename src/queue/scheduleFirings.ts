// When a job's schedule fires (SPEC §7), the one reading of a cron pattern in a time zone: BullMQ's job
// schedulers (through `settings.repeatStrategy`), the schedule-interval gauge and anything else that asks.
//
// A firing is a wall-clock time the pattern matches, read as SPEC §4 reads every local time (RFC 5545,
// Temporal's `disambiguation: "compatible"`): one the fall-back repeats is its first occurrence only, one the
// spring-forward skips is moved forward by the gap (02:30 on Berlin's spring day is 03:30 CEST). cron-parser
// does the calendar, on wall-clock times read as UTC; the zone is applied here (scheduleFirings). Read in the
// zone, cron-parser got the gaps wrong in some (a midnight jump in America/Santiago, Asia/Beirut,
// America/Havana, Lord Howe's 30 minutes: the day was dropped), fired a repeated hour twice, gave up in
// Lord Howe's fall-back and skipped Havana's repeated midnight.
import { CronExpressionParser } from 'cron-parser';
import type { RepeatStrategy } from 'bullmq';
import { offsetAt } from '../format/zoneOffset.js';

const SECOND = 1000;
const DAY = 86_400_000;

interface Change {
  /** The first instant with the new offset. */
  at: number;
  before: number;
  after: number;
}

/**
 * A zone's offset changes, found by scanning forward a day at a time (tz data has no two changes within
 * a day of each other) and kept: a schedule's firings then cost about one Intl call per day they cover.
 */
class ZoneChanges {
  private readonly changes: Change[] = [];
  private readonly first: number;
  private scanned: number;
  private lastOffset: number;

  constructor(private readonly tz: string, from: number) {
    this.scanned = from;
    this.first = this.lastOffset = offsetAt(tz, from);
  }

  private extendTo(ms: number): void {
    while (this.scanned < ms) {
      const a = this.scanned;
      const b = a + DAY;
      const ob = offsetAt(this.tz, b);
      if (ob !== this.lastOffset) {
        // The first whole second with the new offset.
        let lo = Math.floor(a / SECOND);
        let hi = Math.ceil(b / SECOND);
        while (hi - lo > 1) {
          const mid = Math.floor((lo + hi) / 2);
          if (offsetAt(this.tz, mid * SECOND) === this.lastOffset) lo = mid;
          else hi = mid;
        }
        this.changes.push({ at: hi * SECOND, before: this.lastOffset, after: ob });
      }
      this.scanned = b;
      this.lastOffset = ob;
    }
  }

  /** Milliseconds the wall clock is ahead of UTC at `ms` (not before the scan's start). */
  offset(ms: number): number {
    this.extendTo(ms);
    for (let i = this.changes.length - 1; i >= 0; i--) if (this.changes[i]!.at <= ms) return this.changes[i]!.after;
    return this.first;
  }

  /** Spring-forward changes with `from < at <= to`. */
  gaps(from: number, to: number): Change[] {
    this.extendTo(to);
    return this.changes.filter((c) => c.after > c.before && c.at > from && c.at <= to);
  }

  /** The instant of a wall-clock time (as UTC milliseconds) by the "compatible" rule (SPEC §4). */
  instantOfWall(wall: number): number {
    const before = this.offset(wall - DAY);
    const after = this.offset(wall + DAY);
    const exists = [wall - before, wall - after].filter((i) => i + this.offset(i) === wall);
    // Two: the fall-back repeats it, the first occurrence counts. None: skipped, moved forward by the gap.
    return exists.length > 0 ? Math.min(...exists) : wall - before;
  }
}

/**
 * The schedule's firings after `after` (unix ms), in order, for as long as the pattern has any. Throws as
 * cron-parser does for a pattern it cannot read.
 *
 * The pattern's matching wall-clock times come from cron-parser reading them as UTC (no zone, so no DST in
 * its way), each made an instant by the "compatible" rule (ZoneChanges.instantOfWall). cron-parser's own
 * zoned reading gave up inside some fall-backs ("loop limit exceeded" at Lord Howe's April change: the
 * generator ended and BullMQ dropped the scheduler for good) and offered only the second occurrence of a
 * repeated midnight (America/Havana's November day had no firing). The instants of walls in time order
 * increase but across a spring-forward gap: a skipped wall w maps to w's instant moved forward by the gap, past
 * those of the first walls after the gap. So an instant is held until the walls reach its own wall-clock
 * time (no later wall can map before it), then given in order, once.
 */
export function* scheduleFirings(pattern: string, tz: string, after: number): Generator<number> {
  const wall = CronExpressionParser.parse(pattern, { tz: 'UTC', currentDate: new Date(after) });
  // Offsets from three days back: a gap a day or two before `after` may still fire after it.
  const zone = new ZoneChanges(tz, after - 3 * DAY);
  // A wall before `after`'s own fires after it only if a gap moved it there: when `after` lies in the span a
  // spring-forward's skipped walls are moved into (its change X up to X + the gap), the walls from `after`
  // read with the offset before it do. Elsewhere the walls start at `after`'s own (a back-off by the gap near
  // every change cost 20–40 ms a call for a schedule every second, 0.9 s at Apia's skipped day).
  const moved = zone.gaps(after - 2 * DAY, after).find((g) => after < g.at + (g.after - g.before));
  wall.reset(new Date(after + (moved ? moved.before : zone.offset(after)) - SECOND));
  const held: number[] = []; // instants not yet given, ascending, each once
  let last = after;
  for (;;) {
    let w: number;
    try {
      w = wall.next().getTime();
    } catch {
      // No wall time left (cron-parser's end of its range, or a pattern no date matches): the rest in order.
      yield* held;
      return;
    }
    const i = zone.instantOfWall(w);
    if (i > last && !held.includes(i)) {
      let k = held.length;
      while (k > 0 && held[k - 1]! > i) k--;
      held.splice(k, 0, i);
    }
    // Every held instant is above `last` (only such are held, and the smallest is given first).
    while (held.length > 0 && w >= held[0]! + zone.offset(held[0]!)) yield (last = held.shift()!);
  }
}

/** The schedule's first firing after `after` (unix ms); undefined when it has none. */
export function nextFiring(pattern: string, tz: string, after: number): number | undefined {
  const it = scheduleFirings(pattern, tz, after);
  const first = it.next();
  it.return(undefined);
  return first.done ? undefined : first.value;
}

/**
 * BullMQ's repeat strategy: a scheduler's next firing. Without a zone cron-parser reads the pattern in the
 * process's, as BullMQ's default does.
 */
export const repeatStrategy: RepeatStrategy = (millis, opts) => {
  if (!opts.pattern) return undefined;
  const tz = opts.tz ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
  const start = opts.startDate === undefined ? millis : Math.max(millis, new Date(opts.startDate).getTime());
  return nextFiring(opts.pattern, tz, start);
};

/**
 * `settings` of every BullMQ Queue and Worker ltv creates: both compute a scheduler's next firing (the
 * Queue when a scheduler is upserted, the Worker when it takes a firing and adds the next), each with its
 * own `settings.repeatStrategy`, else cron-parser's alone (BullMQ 6 job-scheduler.js). Only the run queue
 * has schedulers; the shard queue gets the same, so no Queue or Worker of ours reads a cron another way.
 */
export const SCHEDULE_SETTINGS = { repeatStrategy } as const;
