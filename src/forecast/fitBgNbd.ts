// BG/NBD (Fader, Hardie & Lee 2005, "'Counting your customers' the easy way", Marketing Science 24(2)):
// while alive a customer buys at Poisson rate λ ~ Gamma(r, α), and after each purchase drops out with
// probability p ~ Beta(a, b). A customer is summarised by x (repeat purchases), t_x (time of the last
// one since the first purchase) and T (time from the first purchase to the end of observation). SPEC §9
// repeat purchases. Fitted on log-parameters (positivity) by maximum likelihood.
import betaln from '@stdlib/math-base-special-betaln';
import digamma from '@stdlib/math-base-special-digamma';
import gammaln from '@stdlib/math-base-special-gammaln';
import { hyp2f1 } from './hyp2f1.js';
import { minimizeWithGradient } from './minimize.js';
import { PairIndex } from './pairIndex.js';

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
  /** The optimiser's inverse Hessian in the log-parameters: where a fit of resampled data starts. */
  inverseHessian: number[];
  /**
   * It stopped at the edge of the space (then not converged): the likelihood keeps rising towards a limit
   * of the model (a → 0: nobody drops out; r, α → ∞: one purchase rate for all), which these parameters
   * approximate.
   */
  atEdge: boolean;
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

/** Distinct x, t_x and T of the data with each row's index into them (logs are then taken per distinct value). */
interface Compiled {
  xs: Float64Array; xi: Int32Array;
  txs: Float64Array; txi: Int32Array;
  Ts: Float64Array; Ti: Int32Array;
}
const compiledCache = new WeakMap<RfmData, Compiled>();

function distinct(values: Float64Array): [Float64Array, Int32Array] {
  const index = new Map<number, number>();
  const list: number[] = [];
  const at = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    let k = index.get(v);
    if (k === undefined) {
      index.set(v, (k = list.length));
      list.push(v);
    }
    at[i] = k;
  }
  return [Float64Array.from(list), at];
}

function compile(d: RfmData): Compiled {
  let c = compiledCache.get(d);
  if (!c) {
    const [xs, xi] = distinct(d.x);
    const [txs, txi] = distinct(d.tx);
    const [Ts, Ti] = distinct(d.T);
    compiledCache.set(d, (c = { xs, xi, txs, txi, Ts, Ti }));
  }
  return c;
}

/**
 * Σ n·ln L over the data and, when `gradient` is given, its gradient in (ln r, ln α, ln a, ln b) written
 * into it. Terms that depend on one of x, t_x or T alone (log-gamma, log-beta and their digammas,
 * ln(α + T), ln(α + t_x)) are computed once per distinct value: a fit evaluates this many times over every
 * customer.
 *
 * Per row, with tail = ln(a/(b+x−1)) + (r+x)(ln(α+T) − ln(α+t_x)) and s = σ(tail) (x > 0; s = 0 for x = 0):
 *   ln L = ln Γ(r+x) − ln Γ(r) + r ln α + ln B(a, b+x) − ln B(a, b) − (r+x) ln(α+T) + [x>0] ln(1 + e^tail)
 *   ∂/∂r = ψ(r+x) − ψ(r) + ln α − ln(α+T) + s (ln(α+T) − ln(α+t_x))
 *   ∂/∂α = r/α − (r+x)/(α+T) + s (r+x) (1/(α+T) − 1/(α+t_x))
 *   ∂/∂a = ψ(a+b) − ψ(a+b+x) + s/a
 *   ∂/∂b = ψ(b+x) − ψ(a+b+x) − ψ(b) + ψ(a+b) − s/(b+x−1)
 */
