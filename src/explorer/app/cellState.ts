// SPEC §4 censoring on the served page. Adapty's body carries values, not states. Where the rows are
// cohorts (no segmentation, or a time segmentation), the page marks partial cells itself from the run's
// as-of time T (its local wall clock in the report time zone): a `days` period k of a cohort starting at
// s is complete when (s + 1 cohort unit) + (k+1)·unit ≤ T; a cohort's highest renewal is partial
// (renewals); the Total row is partial at k when a cohort shown at k is. Segment rows cannot be marked
// from the body (their cohorts are not in it): their states come from the explorer's states route, the
// run's own SQL (applyStates).
import type { PeriodUnit } from '../../ltv/model.js';
import type { StatesResponse } from '../explorerApi.js';
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
}

const TIME_SEGS = new Set(['day', 'week', 'month', 'year']);

/** Whether the page can mark the rows itself: they are cohorts. */
export function rowsAreCohorts(segmentation: string): boolean {
  return segmentation === 'cohort' || TIME_SEGS.has(segmentation);
}

/**
 * Marks the partial cells of a matrix of cohort rows built from an Adapty body (in place). A cohort's
 * periods end later as k grows, so its partial cells are its last ones: each row is walked from its end
 * until a complete period, and the marks, alike in the three accounting types, are worked out once.
 */
export function markPartial(m: ViewMatrix, ctx: StateContext): void {
  const cohortUnit: PeriodUnit = TIME_SEGS.has(m.segmentation) ? (m.segmentation as PeriodUnit) : m.period_unit;
  const rows = m.rows.revenue;
  const partialAt = new Set<number>();
  const firstPartial = rows.map((row) => {
    if (row.type === 'total') return Infinity;
    let i = row.cells.length;
    if (m.period_type === 'renewals') i = Math.max(0, i - 1);
    else while (i > 0 && !completeDays(row.title, cohortUnit, m.period_unit, (row.cells[i - 1] as ViewRow['cells'][number]).period, ctx.tLocal)) i--;
    for (const c of row.cells.slice(i)) partialAt.add(c.period);
    return i;
  });
  for (const list of Object.values(m.rows) as ViewRow[][]) {
    list.forEach((row, r) => {
      const from = firstPartial[r] ?? Infinity;
      row.cells.forEach((c, i) => {
        c.mark = (row.type === 'total' ? partialAt.has(c.period) : i >= from) ? 'partial' : 'complete';
      });
    });
  }
}

/** Marks the cells of any matrix from the states route's answer to the same request, and their customers (in place). */
export function applyStates(m: ViewMatrix, states: StatesResponse): void {
  const byRow = new Map(states.rows.map((r) => [`${r.type}\0${r.title}`, r]));
  for (const rows of Object.values(m.rows) as ViewRow[][]) {
    for (const row of rows) {
      const got = byRow.get(`${row.type}\0${row.title}`);
      const ranges = got?.partial ?? [];
      for (const c of row.cells) {
        c.mark = ranges.some(([a, b]) => a <= c.period && c.period <= b) ? 'partial' : 'complete';
        // A server of an earlier version sends no customers: the cell then says nothing of them.
        const n = got?.customers?.find(([a, b]) => a <= c.period && c.period <= b)?.[2];
        if (n !== undefined) c.customers = n;
      }
    }
  }
}

/**
 * The customers behind each realized cell of a matrix of cohort rows (in place): a cohort's every customer
 * at each of its periods; the Total's, at period k, those of the cohorts shown at k, as the server averages
 * them. Fewer than the Total's customers where younger cohorts have not reached k: its realized value there
 * is theirs, not the whole row's, which its prediction is of.
 */
export function cohortCellCustomers(m: ViewMatrix): void {
  for (const rows of Object.values(m.rows) as ViewRow[][]) {
    const reached = new Map<number, number>();
    for (const row of rows) {
      if (row.type !== 'cohort') continue;
      for (const c of row.cells) {
        c.customers = row.customers;
        reached.set(c.period, (reached.get(c.period) ?? 0) + row.customers);
      }
    }
    for (const row of rows) if (row.type === 'total') for (const c of row.cells) c.customers = reached.get(c.period) ?? 0;
  }
}
