// BG/NBD + Gamma-Gamma prepared for a run's customers (SPEC §9 repeat purchases): one pooled fit over every
// customer (each with its own x, t_x, T in weeks; purchases counted by local day), the usual use of the
// model, with cohorts differing by their customers' histories. A customer's expected revenue after the
// cutoff is E[Y(τ) | x, t_x, T] × E[Z | x, m_x], the latter from the Gamma-Gamma fit on repeat buyers
// (pγ/(q − 1) for a customer without a repeat purchase), net of refunds as the tenant's payments were.
import type { ForecastFit } from '../ltv/model.js';
import { DAY_MS, WEEK_MS } from './addMonthsMs.js';
import type { ForecastData } from './forecastData.js';
import { bgNbdExpectedIfAlive, bgNbdProbabilityAlive, fitBgNbd, type BgNbdFit, type RfmData } from './fitBgNbd.js';
import { fitGammaGamma, gammaGammaMean, type GammaGammaFit, type SpendData } from './fitGammaGamma.js';
import type { Fitted, FutureQuery, PreparedModel, Projection } from './PreparedModel.js';
import type { UniformInt } from './seededRandom.js';
import { TupleIndex } from './tupleIndex.js';

export interface BgNbdFitted extends Fitted {
  bg: BgNbdFit;
  gg: GammaGammaFit | null;
  /** Mean repeat-transaction value when the Gamma-Gamma fit is not usable. */
  meanValue: number;
}

const MIN_REPEAT_BUYERS = 20;

