// sBG prepared for a run's customers (SPEC §9 subscriptions): a customer's renewals are its payments'
// renewal numbers, its spacing comes from its duration, and a customer whose next renewal is overdue by more
// than a quarter of the spacing (a grace for billing retries) has churned. Fits per cohort, per cohort ×
// duration when every duration group has enough customers, otherwise the pooled fit; a group whose own fit
// does not converge uses the pooled one too. The expected revenue of a subscribed customer after the cutoff
// is Σ_j v · S(j)/S(r) over its renewals j > r falling due before then (S(j)/S(r) = P(renews j | renewed r)),
// with v the duration's mean renewal payment net of refunds.
import type { ForecastFit } from '../ltv/model.js';
import type { ForecastData } from './forecastData.js';
import { fitSbg, type SbgData, type SbgFit, type SbgParams } from './fitSbg.js';
import { DAY_MS, monthAdder } from './addMonthsMs.js';
import type { Fitted, FittedState, FutureQuery, PreparedModel, Projection } from './PreparedModel.js';
import { describeSpacing, renewalDue, spacingMs, spacingOfDuration, type Spacing } from './renewalSpacing.js';
import type { UniformInt } from './seededRandom.js';

interface Group {
  key: string;
  members: Int32Array;
  /** The cohort it fits (null: the pooled group) and, split by duration, the duration. */
  cohort: string | null;
  duration?: string;
}

export interface SbgFitted extends Fitted {
  /** The fit of each group (by Group index); null: the group uses the pooled fit. */
  params: (SbgParams | null)[];
  pooled: SbgParams;
  /** Why a cohort with a group of its own is predicted by the pooled fit (its own fit did not converge). */
  noteOf(cohort: string): string | undefined;
}

const NONE = '(none)';

/** Renewals counted per customer and period end at most (a daily plan over 120 months has 3,653). */
const MAX_RENEWALS = 100_000;

function describe(group: string, f: SbgFit): ForecastFit {
  return {
    group, model: 'sbg', params: { alpha: f.alpha, beta: f.beta },
    log_likelihood: Number.isFinite(f.logLikelihood) ? f.logLikelihood : null,
    customers: f.customers, converged: f.converged, message: f.message, evaluations: f.evaluations,
  };
}

/** The value of a renewal per duration (durations' order), from every customer's payments. */
function renewalValues(cu: ForecastData['customers'], n: number, durations: readonly string[], durOf: Int32Array): number[] {
  let payRevenue = 0;
  let allRevenue = 0;
  const valueSums = durations.map(() => [0, 0, 0, 0] as [number, number, number, number]);
  // An sBG read's firstDayRevenue is every payment's revenue (18_forecast_subscribers.sql).
  for (let i = 0; i < n; i++) {
    payRevenue += cu.firstDayRevenue[i]!;
    allRevenue += cu.revenue[i]!;
    const v = valueSums[durOf[i]!]!;
    v[0] += cu.renewalRevenue[i]!;
    v[1] += cu.renewalPayments[i]!;
    if (cu.payments[i]! > 0) {
      const firstRevenue = cu.firstDayRevenue[i]! - cu.renewalRevenue[i]!;
      v[2] += firstRevenue / Math.max(1, cu.payments[i]! - cu.renewalPayments[i]!);
      v[3] += 1;
    }
  }
  const refundFactor = payRevenue > 0 ? Math.max(0, allRevenue / payRevenue) : 1;
  const valueOf = valueSums.map((v) => (v[1] > 0 ? v[0] / v[1] : v[3] > 0 ? v[2] / v[3] : 0) * refundFactor);
  return valueOf;
}

/** The values a run's preparation computed (populationStats), checked to be of these durations. */
function statsValues(stats: FittedState, durations: readonly string[]): number[] {
  const byDuration = stats.renewalValues as [string, number][] | undefined;
  if (!Array.isArray(byDuration) || byDuration.length !== durations.length || byDuration.some(([d], k) => d !== durations[k])) {
    throw new Error('the published sBG values do not match the durations of its customers');
  }
  return byDuration.map(([, v]) => v);
}

