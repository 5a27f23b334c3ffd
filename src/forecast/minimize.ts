// Maximum-likelihood fits minimise a negative log-likelihood: by BFGS where the likelihood gives its
// gradient (`minimizeWithGradient`, below: BG/NBD and Gamma-Gamma), otherwise, and as BFGS's fallback,
// with fmin's Nelder-Mead (fmin 0.0.4, the downhill simplex of D3's author). Two defects of that release
// are worked around here, in one place:
// - its package says "type": "module" but its build is a UMD script, so an ESM import exports nothing; the
//   script then registers itself as `globalThis.fmin`, which is what we read;
// - its shrink step assigns an undeclared variable (`for (i = 1; …)`), a ReferenceError in strict mode. We
//   pass `sigma: 1`, with which fmin stops where it would shrink, and restart the simplex around the best
//   point instead (a restarted Nelder-Mead, which also guards against the method's premature collapse).
// Convergence is declared when a restart improves the objective by less than `tolerance` and moves no
// coordinate by more than `tolerance`; otherwise the result says it did not converge (never a silent NaN).
import 'fmin';

interface FminPoint extends Array<number> { fx: number }
interface Fmin {
  nelderMead(f: (x: number[]) => number, x0: number[], p: Record<string, number>): { fx: number; x: FminPoint };
}

function fmin(): Fmin {
  const lib = (globalThis as { fmin?: Fmin }).fmin;
  if (!lib?.nelderMead) throw new Error('fmin did not load (expected globalThis.fmin from its UMD build)');
  return lib;
}

export interface Minimum {
  x: number[];
  /** The objective at x. */
  fx: number;
  converged: boolean;
  /** Objective evaluations spent. */
  evaluations: number;
  restarts: number;
  /** Why it did not converge; empty when it did. */
  message: string;
}

export interface MinimizeOptions {
  tolerance?: number;
  maxRestarts?: number;
  maxIterations?: number;
}

/** Minimises f from x0. A non-finite objective counts as +∞ so the simplex steps away from it. */
export function minimize(f: (x: readonly number[]) => number, x0: readonly number[], options: MinimizeOptions = {}): Minimum {
  const tolerance = options.tolerance ?? 1e-9;
  const maxRestarts = options.maxRestarts ?? 30;
  let evaluations = 0;
  const g = (x: number[]): number => {
    evaluations++;
    const v = f(x);
    return Number.isFinite(v) ? v : Number.POSITIVE_INFINITY;
  };
  let best = [...x0];
  let bestFx = g(best);
  for (let restart = 0; restart < maxRestarts; restart++) {
    // A fresh simplex of ±10 % (or 0.1 for a zero coordinate) around the best point so far.
    const r = fmin().nelderMead(g, [...best], {
      maxIterations: options.maxIterations ?? 2000,
      minErrorDelta: tolerance * 1e-2,
      nonZeroDelta: 1.1,
      zeroDelta: 0.1,
      sigma: 1,
    });
    const x = Array.from({ length: best.length }, (_, i) => r.x[i] as number);
    const improved = bestFx - r.fx;
    const moved = Math.max(...x.map((v, i) => Math.abs(v - (best[i] as number))));
    if (r.fx <= bestFx) {
      best = x;
      bestFx = r.fx;
    }
    if (Number.isFinite(bestFx) && improved <= tolerance * Math.max(1, Math.abs(bestFx)) && moved <= Math.sqrt(tolerance)) {
      return { x: best, fx: bestFx, converged: true, evaluations, restarts: restart, message: '' };
    }
  }
  const message = Number.isFinite(bestFx)
    ? `no convergence after ${maxRestarts} restarts (${evaluations} evaluations)`
    : 'the likelihood is not finite anywhere the search went';
  return { x: best, fx: bestFx, converged: false, evaluations, restarts: maxRestarts, message };
}

export interface GradientOptions extends MinimizeOptions {
  /**
   * Stop, not converged, when a coordinate's magnitude passes this: for log-parameters, a fit running off to
   * where its model degenerates (BG/NBD's a → 0: nobody drops out), which no restart brings back.
   */
  edge?: number;
  /** An inverse Hessian to start from (row-major), e.g. the main fit's for a bootstrap replicate. */
  inverseHessian?: readonly number[];
}

export interface GradientMinimum extends Minimum {
  /** BFGS's inverse Hessian at x (row-major): a start for fits of similar data. */
  inverseHessian: number[];
}

/** u·v, summed from 0 in index order (loops, not reduce: thousands of 2-parameter fits a run call it). */
const dot = (u: readonly number[], v: readonly number[]): number => {
  let s = 0;
  for (let i = 0; i < u.length; i++) s += u[i]! * v[i]!;
  return s;
};

/**
 * Minimises f from x0 when f also gives its gradient (written into its second argument), by BFGS
 * (Nocedal & Wright, Numerical Optimization, 2nd ed., algorithm 6.1: the inverse Hessian H built from
 * gradient differences, its first scale from eq. 6.20, a backtracking line search on the Armijo condition,
 * and an update only where the curvature s·y is positive). Tens of evaluations where the simplex needs
 * hundreds. Not fmin's conjugate gradient: on the CDNOW sample's BG/NBD likelihood it stalled after 2,849
 * evaluations with the gradient still 3e-4.
 *
 * Converged when the objective cannot improve by more than `tolerance` (relative) and no coordinate is
 * more than √tolerance / 30 from the minimum (1e-6 for the default), both as the quasi-Newton step says:
 * ½ gᵀHg and max |Hg|. (A bound on the gradient alone is not scale-free: a likelihood summed over
 * 350,000 customers stops resolving a decrease of its value long before its gradient is 1e-8 per
 * customer.) Otherwise the restarted simplex carries on from the best point, so a fit never does worse
 * than with the simplex alone.
 */
