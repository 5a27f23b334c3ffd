// The minimisers behind every maximum-likelihood fit (src/forecast/minimize.ts), on functions whose minimum
// is known by hand.
import { describe, expect, it } from 'vitest';
import { minimize, minimizeWithGradient } from '../../src/forecast/minimize.js';

/** Rosenbrock's valley: minimum 0 at (1, 1), a curved narrow valley that defeats steepest descent. */
const rosenbrock = (x: readonly number[], g: number[]): number => {
  const [u, v] = [x[0]!, x[1]!];
  g[0] = -2 * (1 - u) - 400 * u * (v - u * u);
  g[1] = 200 * (v - u * u);
  return (1 - u) ** 2 + 100 * (v - u * u) ** 2;
};

describe('minimizeWithGradient (BFGS)', () => {
  it('finds Rosenbrock\'s minimum at (1, 1) from (−1.2, 1) in tens of evaluations', () => {
    const m = minimizeWithGradient(rosenbrock, [-1.2, 1]);
    expect(m.converged).toBe(true);
    expect(m.x[0]).toBeCloseTo(1, 5);
    expect(m.x[1]).toBeCloseTo(1, 5);
    expect(m.evaluations).toBeLessThan(200);
  });

  it('solves a quadratic with a known minimum and returns its inverse Hessian', () => {
    // f = ½ (x−c)ᵀ A (x−c) with A = [[4, 1], [1, 3]]: the minimum is c, the inverse Hessian A⁻¹ = [[3, −1], [−1, 4]] / 11.
    const c = [2, -3];
    const f = (x: readonly number[], g: number[]): number => {
      const d = [x[0]! - c[0]!, x[1]! - c[1]!];
      g[0] = 4 * d[0]! + d[1]!;
      g[1] = d[0]! + 3 * d[1]!;
      return 0.5 * (d[0]! * g[0] + d[1]! * g[1]);
    };
    const m = minimizeWithGradient(f, [0, 0]);
    expect(m.converged).toBe(true);
    expect(m.x[0]).toBeCloseTo(2, 6);
    expect(m.x[1]).toBeCloseTo(-3, 6);
    [3 / 11, -1 / 11, -1 / 11, 4 / 11].forEach((v, k) => expect(m.inverseHessian[k]).toBeCloseTo(v, 3));
    // Started there with that inverse Hessian, a shifted problem is one Newton step.
    c[0] = 2.5;
    const again = minimizeWithGradient(f, m.x, { inverseHessian: m.inverseHessian });
    expect(again.x[0]).toBeCloseTo(2.5, 6);
    expect(again.evaluations).toBeLessThan(6);
  });

  it('says it did not converge when the objective has no minimum, and never returns a NaN as a result', () => {
    // f = −x₀ decreases without end.
    const f = (x: readonly number[], g: number[]): number => {
      g[0] = -1;
      return -x[0]!;
    };
    const m = minimizeWithGradient(f, [0], { maxIterations: 50, maxRestarts: 3 });
    expect(m.converged).toBe(false);
    expect(m.message).not.toBe('');
    expect(Number.isFinite(m.fx)).toBe(true);
  });
});

describe('minimize (restarted Nelder-Mead)', () => {
  it('finds Rosenbrock\'s minimum without a gradient', () => {
    const m = minimize((x) => rosenbrock(x, [0, 0]), [-1.2, 1]);
    expect(m.converged).toBe(true);
    expect(m.x[0]).toBeCloseTo(1, 4);
    expect(m.x[1]).toBeCloseTo(1, 4);
  });
});