export interface SbgOptions {
  eligible: ReadonlySet<string>;
  minGroupCustomers: number;
}

export function prepareSbg(data: ForecastData, options: SbgOptions, stats?: FittedState): PreparedModel<SbgFitted> & { notes: Map<string, string>; spacingNotes: string[] } {
  const cu = data.customers;
  const n = cu.n;
  // Durations as keys (none: NONE), in the order first seen; a customer's is durKey[cu.durationOf[i]].
  const durKey = cu.durations.map((d) => d ?? NONE);
  // Spacing per duration: named, else the median observed time per renewal.
  const spacing = new Map<string, Spacing | null>();
  const spacingNotes: string[] = [];
  for (const key of new Set(durKey)) {
    const named = spacingOfDuration(key === NONE ? null : key);
    if (named !== undefined) {
      spacing.set(key, named);
      continue;
    }
    const gaps: number[] = [];
    for (let i = 0; i < n; i++) {
      if (durKey[cu.durationOf[i]!] === key && cu.maxRenewal[i]! >= 1) gaps.push((cu.lastPaymentMs[i]! - cu.t0Ms[i]!) / cu.maxRenewal[i]! / 86_400_000);
    }
    gaps.sort((a, b) => a - b);
    const median = gaps.length ? gaps[Math.floor(gaps.length / 2)]! : 0;
    const s: Spacing = median > 0 ? { days: median } : { months: 1 };
    spacing.set(key, s);
    spacingNotes.push(`duration ${key}: renewals every ${describeSpacing(s)} (${gaps.length ? 'median observed' : 'assumed, none observed'})`);
  }
  // Durations by index, in the order first seen (the spacing map's): per-customer loops read arrays.
  const durations = [...spacing.keys()];
  const durIndex = new Map(durations.map((d, k) => [d, k]));
  const durOf = new Int32Array(n);
  for (let i = 0; i < n; i++) durOf[i] = durIndex.get(durKey[cu.durationOf[i]!]!)!;
  const spacingOf = durations.map((d) => spacing.get(d)!);
  // Value of a renewal per duration: mean renewal payment, else (no renewal paid yet) the customers' mean
  // payment without a renewal number ≥ 1, their first; net of refunds. Given (stats: the run's, for the
  // endpoint, whose copy of the customers carries no money), not computed.
  const valueOf = stats ? statsValues(stats, durations) : renewalValues(cu, n, durations, durOf);


  const churned = new Uint8Array(n);
  const renewable = new Uint8Array(n);
  const grace = spacingOf.map((s) => (s ? spacingMs(s) / 4 : 0));
  for (let i = 0; i < n; i++) {
    const s = spacingOf[durOf[i]!];
    if (!s || !(cu.payments[i]! > 0)) continue;
    renewable[i] = 1;
    churned[i] = data.cutoffMs > renewalDue(cu.lastPaymentMs[i]!, 1, s) + grace[durOf[i]!]! ? 1 : 0;
  }

  // Groups: pooled (index 0), then per eligible cohort one group or one per duration.
  const byCohort = new Map<string, number[]>();
  const pooledMembers: number[] = [];
  for (let i = 0; i < n; i++) {
    if (!renewable[i]) continue;
    pooledMembers.push(i);
    const cohort = cu.cohorts[cu.cohortOf[i]!]!;
    if (!options.eligible.has(cohort)) continue;
    let list = byCohort.get(cohort);
    if (!list) byCohort.set(cohort, (list = []));
    list.push(i);
  }
  const groups: Group[] = [{ key: 'pooled', members: Int32Array.from(pooledMembers), cohort: null }];
  const groupIndex = new Int32Array(n).fill(0);
  const notes = new Map<string, string>();
  for (const [cohort, members] of byCohort) {
    const byDur = new Map<string, number[]>();
    for (const i of members) {
      const d = durKey[cu.durationOf[i]!]!;
      let l = byDur.get(d);
      if (!l) byDur.set(d, (l = []));
      l.push(i);
    }
    const split = byDur.size > 1 && [...byDur.values()].every((l) => l.length >= options.minGroupCustomers);
    if (split) {
      for (const [d, l] of byDur) {
        const g = groups.push({ key: `cohort ${cohort} × duration ${d}`, members: Int32Array.from(l), cohort, duration: d }) - 1;
        for (const i of l) groupIndex[i] = g;
      }
    } else if (members.length >= options.minGroupCustomers) {
      const g = groups.push({ key: `cohort ${cohort}`, members: Int32Array.from(members), cohort }) - 1;
      for (const i of members) groupIndex[i] = g;
      if (byDur.size > 1) notes.set(cohort, `one fit for the cohort: some duration has fewer than ${options.minGroupCustomers} customers`);
    } else {
      notes.set(cohort, `pooled fit: ${members.length} renewing customers < ${options.minGroupCustomers}`);
    }
  }
  const renewal = cu.maxRenewal;
  let maxRenewal = 0;
  for (const i of pooledMembers) maxRenewal = Math.max(maxRenewal, renewal[i]!);
  // Each customer is resampled in one stratum: its own group, or (pooled-only customers) the rest.
  const strata = [Int32Array.from(pooledMembers.filter((i) => groupIndex[i] === 0)), ...groups.slice(1).map((g) => g.members)];

  /** The fit's sufficient statistics: per group, customers by last renewal, still subscribed or churned. */
  // One table for all groups, group g at g·2·width: [alive at r = 0..R, churned after r = 0..R]. A customer
  // adds one to its cell of the pooled group and, in a stratum of its own group, to that group's same cell.
  // A stratum's customers are kept as their cells (`codes`), so a replicate's draw (250,000 customers at
  // 1 M rows) reads one array and counts into a histogram of 2·width cells that stays in the cache; the
  // histogram is added to the table once a stratum. The same draws in the same order, whole counts: the
  // same table as one increment per draw (docs/performance.md, stop 70).
  const width = maxRenewal + 1;
  const codes = strata.map((s) => Int32Array.from(s, (i) => (churned[i] ? width : 0) + renewal[i]!));
  const counts = (draw: UniformInt | null): SbgData[] => {
    const table = new Float64Array(groups.length * 2 * width);
    const hist = new Int32Array(2 * width);
    codes.forEach((code, g) => {
      const size = code.length;
      hist.fill(0);
      if (draw) for (let k = 0; k < size; k++) hist[code[draw(size)]!]! += 1;
      else for (let k = 0; k < size; k++) hist[code[k]!]! += 1;
      // Stratum 0 is the pooled-only customers; stratum g ≥ 1 is group g's members.
      for (let c = 0; c < 2 * width; c++) {
        table[c]! += hist[c]!;
        if (g > 0) table[g * 2 * width + c]! += hist[c]!;
      }
    });
    return groups.map((_, g) => ({ alive: table.subarray(2 * g * width, (2 * g + 1) * width), churned: table.subarray((2 * g + 1) * width, (2 * g + 2) * width) }));
  };

  const fit = (draw: UniformInt | null, warm: SbgFitted | null): SbgFitted => {
    const fits: ForecastFit[] = [];
    const params: (SbgParams | null)[] = [];
    let pooled: SbgParams = { alpha: 1, beta: 1 };
    let usable = true;
    let message = '';
    // Per cohort, its groups whose own fit did not converge (they use the pooled fit): the row says so.
    const ownFailed = new Map<string, string[]>();
    const data = counts(draw);
    groups.forEach((g, k) => {
      const start = warm ? (warm.params[k] ?? warm.pooled) : { alpha: 1, beta: 1 };
      const f = fitSbg(data[k]!, start, warm ? 1e-7 : 1e-9);
      if (!draw) fits.push(describe(g.key, f));
      if (k === 0) {
        pooled = { alpha: f.alpha, beta: f.beta };
        usable = f.converged;
        message = f.converged ? '' : `the pooled sBG fit did not converge: ${f.message}`;
        params.push(f.converged ? pooled : null);
      } else {
        params.push(f.converged ? { alpha: f.alpha, beta: f.beta } : null);
        if (!f.converged && !draw) {
          const list = ownFailed.get(g.cohort!) ?? [];
          list.push(g.duration === undefined
            ? `pooled fit: its own fit did not converge (${f.message})`
            : `duration ${g.duration} by the pooled fit: its own did not converge (${f.message})`);
          ownFailed.set(g.cohort!, list);
        }
      }
    });
    return {
      usable, message, fits, params, pooled,
      noteOf: (cohort) => ownFailed.get(cohort)?.join('; '),
      groupOf: groupOfWith(params),
    };
  };

  // Projection. A subscribed customer's expected revenue by an end E is v · Σ_{k=1..K} S(r + k)/S(r), K the
  // renewals falling due before E: customers are counted once by (group, duration, r) and K per period end,
  // and each fitted state sums those counts against its partial sums of S(r + k)/S(r).
  const project = (queries: readonly FutureQuery[]): Projection<SbgFitted> => {
    const classIndex = new Map<number, number>();
    const classes: { g: number; v: number; r: number; kmax: number }[] = [];
    const tallies = queries.map((q) => {
      const byEnd = Array.from({ length: q.periods }, () => new Map<number, number>());
      for (const i of q.members) {
        if (!renewable[i] || churned[i]) continue;
        const ends = q.ends(cu.t0Ms[i]!);
        const d = durOf[i]!;
        const s = spacingOf[d]!;
        const r = renewal[i]!;
        const id = (groupIndex[i]! * durations.length + d) * (maxRenewal + 1) + r;
        let c = classIndex.get(id);
        if (c === undefined) {
          classIndex.set(id, (c = classes.length));
          classes.push({ g: groupIndex[i]!, v: valueOf[d]!, r, kmax: 0 });
        }
        const due = 'months' in s ? monthAdder(cu.lastPaymentMs[i]!) : null;
        const last = cu.lastPaymentMs[i]!;
        const step = 'months' in s ? s.months : s.days * DAY_MS;
        // K for each end: the renewals k ≥ 1 due before it. An end is the start of the next month of life
        // (t0 + m + 1 months), and a renewal due then lies in that month (SPEC §4: t0 + k·unit ≤ t), not in
        // month m: a monthly plan's renewals fall on those very instants.
        // An inclusive end (the backtest's T) counts a renewal due at that instant too: its payment at T is
        // in what was realized by T (it was left out, and the backtest's error ran low on date-only exports).
        const inclusive = q.inclusive === true;
        let k = 0;
        let next = due ? due(step) : 0;
        for (let e = 0; e < ends.length; e++) {
          const end = ends[e]!;
          if (due) {
            while ((next < end || (inclusive && next === end)) && k < MAX_RENEWALS) next = due(++k * step + step);
          } else {
            k = Math.min(MAX_RENEWALS, Math.max(k, inclusive ? Math.floor((end - last) / step) : Math.ceil((end - last) / step) - 1));
          }
          const key = c * (MAX_RENEWALS + 1) + k;
          byEnd[e]!.set(key, (byEnd[e]!.get(key) ?? 0) + 1);
        }
        classes[c]!.kmax = Math.max(classes[c]!.kmax, k);
      }
      return byEnd;
    });
    // Every query's counts in one set of arrays, end after end (query by query): entry x adds n[x] ×
    // the partial sum at[x] of its class; end j of query q sums entries start[first[q] + j] … its next.
    // One loop per fitted state over typed arrays, where a typed array per end was mapped from a Map's
    // keys and each end summed by a mapping function (~12 million calls for 200 small tenants' 101 states
    // each): the forecast thread's CPU for those tenants went from 4.13–4.20 s to 3.28–3.40 s, the same bytes.
    const cumAt = new Int32Array(classes.length + 1);
    classes.forEach((c, i) => (cumAt[i + 1] = cumAt[i]! + c.kmax + 1));
    const first = new Int32Array(queries.length);
    let ends = 0;
    let entries = 0;
    tallies.forEach((byEnd, q) => {
      first[q] = ends;
      ends += byEnd.length;
      for (const m of byEnd) entries += m.size;
    });
    const start = new Int32Array(ends + 1);
    const at = new Int32Array(entries);
    const n = new Float64Array(entries);
    let e = 0;
    let x = 0;
    for (const byEnd of tallies) {
      for (const m of byEnd) {
        start[e++] = x;
        for (const [key, count] of m) {
          at[x] = cumAt[Math.floor(key / (MAX_RENEWALS + 1))]! + (key % (MAX_RENEWALS + 1));
          n[x++] = count;
        }
      }
    }
    start[e] = x;
    const of = (f: SbgFitted): Float64Array[] => {
      // Per class c: cum[cumAt[c] + K] = v · Σ_{k=1..K} S(r + k)/S(r), S(j)/S(j − 1) = (β + j − 1)/(α + β + j − 1);
      // terms below 1e-9 of S(r) are left out (every customer churns alike at a high rate: they vanish).
      const cum = new Float64Array(cumAt[classes.length]!);
      for (let i = 0; i < classes.length; i++) {
        const c = classes[i]!;
        const p = f.params[c.g] ?? f.pooled;
        const base = cumAt[i]!;
        let ratio = 1;
        for (let k = 1; k <= c.kmax; k++) {
          const j = c.r + k;
          ratio *= (p.beta + j - 1) / (p.alpha + p.beta + j - 1);
          cum[base + k] = cum[base + k - 1]! + (ratio < 1e-9 ? 0 : c.v * ratio);
        }
      }
      return queries.map((q, qi) => {
        const out = new Float64Array(q.periods);
        for (let j = 0, end = first[qi]!; j < q.periods; j++, end++) {
          let sum = 0;
          for (let y = start[end]!; y < start[end + 1]!; y++) sum += n[y]! * cum[at[y]!]!;
          out[j] = sum;
        }
        return out;
      });
    };
    return { of };
  };

  const groupOfWith = (params: readonly (SbgParams | null)[]) => (i: number): string => (params[groupIndex[i]!] ? groups[groupIndex[i]!]!.key : 'pooled');
  // A state names its groups: the endpoint's preparation of the published customers must make the same ones.
  const saveState = (f: SbgFitted): FittedState => ({ pooled: f.pooled, groups: groups.map((g, k) => [g.key, f.params[k] ?? null]) });
  const restoreState = (state: FittedState): SbgFitted => {
    const list = state.groups as [string, SbgParams | null][] | undefined;
    const pooled = state.pooled as SbgParams | undefined;
    if (!Array.isArray(list) || !pooled || list.length !== groups.length || list.some(([key], k) => key !== groups[k]!.key)) {
      throw new Error('the published sBG state does not match the fit groups of its customers');
    }
    const params = list.map(([, p]) => p);
    return { usable: true, message: '', fits: [], params, pooled, noteOf: () => undefined, groupOf: groupOfWith(params) };
  };

  return {
    model: 'sbg',
    populationStats: { renewalValues: durations.map((d, k) => [d, valueOf[k]!]) },
    replicateCost: groups.length,
    fit,
    project,
    saveState,
    restoreState,
    notes,
    spacingNotes,
  };
}
