// The forecast works on sufficient statistics (src/forecast/PreparedModel.ts): customers with equal
// summaries are counted once in a fit and in a projection. Checked here against the per-customer sums of
// the models' closed forms, computed customer by customer with other code (the beta functions of @stdlib
// for sBG, eq. (10)/(11) and the Gamma-Gamma mean per customer for BG/NBD), on a made-up customer table.
import betaln from '@stdlib/math-base-special-betaln';
import { describe, expect, it } from 'vitest';
import { prepareBgNbd } from '../../src/forecast/bgNbdModel.js';
import { indexed, type CustomerTable, type ForecastData } from '../../src/forecast/forecastData.js';
import { bgNbdConditionalExpected } from '../../src/forecast/fitBgNbd.js';
import { rowFit } from '../../src/forecast/forecastFromRead.js';
import { gammaGammaConditionalMean, gammaGammaMean } from '../../src/forecast/fitGammaGamma.js';
import { fitSbg, sbgLogLikelihood } from '../../src/forecast/fitSbg.js';
import { prepareSbg } from '../../src/forecast/sbgModel.js';
import { replicateRandom } from '../../src/forecast/seededRandom.js';

const DAY = 86_400_000;
const WEEK = 7 * DAY;
const day = (s: string): number => Date.parse(`${s}T00:00:00Z`);

/** A small generator (not the bootstrap's) so the table is the same every time. */
function lcg(seed: number): () => number {
  let a = seed >>> 0;
  return () => ((a = (Math.imul(a, 1664525) + 1013904223) >>> 0) / 4294967296);
}

/** ms + k calendar months, the day clamped to the month's last (Jan 31 + 1 month = Feb 28). */
function monthsLater(ms: number, k: number): number {
  const d = new Date(ms);
  const first = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + k, 1));
  const last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
  return Date.UTC(first.getUTCFullYear(), first.getUTCMonth(), Math.min(d.getUTCDate(), last)) + (ms % DAY);
}

function table(rows: Partial<Record<keyof CustomerTable | 'duration', number | string | null>>[]): CustomerTable {
  const f = (k: keyof CustomerTable): Float64Array => Float64Array.from(rows, (r) => Number(r[k] ?? 0));
  const counts = (k: keyof CustomerTable): Int32Array => Int32Array.from(rows, (r) => Number(r[k] ?? 0));
  const cohorts = indexed(rows.length, (i) => `${new Date(Number(rows[i]!.cohortDayMs)).toISOString().slice(0, 8)}01`);
  const durations = indexed(rows.length, (i) => (rows[i]!.duration ?? null) as string | null);
  return {
    n: rows.length,
    cohortDayMs: f('cohortDayMs'),
    cohortOf: cohorts.of,
    cohorts: cohorts.values,
    t0Ms: f('t0Ms'),
    durationOf: durations.of,
    durations: durations.values,
    purchaseDays: counts('purchaseDays'),
    lastDayMs: f('lastDayMs'),
    firstDayRevenue: f('firstDayRevenue'),
    repeatRevenue: f('repeatRevenue'),
    payments: counts('payments'),
    maxRenewal: counts('maxRenewal'),
    lastPaymentMs: f('lastPaymentMs'),
    renewalRevenue: f('renewalRevenue'),
    renewalPayments: counts('renewalPayments'),
    revenue: f('revenue'),
  };
}