export function minimizeWithGradient(f: (x: readonly number[], gradient: number[]) => number, x0: readonly number[], options: GradientOptions = {}): GradientMinimum {
  const n = x0.length;
  const tolerance = options.tolerance ?? 1e-9;
  const maxIterations = options.maxIterations ?? 200;
  const identity = (scale: number): number[] => Array.from({ length: n * n }, (_, k) => (k % (n + 1) === 0 ? scale : 0));
  let evaluations = 0;
  const evaluate = (x: readonly number[], gradient: number[]): number => {
    evaluations++;
    const v = f(x, gradient);
    return Number.isFinite(v) && gradient.every(Number.isFinite) ? v : Number.POSITIVE_INFINITY;
  };
  // H·v, each row summed as dot() sums it.
  const times = (H: readonly number[], v: readonly number[]): number[] => {
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += H[i * n + j]! * v[j]!;
      out[i] = s;
    }
    return out;
  };
  let x = [...x0];
  let g = new Array<number>(n).fill(0);
  let fx = evaluate(x, g);
  const warm = options.inverseHessian?.length === n * n && options.inverseHessian.every(Number.isFinite);
  let H = warm ? [...options.inverseHessian!] : identity(1);
  // Whether H is still a guess: the identity (scaled at the first step) rather than built from updates.
  let guess = !warm;
  const converged = (at: number[], value: number): GradientMinimum => ({ x: at, fx: value, converged: true, evaluations, restarts: 0, message: '', inverseHessian: H });
  let message = Number.isFinite(fx) ? '' : 'the objective is not finite at the start';
  for (let iteration = 0; iteration < maxIterations && !message; iteration++) {
    let p = times(H, g).map((v) => -v);
    let slope = dot(p, g);
    if (!guess && slope > -2 * tolerance * Math.max(1, Math.abs(fx)) && Math.max(...p.map(Math.abs)) <= Math.sqrt(tolerance) / 30) {
      return converged(x, fx);
    }
    if (!(slope < 0)) {
      if (g.every((v) => v === 0)) return converged(x, fx);
      // Not a descent direction (rounding in H): steepest descent, H reset.
      H = identity(1);
      guess = true;
      p = g.map((v) => -v);
      slope = dot(p, g);
    }
    // A step from a guessed H is at most 1 in any coordinate (log-parameters: a factor of e).
    let step = guess ? Math.min(1, 1 / Math.max(...p.map(Math.abs))) : 1;
    const g1 = new Array<number>(n).fill(0);
    let x1 = x;
    let f1 = Number.POSITIVE_INFINITY;
    let found = false;
    for (let k = 0; k < 40 && !found; k++) {
      x1 = x.map((v, i) => v + step * p[i]!);
      f1 = evaluate(x1, g1);
      found = f1 <= fx + 1e-4 * step * slope;
      if (!found) step /= 2;
    }
    // At the objective's rounding floor the line search finds no decrease, or only one from a step cut a
    // thousandfold (rounding, not the function's shape). Converged there if the quasi-Newton step promised
    // no more than `tolerance` (relative) anyway: along a flat direction max |Hg| can stay above its bound
    // while the objective cannot show any gain (the simplex stops there too, after thousands of evaluations).
    if ((!found || step < 1e-3) && !guess && slope > -2 * tolerance * Math.max(1, Math.abs(fx))) {
      return found && f1 < fx ? converged(x1, f1) : converged(x, fx);
    }
    if (!found) {
      message = 'the line search found no decrease';
      break;
    }
    const sv = x1.map((v, i) => v - x[i]!);
    const yv = g1.map((v, i) => v - g[i]!);
    const sy = dot(sv, yv);
    if (sy > 1e-12 * Math.sqrt(dot(sv, sv) * dot(yv, yv))) {
      if (guess) H = identity(sy / dot(yv, yv));
      guess = false;
      // H ← (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ
      const rho = 1 / sy;
      const Hy = times(H, yv);
      const yHy = dot(yv, Hy);
      H = H.map((h, k) => {
        const i = Math.floor(k / n);
        const j = k % n;
        return h - rho * (Hy[i]! * sv[j]! + sv[i]! * Hy[j]!) + (rho * rho * yHy + rho) * sv[i]! * sv[j]!;
      });
    }
    x = x1;
    g = g1;
    fx = f1;
    if (options.edge !== undefined && x.some((v) => Math.abs(v) > options.edge!)) {
      // Run off towards the edge of the space: the simplex would only follow it further.
      return { x, fx, converged: false, evaluations, restarts: 0, message: `a coordinate passed ±${options.edge}`, inverseHessian: H };
    }
  }
  const simplex = minimize((v) => f(v, new Array<number>(n).fill(0)), x, options);
  return { ...simplex, evaluations: evaluations + simplex.evaluations, inverseHessian: H };
}
