// A renewals matrix whose rows are another unit's cohorts (renewals-month-week: week cohorts by renewal
// number) is computed once, as that unit's own cohort matrix (renewals-week-cohort), and shared by every
// period unit (src/ltv/computeRun.ts sourceOf): SPEC §4 gives a renewal its period and a cohort its shown
// renewals without the period unit. Checked by hand, and against the endpoint's per-unit statement.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MatrixSpec, PeriodUnit } from '../../src/ltv/model.js';
import { runRef } from '../../src/ltv/runFiles.js';
import { computeAdapty } from '../../src/serve/computeAdapty.js';
import { adaptyGrid, csv, makeFixture, readAdapty, readLatest, runJob, grid, type Fixture } from '../helpers/runFixture.js';

const UNITS: PeriodUnit[] = ['day', 'week', 'month', 'quarter', 'year'];
const TIME_SEGS = ['day', 'week', 'month', 'year'] as const;

describe('renewals matrices by another unit\'s cohorts', () => {
  let fx: Fixture;
  beforeAll(async () => {
    // a and b start in the week of Mon 2026-01-05, c in the week of 01-19, d in the week of 02-09.
    fx = await makeFixture({
      'tx.csv': csv('customer_id,event_time,amount,transaction_id,renewal_number', [
        ['a', '2026-01-05T10:00:00Z', '10', 'a0', 0], ['a', '2026-02-05T10:00:00Z', '10', 'a1', 1], ['a', '2026-03-05T10:00:00Z', '10', 'a2', 2],
        ['b', '2026-01-06T10:00:00Z', '10', 'b0', 0], ['b', '2026-02-06T10:00:00Z', '10', 'b1', 1],
        ['c', '2026-01-20T10:00:00Z', '20', 'c0', 0],
        ['d', '2026-02-10T10:00:00Z', '10', 'd0', 0], ['d', '2026-03-10T10:00:00Z', '10', 'd1', 1],
      ]),
    });
    await runJob(fx, {
      inputs: [{ path: 'tx.csv' }], forecast: { model: 'off' },
      matrices: [{ period_type: 'renewals', period_unit: 'month', segmentation: 'week' }, { period_type: 'renewals', period_unit: 'quarter', segmentation: 'week' }],
    }, '2026-03-31T00:00:00Z');
  });
  afterAll(async () => {
    await fx.cleanup();
  });

  it('gives week cohorts by renewal whatever the period unit (hand-computed), in the report and every snapshot', async () => {
    // Week of 01-05: a and b, 20 / 40 / 50 paid by renewal 0 / 1 / 2 over 2 customers. Total at k: the
    // cohorts showing k: k = 1 is shown by the weeks of 01-05 (40, 2 customers) and 02-09 (20, 1): 60 / 3.
    const byHand = { Total: [12.5, 20, 25], '2026-01-05': [10, 20, 25], '2026-01-19': [20], '2026-02-09': [10, 20] };
    const { report } = await readLatest(fx);
    for (const id of ['renewals-month-week', 'renewals-quarter-week']) {
      const m = report.matrices.find((x) => x.id === id)!;
      expect(m.cohort_unit).toBe('week');
      expect(grid(m)).toEqual(byHand);
    }
    for (const unit of UNITS) expect(adaptyGrid(await readAdapty(fx, `renewals-${unit}-week.json`))).toEqual(byHand);
  });

  it('every such snapshot is the body the endpoint computes with its own unit\'s statement', async () => {
    const { dir } = await readLatest(fx);
    for (const unit of UNITS) {
      for (const seg of TIME_SEGS) {
        const spec: MatrixSpec = { period_type: 'renewals', period_unit: unit, segmentation: seg };
        const stored = await readAdapty(fx, `renewals-${unit}-${seg}.json`);
        const computed = JSON.parse((await computeAdapty(await runRef(join(dir)), spec, { date: ['0001-01-01', '9999-12-31'] }, 'USD', 'json')).toString('utf8'));
        expect(stored, `renewals-${unit}-${seg}`).toEqual(computed);
      }
    }
  });
});
