// Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV: using iso-value curves for customer
// base analysis", J. Marketing Research 42(4); and Fader & Hardie's note "The Gamma-Gamma model of monetary
// value", 2013): a customer's transaction values are Gamma(p, ν) around their mean, ν ~ Gamma(q, γ) across
// customers. Fitted on customers with x ≥ 1 repeat transactions and their mean value m_x (first purchase
// excluded), on log-parameters, by maximum likelihood. SPEC §9.
import gammaln from '@stdlib/math-base-special-gammaln';
import { minimize } from './minimize.js';

export interface GammaGammaParams { p: number; q: number; gamma: number }

export interface GammaGammaFit extends GammaGammaParams {
  logLikelihood: number;
  customers: number;
  converged: boolean;
  message: string;
  evaluations: number;
}

/** Repeat buyers: x ≥ 1 repeat transactions of mean value m (> 0), counted in n. */
export interface SpendData {
  x: Float64Array;
  m: Float64Array;
  n: Float64Array;
}

/** ln f(m_x | p, q, γ, x), the note's eq. (3). */
export function gammaGammaLogLikelihoodOne(g: GammaGammaParams, x: number, m: number): number {
  const px = g.p * x;
  return gammaln(px + g.q) - gammaln(px) - gammaln(g.q) + g.q * Math.log(g.gamma)
    + (px - 1) * Math.log(m) + px * Math.log(x) - (px + g.q) * Math.log(g.gamma + m * x);
}

const logsCache = new WeakMap<SpendData, { lnm: Float64Array; lnx: Float64Array }>();

/** Σ n·ln f over the data; log-gamma terms once per distinct x, ln m and ln x once per data set. */
export function gammaGammaLogLikelihood(g: GammaGammaParams, d: SpendData, weights: Float64Array = d.n): number {
  let logs = logsCache.get(d);
  if (!logs) logsCache.set(d, (logs = { lnm: d.m.map(Math.log), lnx: d.x.map(Math.log) }));
  const byX = new Map<number, number>();
  const head = -gammaln(g.q) + g.q * Math.log(g.gamma);
  let ll = 0;
  for (let i = 0; i < d.x.length; i++) {
    const w = weights[i]!;
    if (w === 0) continue;
    const x = d.x[i]!;
    const px = g.p * x;
    let lg = byX.get(x);
    if (lg === undefined) byX.set(x, (lg = gammaln(px + g.q) - gammaln(px) + head));
    ll += w * (lg + (px - 1) * logs.lnm[i]! + px * logs.lnx[i]! - (px + g.q) * Math.log(g.gamma + d.m[i]! * x));
  }
  return ll;
}

export function fitGammaGamma(d: SpendData, start: GammaGammaParams = { p: 1, q: 1, gamma: 1 }, weights: Float64Array = d.n, tolerance = 1e-9): GammaGammaFit {
  let customers = 0;
  for (let i = 0; i < d.x.length; i++) customers += weights[i]!;
  if (customers < 2) {
    return { ...start, logLikelihood: Number.NaN, customers, converged: false, evaluations: 0, message: 'fewer than 2 repeat buyers: spend cannot be estimated' };
  }
  const from = (x: readonly number[]): GammaGammaParams => ({ p: Math.exp(x[0]!), q: Math.exp(x[1]!), gamma: Math.exp(x[2]!) });
  const m = minimize((x) => -gammaGammaLogLikelihood(from(x), d, weights), [Math.log(start.p), Math.log(start.q), Math.log(start.gamma)], { tolerance });
  const g = from(m.x);
  let { converged, message } = m;
  if (converged && g.q <= 1) {
    // E[value] = pγ/(q − 1) exists only for q > 1.
    converged = false;
    message = `q = ${g.q.toPrecision(3)} ≤ 1: the mean spend is not finite under this fit`;
  }
  return { ...g, logLikelihood: -m.fx, customers, converged, message, evaluations: m.evaluations };
}

/** E[Z | x, m_x]: the expected value of a customer's future transactions, the note's eq. (5). */
export function gammaGammaConditionalMean(g: GammaGammaParams, x: number, m: number): number {
  return (g.p * (g.gamma + x * m)) / (g.p * x + g.q - 1);
}

/** E[Z] of a customer with no repeat transaction yet: pγ/(q − 1). */
export function gammaGammaMean(g: GammaGammaParams): number {
  return (g.p * g.gamma) / (g.q - 1);
}
