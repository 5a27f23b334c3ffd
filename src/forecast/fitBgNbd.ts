// BG/NBD (Fader, Hardie & Lee 2005, "'Counting your customers' the easy way", Marketing Science 24(2)):
// while alive a customer buys at Poisson rate λ ~ Gamma(r, α), and after each purchase drops out with
// probability p ~ Beta(a, b). A customer is summarised by x (repeat purchases), t_x (time of the last
// one since the first purchase) and T (time from the first purchase to the end of observation). SPEC §9
// repeat purchases. Fitted on log-parameters (positivity) by maximum likelihood.
import betaln from '@stdlib/math-base-special-betaln';
import gammaln from '@stdlib/math-base-special-gammaln';
import { hyp2f1 } from './hyp2f1.js';
import { minimize } from './minimize.js';

export interface BgNbdParams { r: number; alpha: number; a: number; b: number }

/** Customers with equal (x, t_x, T), counted in `n` (a bootstrap replicate reweights them). */
export interface RfmData {
  x: Float64Array;
  tx: Float64Array;
  T: Float64Array;
  n: Float64Array;
}

export interface BgNbdFit extends BgNbdParams {
  logLikelihood: number;
  customers: number;
  converged: boolean;
  message: string;
  evaluations: number;
}

/** The paper's eq. (6), in logs: ln L(r, α, a, b | x, t_x, T). */
export function bgNbdLogLikelihoodOne(p: BgNbdParams, x: number, tx: number, T: number): number {
  const a1 = gammaln(p.r + x) - gammaln(p.r) + p.r * Math.log(p.alpha);
  const lbab = betaln(p.a, p.b);
  const a2 = betaln(p.a, p.b + x) - lbab - (p.r + x) * Math.log(p.alpha + T);
  if (x === 0) return a1 + a2;
  const a3 = betaln(p.a + 1, p.b + x - 1) - lbab - (p.r + x) * Math.log(p.alpha + tx);
  const hi = Math.max(a2, a3);
  return a1 + hi + Math.log(Math.exp(a2 - hi) + Math.exp(a3 - hi));
}

/**
 * Σ n·ln L over the data. The terms that depend only on x (log-gamma and log-beta) are computed once per
 * distinct x: a fit evaluates this a few hundred times over every customer.
 */
export function bgNbdLogLikelihood(p: BgNbdParams, d: RfmData, weights: Float64Array = d.n): number {
  const lbab = betaln(p.a, p.b);
  const base = -gammaln(p.r) + p.r * Math.log(p.alpha);
  const byX = new Map<number, [number, number]>();
  let ll = 0;
  for (let i = 0; i < d.x.length; i++) {
    const w = weights[i]!;
    if (w === 0) continue;
    const x = d.x[i]!;
    let terms = byX.get(x);
    if (!terms) {
      terms = [
        gammaln(p.r + x) + base + betaln(p.a, p.b + x) - lbab,
        x > 0 ? betaln(p.a + 1, p.b + x - 1) - betaln(p.a, p.b + x) : 0,
      ];
      byX.set(x, terms);
    }
    // ln L = ln A1 + ln B(a, b+x)/B(a,b) − (r+x) ln(α+T) + ln(1 + [x>0]·B(a+1, b+x−1)/B(a, b+x)·((α+T)/(α+t_x))^(r+x))
    const head = terms[0] - (p.r + x) * Math.log(p.alpha + d.T[i]!);
    const tail = x > 0 ? terms[1] + (p.r + x) * (Math.log(p.alpha + d.T[i]!) - Math.log(p.alpha + d.tx[i]!)) : Number.NEGATIVE_INFINITY;
    ll += w * (head + (tail > 0 ? tail + Math.log1p(Math.exp(-tail)) : Math.log1p(Math.exp(tail))));
  }
  return ll;
}

const fromLog = (x: readonly number[]): BgNbdParams => ({ r: Math.exp(x[0]!), alpha: Math.exp(x[1]!), a: Math.exp(x[2]!), b: Math.exp(x[3]!) });

export function fitBgNbd(d: RfmData, start: BgNbdParams = { r: 1, alpha: 1, a: 1, b: 1 }, weights: Float64Array = d.n): BgNbdFit {
  let customers = 0;
  let repeaters = 0;
  for (let i = 0; i < d.x.length; i++) {
    customers += weights[i]!;
    if (d.x[i]! > 0) repeaters += weights[i]!;
  }
  if (customers === 0 || repeaters === 0) {
    return { ...start, logLikelihood: Number.NaN, customers, converged: false, evaluations: 0, message: 'no customer has bought twice: purchase rates cannot be estimated' };
  }
  const m = minimize((x) => -bgNbdLogLikelihood(fromLog(x), d, weights), [Math.log(start.r), Math.log(start.alpha), Math.log(start.a), Math.log(start.b)]);
  const p = fromLog(m.x);
  let { converged, message } = m;
  if (converged && ![p.r, p.alpha, p.a, p.b].every((v) => v > 1e-6 && v < 1e6)) {
    converged = false;
    message = `parameters at the edge of the space (r ${p.r.toPrecision(3)}, α ${p.alpha.toPrecision(3)}, a ${p.a.toPrecision(3)}, b ${p.b.toPrecision(3)})`;
  }
  return { ...p, logLikelihood: -m.fx, customers, converged, message, evaluations: m.evaluations };
}

/** P(alive | x, t_x, T), the paper's eq. (11). */
export function bgNbdProbabilityAlive(p: BgNbdParams, x: number, tx: number, T: number): number {
  if (x === 0) return 1;
  const ratio = (p.a / (p.b + x - 1)) * Math.exp((p.r + x) * (Math.log(p.alpha + T) - Math.log(p.alpha + tx)));
  return 1 / (1 + ratio);
}

/**
 * E[Y(t) | x, t_x, T]: expected purchases in (T, T + t] of a customer with that history, the paper's
 * eq. (10). For t = 0 it is 0.
 */
export function bgNbdConditionalExpected(p: BgNbdParams, t: number, x: number, tx: number, T: number): number {
  if (t <= 0) return 0;
  const { r, alpha, a, b } = p;
  const z = t / (alpha + T + t);
  const f = hyp2f1(r + x, b + x, a + b + x - 1, z);
  const lead = (a + b + x - 1) / (a - 1);
  const inner = 1 - Math.exp((r + x) * Math.log((alpha + T) / (alpha + T + t))) * f;
  const denom = x > 0 ? 1 + (a / (b + x - 1)) * Math.exp((r + x) * (Math.log(alpha + T) - Math.log(alpha + tx))) : 1;
  return (lead * inner) / denom;
}

/** E[X(t)]: expected purchases in (0, t] of a new customer, the paper's eq. (9). */
export function bgNbdExpected(p: BgNbdParams, t: number): number {
  return bgNbdConditionalExpected(p, t, 0, 0, 0);
}
