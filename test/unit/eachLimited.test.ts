// eachLimited (src/config/eachLimited.ts): the commits of a run's tenants and the files of one commit, a few
// at a time (as eachOnWorkers, the matrix statements on a run's connections). After a failure nothing new
// starts, what is under way finishes before the caller hears of it (it then removes the runs not
// published), and the first failure is the one thrown.
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { eachLimited } from '../../src/config/eachLimited.js';

describe('eachLimited', () => {
  it('runs every item, never more than the limit at once', async () => {
    let running = 0;
    let most = 0;
    const done: number[] = [];
    await eachLimited([1, 2, 3, 4, 5, 6, 7], 3, async (i) => {
      running++;
      most = Math.max(most, running);
      await sleep(5 * (i % 3));
      done.push(i);
      running--;
    });
    expect(done.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(most).toBe(3);
  });

  it('starts nothing after a failure, lets the item under way finish first, and throws the first failure', async () => {
    const started: number[] = [];
    const finished: number[] = [];
    const err = await eachLimited([1, 2, 3, 4, 5, 6], 2, async (i) => {
      started.push(i);
      if (i === 1) {
        await sleep(1);
        throw new Error('disk full at 1');
      }
      if (i === 2) {
        // Under way when 1 fails: it finishes before the caller hears of the failure.
        await sleep(30);
        finished.push(i);
        return;
      }
      finished.push(i);
    }).catch((e: unknown) => e as Error);
    expect(err?.message).toBe('disk full at 1');
    expect(started).toEqual([1, 2]);
    expect(finished).toEqual([2]);
  });
});
