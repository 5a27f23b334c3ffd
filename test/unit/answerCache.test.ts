import { describe, expect, it } from 'vitest';
import { RunStore, type ResolvedRun } from '../../src/serve/RunStore.js';

const run = (): ResolvedRun => ({ tenant: 't', dir: '/r', manifest: {} as ResolvedRun['manifest'], files: new Map(), computed: new Map() });
const mib = (n: number): Buffer => Buffer.alloc(n * 2 ** 20);

describe('the cache of computed bodies', () => {
  it('keeps at most 128 MiB, dropping the oldest first, and never a body over 32 MiB', () => {
    const r = run();
    for (let i = 0; i < 6; i++) RunStore.remember(r, `k${i}`, mib(25)); // 6 × 25 = 150 MiB offered
    // 5 × 25 = 125 MiB fit; the sixth pushes out the first.
    expect([...r.computed.keys()]).toEqual(['k1', 'k2', 'k3', 'k4', 'k5']);
    RunStore.remember(r, 'big', mib(33));
    expect(r.computed.has('big')).toBe(false);
    expect(r.computed.size).toBe(5);
  });

  it('keeps at most 200 bodies', () => {
    const r = run();
    for (let i = 0; i < 205; i++) RunStore.remember(r, `k${i}`, Buffer.from('x'));
    expect(r.computed.size).toBe(200);
    expect(r.computed.has('k4')).toBe(false);
    expect(r.computed.has('k5')).toBe(true);
  });
});