describe('sBG on counts', () => {
  it('the likelihood by recursion equals the sum of the beta-function forms', () => {
    const d = { churned: [5, 3, 0, 2, 1], alive: [4, 0, 7, 0, 0, 3] };
    for (const p of [{ alpha: 0.668, beta: 3.806 }, { alpha: 2.5, beta: 0.4 }, { alpha: 1e3, beta: 5e3 }]) {
      let ll = 0;
      d.churned.forEach((n, r) => { ll += n * (betaln(p.alpha + 1, p.beta + r) - betaln(p.alpha, p.beta)); });
      d.alive.forEach((n, r) => { ll += n * (betaln(p.alpha, p.beta + r) - betaln(p.alpha, p.beta)); });
      expect(sbgLogLikelihood(p, d)).toBeCloseTo(ll, 8);
    }
  });

  it('projects each subscribed customer: Σ v·S(j)/S(r) over renewals due by each end, customer by customer', () => {
    const rand = lcg(7);
    const T = day('2026-07-01');
    const rows = Array.from({ length: 400 }, (_, i) => {
      const t0 = day('2026-01-01') + Math.floor(rand() * 120) * DAY + 36e5 * 9;
      const weekly = i % 3 === 0;
      const spacing = weekly ? 7 * DAY : 0;
      const add = (ms: number, k: number): number => (weekly ? ms + k * spacing : monthsLater(ms, k));
      // Each customer churns at each renewal with its own probability θ (sBG's heterogeneity).
      const theta = 0.05 + 0.5 * rand();
      let r = 0;
      while (rand() > theta && add(t0, r + 1) <= T) r++;
      const last = add(t0, r);
      return { cohortDayMs: day(new Date(t0).toISOString().slice(0, 10)), t0Ms: t0, duration: weekly ? 'Weekly' : 'Monthly', payments: r + 1, maxRenewal: r, lastPaymentMs: last, renewalRevenue: r * (weekly ? 3 : 10), renewalPayments: r, firstDayRevenue: (r + 1) * (weekly ? 3 : 10), revenue: (r + 1) * (weekly ? 3 : 10), add };
    });
    const data: ForecastData = { cutoffMs: T, customers: table(rows), realized: new Map() };
    const prepared = prepareSbg(data, { eligible: new Set(), minGroupCustomers: 100 });
    const fitted = prepared.fit(null, null);
    expect(fitted.usable).toBe(true);
    const members = rows.map((_, i) => i);
    const ends = (anchor: number): number[] => [1, 3, 8].map((m) => monthsLater(anchor, m));
    expect(fitted.pooled.alpha).toBeLessThan(100);
    const [got] = prepared.project([{ members, periods: 3, ends }]).of(fitted);
    // A query of churned customers only: nothing more to come, at every end.
    const gone = rows.findIndex((c) => T > c.add(c.lastPaymentMs, 1) + 8 * DAY);
    expect(prepared.project([{ members: [gone], periods: 3, ends }]).of(fitted)).toEqual([new Float64Array(3)]);
    const { alpha, beta } = fitted.pooled;
    const lnS = (t: number): number => betaln(alpha, beta + t) - betaln(alpha, beta);
    const want = [0, 0, 0];
    rows.forEach((c) => {
      const grace = (c.duration === 'Weekly' ? 7 : 30.4375) * DAY / 4;
      if (T > c.add(c.lastPaymentMs, 1) + grace) return; // churned
      const v = c.duration === 'Weekly' ? 3 : 10;
      ends(c.t0Ms).forEach((end, e) => {
        for (let k = 1; c.add(c.lastPaymentMs, k) < end; k++) want[e]! += v * Math.exp(lnS(c.maxRenewal + k) - lnS(c.maxRenewal));
      });
    });
    expect(want[2]).toBeGreaterThan(0);
    for (let e = 0; e < 3; e++) expect(got![e]).toBeCloseTo(want[e]!, 6);
  });

  it('a renewal due at the very end of a month of life lies in the next month, as the matrix counts it', () => {
    // Months of life are [t0 + m months, t0 + m + 1 months) (SPEC §4): a monthly plan bought on Dec 1 10:00
    // renews on Mar 1 10:00, which is month 3 of its life, not month 2. T = 2026-02-05.
    const T = Date.parse('2026-02-05T00:00:00Z');
    const at = (s: string): number => Date.parse(`${s}T10:00:00Z`);
    const monthly = (t0: string, r: number, last: string) => ({
      cohortDayMs: day(t0), t0Ms: at(t0), duration: 'Monthly', payments: r + 1, maxRenewal: r, lastPaymentMs: at(last),
      renewalRevenue: 10 * r, renewalPayments: r, firstDayRevenue: 10 * (r + 1), revenue: 10 * (r + 1),
    });
    const rows = [
      ...Array.from({ length: 10 }, () => monthly('2025-10-01', 0, '2025-10-01')), // churned after 0
      ...Array.from({ length: 10 }, () => monthly('2025-10-01', 1, '2025-11-01')), // churned after 1
      ...Array.from({ length: 10 }, () => monthly('2025-10-01', 4, '2026-02-01')), // subscribed at 4
      monthly('2025-12-01', 2, '2026-02-01'), // the subject: subscribed at 2, renewal 3 due 2026-03-01 10:00
      // Weekly from Sun 2026-02-01 10:00: renewal 4 falls on Mar 1 10:00, the end of its month 0.
      { cohortDayMs: day('2026-02-01'), t0Ms: at('2026-02-01'), duration: 'Weekly', payments: 1, maxRenewal: 0, lastPaymentMs: at('2026-02-01'), renewalRevenue: 0, renewalPayments: 0, firstDayRevenue: 3, revenue: 3 },
    ];
    const prepared = prepareSbg({ cutoffMs: T, customers: table(rows), realized: new Map() }, { eligible: new Set(), minGroupCustomers: 100 });
    const fitted = prepared.fit(null, null);
    expect(fitted.usable).toBe(true);
    const { alpha: a, beta: b } = fitted.pooled;
    const ends = (months: number[]) => (anchor: number): number[] => months.map((m) => monthsLater(anchor, m + 1));
    const [subject, weekly] = prepared.project([
      { members: [30], periods: 3, ends: ends([1, 2, 3]) },
      { members: [31], periods: 1, ends: ends([0]) },
    ]).of(fitted);
    // Month 1 ends Feb 1 10:00 and month 2 Mar 1 10:00: renewal 3 is in neither; month 3 (to Apr 1 10:00)
    // has it, worth 10 · S(3)/S(2) = 10 (β + 2)/(α + β + 2).
    expect(subject![0]).toBe(0);
    expect(subject![1]).toBe(0);
    expect(subject![2]).toBeCloseTo(10 * (b + 2) / (a + b + 2), 10);
    // The weekly plan's month 0 (Feb 1 10:00 to Mar 1 10:00) has renewals 1–3 (Feb 8, 15, 22), not 4 (Mar 1).
    const s1 = b / (a + b);
    const s2 = s1 * (b + 1) / (a + b + 1);
    const s3 = s2 * (b + 2) / (a + b + 2);
    expect(weekly![0]).toBeCloseTo(3 * (s1 + s2 + s3), 10);
  });

  it('a cohort whose own group has seen only its first renewal is predicted by the pooled fit, and its row says why', () => {
    // T = 2026-07-01. January: 60 customers whose lives (renewals) are 0, 1, 2, 3, 5 (12 each), pooled only.
    // May: 120 customers (≥ min_group_customers 100, eligible): 36 churned at renewal 1 (due Jun 1), 84
    // renewed on Jun 1 and are subscribed (renewal 2 due Jul 1 10:00, after T). Their group's likelihood is
    // flat along α/(α + β) = 0.3: no fit of its own.
    const T = Date.parse('2026-07-01T00:00:00Z');
    const monthly = (t0: string, r: number) => ({
      cohortDayMs: day(t0), t0Ms: Date.parse(`${t0}T10:00:00Z`), duration: 'Monthly', payments: r + 1, maxRenewal: r,
      lastPaymentMs: monthsLater(Date.parse(`${t0}T10:00:00Z`), r), renewalRevenue: 10 * r, renewalPayments: r,
      firstDayRevenue: 10 * (r + 1), revenue: 10 * (r + 1),
    });
    const rows = [
      ...[0, 1, 2, 3, 5].flatMap((r) => Array.from({ length: 12 }, () => monthly('2026-01-01', r))),
      ...Array.from({ length: 36 }, () => monthly('2026-05-01', 0)),
      ...Array.from({ length: 84 }, () => monthly('2026-05-01', 1)),
    ];
    const prepared = prepareSbg({ cutoffMs: T, customers: table(rows), realized: new Map() }, { eligible: new Set(['2026-05-01']), minGroupCustomers: 100 });
    const fitted = prepared.fit(null, null);
    expect(fitted.usable).toBe(true);
    expect(fitted.fits.map((f) => [f.group, f.converged])).toEqual([['pooled', true], ['cohort 2026-05-01', false]]);
    const young = 60 + 36;
    expect(fitted.groupOf(young)).toBe('pooled');
    expect(fitted.noteOf('2026-05-01')).toBe('pooled fit: its own fit did not converge (only the first renewal has fallen due (36 churned there, 84 renewed): that fixes the first step of retention, not how it declines after)');
    expect(fitted.noteOf('2026-01-01')).toBeUndefined();
    // Month 2 of a May customer ends Aug 1 10:00: renewal 2 (Jul 1) is in it, worth 10 · (β + 1)/(α + β + 1)
    // at the pooled fit (the January cohort's churn and the May counts together).
    const { alpha: a, beta: b } = fitted.pooled;
    const [got] = prepared.project([{ members: [young], periods: 1, ends: (anchor) => [monthsLater(anchor, 3)] }]).of(fitted);
    expect(got![0]).toBeCloseTo(10 * (b + 1) / (a + b + 1), 10);
    // The pooled counts by hand: churned after r = 0: 12 + 36, 1: 12, 2: 12, 3: 12 (renewal 4 due Jun 1 + grace
    // < T); alive at 1: 84, at 5: 12 (renewal 6 due Jul 1 10:00).
    const byHand = fitSbg({ churned: [48, 12, 12, 12], alive: [0, 84, 0, 0, 0, 12] });
    expect(a).toBeCloseTo(byHand.alpha, 6);
    expect(b).toBeCloseTo(byHand.beta, 6);

    // The same May cohort split by duration (min_group_customers 20): its 20 monthly customers (6 churned at
    // renewal 1, 14 renewed) have seen one renewal, its 20 weekly ones nine (5 churned after renewal 0, 5
    // after 2, 10 subscribed at 8, renewal 9 due Jul 3): the weekly group keeps its fit, the monthly one
    // goes to the pooled fit, and the note names the duration.
    const weekly = (r: number) => ({
      cohortDayMs: day('2026-05-01'), t0Ms: Date.parse('2026-05-01T10:00:00Z'), duration: 'Weekly', payments: r + 1, maxRenewal: r,
      lastPaymentMs: Date.parse('2026-05-01T10:00:00Z') + r * 7 * DAY, renewalRevenue: 3 * r, renewalPayments: r,
      firstDayRevenue: 3 * (r + 1), revenue: 3 * (r + 1),
    });
    const split = [
      ...[0, 1, 2, 3, 5].flatMap((r) => Array.from({ length: 12 }, () => monthly('2026-01-01', r))),
      ...Array.from({ length: 6 }, () => monthly('2026-05-01', 0)),
      ...Array.from({ length: 14 }, () => monthly('2026-05-01', 1)),
      ...[0, 2].flatMap((r) => Array.from({ length: 5 }, () => weekly(r))),
      ...Array.from({ length: 10 }, () => weekly(8)),
    ];
    const bySplit = prepareSbg({ cutoffMs: T, customers: table(split), realized: new Map() }, { eligible: new Set(['2026-05-01']), minGroupCustomers: 20 }).fit(null, null);
    expect(bySplit.fits.map((f) => [f.group, f.converged])).toEqual([['pooled', true], ['cohort 2026-05-01 × duration Monthly', false], ['cohort 2026-05-01 × duration Weekly', true]]);
    expect(bySplit.groupOf(60)).toBe('pooled');
    expect(bySplit.groupOf(80)).toBe('cohort 2026-05-01 × duration Weekly');
    // The May row names both fits its customers are projected with: monthly ones (60-79) by the pooled fit,
    // weekly ones (80-99) by their own.
    expect(rowFit(bySplit.groupOf, Int32Array.from({ length: 40 }, (_, k) => 60 + k))).toBe('pooled; cohort 2026-05-01 × duration Weekly');
    expect(rowFit(bySplit.groupOf, Int32Array.from({ length: 20 }, (_, k) => 80 + k))).toBe('cohort 2026-05-01 × duration Weekly');
    expect(bySplit.noteOf('2026-05-01')).toBe('duration Monthly by the pooled fit: its own did not converge (only the first renewal has fallen due (6 churned there, 14 renewed): that fixes the first step of retention, not how it declines after)');
  });
});