export function bgNbdLogLikelihood(p: BgNbdParams, d: RfmData, weights: Float64Array = d.n, gradient?: number[]): number {
  const c = compile(d);
  const { r, alpha, a, b } = p;
  const lbab = betaln(a, b);
  const base = -gammaln(r) + r * Math.log(alpha);
  // Per x: ln A1 + ln B(a, b+x)/B(a, b), and ln B(a+1, b+x−1)/B(a, b+x) = ln(a/(b+x−1)) (x > 0).
  // Float64Arrays filled by loops: arrays from .map() changed elements kind between calls (a value that
  // fits a small integer, then one that does not), and each change threw the optimised loop below away.
  const nx = c.xs.length;
  const head = new Float64Array(nx);
  const ratio = new Float64Array(nx);
  for (let k = 0; k < nx; k++) {
    const x = c.xs[k]!;
    head[k] = gammaln(r + x) + base + betaln(a, b + x) - lbab;
    ratio[k] = x > 0 ? betaln(a + 1, b + x - 1) - betaln(a, b + x) : 0;
  }
  const want = gradient !== undefined;
  const lT = new Float64Array(c.Ts.length);
  const iT = new Float64Array(c.Ts.length);
  for (let k = 0; k < c.Ts.length; k++) {
    lT[k] = Math.log(alpha + c.Ts[k]!);
    if (want) iT[k] = 1 / (alpha + c.Ts[k]!);
  }
  const ltx = new Float64Array(c.txs.length);
  const itx = new Float64Array(c.txs.length);
  for (let k = 0; k < c.txs.length; k++) {
    ltx[k] = Math.log(alpha + c.txs[k]!);
    if (want) itx[k] = 1 / (alpha + c.txs[k]!);
  }
  // Per x: Σ w and Σ w·s; over rows: Σ w·∂/∂r and Σ w·∂/∂α of the terms that vary by row.
  const wx = new Float64Array(c.xs.length);
  const sx = new Float64Array(c.xs.length);
  let gr = 0;
  let ga = 0;
  let ll = 0;
  // Σ w·ln(1 + e) of the rows below: a row of weight 1 to 4 multiplies its factor (1 + e ≤ 2) into `product`
  // w times, whose log is added every 32 factors or more (≤ 2³⁶): one ln per 32 rows instead of a log1p per
  // row (a third of this loop's time). Its rounding, < 2⁻⁵² relative per factor, stays far below ll's own.
  let product = 1;
  let factors = 0;
  for (let i = 0; i < d.x.length; i++) {
    const w = weights[i]!;
    if (w === 0) continue;
    const k = c.xi[i]!;
    const x = c.xs[k]!;
    const ti = c.Ti[i]!;
    const lt = lT[ti]!;
    let v = head[k]! - (r + x) * lt;
    if (x > 0) {
      const txi = c.txi[i]!;
      const dl = lt - ltx[txi]!;
      const tail = ratio[k]! + (r + x) * dl;
      // e^−|tail|; 0 past 50, where it is below every sum's rounding (and exp/log1p would reach subnormal
      // numbers, hundreds of times slower: customers with many purchases have tails in the hundreds).
      const e = Math.abs(tail) > 50 ? 0 : Math.exp(-Math.abs(tail));
      if (tail > 0) v += tail;
      if (w <= 4 && w === Math.floor(w)) {
        const f = 1 + e;
        for (let j = 0; j < w; j++) product *= f;
        factors += w;
        if (factors >= 32) {
          ll += Math.log(product);
          product = 1;
          factors = 0;
        }
      } else {
        v += Math.log1p(e);
      }
      if (want) {
        const s = tail > 0 ? 1 / (1 + e) : e / (1 + e);
        sx[k] = sx[k]! + w * s;
        gr += w * (s * dl - lt);
        ga += w * (r + x) * (s * (iT[ti]! - itx[txi]!) - iT[ti]!);
      }
    } else if (want) {
      gr -= w * lt;
      ga -= w * (r + x) * iT[ti]!;
    }
    if (want) wx[k] = wx[k]! + w;
    ll += w * v;
  }
  ll += Math.log(product);
  if (gradient) {
    const psiR = digamma(r);
    const psiAB = digamma(a + b);
    const psiB = digamma(b);
    let total = 0;
    let gA = 0;
    let gB = 0;
    for (let k = 0; k < nx; k++) {
      const x = c.xs[k]!;
      const n = wx[k]!;
      if (n === 0 && sx[k] === 0) continue;
      total += n;
      gr += n * (digamma(r + x) - psiR);
      const psiABX = digamma(a + b + x);
      gA += n * (psiAB - psiABX) + sx[k]! / a;
      gB += n * (digamma(b + x) - psiABX - psiB + psiAB) - (x > 0 ? sx[k]! / (b + x - 1) : 0);
    }
    gr += total * Math.log(alpha);
    ga += total * r / alpha;
    gradient[0] = r * gr;
    gradient[1] = alpha * ga;
    gradient[2] = a * gA;
    gradient[3] = b * gB;
  }
  return ll;
}

