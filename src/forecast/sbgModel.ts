// sBG prepared for a run's customers (SPEC §9 subscriptions): a customer's renewals are its payments'
// renewal numbers, its spacing comes from its duration, and a customer whose next renewal is overdue by more
// than a quarter of the spacing (a grace for billing retries) has churned. Fits per cohort, per cohort ×
// duration when every duration group has enough customers, otherwise the pooled fit; a group whose own fit
// does not converge uses the pooled one too. The expected revenue of a subscribed customer after the cutoff
// is Σ_j v · S(j)/S(r) over its renewals j > r falling due by then (S(j)/S(r) = P(renews j | renewed r)),
// with v the duration's mean renewal payment net of refunds.
import type { ForecastFit } from '../ltv/model.js';
import type { ForecastData } from './forecastData.js';
import { fitSbg, type SbgData, type SbgFit, type SbgParams } from './fitSbg.js';
import type { Fitted, PreparedModel } from './PreparedModel.js';
import { describeSpacing, renewalDue, spacingMs, spacingOfDuration, type Spacing } from './renewalSpacing.js';

interface Group {
  key: string;
  members: Int32Array;
}

export interface SbgFitted extends Fitted {
  /** The fit of each group (by Group index); null: the group uses the pooled fit. */
  params: (SbgParams | null)[];
  pooled: SbgParams;
}

const NONE = '(none)';

function sbgData(members: Int32Array, churned: Uint8Array, renewal: Float64Array, weights: Float64Array | null): SbgData {
  const c: number[] = [];
  const a: number[] = [];
  for (const i of members) {
    const w = weights ? weights[i]! : 1;
    if (w === 0) continue;
    const r = renewal[i]!;
    const list = churned[i] ? c : a;
    while (list.length <= r) list.push(0);
    list[r] = list[r]! + w;
  }
  return { churned: c, alive: a };
}

function describe(group: string, f: SbgFit): ForecastFit {
  return {
    group, model: 'sbg', params: { alpha: f.alpha, beta: f.beta },
    log_likelihood: Number.isFinite(f.logLikelihood) ? f.logLikelihood : null,
    customers: f.customers, converged: f.converged, message: f.message, evaluations: f.evaluations,
  };
}

export interface SbgOptions {
  eligible: ReadonlySet<string>;
  minGroupCustomers: number;
}