describe('BG/NBD + Gamma-Gamma on counts', () => {
  const rand = lcg(11);
  const T = day('1997-10-01');
  // Purchases as BG/NBD has them: a weekly rate λ and a drop-out probability p after each, both varying.
  const rows = Array.from({ length: 600 }, (_, i) => {
    const first = day('1997-01-01') + Math.floor(rand() * 90) * DAY;
    const lambda = (-Math.log(rand() + 1e-12) * rand()) / 2;
    const p = rand() * rand();
    let t = first;
    let x = 0;
    let lastDay = first;
    for (;;) {
      t += Math.ceil((-Math.log(rand() + 1e-12) / lambda) * 7) * DAY;
      if (t > T) break;
      x++;
      lastDay = t;
      if (rand() < p) break;
    }
    const repeat = x ? x * (5 + Math.floor(rand() * 4) * 5) : 0;
    // First payments at 1 to 23 h after midnight: customers of one first day and purchase count have several.
    return { cohortDayMs: first, t0Ms: first + (((i * 7) % 23) + 1) * 36e5, purchaseDays: x + 1, lastDayMs: lastDay, firstDayRevenue: 20, repeatRevenue: repeat, revenue: 20 + repeat, payments: x + 1 };
  });
  const data: ForecastData = { cutoffMs: T, customers: table(rows), realized: new Map() };
  const prepared = prepareBgNbd(data);

  it('projects E[Y(τ) | x, t_x, T] × E[Z | x, m_x] summed customer by customer, each to its own ends from its first payment', () => {
    const fitted = prepared.fit(null, null);
    expect(fitted.message).toBe('');
    expect(fitted.gg).not.toBeNull();
    // Ends counted from the anchor, as months of life are: a customer's own are its first payment's
    // (t0 = its first day + 1 to 23 h here). The first end is T itself for those who started on Feb 1 by the
    // day (their own is hours after T: purchases to come), before T for earlier ones, after for later.
    const toT = T - day('1997-02-01');
    const endsOf = (anchor: number): number[] => [anchor + toT, anchor + 300 * DAY, anchor + 400 * DAY];
    const members = rows.map((_, i) => i);
    const [got] = prepared.project([{ members, periods: 3, ends: endsOf }]).of(fitted);
    const want = [0, 0, 0];
    for (const c of rows) {
      const x = c.purchaseDays - 1;
      const tx = (c.lastDayMs - c.cohortDayMs) / WEEK;
      const Tw = (T - c.cohortDayMs) / WEEK;
      const value = x > 0 ? gammaGammaConditionalMean(fitted.gg!, x, c.repeatRevenue / x) : gammaGammaMean(fitted.gg!);
      endsOf(c.t0Ms).forEach((end, e) => {
        if (end > T) want[e]! += bgNbdConditionalExpected(fitted.bg, (end - T) / WEEK, x, tx, Tw) * value;
      });
    }
    expect(rows.filter((c) => c.cohortDayMs === day('1997-02-01')).length).toBeGreaterThan(0);
    expect(want[0]).toBeGreaterThan(0);
    // Customers of one (x, first day) with several times of day take E[Y] to second order in δ: its
    // remainder stays below 10⁻⁸ of the sum (a hundred-thousandth of a cent per customer here).
    for (let e = 0; e < 3; e++) expect(Math.abs(got![e]! - want[e]!)).toBeLessThan(1e-8 * want[e]!);
  });

  it('without a usable Gamma-Gamma fit, values a repeat buyer at its own mean repeat value and the others at the buyers\' mean', () => {
    // One whale (first customer with a repeat purchase: m_x 1000× the others) must not raise everyone's value:
    // per customer, E[Y(τ)] × (x > 0 ? m_x : the mean of m_x over repeat buyers).
    const whale = rows.findIndex((c) => c.purchaseDays > 1);
    const spend = rows.map((c, i) => (i === whale ? c.repeatRevenue * 1000 : c.repeatRevenue));
    const whaled = prepareBgNbd({ cutoffMs: T, customers: table(rows.map((c, i) => ({ ...c, repeatRevenue: spend[i]!, revenue: 20 + spend[i]! }))), realized: new Map() });
    const fitted = whaled.fit(null, null);
    const noGg = { ...fitted, gg: null };
    const buyers = rows.flatMap((c, i) => (c.purchaseDays > 1 ? [spend[i]! / (c.purchaseDays - 1)] : []));
    const meanValue = buyers.reduce((s, m) => s + m, 0) / buyers.length;
    expect(fitted.meanValue).toBeCloseTo(meanValue, 9);
    const ends = (): number[] => [T + 90 * DAY];
    const [got] = whaled.project([{ members: rows.map((_, i) => i), periods: 1, ends, absolute: true }]).of(noGg);
    let want = 0;
    rows.forEach((c, i) => {
      const x = c.purchaseDays - 1;
      const tx = (c.lastDayMs - c.cohortDayMs) / WEEK;
      // The refund factor is 1 here (revenue = payments).
      want += bgNbdConditionalExpected(fitted.bg, 90 / 7, x, tx, (T - c.cohortDayMs) / WEEK) * (x > 0 ? spend[i]! / x : meanValue);
    });
    expect(got![0]).toBeCloseTo(want, 6);
  });

  it('a replicate resamples customers within their cohorts: as many customers as the data, the same seed the same fit', () => {
    const main = prepared.fit(null, null);
    const a = prepared.fit(replicateRandom(17, 3), main);
    const b = prepared.fit(replicateRandom(17, 3), main);
    const c = prepared.fit(replicateRandom(17, 4), main);
    expect(a.bg.customers).toBe(rows.length);
    expect(a.bg).toEqual(b.bg);
    expect(c.bg.r).not.toBe(a.bg.r);
  });
});