/** A parameter outside e^±EDGE (1e-6 … 1e6) is at the edge of the space: the model has degenerated there. */
const EDGE = Math.log(1e6);

const fromLog = (x: readonly number[]): BgNbdParams => ({ r: Math.exp(x[0]!), alpha: Math.exp(x[1]!), a: Math.exp(x[2]!), b: Math.exp(x[3]!) });

/** Where a fit without a start begins. */
const DEFAULT_START: BgNbdParams = { r: 1, alpha: 1, a: 1, b: 1 };
/** Data with fewer rows than this is fitted directly: a coarse first fit would save little. */
export const COARSE_MIN_ROWS = 20_000;

/**
 * The data with t_x and T rounded to whole weeks, rows of equal (x, t_x, T) merged (their weights summed);
 * null when that leaves more than half the rows (nothing to gain).
 */
export function coarsened(d: RfmData, weights: Float64Array): RfmData | null {
  let maxWeeks = 0;
  for (let i = 0; i < d.T.length; i++) maxWeeks = Math.max(maxWeeks, Math.round(d.T[i]!));
  // t_x ≤ T, so x · (maxWeeks + 1) + t_x tells (x, t_x) apart.
  const side = maxWeeks + 1;
  const index = new PairIndex(1024);
  const x: number[] = [];
  const tx: number[] = [];
  const T: number[] = [];
  const n: number[] = [];
  for (let i = 0; i < d.x.length; i++) {
    const w = weights[i]!;
    if (w === 0) continue;
    const txw = Math.round(d.tx[i]!);
    const Tw = Math.round(d.T[i]!);
    const k = index.of(d.x[i]! * side + txw, Tw);
    if (k === x.length) {
      x.push(d.x[i]!);
      tx.push(txw);
      T.push(Tw);
      n.push(0);
    }
    n[k] = n[k]! + w;
  }
  if (x.length * 2 > d.x.length) return null;
  return { x: Float64Array.from(x), tx: Float64Array.from(tx), T: Float64Array.from(T), n: Float64Array.from(n) };
}

/**
 * The maximum-likelihood fit of d (weighted by `weights`), from `start` or, without one, from r = α = a =
 * b = 1. Without a start, data of COARSE_MIN_ROWS rows or more is first fitted with t_x and T rounded to
 * whole weeks (coarsened: CDNOW ×15's 134,128 rows become 20,721), and the fit of the data itself then
 * starts at that optimum with its inverse Hessian: 28 evaluations of the whole data became 28 of the
 * coarse data and 4 of the whole (the same optimum: parameters within 2e-6, log-likelihood within 1e-14,
 * relative). `evaluations` counts both. If the coarse fit does not converge, the data is fitted from r = α
 * = a = b = 1 as without it. `coarse: false` fits directly (the tests compare the two).
 */
