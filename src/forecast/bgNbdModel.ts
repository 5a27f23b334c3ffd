// BG/NBD + Gamma-Gamma prepared for a run's customers (SPEC §9 repeat purchases): one pooled fit over every
// customer (each with its own x, t_x, T in weeks; purchases counted by local day), the usual use of the
// model, with cohorts differing by their customers' histories. A customer's expected revenue after the
// cutoff is E[Y(τ) | x, t_x, T] × E[Z | x, m_x], the latter from the Gamma-Gamma fit on repeat buyers
// (pγ/(q − 1) for a customer without a repeat purchase), net of refunds as the tenant's payments were.
import type { ForecastFit } from '../ltv/model.js';
import { DAY_MS, WEEK_MS } from './addMonthsMs.js';
import type { ForecastData } from './forecastData.js';
import { bgNbdAliveByRow, bgNbdExpectedIfAlive, fitBgNbd, type BgNbdFit, type RfmData } from './fitBgNbd.js';
import { fitGammaGamma, gammaGammaMean, type GammaGammaFit, type SpendData } from './fitGammaGamma.js';
import type { Fitted, FittedState, FutureQuery, PreparedModel, Projection } from './PreparedModel.js';
import type { UniformInt } from './seededRandom.js';
import { PairIndex } from './pairIndex.js';

export interface BgNbdFitted extends Fitted {
  bg: BgNbdFit;
  gg: GammaGammaFit | null;
  /** Without a usable Gamma-Gamma fit, the value of a customer without a repeat purchase: the repeat buyers' mean m_x. */
  meanValue: number;
}

const MIN_REPEAT_BUYERS = 20;
/** What values purchases when the Gamma-Gamma fit is not used (the fit's message ends with it). */
const FALLBACK = 'a repeat buyer\'s purchases are valued at its own mean repeat value instead, the others\' at the mean over repeat buyers';

/**
 * The customers as the fits see them: x, t_x and T in weeks (purchases counted by local day), t_x also in
 * whole days, the repeat buyers, and the factor that nets the tenant's refunds out of its payments.
 * (Each preparation step is a small function of its own, each loop short and over locals.)
 */
function customerSummaries(data: ForecastData, givenRefundFactor?: number): { rfm: RfmData; txDays: Float64Array; repeaters: Int32Array; refundFactor: number } {
  // Columns into locals first: loading each column from the table object per customer made this loop
  // 3× slower (350,000 customers, warm: 30–42 ms against 9–15).
  const { n, cohortDayMs, purchaseDays, lastDayMs, firstDayRevenue, repeatRevenue, revenue } = data.customers;
  const { cutoffMs } = data;
  const x = new Float64Array(n);
  const tx = new Float64Array(n);
  const T = new Float64Array(n);
  const txDays = new Float64Array(n);
  const repeaters = new Int32Array(n);
  let nRepeaters = 0;
  let payRevenue = 0;
  let allRevenue = 0;
  for (let i = 0; i < n; i++) {
    const t0Day = cohortDayMs[i]!;
    const xi = Math.max(0, purchaseDays[i]! - 1);
    x[i] = xi;
    tx[i] = xi > 0 ? (lastDayMs[i]! - t0Day) / WEEK_MS : 0;
    T[i] = Math.max(0, (cutoffMs - t0Day) / WEEK_MS);
    txDays[i] = xi > 0 ? Math.round((lastDayMs[i]! - t0Day) / DAY_MS) : 0;
    if (xi > 0 && repeatRevenue[i]! > 0) repeaters[nRepeaters++] = i;
    if (givenRefundFactor !== undefined) continue;
    payRevenue += firstDayRevenue[i]! + repeatRevenue[i]!;
    allRevenue += revenue[i]!;
  }
  if (givenRefundFactor !== undefined) return { rfm: { x, tx, T, n: new Float64Array(n).fill(1) }, txDays, repeaters: repeaters.subarray(0, nRepeaters), refundFactor: givenRefundFactor };
  const refundFactor = payRevenue > 0 ? Math.max(0, allRevenue / payRevenue) : 1;
  return { rfm: { x, tx, T, n: new Float64Array(n).fill(1) }, txDays, repeaters: repeaters.subarray(0, nRepeaters), refundFactor };
}

