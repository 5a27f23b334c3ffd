// An independent implementation of SPEC §4's time rules for tests, written with JavaScript's Intl (not
// DuckDB or ICU through SQL): wall clocks of instants, instants of wall clocks with Temporal's
// "compatible" disambiguation (a repeated time is its first occurrence, a skipped one moves forward by the
// gap), and calendar additions on the wall clock with month ends clamped.

export interface Wall {
  y: number;
  mo: number; // 1..12
  d: number;
  h: number;
  mi: number;
  s: number;
}

const formats = new Map<string, Intl.DateTimeFormat>();

function format(zone: string): Intl.DateTimeFormat {
  let f = formats.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formats.set(zone, f);
  }
  return f;
}

/** The wall clock of instant `ms` in `zone`. */
export function wallOf(ms: number, zone: string): Wall {
  const parts = Object.fromEntries(format(zone).formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  return { y: Number(parts.year), mo: Number(parts.month), d: Number(parts.day), h: Number(parts.hour), mi: Number(parts.minute), s: Number(parts.second) };
}

/** The wall clock read as if it were UTC (milliseconds): for arithmetic and comparisons of wall clocks. */
export function wallMs(w: Wall): number {
  return Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi, w.s);
}

function offsetAt(ms: number, zone: string): number {
  return wallMs(wallOf(ms, zone)) - Math.floor(ms / 1000) * 1000;
}

/** Temporal's "compatible": the earliest instant showing `w`; none (a gap): `w` read with the offset before the gap. */
export function instantOf(w: Wall, zone: string): number {
  const guess = wallMs(w);
  const candidates = [...new Set([guess - offsetAt(guess - 86_400_000, zone), guess - offsetAt(guess + 86_400_000, zone)])]
    .filter((ms) => wallMs(wallOf(ms, zone)) === guess)
    .sort((a, b) => a - b);
  return candidates[0] ?? guess - offsetAt(guess - 86_400_000, zone);
}

export type Unit = 'day' | 'week' | 'month' | 'quarter' | 'year';

/** w + n units on the wall clock (days: calendar days; months: month ends clamped). */
export function addUnits(w: Wall, n: number, unit: Unit): Wall {
  if (unit === 'day' || unit === 'week') {
    const d = new Date(Date.UTC(w.y, w.mo - 1, w.d + n * (unit === 'week' ? 7 : 1)));
    return { ...w, y: d.getUTCFullYear(), mo: d.getUTCMonth() + 1, d: d.getUTCDate() };
  }
  const months = n * (unit === 'month' ? 1 : unit === 'quarter' ? 3 : 12);
  const index = w.y * 12 + (w.mo - 1) + months;
  const y = Math.floor(index / 12);
  const mo = (index % 12) + 1;
  const last = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  return { ...w, y, mo, d: Math.min(w.d, last) };
}

/** SPEC §4 period of instant t for a customer whose first payment is t0: the largest k with instant(wall(t0) + k units) ≤ t. */
export function periodOf(t0: number, t: number, unit: Unit, zone: string): number {
  return lastBoundary(wallOf(t0, zone), t, unit, zone);
}

const APPROX_MS: Record<Unit, number> = { day: 86_400_000, week: 7 * 86_400_000, month: 28 * 86_400_000, quarter: 89 * 86_400_000, year: 365 * 86_400_000 };

/** The largest k ≥ 0 with instant(w0 + k units) ≤ t (0 when none is), starting from an estimate below it. */
export function lastBoundary(w0: Wall, t: number, unit: Unit, zone: string): number {
  let k = Math.max(0, Math.floor((t - instantOf(w0, zone)) / APPROX_MS[unit]) - 2);
  while (k > 0 && instantOf(addUnits(w0, k, unit), zone) > t) k--;
  while (instantOf(addUnits(w0, k + 1, unit), zone) <= t) k++;
  return k;
}

/** The first day of the unit holding wall date w (ISO week from Monday), as a wall clock at midnight. */
export function cohortStart(w: Wall, unit: Unit): Wall {
  const mid = { ...w, h: 0, mi: 0, s: 0 };
  if (unit === 'day') return mid;
  if (unit === 'week') {
    const dow = (new Date(Date.UTC(w.y, w.mo - 1, w.d)).getUTCDay() + 6) % 7;
    return addUnits(mid, -dow, 'day');
  }
  const m = unit === 'month' ? w.mo : unit === 'quarter' ? Math.floor((w.mo - 1) / 3) * 3 + 1 : 1;
  return { ...mid, mo: m, d: 1 };
}

export function dateText(w: Wall): string {
  return `${String(w.y).padStart(4, '0')}-${String(w.mo).padStart(2, '0')}-${String(w.d).padStart(2, '0')}`;
}