export function fitBgNbd(d: RfmData, start?: BgNbdParams & { inverseHessian?: readonly number[] }, weights: Float64Array = d.n, tolerance = 1e-9, options: { coarse?: boolean } = {}): BgNbdFit {
  if (!start && options.coarse !== false && d.x.length >= COARSE_MIN_ROWS) {
    const coarse = coarsened(d, weights);
    if (coarse) {
      const first = fitBgNbd(coarse, DEFAULT_START, coarse.n, tolerance);
      const fit = fitBgNbd(d, first.converged ? first : DEFAULT_START, weights, tolerance);
      return { ...fit, evaluations: first.evaluations + fit.evaluations };
    }
  }
  start ??= DEFAULT_START;
  let customers = 0;
  let repeaters = 0;
  for (let i = 0; i < d.x.length; i++) {
    customers += weights[i]!;
    if (d.x[i]! > 0) repeaters += weights[i]!;
  }
  if (customers === 0 || repeaters === 0) {
    return { ...start, logLikelihood: Number.NaN, customers, converged: false, evaluations: 0, inverseHessian: [], atEdge: false, message: 'no customer has bought twice: purchase rates cannot be estimated' };
  }
  const m = minimizeWithGradient((x, g) => {
    const ll = bgNbdLogLikelihood(fromLog(x), d, weights, g);
    for (let j = 0; j < g.length; j++) g[j] = -g[j]!;
    return -ll;
  }, [Math.log(start.r), Math.log(start.alpha), Math.log(start.a), Math.log(start.b)], { tolerance, edge: EDGE + 2, ...(start.inverseHessian ? { inverseHessian: start.inverseHessian } : {}) });
  const p = fromLog(m.x);
  let { converged, message } = m;
  const atEdge = ![p.r, p.alpha, p.a, p.b].every((v) => Math.abs(Math.log(v)) < EDGE);
  if (atEdge) {
    converged = false;
    message = `parameters at the edge of the space (r ${p.r.toPrecision(3)}, α ${p.alpha.toPrecision(3)}, a ${p.a.toPrecision(3)}, b ${p.b.toPrecision(3)})`;
  }
  return { ...p, logLikelihood: -m.fx, customers, converged, message, evaluations: m.evaluations, inverseHessian: m.inverseHessian, atEdge };
}

/** P(alive | x, t_x, T), the paper's eq. (11). */
export function bgNbdProbabilityAlive(p: BgNbdParams, x: number, tx: number, T: number): number {
  if (x === 0) return 1;
  const ratio = (p.a / (p.b + x - 1)) * Math.exp((p.r + x) * (Math.log(p.alpha + T) - Math.log(p.alpha + tx)));
  return 1 / (1 + ratio);
}

/**
 * bgNbdProbabilityAlive of every row of `d` (its weights aside): ln(α + T) and ln(α + t_x) once per distinct
 * value, as bgNbdLogLikelihood takes them, and one exponential per row with a repeat purchase. A projection
 * asks it of every row once per fitted state (the main fit and each replicate).
 */
export function bgNbdAliveByRow(p: BgNbdParams, d: RfmData): Float64Array {
  const c = compile(d);
  const lT = new Float64Array(c.Ts.length);
  for (let k = 0; k < c.Ts.length; k++) lT[k] = Math.log(p.alpha + c.Ts[k]!);
  const ltx = new Float64Array(c.txs.length);
  for (let k = 0; k < c.txs.length; k++) ltx[k] = Math.log(p.alpha + c.txs[k]!);
  const out = new Float64Array(d.x.length);
  for (let i = 0; i < d.x.length; i++) {
    const x = c.xs[c.xi[i]!]!;
    out[i] = x === 0 ? 1 : 1 / (1 + (p.a / (p.b + x - 1)) * Math.exp((p.r + x) * (lT[c.Ti[i]!]! - ltx[c.txi[i]!]!)));
  }
  return out;
}

/**
 * E[Y(t) | x, t_x, T]: expected purchases in (T, T + t] of a customer with that history, the paper's
 * eq. (10). For t = 0 it is 0.
 */
export function bgNbdConditionalExpected(p: BgNbdParams, t: number, x: number, tx: number, T: number): number {
  return bgNbdProbabilityAlive(p, x, tx, T) * bgNbdExpectedIfAlive(p, t, x, T);
}

/**
 * The numerator of eq. (10): expected purchases in (T, T + t] of a customer with x repeat purchases who is
 * still alive at T (it does not depend on t_x). E[Y(t) | x, t_x, T] = P(alive) × this.
 */
export function bgNbdExpectedIfAlive(p: BgNbdParams, t: number, x: number, T: number): number {
  if (t <= 0) return 0;
  const { r, alpha, a, b } = p;
  const z = t / (alpha + T + t);
  const lead = (a + b + x - 1) / (a - 1);
  if (Math.abs(lead) > ILL_CONDITIONED) {
    const series = expectedIfAliveSeries(r + x, a, a + b + x, t / (alpha + T));
    if (series !== null) return series;
  }
  return lead * (1 - bgNbdDecayed(p, t, x, T, z));
}

