// The shifted-beta-geometric model (Fader & Hardie 2007, "How to project customer retention", J. Interactive
// Marketing 21(1)): each customer renews at every renewal with a probability 1 − θ of churning, θ ~ Beta(α, β)
// across customers. SPEC §9 subscriptions.
//   P(T = t) = B(α + 1, β + t − 1) / B(α, β)     churn at renewal t (t = 1, 2, …: missed renewal t)
//   S(t)     = B(α, β + t) / B(α, β)             still subscribed after renewal t
// Fitted on log α, log β (positivity) by maximum likelihood with right censoring: a customer who churned
// after renewal r contributes P(T = r + 1), one still subscribed at renewal r contributes S(r). The
// likelihood sums them by the paper's recursions S(t) = S(t − 1)·(β + t − 1)/(α + β + t − 1) and
// P(T = t) = S(t − 1)·α/(α + β + t − 1) (two logarithms per renewal, where the beta functions cost a few
// log-gammas each; a bootstrap refits a group hundreds of times).
import betaln from '@stdlib/math-base-special-betaln';
import { minimizeWithGradient } from './minimize.js';

export interface SbgParams { alpha: number; beta: number }

/** Customers aggregated by their last renewal: `churned[r]` churned after renewal r, `alive[r]` still subscribed at r. */
export interface SbgData {
  churned: ArrayLike<number>;
  alive: ArrayLike<number>;
}

export interface SbgFit extends SbgParams {
  logLikelihood: number;
  customers: number;
  converged: boolean;
  message: string;
  evaluations: number;
}

/** ln S(t), t ≥ 0. */
export function sbgLogSurvival(p: SbgParams, t: number): number {
  return betaln(p.alpha, p.beta + t) - betaln(p.alpha, p.beta);
}

export function sbgSurvival(p: SbgParams, t: number): number {
  return Math.exp(sbgLogSurvival(p, t));
}

/** One past the last renewal with a customer: the recursion stops there (a young group's counts end early). */
function extent(d: SbgData): number {
  let R = Math.max(d.churned.length, d.alive.length);
  while (R > 0 && !((d.alive[R - 1] ?? 0) > 0) && !((d.churned[R - 1] ?? 0) > 0)) R--;
  return R;
}

/**
 * Σ ln L and, when `gradient` is given, its gradient in (ln α, ln β) written into it. With
 * ln S(r) = Σ_{i<r} ln((β + i)/(α + β + i)):
 *   ∂ ln S(r)/∂α = −Σ_{i<r} 1/(α + β + i),  ∂ ln S(r)/∂β = Σ_{i<r} (1/(β + i) − 1/(α + β + i)),
 * and ln P(T = r + 1) = ln S(r) + ln α − ln(α + β + r).
 */
export function sbgLogLikelihood(p: SbgParams, d: SbgData, R = extent(d), gradient?: number[]): number {
  const lnAlpha = Math.log(p.alpha);
  let lnS = 0;
  let dSa = 0;
  let dSb = 0;
  let ll = 0;
  let ga = 0;
  let gb = 0;
  for (let r = 0; r < R; r++) {
    const alive = r < d.alive.length ? d.alive[r]! : 0;
    const churned = r < d.churned.length ? d.churned[r]! : 0;
    const lnNext = Math.log(p.alpha + p.beta + r);
    const iNext = 1 / (p.alpha + p.beta + r);
    if (alive > 0) {
      ll += alive * lnS;
      ga += alive * dSa;
      gb += alive * dSb;
    }
    if (churned > 0) {
      ll += churned * (lnS + lnAlpha - lnNext);
      ga += churned * (dSa + 1 / p.alpha - iNext);
      gb += churned * (dSb - iNext);
    }
    lnS += Math.log(p.beta + r) - lnNext;
    dSa -= iNext;
    dSb += 1 / (p.beta + r) - iNext;
  }
  if (gradient) {
    gradient[0] = p.alpha * ga;
    gradient[1] = p.beta * gb;
  }
  return ll;
}

const total = (a: ArrayLike<number>, from = 0): number => {
  let s = 0;
  for (let i = from; i < a.length; i++) s += a[i]!;
  return s;
};

export function sbgCustomers(d: SbgData): number {
  return total(d.churned) + total(d.alive);
}

/**
 * The maximum-likelihood fit. Data that carries no information on churn (nobody has had a renewal due, or
 * nobody has churned) or on its decline (only renewal 1 has fallen due) does not converge and says so.
 */
export function fitSbg(d: SbgData, start: SbgParams = { alpha: 1, beta: 1 }, tolerance = 1e-9): SbgFit {
  const customers = sbgCustomers(d);
  const churns = total(d.churned);
  const exposed = churns + total(d.alive, 1);
  if (customers === 0 || exposed === 0) {
    return { ...start, logLikelihood: Number.NaN, customers, converged: false, evaluations: 0, message: 'no customer has had a renewal due yet' };
  }
  const R = extent(d);
  const m = minimizeWithGradient((x, g) => {
    const ll = sbgLogLikelihood({ alpha: Math.exp(x[0]!), beta: Math.exp(x[1]!) }, d, R, g);
    g[0] = -g[0]!;
    g[1] = -g[1]!;
    return -ll;
  }, [Math.log(start.alpha), Math.log(start.beta)], { tolerance });
  const alpha = Math.exp(m.x[0]!);
  const beta = Math.exp(m.x[1]!);
  // Without a churn the likelihood grows without bound as β → ∞ (retention → 1): report it, do not guess.
  let message = m.message;
  let converged = m.converged;
  const churnedFirst = d.churned.length > 0 ? d.churned[0]! : 0;
  const renewedOnce = d.alive.length > 1 ? d.alive[1]! : 0;
  const beyondFirst = total(d.churned, 1) + total(d.alive, 2);
  if (churns === 0) {
    converged = false;
    message = 'no customer has churned yet: retention cannot be estimated';
  } else if (beyondFirst === 0 && renewedOnce === 0) {
    // Every customer whose first renewal fell due churned there: retention is 0 at its maximum (β/α → 0),
    // whatever the optimizer's last step; nothing is left to project.
    converged = true;
    message = `nobody has renewed: every customer whose first renewal fell due (${churns}) churned there (retention 0)`;
  } else if (beyondFirst === 0) {
    // Only renewal 1 has fallen due: the likelihood depends on α/(α + β) alone (churned·ln θ̄ + renewed·ln(1 − θ̄)),
    // flat along a ridge of every (α, β) with that ratio, so the optimizer's stopping point on it would decide
    // how retention declines after (a young cohort's 24 months came out 40 % above its own pooled fit).
    converged = false;
    message = `only the first renewal has fallen due (${churnedFirst} churned there, ${renewedOnce} renewed): that fixes the first step of retention, not how it declines after`;
  } else if (!(alpha > 1e-8 && beta > 1e-8 && Number.isFinite(alpha) && Number.isFinite(beta))) {
    converged = false;
    message = `parameters at the edge of the space (α ${alpha.toPrecision(3)}, β ${beta.toPrecision(3)})`;
  } else if (converged && alpha > 1e4 && beta > 1e4) {
    // α, β → ∞ at a fixed ratio is the homogeneous limit: every customer churns with θ = α/(α + β). The
    // likelihood's maximum lies there; the fit is usable and says so.
    message = `every customer churns alike (θ = ${(alpha / (alpha + beta)).toPrecision(3)} per renewal): a geometric model`;
  }
  return { alpha, beta, logLikelihood: -m.fx, customers, converged, message, evaluations: m.evaluations };
}
