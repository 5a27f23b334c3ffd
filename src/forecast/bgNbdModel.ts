// BG/NBD + Gamma-Gamma prepared for a run's customers (SPEC §9 repeat purchases): one pooled fit over every
// customer (each with its own x, t_x, T in weeks; purchases counted by local day), the usual use of the
// model, with cohorts differing by their customers' histories. A customer's expected revenue after the
// cutoff is E[Y(τ) | x, t_x, T] × E[Z | x, m_x], the latter from the Gamma-Gamma fit on repeat buyers
// (pγ/(q − 1) for a customer without a repeat purchase), net of refunds as the tenant's payments were.
import type { ForecastFit } from '../ltv/model.js';
import { WEEK_MS, dayMs } from './addMonthsMs.js';
import type { ForecastData } from './forecastData.js';
import { bgNbdExpectedIfAlive, bgNbdProbabilityAlive, fitBgNbd, type BgNbdFit, type RfmData } from './fitBgNbd.js';
import { fitGammaGamma, gammaGammaConditionalMean, gammaGammaMean, type GammaGammaFit, type SpendData } from './fitGammaGamma.js';
import type { Fitted, PreparedModel } from './PreparedModel.js';

export interface BgNbdFitted extends Fitted {
  bg: BgNbdFit;
  gg: GammaGammaFit | null;
  /** Mean repeat-transaction value when the Gamma-Gamma fit is not usable. */
  meanValue: number;
  /** E[Y]/P(alive) by (x, cohort day, end): customers of one day share T and their ends. */
  cache: Map<string, number>;
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
    t0Day[i] = dayMs(cu.cohortDay[i]!);
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
  // purchase history have bought once (x = 0) on one of a few hundred days.
  const rowOf = new Int32Array(n);
  const rowIndex = new Map<string, number>();
  const ux: number[] = [];
  const utx: number[] = [];
  const uT: number[] = [];
  for (let i = 0; i < n; i++) {
    const key = `${rfm.x[i]}|${rfm.tx[i]}|${rfm.T[i]}`;
    let k = rowIndex.get(key);
    if (k === undefined) {
      rowIndex.set(key, (k = ux.length));
      ux.push(rfm.x[i]!);
      utx.push(rfm.tx[i]!);
      uT.push(rfm.T[i]!);
    }
    rowOf[i] = k;
  }
  const rows: RfmData = { x: Float64Array.from(ux), tx: Float64Array.from(utx), T: Float64Array.from(uT), n: new Float64Array(ux.length) };
  for (let i = 0; i < n; i++) rows.n[rowOf[i]!]! += 1;
  const spend: SpendData = {
    x: Float64Array.from(repeaters, (i) => rfm.x[i]!),
    m: Float64Array.from(repeaters, (i) => cu.repeatRevenue[i]! / rfm.x[i]!),
    n: new Float64Array(repeaters.length).fill(1),
  };
  // Strata: the monthly cohorts.
  const byCohort = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    let l = byCohort.get(cu.cohort[i]!);
    if (!l) byCohort.set(cu.cohort[i]!, (l = []));
    l.push(i);
  }

  const fit = (weights: Float64Array | null, warm: BgNbdFitted | null): BgNbdFitted => {
    let rowWeights = rows.n;
    if (weights) {
      rowWeights = new Float64Array(rows.x.length);
      for (let i = 0; i < n; i++) rowWeights[rowOf[i]!]! += weights[i]!;
    }
    // A replicate's fit starts at the main fit: a looser tolerance is plenty for percentiles.
    const tolerance = warm ? 1e-7 : 1e-9;
    const bg = fitBgNbd(rows, warm ? warm.bg : { r: 1, alpha: 1, a: 1, b: 1 }, rowWeights, tolerance);
    const spendWeights = weights ? Float64Array.from(repeaters, (i) => weights[i]!) : spend.n;
    let buyers = 0;
    let valueSum = 0;
    spendWeights.forEach((w, k) => {
      buyers += w;
      valueSum += w * spend.m[k]!;
    });
    const gg = buyers >= MIN_REPEAT_BUYERS ? fitGammaGamma(spend, warm?.gg ?? { p: 1, q: 1, gamma: 1 }, spendWeights, tolerance) : null;
    const fits: ForecastFit[] = [];
    if (!weights) {
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
      message: bg.converged ? '' : `the BG/NBD fit did not converge: ${bg.message}`,
      fits, bg, gg: gg?.converged ? gg : null, meanValue: buyers > 0 ? valueSum / buyers : 0, cache: new Map(),
      groupOf: () => 'bgnbd',
    };
  };

  const future = (f: BgNbdFitted, i: number, ends: readonly number[], out: Float64Array): void => {
    const x = rfm.x[i]!;
    const T = rfm.T[i]!;
    const alive = bgNbdProbabilityAlive(f.bg, x, rfm.tx[i]!, T);
    const value = (f.gg
      ? x > 0 && cu.repeatRevenue[i]! > 0 ? gammaGammaConditionalMean(f.gg, x, cu.repeatRevenue[i]! / x) : gammaGammaMean(f.gg)
      : f.meanValue) * refundFactor;
    for (let j = 0; j < ends.length; j++) {
      const tau = (ends[j]! - data.cutoffMs) / WEEK_MS;
      if (tau <= 0) continue;
      const key = `${x}|${T}|${ends[j]}`;
      let e = f.cache.get(key);
      if (e === undefined) f.cache.set(key, (e = bgNbdExpectedIfAlive(f.bg, tau, x, T)));
      out[j] = out[j]! + alive * e * value;
    }
  };

  return {
    model: 'bgnbd',
    strata: [...byCohort.values()].map((l) => Int32Array.from(l)),
    anchorMs: t0Day,
    replicateCost: rows.x.length + repeaters.length,
    fit,
    future,
  };
}
