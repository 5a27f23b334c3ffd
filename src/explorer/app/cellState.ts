// SPEC §4 censoring, in the browser: Adapty's body carries values, not states, so the served page marks
// partial cells itself from the run's as-of time T (its local wall clock in the report time zone):
// a `days` period k of a cohort starting at s is complete when (s + 1 cohort unit) + (k+1)·unit ≤ T;
// a cohort's highest renewal is partial (renewals). Exact for cohort rows and for the Total row over
// them. Segment rows (and the Total row beside them) have no cohorts in the body: they are marked
// partial at k when some calendar cohort of the requested date range could be (an upper bound: a
// segment without customers in the newest cohorts may be marked although it is complete).
import type { PeriodUnit } from '../../ltv/model.js';
import type { ViewMatrix, ViewRow } from './view.js';

/** Local wall clock "YYYY-MM-DD HH:MM:SS" of an instant in an IANA zone. */
export function localWallClock(iso: string, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
  }).formatToParts(new Date(iso));
  const get = (t: string): string => parts.find((p) => p.type === t)?.value ?? '00';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}:${get('second')}`;
}

/** A local date plus n units, month ends clamped (SPEC §4: units are added on the wall clock). */
export function addUnits(date: string, unit: PeriodUnit, n: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  if (unit === 'day' || unit === 'week') {
    const t = new Date(Date.UTC(y, m - 1, d + n * (unit === 'week' ? 7 : 1)));
    return t.toISOString().slice(0, 10);
  }
  const months = n * (unit === 'month' ? 1 : unit === 'quarter' ? 3 : 12);
  const total = y * 12 + (m - 1) + months;
  const ny = Math.floor(total / 12);
  const nm = total - ny * 12;
  const last = new Date(Date.UTC(ny, nm + 1, 0)).getUTCDate();
  return `${String(ny).padStart(4, '0')}-${String(nm + 1).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`;
}

/** Start of the calendar cohort (by unit) that contains a local date; weeks are ISO weeks (Monday). */
export function cohortStart(date: string, unit: PeriodUnit): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  if (unit === 'day') return date;
  if (unit === 'week') {
    const t = new Date(Date.UTC(y, m - 1, d));
    const dow = (t.getUTCDay() + 6) % 7;
    return new Date(Date.UTC(y, m - 1, d - dow)).toISOString().slice(0, 10);
  }
  const mm = unit === 'month' ? m : unit === 'quarter' ? Math.floor((m - 1) / 3) * 3 + 1 : 1;
  return `${String(y).padStart(4, '0')}-${String(mm).padStart(2, '0')}-01`;
}

function completeDays(start: string, cohortUnit: PeriodUnit, unit: PeriodUnit, k: number, tLocal: string): boolean {
  const end = addUnits(start, cohortUnit, 1);
  return `${addUnits(end, unit, k + 1)} 00:00:00` <= tLocal;
}

export interface StateContext {
  /** T on the report time zone's wall clock. */
  tLocal: string;
  /** The request's first-payment date range, clipped to the run's. */
  from: string;
  to: string;
}

const TIME_SEGS = new Set(['day', 'week', 'month', 'year']);

/** Marks the partial cells of a matrix built from an Adapty body (in place). */
export function markPartial(m: ViewMatrix, ctx: StateContext): void {
  const cohortRows = m.segmentation === 'cohort' || TIME_SEGS.has(m.segmentation);
  const cohortUnit: PeriodUnit = TIME_SEGS.has(m.segmentation) ? (m.segmentation as PeriodUnit) : m.period_unit;
  // Calendar cohorts of the range (segment rows): only the newest few can be partial at any k.
  const calendar: string[] = [];
  if (!cohortRows) {
    for (let s = cohortStart(ctx.to, cohortUnit); s >= cohortStart(ctx.from, cohortUnit) && calendar.length < 400; s = addUnits(s, cohortUnit, -1)) calendar.push(s);
  }
  const calendarPartial = new Map<number, boolean>();
  for (const rows of Object.values(m.rows) as ViewRow[][]) {
    const partialAt = new Set<number>();
    for (const row of rows) {
      if (row.type === 'total') continue;
      const realized = row.cells.filter((c) => c.mark !== 'predicted');
      const last = realized.length ? (realized[realized.length - 1] as { period: number }).period : -1;
      for (const c of realized) {
        let partial: boolean;
        if (m.period_type === 'renewals') {
          partial = c.period === last;
        } else if (cohortRows) {
          partial = !completeDays(row.title, cohortUnit, m.period_unit, c.period, ctx.tLocal);
        } else {
          // The same for every segment row: computed once per period.
          let p = calendarPartial.get(c.period);
          if (p === undefined) {
            p = calendar.some((s) => `${addUnits(s, m.period_unit, c.period)} 00:00:00` <= ctx.tLocal && !completeDays(s, cohortUnit, m.period_unit, c.period, ctx.tLocal));
            calendarPartial.set(c.period, p);
          }
          partial = p;
        }
        if (partial) {
          c.mark = 'partial';
          partialAt.add(c.period);
        }
      }
    }
    const total = rows.find((r) => r.type === 'total');
    if (!total) continue;
    const last = total.cells.filter((x) => x.mark !== 'predicted').at(-1)?.period ?? -1;
    for (const c of total.cells) {
      if (c.mark === 'predicted') continue;
      // Renewals with segment rows: the Total's last renewal at least is still filling.
      if (partialAt.has(c.period) || (m.period_type === 'renewals' && !cohortRows && c.period === last)) c.mark = 'partial';
    }
  }
}
