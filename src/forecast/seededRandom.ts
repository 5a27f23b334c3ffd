// The bootstrap's random numbers: a 32-bit Mersenne Twister (MT19937, @stdlib/random-base-mt19937) seeded
// from the job's `forecast.seed`, so a run's intervals are the same every time it is computed (SPEC §9).
// Each replicate draws from its own generator seeded (seed, replicate): a replicate's numbers do not
// depend on how many draws earlier replicates made.
import mt19937 from '@stdlib/random-base-mt19937';

export type UniformInt = (n: number) => number;

/** A generator of integers uniform on [0, n) for replicate `replicate` of the run seeded `seed`. */
export function replicateRandom(seed: number, replicate: number): UniformInt {
  const rand = mt19937.factory({ seed: new Uint32Array([seed >>> 0, replicate >>> 0, 0x17f0]) });
  // rand() is uniform on the 2³² integers [0, 2³² − 1]; customer counts stay far below 2³², so the
  // scaling bias is below n/2³².
  return (n: number) => Math.floor((rand() / 4294967296) * n);
}