/**
 * |lead| of eq. (10) above which its 1 − (1 − z)^(r+x) 2F1(…) loses the digits lead multiplies: a fit or
 * bootstrap replicate at the edge of the parameter space (a → 0, b → ∞: no dropout) has lead ~ −b, and at
 * a = 1.3e-25, b = 3.8e18 the product was −417 purchases in four weeks (the limit, no dropout, is
 * (r + x) t / (α + T), ~0.15): interval bounds below zero and falling with the horizon (Online Retail cut at
 * 2011-03-31, 95 of 100 replicates at the edge).
 */
const ILL_CONDITIONED = 1e4;

/**
 * eq. (10)'s numerator as the series of its Pfaff transform, (1 − z)^A 2F1(A, B; C; z) = 2F1(A, C − B; C;
 * z / (z − 1)), whose first term cancels the 1 exactly: Σ_{n≥1} (−1)^(n+1) (k)_n (a)_(n−1) u^n / ((s)_(n−1) n!),
 * k = r + x, s = a + b + x, u = t / (α + T) (E over dropout p ~ Beta(a, b + x) of (1 − (1 + p u)^−k) / p).
 * Its terms fall by u (k + n)(a + n − 1) / ((s + n − 1)(n + 1)), fast where b is large; null when they do
 * not fall below the sum's last digit within 1,000 terms, overflow, or pass the sum 1e4-fold on the way
 * (the closed form is used).
 */
function expectedIfAliveSeries(k: number, a: number, s: number, u: number): number | null {
  let term = k * u;
  let sum = term;
  // The largest term: where it passes the sum by far, the alternating terms cancel the sum's digits (a
  // within 1e-7 of 1, r = 100), and where u > 1 they may grow to overflow (an infinite sum): the closed
  // form is used, as it was before.
  let largest = Math.abs(term);
  for (let n = 1; n < 1000; n++) {
    term *= (-u * (k + n) * (a + n - 1)) / ((s + n - 1) * (n + 1));
    if (!Number.isFinite(term)) return null;
    sum += term;
    largest = Math.max(largest, Math.abs(term));
    if (Math.abs(term) <= 1e-17 * Math.abs(sum)) return largest <= 1e4 * Math.abs(sum) ? sum : null;
  }
  return null;
}

/**
 * (1 − z)^(r+x) · 2F1(r + x, b + x; a + b + x − 1; z), z = t / (α + T + t): eq. (10)'s term. Summed as it is
 * written; where that series passes the largest double (a customer of hundreds of repeat purchases over a
 * long horizon: the sum ~ (1 − z)^(a−1−r−x), e^713 for 730 purchase days at 120 months, failed the tenant's
 * whole forecast), by Euler's transformation 2F1(A, B; C; z) = (1 − z)^(C−A−B) 2F1(C − A, C − B; C; z), which
 * makes it (1 − z)^(a−1) · 2F1(a + b − 1 − r, a − 1; a + b + x − 1; z): the same number, of moderate terms.
 */
export function bgNbdDecayed(p: BgNbdParams, t: number, x: number, T: number, z = t / (p.alpha + T + t)): number {
  const { r, alpha, a, b } = p;
  const logKeep = Math.log((alpha + T) / (alpha + T + t));
  let f = Infinity;
  try {
    f = hyp2f1(r + x, b + x, a + b + x - 1, z);
  } catch (e) {
    if (!(e instanceof RangeError && /overflowed/.test(e.message))) throw e;
  }
  // Near the largest double the power beside it is near the smallest, whose last digits are gone.
  if (f < 1e250) return Math.exp((r + x) * logKeep) * f;
  return Math.exp((a - 1) * logKeep) * hyp2f1(a + b - 1 - r, a - 1, a + b + x - 1, z);
}

/** E[X(t)]: expected purchases in (0, t] of a new customer, the paper's eq. (9). */
export function bgNbdExpected(p: BgNbdParams, t: number): number {
  return bgNbdConditionalExpected(p, t, 0, 0, 0);
}
