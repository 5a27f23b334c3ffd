// SPEC §7 schedule.cron: checked when the job is loaded; an expression with fields missing is refused
// (cron-parser would right-align them: "0 3 * *" would fire every minute of 00:xx on the 3rd).
import { describe, expect, it } from 'vitest';
import { jobFromFlags } from '../../src/config/loadJob.js';

const load = (cron: string): unknown => jobFromFlags({ inputs: [{ path: 'x.csv' }], schedule: { cron } }, '/tmp');

describe('schedule.cron', () => {
  it.each(['0 3 * * *', '*/10 0 3 * * *', '@daily'])('takes %s', (cron) => {
    expect(() => load(cron)).not.toThrow();
  });

  it.each([
    ['0 3 * *', 4],
    ['0', 1],
    ['0 3 * * * * *', 7],
  ])('refuses %s, which has %i fields', (cron, n) => {
    expect(() => load(cron)).toThrow(`command line: schedule.cron: "${cron}" is not a cron expression: it has ${n} field${n === 1 ? '' : 's'}, a cron expression has 5 (minute hour day-of-month month day-of-week; 6 with seconds first); e.g. "0 3 * * *" (03:00 daily)`);
  });
});
