// SPEC §4 "times are compared as instants", on both DST transitions of three zones, for every period unit
// and the Zenovay summary. The expected values come from an independent path (test/helpers/wallClock.ts:
// JavaScript's Intl, Temporal's "compatible" rule), not from the engine's SQL.
import { describe, expect, it } from 'vitest';
import { csv, makeFixture, readAdapty, readZenovay, runJob } from '../helpers/runFixture.js';
import { addUnits, cohortStart, dateText, instantOf, lastBoundary, periodOf, wallMs, wallOf, type Unit, type Wall } from '../helpers/wallClock.js';

const UNITS: Unit[] = ['day', 'week', 'month', 'quarter', 'year'];
const HOUR = 3_600_000;
const MIN = 60_000;

interface Customer {
  id: string;
  t0: number;
  payments: { t: number; cents: number; text: string }[];
}

function wallFromMs(ms: number): Wall {
  const d = new Date(ms);
  return { y: d.getUTCFullYear(), mo: d.getUTCMonth() + 1, d: d.getUTCDate(), h: d.getUTCHours(), mi: d.getUTCMinutes(), s: d.getUTCSeconds() };
}

/** The UTC-offset transitions of `zone` in `year`, to the minute: instant X, offset before and after. */
function transitions(zone: string, year: number): { x: number; before: number; after: number }[] {
  const off = (ms: number): number => wallMs(wallOf(ms, zone)) - ms;
  const out: { x: number; before: number; after: number }[] = [];
  for (let t = Date.UTC(year, 0, 1); t < Date.UTC(year + 1, 0, 1); t += HOUR) {
    if (off(t) === off(t + HOUR)) continue;
    let lo = t;
    let hi = t + HOUR; // off(lo) ≠ off(hi): the change is in (lo, hi]
    while (hi - lo > MIN) {
      const mid = lo + Math.floor((hi - lo) / 2 / MIN) * MIN;
      if (off(mid) === off(lo)) lo = mid;
      else hi = mid;
    }
    out.push({ x: hi, before: off(lo), after: off(hi) });
  }
  return out;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** ISO text with the zone's own offset, e.g. 2025-11-02T01:15:00-05:00. */
function withOffset(ms: number, zone: string): string {
  const w = wallOf(ms, zone);
  const off = (wallMs(w) - ms) / MIN;
  const sign = off < 0 ? '-' : '+';
  const a = Math.abs(off);
  return `${dateText(w)}T${String(w.h).padStart(2, '0')}:${String(w.mi).padStart(2, '0')}:00${sign}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}

function naive(ms: number, zone: string): string {
  const w = wallOf(ms, zone);
  return `${dateText(w)} ${String(w.h).padStart(2, '0')}:${String(w.mi).padStart(2, '0')}:${String(w.s).padStart(2, '0')}`;
}

/** Customers whose period boundary (t0 + n units) falls inside each transition of the zone, with payments around it. */
function customersFor(zone: string, year: number): Customer[] {
  const out: Customer[] = [];
  let n = 0;
  for (const tr of transitions(zone, year)) {
    const delta = Math.abs(tr.before - tr.after);
    const fallBack = tr.after < tr.before;
    // Walls: a repeated range starts at X's new wall clock; a gap starts at X's old one.
    const start = fallBack ? tr.x + tr.after : tr.x + tr.before;
    const boundaryWall = wallFromMs(start + 30 * MIN); // inside the repeated hour / the gap
    for (const unit of [...UNITS, 'days30' as const]) {
      // t0 = the boundary − m units on the wall clock (m chosen so that adding m back lands on the boundary:
      // a month end clamp must not move it).
      const u: Unit = unit === 'days30' ? 'day' : unit;
      let m = unit === 'days30' ? 30 : 1;
      while (wallMs(addUnits(addUnits(boundaryWall, -m, u), m, u)) !== wallMs(boundaryWall)) m++;
      const t0 = instantOf(addUnits(boundaryWall, -m, u), zone);
      const id = `${unit}-${++n}`;
      const payments: Customer['payments'] = [{ t: t0, cents: 1000, text: iso(t0) }];
      if (fallBack) {
        const first15 = instantOf(wallFromMs(start + 15 * MIN), zone);
        // The same wall time, first occurrence (before the boundary's first occurrence) as naive text: read as
        // the first occurrence. Second occurrence, with its explicit offset: after the boundary as an instant.
        payments.push({ t: first15, cents: 100, text: naive(first15, zone) });
        payments.push({ t: first15 + delta, cents: 200, text: withOffset(first15 + delta, zone) });
        payments.push({ t: instantOf(wallFromMs(start + 45 * MIN), zone), cents: 400, text: iso(instantOf(wallFromMs(start + 45 * MIN), zone)) });
      } else {
        // The boundary does not exist on the wall clock: it is X + 30 min as an instant.
        payments.push({ t: tr.x - MIN, cents: 100, text: iso(tr.x - MIN) });
        payments.push({ t: tr.x + 15 * MIN, cents: 200, text: withOffset(tr.x + 15 * MIN, zone) });
        payments.push({ t: tr.x + 45 * MIN, cents: 400, text: iso(tr.x + 45 * MIN) });
      }
      out.push({ id, t0, payments });
    }
  }
  return out;
}

function roundCents(sum: number, n: number): number {
  // half away from zero (sums here are ≥ 0)
  return Math.floor((2 * sum + n) / (2 * n)) / 100;
}

/** Expected rows of the Adapty `days-<unit>-cohort` body (revenue), by title. */
function expectedMatrix(customers: Customer[], unit: Unit, zone: string, asOf: number): Record<string, number[]> {
  const cohorts = new Map<string, { start: Wall; members: Customer[] }>();
  for (const c of customers) {
    const start = cohortStart(wallOf(c.t0, zone), unit);
    const key = dateText(start);
    const e = cohorts.get(key) ?? { start, members: [] };
    e.members.push(c);
    cohorts.set(key, e);
  }
  const rows: Record<string, number[]> = {};
  const byK = new Map<number, { sum: number; n: number }>();
  for (const [key, { start, members }] of [...cohorts].sort()) {
    const K = lastBoundary(start, asOf, unit, zone);
    const periods = members.flatMap((c) => c.payments.map((p) => ({ k: periodOf(c.t0, p.t, unit, zone), cents: p.cents })));
    const values: number[] = [];
    for (let k = 0; k <= K; k++) {
      let sum = 0;
      for (const p of periods) if (p.k <= k) sum += p.cents;
      values.push(roundCents(sum, members.length));
      const t = byK.get(k) ?? { sum: 0, n: 0 };
      byK.set(k, { sum: t.sum + sum, n: t.n + members.length });
    }
    rows[key] = values;
  }
  rows.Total = [...byK.keys()].sort((a, b) => a - b).map((k) => roundCents(byK.get(k)!.sum, byK.get(k)!.n));
  return rows;
}

function expectedSummary(customers: Customer[], days: number, zone: string, asOf: number): number | null {
  let sum = 0;
  let n = 0;
  for (const c of customers) {
    const end = instantOf(addUnits(wallOf(c.t0, zone), days, 'day'), zone);
    if (end > asOf) continue;
    n++;
    for (const p of c.payments) if (p.t < end) sum += p.cents;
  }
  return n === 0 ? null : roundCents(sum, n);
}

describe('DST: periods and the summary compared as instants (SPEC §4)', () => {
  for (const zone of ['America/New_York', 'Europe/Berlin', 'Australia/Sydney']) {
    it(`${zone}: every unit and the 30/90-day summary on both transitions`, async () => {
      const customers = customersFor(zone, 2025);
      // Both transitions were found, and each has its 6 customers.
      expect(customers.length).toBe(12);
      const rows = customers.flatMap((c) => c.payments.map((p, i) => [c.id, p.text, (p.cents / 100).toFixed(2), `${c.id}-${i}`]));
      const fx = await makeFixture({ 'e.csv': csv('customer_id,event_time,amount,transaction_id', rows) });
      const asOfText = '2026-02-01T00:00:00Z';
      const asOf = Date.parse(asOfText);
      try {
        await runJob(fx, { inputs: [{ path: 'e.csv' }], timezone: zone }, asOfText);
        for (const unit of UNITS) {
          const body = await readAdapty(fx, `days-${unit}-cohort.json`);
          const got = Object.fromEntries(body.revenue.data.map((r) => [r.title, r.values.map((v) => v.value)]));
          expect({ unit, rows: got }).toEqual({ unit, rows: expectedMatrix(customers, unit, zone, asOf) });
        }
        const z = await readZenovay(fx, '90d-monthly.json');
        expect(z.data.summary).toEqual({
          average_ltv_30d: expectedSummary(customers, 30, zone, asOf),
          average_ltv_90d: expectedSummary(customers, 90, zone, asOf),
        });
      } finally {
        await fx.cleanup();
      }
    }, 180_000);
  }

  it('a time that names its zone (2025-11-02 01:30:00 America/New_York) is read by the same rule: the first occurrence, a gap moved forward', async () => {
    // ICU's cast of such a text takes the second occurrence of a repeated wall time. Each customer's first
    // payment is such a text; a second payment, as an instant, 1 day and 1 minute after the first
    // occurrence is day period 1 (report zone UTC), but period 0 if the text were read an hour later.
    const customers: Customer[] = [];
    for (const zone of ['America/New_York', 'Europe/Berlin', 'Australia/Sydney', 'Australia/Lord_Howe']) {
      for (const tr of transitions(zone, 2025)) {
        const fallBack = tr.after < tr.before;
        const delta = Math.abs(tr.before - tr.after);
        const start = fallBack ? tr.x + tr.after : tr.x + tr.before;
        const t0 = instantOf(wallFromMs(start + delta / 2), zone);
        const text = `${naive(t0, zone)} ${zone}`;
        const p1 = t0 + 24 * HOUR + MIN;
        customers.push({ id: `${zone}-${fallBack ? 'repeat' : 'gap'}`, t0, payments: [{ t: t0, cents: 1000, text }, { t: p1, cents: 100, text: iso(p1) }] });
      }
    }
    expect(customers.length).toBe(8);
    const rows = customers.flatMap((c) => c.payments.map((p, i) => [c.id, p.text, (p.cents / 100).toFixed(2), `${c.id}-${i}`]));
    const fx = await makeFixture({ 'e.csv': csv('customer_id,event_time,amount,transaction_id', rows) });
    const asOfText = '2026-02-01T00:00:00Z';
    try {
      await runJob(fx, { inputs: [{ path: 'e.csv' }], timezone: 'UTC' }, asOfText);
      const body = await readAdapty(fx, 'days-day-cohort.json');
      const got = Object.fromEntries(body.revenue.data.map((r) => [r.title, r.values.map((v) => v.value)]));
      expect(got).toEqual(expectedMatrix(customers, 'day', 'UTC', Date.parse(asOfText)));
    } finally {
      await fx.cleanup();
    }
  }, 180_000);

  it('hh:mm before a zone\'s name or UTC is read as hh:mm:00 there (README "Input rules"; it was a bad row)', async () => {
    // 10:00 Europe/Berlin = 09:00Z and 10:00 UTC = 10:00Z on 2026-01-05; 01:30 America/New_York on 2025-11-02 is
    // its first occurrence, 05:30Z. As of 09:00:30Z: two counted, the UTC one after the as-of time.
    const fx = await makeFixture({
      'e.csv': csv('customer_id,event_time,amount,transaction_id', [
        ['c1', '2026-01-05 10:00 Europe/Berlin', '10', 'a'],
        ['c3', '2026-01-05 10:00 UTC', '20', 'b'],
        ['c6', '2025-11-02 01:30 America/New_York', '30', 'c'],
      ]),
    });
    try {
      const r = await runJob(fx, { inputs: [{ path: 'e.csv' }], timezone: 'UTC', forecast: { model: 'off' } }, '2026-01-05T09:00:30Z');
      expect([r.stats.rows_quarantined, r.stats.after_as_of_rows, r.stats.transactions]).toEqual([0, 1, 2]);
    } finally {
      await fx.cleanup();
    }
  });

  it('the issue\'s case: 24 h 45 min after a first payment at 01:30 EDT is day period 1 (America/New_York)', async () => {
    // t0 = 2025-11-01T01:30-04:00. Day 1 starts Nov 2 01:30 local, which occurs twice: its first occurrence,
    // 05:30Z. A payment at 2025-11-02T01:15-05:00 (06:15Z) is after it: period 1, though 01:15 < 01:30 on the wall.
    // Cumulative: p0 = 10, p1 = 10 + 5 = 15.
    const fx = await makeFixture({
      'e.csv': csv('customer_id,event_time,amount,transaction_id', [
        ['c', '2025-11-01T01:30:00-04:00', '10', 'a'],
        ['c', '2025-11-02T01:15:00-05:00', '5', 'b'],
      ]),
    });
    try {
      await runJob(fx, { inputs: [{ path: 'e.csv' }], timezone: 'America/New_York' }, '2025-11-03T12:00:00Z');
      const body = await readAdapty(fx, 'days-day-cohort.json');
      expect(body.revenue.data.find((r) => r.title === '2025-11-01')?.values.slice(0, 2)).toEqual([{ period: 0, value: 10 }, { period: 1, value: 15 }]);
    } finally {
      await fx.cleanup();
    }
  });
});