/** Each customer's first day (the anchor of its T and its period ends) numbered in order of first appearance. */
function anchorsOf(t0Day: Float64Array, n: number): Int32Array {
  const index = new PairIndex(1024);
  const anchorIdx = new Int32Array(n);
  for (let i = 0; i < n; i++) anchorIdx[i] = index.of(t0Day[i]!, 0);
  return anchorIdx;
}

/**
 * Customers with equal (x, t_x, T) are one row of the fit, weighted by their count: most customers of a
 * purchase history have bought once (x = 0) on one of a few hundred days. All three are whole numbers in
 * disguise: x a count, t_x whole days, and T a function of the first day (the anchor); so a row is the
 * pair (x · (days + 1) + t_x days, anchor). Rows are numbered in order of first appearance.
 */
function fitRowsOf(rfm: RfmData, txDays: Float64Array, t0Day: Float64Array, anchorIdx: Int32Array): { rows: RfmData; rowOf: Int32Array; rowAnchor: Float64Array; rowAnchorIdx: Int32Array; maxX: number } {
  const n = rfm.x.length;
  let maxX = 0;
  let maxTxDays = 0;
  for (let i = 0; i < n; i++) {
    if (rfm.x[i]! > maxX) maxX = rfm.x[i]!;
    if (txDays[i]! > maxTxDays) maxTxDays = txDays[i]!;
  }
  const index = new PairIndex(Math.min(n, 1 << 16));
  const rowOf = new Int32Array(n);
  const first: number[] = [];
  for (let i = 0; i < n; i++) {
    const k = index.of(rfm.x[i]! * (maxTxDays + 1) + txDays[i]!, anchorIdx[i]!);
    if (k === first.length) first.push(i);
    rowOf[i] = k;
  }
  const m = first.length;
  const rows: RfmData = { x: new Float64Array(m), tx: new Float64Array(m), T: new Float64Array(m), n: new Float64Array(m) };
  const rowAnchor = new Float64Array(m);
  const rowAnchorIdx = new Int32Array(m);
  for (let k = 0; k < m; k++) {
    const i = first[k]!;
    rows.x[k] = rfm.x[i]!;
    rows.tx[k] = rfm.tx[i]!;
    rows.T[k] = rfm.T[i]!;
    rowAnchor[k] = t0Day[i]!;
    rowAnchorIdx[k] = anchorIdx[i]!;
  }
  for (let i = 0; i < n; i++) rows.n[rowOf[i]!]! += 1;
  return { rows, rowOf, rowAnchor, rowAnchorIdx, maxX };
}

/** Repeat buyers with equal (x, m_x) are one row of the Gamma-Gamma fit, likewise (−1: not a repeat buyer). */
function spendRowsOf(rfm: RfmData, repeatRevenue: Float64Array, repeaters: Int32Array): { spend: SpendData; spendRowOf: Int32Array } {
  const spendRowOf = new Int32Array(rfm.x.length).fill(-1);
  const index = new PairIndex(1024);
  const sx: number[] = [];
  const sm: number[] = [];
  for (const i of repeaters) {
    const m = repeatRevenue[i]! / rfm.x[i]!;
    const k = index.of(rfm.x[i]!, m);
    if (k === sx.length) {
      sx.push(rfm.x[i]!);
      sm.push(m);
    }
    spendRowOf[i] = k;
  }
  const spend: SpendData = { x: Float64Array.from(sx), m: Float64Array.from(sm), n: new Float64Array(sx.length) };
  for (const i of repeaters) spend.n[spendRowOf[i]!]! += 1;
  return { spend, spendRowOf };
}

/**
 * The bootstrap's strata, the monthly cohorts (numbered in order of first appearance: forecastData.ts),
 * each its customers in order: as fit rows and spend rows (what a draw adds to), not customer numbers.
 */
function strataOf(cohortOf: Int32Array, cohorts: number, rowOf: Int32Array, spendRowOf: Int32Array): { rows: Int32Array; spend: Int32Array }[] {
  const n = rowOf.length;
  const sizes = new Int32Array(cohorts);
  for (let i = 0; i < n; i++) sizes[cohortOf[i]!]! += 1;
  const strata = Array.from(sizes, (size) => ({ rows: new Int32Array(size), spend: new Int32Array(size) }));
  const filled = new Int32Array(cohorts);
  for (let i = 0; i < n; i++) {
    const s = cohortOf[i]!;
    const k = filled[s]!++;
    strata[s]!.rows[k] = rowOf[i]!;
    strata[s]!.spend[k] = spendRowOf[i]!;
  }
  return strata;
}