export function prepareBgNbd(data: ForecastData): PreparedModel<BgNbdFitted> {
  const cu = data.customers;
  const n = cu.n;
  const rfm: RfmData = { x: new Float64Array(n), tx: new Float64Array(n), T: new Float64Array(n), n: new Float64Array(n).fill(1) };
  const t0Day = new Float64Array(n);
  const repeaters: number[] = [];
  let payRevenue = 0;
  let allRevenue = 0;
  for (let i = 0; i < n; i++) {
    t0Day[i] = cu.cohortDayMs[i]!;
    const x = Math.max(0, cu.purchaseDays[i]! - 1);
    rfm.x[i] = x;
    rfm.tx[i] = x > 0 ? (cu.lastDayMs[i]! - t0Day[i]!) / WEEK_MS : 0;
    rfm.T[i] = Math.max(0, (data.cutoffMs - t0Day[i]!) / WEEK_MS);
    if (x > 0 && cu.repeatRevenue[i]! > 0) repeaters.push(i);
    payRevenue += cu.firstDayRevenue[i]! + cu.repeatRevenue[i]!;
    allRevenue += cu.revenue[i]!;
  }
  const refundFactor = payRevenue > 0 ? Math.max(0, allRevenue / payRevenue) : 1;
  // Customers with equal (x, t_x, T) are one row of the fit, weighted by their count: most customers of a
  // purchase history have bought once (x = 0) on one of a few hundred days. All three are whole numbers
  // in disguise: x a count, t_x whole days, and T a function of the first day (the anchor), of which there
  // are a few hundred; so a row's key is one number, (x · (days + 1) + t_x days) · anchors + anchor, and
  // the index one Map (a Map per distinct pair, as a general tuple index has, cost more in garbage
  // collection than the fit itself over 350,000 customers).
  const anchorOf = new Map<number, number>();
  const anchorIdx = new Int32Array(n);
  const txDays = new Float64Array(n);
  let maxX = 0;
  let maxTxDays = 0;
  for (let i = 0; i < n; i++) {
    let a = anchorOf.get(t0Day[i]!);
    if (a === undefined) anchorOf.set(t0Day[i]!, (a = anchorOf.size));
    anchorIdx[i] = a;
    txDays[i] = rfm.x[i]! > 0 ? Math.round((cu.lastDayMs[i]! - t0Day[i]!) / DAY_MS) : 0;
    if (rfm.x[i]! > maxX) maxX = rfm.x[i]!;
    if (txDays[i]! > maxTxDays) maxTxDays = txDays[i]!;
  }
  const anchors = anchorOf.size;
  const rowOf = new Int32Array(n);
  const rowIndex = new Map<number, number>();
  const ux: number[] = [];
  const utx: number[] = [];
  const uT: number[] = [];
  const rowAnchor: number[] = [];
  const rowAnchorIdx: number[] = [];
  for (let i = 0; i < n; i++) {
    const key = (rfm.x[i]! * (maxTxDays + 1) + txDays[i]!) * anchors + anchorIdx[i]!;
    let k = rowIndex.get(key);
    if (k === undefined) {
      rowIndex.set(key, (k = ux.length));
      ux.push(rfm.x[i]!);
      utx.push(rfm.tx[i]!);
      uT.push(rfm.T[i]!);
      rowAnchor.push(t0Day[i]!);
      rowAnchorIdx.push(anchorIdx[i]!);
    }
    rowOf[i] = k;
  }
  const rows: RfmData = { x: Float64Array.from(ux), tx: Float64Array.from(utx), T: Float64Array.from(uT), n: new Float64Array(ux.length) };
  for (let i = 0; i < n; i++) rows.n[rowOf[i]!]! += 1;
  // Repeat buyers with equal (x, m_x) are one row of the Gamma-Gamma fit, likewise.
  const spendRowOf = new Int32Array(n).fill(-1);
  const spendIndex = new TupleIndex();
  const sx: number[] = [];
  const sm: number[] = [];
  for (const i of repeaters) {
    const m = cu.repeatRevenue[i]! / rfm.x[i]!;
    const k = spendIndex.of(rfm.x[i]!, m, 0);
    if (k === sx.length) {
      sx.push(rfm.x[i]!);
      sm.push(m);
    }
    spendRowOf[i] = k;
  }
  const spend: SpendData = { x: Float64Array.from(sx), m: Float64Array.from(sm), n: new Float64Array(sx.length) };
  for (const i of repeaters) spend.n[spendRowOf[i]!]! += 1;
  // Strata: the monthly cohorts.
  const byCohort = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    let l = byCohort.get(cu.cohort[i]!);
    if (!l) byCohort.set(cu.cohort[i]!, (l = []));
    l.push(i);
  }
  const strata = [...byCohort.values()].map((l) => Int32Array.from(l));

  const fit = (draw: UniformInt | null, warm: BgNbdFitted | null, from?: BgNbdFitted): BgNbdFitted => {
    let rowWeights = rows.n;
    let spendWeights = spend.n;
    if (draw) {
      rowWeights = new Float64Array(rows.x.length);
      spendWeights = new Float64Array(spend.x.length);
      for (const s of strata) {
        const size = s.length;
        for (let k = 0; k < size; k++) {
          const i = s[draw(size)]!;
          rowWeights[rowOf[i]!]! += 1;
          if (spendRowOf[i]! >= 0) spendWeights[spendRowOf[i]!]! += 1;
        }
      }
    }
    // A replicate's fit starts at the main fit: a looser tolerance is plenty for percentiles.
    const tolerance = warm ? 1e-7 : 1e-9;
    const start = warm ?? from;
    const bg = fitBgNbd(rows, start ? start.bg : { r: 1, alpha: 1, a: 1, b: 1 }, rowWeights, tolerance);
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
          converged: gg.converged, message: gg.converged ? '' : `${gg.message}; the mean repeat value is used instead`, evaluations: gg.evaluations,
        }
        : {
          group: 'gamma-gamma', model: 'gamma-gamma', params: {}, log_likelihood: null, customers: buyers, converged: false,
          message: `${buyers} repeat buyers < ${MIN_REPEAT_BUYERS}: the mean repeat value is used instead`, evaluations: 0,
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

  // Projection: customers of one fit row (x, t_x, T) share P(alive) and, as T fixes their first day, their
  // period ends; E[Z | x, m_x] = p(γ + x·m_x)/(px + q − 1) is linear in m_x, so a row's customers with a
  // repeat value add up to their count and Σ m_x. E[Y(τ) | alive] is computed once per distinct (x, T, end).
  const project = (queries: readonly FutureQuery[]): Projection<BgNbdFitted> => {
    // E[Y(τ) | alive] by (x, anchor, τ): T is the anchor's, and τ one of the few distinct period ends
    // after the cutoff (numbered in `taus`); keyed by one number, as the rows are.
    const eyIndex = new Map<number, number>();
    const taus = new Map<number, number>();
    const eyArgs: { x: number; T: number; tau: number }[] = [];
    const tallies = queries.map((q) => {
      // Per (row, has a repeat value), in the order first met: customers and Σ m_x.
      const entryOf = new Map<number, number>();
      const eRow: number[] = [];
      const eCount: number[] = [];
      const eSumM: number[] = [];
      for (const i of q.members) {
        const s = spendRowOf[i]!;
        const key = rowOf[i]! * 2 + (s >= 0 ? 1 : 0);
        let e = entryOf.get(key);
        if (e === undefined) {
          entryOf.set(key, (e = eRow.length));
          eRow.push(key);
          eCount.push(0);
          eSumM.push(0);
        }
        eCount[e]! += 1;
        if (s >= 0) eSumM[e]! += spend.m[s]!;
      }
      const periods = q.periods;
      // A query's period ends depend on the first day alone: once per day, not per row.
      const endsOf = new Map<number, readonly number[]>();
      const ey = new Int32Array(eRow.length * periods).fill(-1);
      for (let e = 0; e < eRow.length; e++) {
        const row = eRow[e]! >> 1;
        const anchor = rowAnchor[row]!;
        let ends = endsOf.get(anchor);
        if (!ends) endsOf.set(anchor, (ends = q.ends(anchor)));
        for (let j = 0; j < ends.length; j++) {
          const tau = (ends[j]! - data.cutoffMs) / WEEK_MS;
          if (!(tau > 0)) {
            ey[e * periods + j] = -1;
            continue;
          }
          let ti = taus.get(tau);
          if (ti === undefined) taus.set(tau, (ti = taus.size));
          const key = (ti * (maxX + 1) + rows.x[row]!) * anchors + rowAnchorIdx[row]!;
          let k = eyIndex.get(key);
          if (k === undefined) {
            eyIndex.set(key, (k = eyArgs.length));
            eyArgs.push({ x: rows.x[row]!, T: rows.T[row]!, tau });
          }
          ey[e * periods + j] = k;
        }
      }
      return { eRow, eCount, eSumM, ey, periods };
    });
    const of = (f: BgNbdFitted): Float64Array[] => {
      const ey = Float64Array.from(eyArgs, (a) => bgNbdExpectedIfAlive(f.bg, a.tau, a.x, a.T));
      return tallies.map(({ eRow, eCount, eSumM, ey: eyAt, periods }) => {
        const out = new Float64Array(periods);
        for (let e = 0; e < eRow.length; e++) {
          const row = eRow[e]! >> 1;
          const valued = (eRow[e]! & 1) === 1;
          const count = eCount[e]!;
          const x = rows.x[row]!;
          const alive = bgNbdProbabilityAlive(f.bg, x, rows.tx[row]!, rows.T[row]!);
          const value = (f.gg
            ? valued ? (f.gg.p * (f.gg.gamma * count + x * eSumM[e]!)) / (f.gg.p * x + f.gg.q - 1) : count * gammaGammaMean(f.gg)
            : count * f.meanValue) * refundFactor;
          for (let j = 0; j < periods; j++) {
            const k = eyAt[e * periods + j]!;
            if (k >= 0) out[j] = out[j]! + alive * ey[k]! * value;
          }
        }
        return out;
      });
    };
    return { of };
  };

  return {
    model: 'bgnbd',
    replicateCost: rows.x.length + spend.x.length,
    fit,
    project,
  };
}
