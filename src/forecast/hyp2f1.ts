// The Gauss hypergeometric function 2F1(a, b; c; z) for 0 ≤ z < 1, which BG/NBD's expected number of
// purchases needs (Fader, Hardie & Lee 2005, eq. 9 and 10). No package of npm's @stdlib family has it
// (there is no @stdlib/math-base-special-hyp2f1), so it is summed here as its defining power series
// Σ (a)_n (b)_n / (c)_n · zⁿ / n!, which converges for |z| < 1. Terms are added until one is below
// 1e-15 of the sum for two steps running and the ratio of successive terms is below 1 (past that point
// the remainder is bounded by a geometric series); a series that needs more than `maxTerms` terms throws
// instead of returning a truncated value.
export function hyp2f1(a: number, b: number, c: number, z: number, maxTerms = 200_000): number {
  if (!(z >= 0 && z < 1)) throw new RangeError(`hyp2f1: z = ${z} outside [0, 1)`);
  if (z === 0) return 1;
  let term = 1;
  let sum = 1;
  let small = 0;
  for (let n = 0; n < maxTerms; n++) {
    const ratio = ((a + n) * (b + n)) / ((c + n) * (n + 1)) * z;
    term *= ratio;
    sum += term;
    if (Math.abs(term) <= 1e-15 * Math.abs(sum) && Math.abs(ratio) < 1) {
      // The remainder after this term is at most |term|·q/(1−q) with q the ratio's bound (→ z).
      if (++small >= 2) return sum;
    } else {
      small = 0;
    }
    // Past the largest double: said so (it read "did not converge in 200000 terms" after a few hundred).
    if (!Number.isFinite(sum)) throw new RangeError(`hyp2f1(${a}, ${b}; ${c}; ${z}) overflowed: its sum passed the largest double after ${n + 1} terms`);
  }
  throw new RangeError(`hyp2f1(${a}, ${b}; ${c}; ${z}) did not converge in ${maxTerms} terms`);
}