export function prepareBgNbd(data: ForecastData, stats?: FittedState): PreparedModel<BgNbdFitted> {
  const cu = data.customers;
  // The refund factor given (the run's, for the endpoint, whose copy of the customers carries no first-day
  // or total revenue), not computed.
  if (stats && typeof stats.refundFactor !== 'number') throw new Error('the published BG/NBD statistics have no refund factor');
  const { rfm, txDays, repeaters, refundFactor } = customerSummaries(data, stats?.refundFactor as number | undefined);
  const anchorIdx = anchorsOf(cu.cohortDayMs, cu.n);
  const { rows, rowOf, rowAnchor, rowAnchorIdx, maxX } = fitRowsOf(rfm, txDays, cu.cohortDayMs, anchorIdx);
  const { spend, spendRowOf } = spendRowsOf(rfm, cu.repeatRevenue, repeaters);
  // Made at the first draw: a backtest's refit draws none.
  let strata: ReturnType<typeof strataOf> | undefined;
  /** Per member of a stratum, how often a replicate drew it (as long as the largest stratum). */
  let times: Int32Array | undefined;

  const fit = (draw: UniformInt | null, warm: BgNbdFitted | null, from?: BgNbdFitted): BgNbdFitted => {
    let rowWeights = rows.n;
    let spendWeights = spend.n;
    if (draw) {
      rowWeights = new Float64Array(rows.x.length);
      spendWeights = new Float64Array(spend.x.length);
      strata ??= strataOf(cu.cohortOf, cu.cohorts.length, rowOf, spendRowOf);
      // How often each member of a stratum is drawn, then what that adds to its rows: the same sums as
      // adding per draw (whole numbers), with the draws' scattered writes in one small array (faster,
      // docs/performance.md stop 54; the same fits to the bit).
      times ??= new Int32Array(strata.reduce((m, s) => Math.max(m, s.rows.length), 0));
      for (const s of strata) {
        const size = s.rows.length;
        times.fill(0, 0, size);
        for (let k = 0; k < size; k++) times[draw(size)]! += 1;
        for (let j = 0; j < size; j++) {
          const w = times[j]!;
          if (w === 0) continue;
          rowWeights[s.rows[j]!]! += w;
          const sp = s.spend[j]!;
          if (sp >= 0) spendWeights[sp]! += w;
        }
      }
    }
    // A replicate's fit starts at the main fit: a looser tolerance is plenty for percentiles.
    const tolerance = warm ? 1e-7 : 1e-9;
    const start = warm ?? from;
    const bg = fitBgNbd(rows, start?.bg, rowWeights, tolerance);
    let buyers = 0;
    let valueSum = 0;
    spendWeights.forEach((w, k) => {
      buyers += w;
      valueSum += w * spend.m[k]!;
    });
    const gg = buyers >= MIN_REPEAT_BUYERS ? fitGammaGamma(spend, start?.gg ?? { p: 1, q: 1, gamma: 1 }, spendWeights, tolerance) : null;
    const fits: ForecastFit[] = [];
    if (!draw) {
      fits.push({
        group: 'bgnbd', model: 'bgnbd', params: { r: bg.r, alpha: bg.alpha, a: bg.a, b: bg.b },
        log_likelihood: Number.isFinite(bg.logLikelihood) ? bg.logLikelihood : null, customers: bg.customers,
        converged: bg.converged, message: bg.message, evaluations: bg.evaluations,
      });
      fits.push(gg
        ? {
          group: 'gamma-gamma', model: 'gamma-gamma', params: { p: gg.p, q: gg.q, gamma: gg.gamma },
          log_likelihood: Number.isFinite(gg.logLikelihood) ? gg.logLikelihood : null, customers: gg.customers,
          converged: gg.converged, message: gg.converged ? '' : `${gg.message}; ${FALLBACK}`, evaluations: gg.evaluations,
        }
        : {
          group: 'gamma-gamma', model: 'gamma-gamma', params: {}, log_likelihood: null, customers: buyers, converged: false,
          message: `${buyers} repeat buyers < ${MIN_REPEAT_BUYERS}: ${FALLBACK}`, evaluations: 0,
        });
    }
    return {
      usable: bg.converged,
      limit: bg.atEdge && Number.isFinite(bg.logLikelihood),
      message: bg.converged ? '' : `the BG/NBD fit did not converge: ${bg.message}`,
      fits, bg, gg: gg?.converged ? gg : null, meanValue: buyers > 0 ? valueSum / buyers : 0,
      groupOf: () => 'bgnbd',
    };
  };

  // Projection: customers of one fit row (x, t_x, T) share P(alive) and, as T fixes their first day, the
  // ends of their months of life up to their first payment's time of day: a customer's month m ends at
  // t0 + m + 1 months (SPEC §4), its first day's midnight + m + 1 months shifted by δ = t0 − that midnight
  // (under a day). E[Z | x, m_x] = p(γ + x·m_x)/(px + q − 1) is linear in m_x, so a row's customers with a
  // repeat value add up to their count and Σ m_x, and, for δ, Σ δ, Σ δ², Σ m_x·δ, Σ m_x·δ². E[Y(τ) | alive]
  // is computed once per distinct (x, T, end); a customer's own E[Y(τ + δ)] is its second-order expansion
  // E + δ·E′ + δ²/2·E″ (the derivatives by forward differences at τ, τ + h, τ + 2h: below 10⁻⁶ of a cent
  // at a day's δ; date-only exports have δ = 0 and need none). An end at or just before T (τ ≤ 0 < τ + δ):
  // each such customer's own E[Y(τ + δ)], exactly. Before, every customer's months ended at its first
  // day's midnight: up to a day of expected purchases short, and none at all in the month ending on T's day.
  const H = 1e-3;
  const project = (queries: readonly FutureQuery[]): Projection<BgNbdFitted> => {
    // E[Y(τ) | alive] by (x, anchor, τ): T is the anchor's, and τ one of the distinct period ends after the
    // cutoff (numbered in `taus`).
    const eyIndex = new PairIndex(1024);
    const taus = new Map<number, number>();
    const eyX: number[] = [];
    const eyT: number[] = [];
    const eyTau: number[] = [];
    const eyOf = (tau: number, row: number): number => {
      let ti = taus.get(tau);
      if (ti === undefined) taus.set(tau, (ti = taus.size));
      const k = eyIndex.of(ti * (maxX + 1) + rows.x[row]!, rowAnchorIdx[row]!);
      if (k === eyX.length) {
        eyX.push(rows.x[row]!);
        eyT.push(rows.T[row]!);
        eyTau.push(tau);
      }
      return k;
    };
    // Per (row, has a repeat value): its entry in the query being tallied (−1: none yet); reset after each.
    const entryOf = new Int32Array(rows.x.length * 2).fill(-1);
    const tallies = queries.map((q) => {
      const shifted = q.absolute !== true;
      // Per (row, has a repeat value), in the order first met: customers, Σ m_x, and the moments of δ.
      const eRow: number[] = [];
      const eCount: number[] = [];
      const eSumM: number[] = [];
      const eD1: number[] = [];
      const eD2: number[] = [];
      const eM1: number[] = [];
      const eM2: number[] = [];
      const eMin: number[] = [];
      const eMax: number[] = [];
      const deltaOf = (i: number): number => (shifted ? (cu.t0Ms[i]! - cu.cohortDayMs[i]!) / WEEK_MS : 0);
      // Each member's entry, in the order of q.members (the boundary's customers are found by it below).
      const memberEntry = new Int32Array(q.members.length);
      for (let n = 0; n < q.members.length; n++) {
        const i = q.members[n]!;
        const sp = spendRowOf[i]!;
        const key = rowOf[i]! * 2 + (sp >= 0 ? 1 : 0);
        let e = entryOf[key]!;
        if (e < 0) {
          entryOf[key] = e = eRow.length;
          eRow.push(key);
          eCount.push(0);
          eSumM.push(0);
          eD1.push(0);
          eD2.push(0);
          eM1.push(0);
          eM2.push(0);
          eMin.push(Number.POSITIVE_INFINITY);
          eMax.push(Number.NEGATIVE_INFINITY);
        }
        memberEntry[n] = e;
        const d = deltaOf(i);
        if (d < eMin[e]!) eMin[e] = d;
        if (d > eMax[e]!) eMax[e] = d;
        const m = sp >= 0 ? spend.m[sp]! : 0;
        eCount[e]! += 1;
        eSumM[e]! += m;
        if (d !== 0) {
          eD1[e]! += d;
          eD2[e]! += d * d;
          eM1[e]! += m * d;
          eM2[e]! += m * d * d;
        }
      }
      for (const key of eRow) entryOf[key] = -1;
      // Entries of equal (x, anchor) share E[Y(τ) | alive] at every period end: a group, whose entries'
      // P(alive) × E[Z] (and its δ moments) are summed before they meet the periods.
      const groupIndex = new PairIndex(256);
      const eGroup = new Int32Array(eRow.length);
      const gRow: number[] = [];
      const gMin: number[] = [];
      const gMax: number[] = [];
      for (let e = 0; e < eRow.length; e++) {
        const row = eRow[e]! >> 1;
        const g = groupIndex.of(rows.x[row]!, rowAnchorIdx[row]!);
        if (g === gRow.length) {
          gRow.push(row);
          gMin.push(eMin[e]!);
          gMax.push(eMax[e]!);
        }
        if (eMin[e]! < gMin[g]!) gMin[g] = eMin[e]!;
        if (eMax[e]! > gMax[g]!) gMax[g] = eMax[e]!;
        eGroup[e] = g;
      }
      // A group whose customers share one δ (a date-only export, or one time of day for all) is shifted by
      // it exactly; only a group of several takes the expansion.
      const gShifted = gMin.map((lo, g) => lo !== gMax[g]);
      const periods = q.periods;
      // A query's period ends depend on the first day alone: once per group, not per row. Per (group,
      // period): E at τ, and at τ + h and τ + 2h when some customer's δ is not 0 (−1: none).
      const ey = new Int32Array(gRow.length * periods * 3).fill(-1);
      // Per group, its one period (if any) whose end falls on T's day at or before T: ends are months apart.
      const gBoundary = new Int32Array(gRow.length).fill(-1);
      const gBoundaryTau = new Float64Array(gRow.length);
      let boundary = false;
      for (let g = 0; g < gRow.length; g++) {
        const row = gRow[g]!;
        const ends = q.ends(rowAnchor[row]!);
        const shift = gShifted[g] ? 0 : gMin[g]!;
        for (let j = 0; j < ends.length; j++) {
          const tau = (ends[j]! - data.cutoffMs) / WEEK_MS + shift;
          if (!(tau > 0)) {
            if (gShifted[g] && tau > -DAY_MS / WEEK_MS) {
              boundary = true;
              gBoundary[g] = j;
              gBoundaryTau[g] = tau;
            }
            continue;
          }
          const at = (g * periods + j) * 3;
          ey[at] = eyOf(tau, row);
          if (gShifted[g]) {
            ey[at + 1] = eyOf(tau + H, row);
            ey[at + 2] = eyOf(tau + 2 * H, row);
          }
        }
      }
      // Customers whose month ends on T's day, after T (τ ≤ 0 < τ + δ): each its own end, exactly.
      const bEntry: number[] = [];
      const bM: number[] = [];
      const bPeriod: number[] = [];
      const bEy: number[] = [];
      if (boundary) {
        for (let n = 0; n < q.members.length; n++) {
          const i = q.members[n]!;
          const e = memberEntry[n]!;
          const g = eGroup[e]!;
          if (gBoundary[g]! < 0) continue;
          const d = deltaOf(i);
          const tau = gBoundaryTau[g]!;
          if (!(tau + d > 0)) continue;
          const row = eRow[e]! >> 1;
          const sp = spendRowOf[i]!;
          bEntry.push(eRow[e]!);
          bM.push(sp >= 0 ? spend.m[sp]! : Number.NaN);
          bPeriod.push(gBoundary[g]!);
          bEy.push(eyOf(tau + d, row));
        }
      }
      return { eRow, eCount, eSumM, eD1, eD2, eM1, eM2, eGroup, groups: gRow.length, gShifted, ey, periods, bEntry, bM, bPeriod, bEy };
    });
    const of = (f: BgNbdFitted): Float64Array[] => {
      // A plain loop: Float64Array.from with a mapping function goes through the iterator protocol.
      const ey = new Float64Array(eyX.length);
      for (let k = 0; k < eyX.length; k++) ey[k] = bgNbdExpectedIfAlive(f.bg, eyTau[k]!, eyX[k]!, eyT[k]!);
      const aliveOf = bgNbdAliveByRow(f.bg, rows);
      // Without a usable Gamma-Gamma fit, a repeat buyer's purchases are worth its own mean repeat value
      // (E[Z | x, m_x] tends to it as x grows), the others the mean over repeat buyers: one whale's mean
      // spread over every buyer (a shop with a customer 1000× the others) tripled other cohorts' forecasts.
      // Worth of n customers of row x whose Σ m_x is m: linear in both.
      // The worth of n customers of row x whose Σ m_x is m (or of their δ moments): a·n + b·m, a and b by x.
      const gg = f.gg;
      const unvalued = (gg ? gammaGammaMean(gg) : f.meanValue) * refundFactor;
      const worth = (x: number, valued: boolean, n: number, m: number): number => {
        if (!valued) return n * unvalued;
        if (!gg) return m * refundFactor;
        return ((gg.p * (gg.gamma * n + x * m)) / (gg.p * x + gg.q - 1)) * refundFactor;
      };
      return tallies.map(({ eRow, eCount, eSumM, eD1, eD2, eM1, eM2, eGroup, groups, gShifted, ey: eyAt, periods, bEntry, bM, bPeriod, bEy }) => {
        const w0 = new Float64Array(groups);
        const w1 = new Float64Array(groups);
        const w2 = new Float64Array(groups);
        for (let e = 0; e < eRow.length; e++) {
          const row = eRow[e]! >> 1;
          const valued = (eRow[e]! & 1) === 1;
          const x = rows.x[row]!;
          const alive = aliveOf[row]!;
          const g = eGroup[e]!;
          w0[g]! += alive * worth(x, valued, eCount[e]!, eSumM[e]!);
          if (gShifted[g]) {
            w1[g]! += alive * worth(x, valued, eD1[e]!, eM1[e]!);
            w2[g]! += alive * worth(x, valued, eD2[e]!, eM2[e]!);
          }
        }
        const out = new Float64Array(periods);
        for (let g = 0; g < groups; g++) {
          for (let j = 0; j < periods; j++) {
            const at = (g * periods + j) * 3;
            const k = eyAt[at]!;
            if (k < 0) continue;
            let v = w0[g]! * ey[k]!;
            if (gShifted[g]) {
              const e0 = ey[k]!;
              const e1 = ey[eyAt[at + 1]!]!;
              const e2 = ey[eyAt[at + 2]!]!;
              v += w1[g]! * ((-3 * e0 + 4 * e1 - e2) / (2 * H)) + (w2[g]! * ((e0 - 2 * e1 + e2) / (H * H))) / 2;
            }
            out[j] = out[j]! + v;
          }
        }
        for (let b = 0; b < bEntry.length; b++) {
          const row = bEntry[b]! >> 1;
          const valued = (bEntry[b]! & 1) === 1;
          out[bPeriod[b]!] = out[bPeriod[b]!]! + aliveOf[row]! * worth(rows.x[row]!, valued, 1, valued ? bM[b]! : 0) * ey[bEy[b]!]!;
        }
        return out;
      });
    };
    return { of };
  };

  // What a projection reads of a fitted state: the BG/NBD and Gamma-Gamma parameters, the fallback value.
  const saveState = (f: BgNbdFitted): FittedState => ({
    bg: { r: f.bg.r, alpha: f.bg.alpha, a: f.bg.a, b: f.bg.b },
    gg: f.gg ? { p: f.gg.p, q: f.gg.q, gamma: f.gg.gamma } : null,
    meanValue: f.meanValue,
  });
  const restoreState = (state: FittedState): BgNbdFitted => {
    const bg = state.bg as Pick<BgNbdFit, 'r' | 'alpha' | 'a' | 'b'> | undefined;
    const gg = state.gg as Pick<GammaGammaFit, 'p' | 'q' | 'gamma'> | null | undefined;
    if (!bg || gg === undefined || typeof state.meanValue !== 'number') throw new Error('the published state is not a BG/NBD one');
    const fit = { logLikelihood: Number.NaN, customers: 0, converged: true, message: '', evaluations: 0, inverseHessian: [] };
    return {
      usable: true, message: '', fits: [], meanValue: state.meanValue, groupOf: () => 'bgnbd',
      bg: { ...bg, ...fit, atEdge: false }, gg: gg ? { ...gg, ...fit } : null,
    };
  };

  return {
    model: 'bgnbd',
    populationStats: { refundFactor },
    replicateCost: rows.x.length + spend.x.length,
    fit,
    project,
    saveState,
    restoreState,
  };
}