export function prepareSbg(data: ForecastData, options: SbgOptions): PreparedModel<SbgFitted> & { notes: Map<string, string>; spacingNotes: string[] } {
  const cu = data.customers;
  const n = cu.n;
  const durKey = cu.duration.map((d) => d ?? NONE);
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
      if (durKey[i] === key && cu.maxRenewal[i]! >= 1) gaps.push((cu.lastPaymentMs[i]! - cu.t0Ms[i]!) / cu.maxRenewal[i]! / 86_400_000);
    }
    gaps.sort((a, b) => a - b);
    const median = gaps.length ? gaps[Math.floor(gaps.length / 2)]! : 0;
    const s: Spacing = median > 0 ? { days: median } : { months: 1 };
    spacing.set(key, s);
    spacingNotes.push(`duration ${key}: renewals every ${describeSpacing(s)} (${gaps.length ? 'median observed' : 'assumed, none observed'})`);
  }
  // Value of a renewal per duration: mean renewal payment, else mean first payment; net of refunds.
  let payRevenue = 0;
  let allRevenue = 0;
  const valueSums = new Map<string, [number, number, number, number]>();
  for (let i = 0; i < n; i++) {
    payRevenue += cu.firstDayRevenue[i]! + cu.repeatRevenue[i]!;
    allRevenue += cu.revenue[i]!;
    const v = valueSums.get(durKey[i]!) ?? [0, 0, 0, 0];
    v[0] += cu.renewalRevenue[i]!;
    v[1] += cu.renewalPayments[i]!;
    if (cu.payments[i]! > 0) {
      v[2] += cu.firstDayRevenue[i]! / Math.max(1, cu.payments[i]! - cu.renewalPayments[i]!);
      v[3] += 1;
    }
    valueSums.set(durKey[i]!, v);
  }
  const refundFactor = payRevenue > 0 ? Math.max(0, allRevenue / payRevenue) : 1;
  const value = new Map<string, number>();
  for (const [k, v] of valueSums) value.set(k, (v[1] > 0 ? v[0] / v[1] : v[3] > 0 ? v[2] / v[3] : 0) * refundFactor);

  const churned = new Uint8Array(n);
  const renewable = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const s = spacing.get(durKey[i]!);
    if (!s || !(cu.payments[i]! > 0)) continue;
    renewable[i] = 1;
    churned[i] = data.cutoffMs > renewalDue(cu.lastPaymentMs[i]!, 1, s) + spacingMs(s) / 4 ? 1 : 0;
  }

  // Groups: pooled (index 0), then per eligible cohort one group or one per duration.
  const byCohort = new Map<string, number[]>();
  const pooledMembers: number[] = [];
  for (let i = 0; i < n; i++) {
    if (!renewable[i]) continue;
    pooledMembers.push(i);
    if (!options.eligible.has(cu.cohort[i]!)) continue;
    let list = byCohort.get(cu.cohort[i]!);
    if (!list) byCohort.set(cu.cohort[i]!, (list = []));
    list.push(i);
  }
  const groups: Group[] = [{ key: 'pooled', members: Int32Array.from(pooledMembers) }];
  const groupIndex = new Int32Array(n).fill(0);
  const notes = new Map<string, string>();
  for (const [cohort, members] of byCohort) {
    const byDur = new Map<string, number[]>();
    for (const i of members) {
      let l = byDur.get(durKey[i]!);
      if (!l) byDur.set(durKey[i]!, (l = []));
      l.push(i);
    }
    const split = byDur.size > 1 && [...byDur.values()].every((l) => l.length >= options.minGroupCustomers);
    if (split) {
      for (const [d, l] of byDur) {
        const g = groups.push({ key: `cohort ${cohort} × duration ${d}`, members: Int32Array.from(l) }) - 1;
        for (const i of l) groupIndex[i] = g;
      }
    } else if (members.length >= options.minGroupCustomers) {
      const g = groups.push({ key: `cohort ${cohort}`, members: Int32Array.from(members) }) - 1;
      for (const i of members) groupIndex[i] = g;
      if (byDur.size > 1) notes.set(cohort, `one fit for the cohort: some duration has fewer than ${options.minGroupCustomers} customers`);
    } else {
      notes.set(cohort, `pooled fit: ${members.length} renewing customers < ${options.minGroupCustomers}`);
    }
  }
  const renewal = cu.maxRenewal;

  const fit = (weights: Float64Array | null, warm: SbgFitted | null): SbgFitted => {
    const fits: ForecastFit[] = [];
    const params: (SbgParams | null)[] = [];
    let pooled: SbgParams = { alpha: 1, beta: 1 };
    let usable = true;
    let message = '';
    groups.forEach((g, k) => {
      const start = warm ? (warm.params[k] ?? warm.pooled) : { alpha: 1, beta: 1 };
      const f = fitSbg(sbgData(g.members, churned, renewal, weights), start, warm ? 1e-7 : 1e-9);
      if (!weights) fits.push(describe(g.key, f));
      if (k === 0) {
        pooled = { alpha: f.alpha, beta: f.beta };
        usable = f.converged;
        message = f.converged ? '' : `the pooled sBG fit did not converge: ${f.message}`;
        params.push(f.converged ? pooled : null);
      } else {
        params.push(f.converged ? { alpha: f.alpha, beta: f.beta } : null);
      }
    });
    return {
      usable, message, fits, params, pooled,
      groupOf: (i) => (params[groupIndex[i]!] ? groups[groupIndex[i]!]!.key : 'pooled'),
    };
  };

  const future = (f: SbgFitted, i: number, ends: readonly number[], out: Float64Array): void => {
    if (!renewable[i] || churned[i]) return;
    const s = spacing.get(durKey[i]!)!;
    const p = f.params[groupIndex[i]!] ?? f.pooled;
    const v = value.get(durKey[i]!)!;
    const r = renewal[i]!;
    const last = ends[ends.length - 1]!;
    let ratio = 1;
    let e = 0;
    // One pass over renewals and ends together: every end gets the expected revenue of the renewals due
    // by it (a weekly plan has ~100 renewals in 24 months: no renewals × ends product).
    let acc = 0;
    for (let j = r + 1; ; j++) {
      // S(j)/S(j−1) = (β + j − 1)/(α + β + j − 1)
      ratio *= (p.beta + j - 1) / (p.alpha + p.beta + j - 1);
      const due = renewalDue(cu.lastPaymentMs[i]!, j - r, s);
      if (due > last || ratio < 1e-9) break;
      for (; e < ends.length && ends[e]! < due; e++) out[e] = out[e]! + acc;
      acc += v * ratio;
    }
    for (; e < ends.length; e++) out[e] = out[e]! + acc;
  };

  // Each customer is resampled in one stratum: its own group, or (pooled-only customers) the rest.
  const rest = pooledMembers.filter((i) => groupIndex[i] === 0);
  return {
    model: 'sbg',
    strata: [Int32Array.from(rest), ...groups.slice(1).map((g) => g.members)],
    anchorMs: cu.t0Ms,
    replicateCost: groups.length,
    fit,
    future,
    notes,
    spacingNotes,
  };
}
