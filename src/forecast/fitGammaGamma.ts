// Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV: using iso-value curves for customer
// base analysis", J. Marketing Research 42(4); and Fader & Hardie's note "The Gamma-Gamma model of monetary
// value", 2013): a customer's transaction values are Gamma(p, ν) around their mean, ν ~ Gamma(q, γ) across
// customers. Fitted on customers with x ≥ 1 repeat transactions and their mean value m_x (first purchase
// excluded), on log-parameters, by maximum likelihood. SPEC §9.
import digamma from '@stdlib/math-base-special-digamma';
import gammaln from '@stdlib/math-base-special-gammaln';
import { minimizeWithGradient } from './minimize.js';

export interface GammaGammaParams { p: number; q: number; gamma: number }

export interface GammaGammaFit extends GammaGammaParams {
  logLikelihood: number;
  customers: number;
  converged: boolean;
  message: string;
  evaluations: number;
  /** The optimiser's inverse Hessian in the log-parameters: where a fit of resampled data starts. */
  inverseHessian: number[];
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

/**
 * Σ n·ln f over the data and, when `gradient` is given, its gradient in (ln p, ln q, ln γ) written into
 * it; log-gamma and digamma terms once per distinct x, ln m and ln x once per data set. Per row:
 *   ∂/∂p = x (ψ(px+q) − ψ(px) + ln m + ln x − ln(γ+mx)),  ∂/∂q = ψ(px+q) − ψ(q) + ln γ − ln(γ+mx),
 *   ∂/∂γ = q/γ − (px+q)/(γ+mx).
 */
export function gammaGammaLogLikelihood(g: GammaGammaParams, d: SpendData, weights: Float64Array = d.n, gradient?: number[]): number {
  let logs = logsCache.get(d);
  if (!logs) logsCache.set(d, (logs = { lnm: d.m.map(Math.log), lnx: d.x.map(Math.log) }));
  const byX = new Map<number, { lg: number; psiPQ: number; psiP: number }>();
  const want = gradient !== undefined;
  const lnGamma = Math.log(g.gamma);
  const head = -gammaln(g.q) + g.q * lnGamma;
  let ll = 0;
  let gp = 0;
  let gq = 0;
  let gg = 0;
  let total = 0;
  for (let i = 0; i < d.x.length; i++) {
    const w = weights[i]!;
    if (w === 0) continue;
    const x = d.x[i]!;
    const px = g.p * x;
    let t = byX.get(x);
    if (t === undefined) {
      byX.set(x, (t = {
        lg: gammaln(px + g.q) - gammaln(px) + head,
        psiPQ: want ? digamma(px + g.q) : 0,
        psiP: want ? digamma(px) : 0,
      }));
    }
    const l = Math.log(g.gamma + d.m[i]! * x);
    ll += w * (t.lg + (px - 1) * logs.lnm[i]! + px * logs.lnx[i]! - (px + g.q) * l);
    if (want) {
      total += w;
      gp += w * x * (t.psiPQ - t.psiP + logs.lnm[i]! + logs.lnx[i]! - l);
      gq += w * (t.psiPQ - l);
      gg -= w * (px + g.q) / (g.gamma + d.m[i]! * x);
    }
  }
  if (gradient) {
    gradient[0] = g.p * gp;
    gradient[1] = g.q * (gq + total * (lnGamma - digamma(g.q)));
    gradient[2] = g.gamma * (gg + total * g.q / g.gamma);
  }
  return ll;
}

/** A shape parameter outside e^±SHAPE_EDGE (1e-6 … 1e6) is at the edge of the space, as fitBgNbd's EDGE. */
const SHAPE_EDGE = Math.log(1e6);

export function fitGammaGamma(d: SpendData, start: GammaGammaParams & { inverseHessian?: readonly number[] } = { p: 1, q: 1, gamma: 1 }, weights: Float64Array = d.n, tolerance = 1e-9): GammaGammaFit {
  let customers = 0;
  for (let i = 0; i < d.x.length; i++) customers += weights[i]!;
  if (customers < 2) {
    return { ...start, logLikelihood: Number.NaN, customers, converged: false, evaluations: 0, inverseHessian: [], message: 'fewer than 2 repeat buyers: spend cannot be estimated' };
  }
  const from = (x: readonly number[]): GammaGammaParams => ({ p: Math.exp(x[0]!), q: Math.exp(x[1]!), gamma: Math.exp(x[2]!) });
  const m = minimizeWithGradient((x, gradient) => {
    const ll = gammaGammaLogLikelihood(from(x), d, weights, gradient);
    for (let j = 0; j < gradient.length; j++) gradient[j] = -gradient[j]!;
    return -ll;
  }, [Math.log(start.p), Math.log(start.q), Math.log(start.gamma)], { tolerance, ...(start.inverseHessian ? { inverseHessian: start.inverseHessian } : {}) });
  const g = from(m.x);
  let { converged, message } = m;
  if (converged && ![g.p, g.q].every((v) => Math.abs(Math.log(v)) < SHAPE_EDGE)) {
    // Shapes beyond 10^±6: no spread left to fit (e.g. every repeat buyer spends the same), the model has
    // degenerated into a constant. γ is a scale in the report's currency and may be large.
    converged = false;
    // q → ∞: ν the same for all, so are the buyers' means; p → ∞ with q finite: each buyer's purchases are
    // its mean, however far apart the buyers are (a few whales among small buyers ends there).
    const why = g.q > 1 && Math.log(g.q) < SHAPE_EDGE && g.p > 1
      ? 'a buyer\'s purchases hardly vary around its own mean'
      : 'the repeat buyers\' mean spends hardly vary';
    message = `shapes at the edge of the space (p ${g.p.toPrecision(3)}, q ${g.q.toPrecision(3)}): ${why}`;
  } else if (converged && g.q <= 1) {
    // E[value] = pγ/(q − 1) exists only for q > 1.
    converged = false;
    message = `q = ${g.q.toPrecision(3)} ≤ 1: the mean spend is not finite under this fit`;
  }
  return { ...g, logLikelihood: -m.fx, customers, converged, message, evaluations: m.evaluations, inverseHessian: m.inverseHessian };
}

/** E[Z | x, m_x]: the expected value of a customer's future transactions, the note's eq. (5). */
export function gammaGammaConditionalMean(g: GammaGammaParams, x: number, m: number): number {
  return (g.p * (g.gamma + x * m)) / (g.p * x + g.q - 1);
}

/** E[Z] of a customer with no repeat transaction yet: pγ/(q − 1). */
export function gammaGammaMean(g: GammaGammaParams): number {
  return (g.p * g.gamma) / (g.q - 1);
}
