// Maximum-likelihood fits minimise a negative log-likelihood with fmin's Nelder-Mead (fmin 0.0.4, the
// downhill simplex of D3's author). Two defects of that release are worked around here, in one place:
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
