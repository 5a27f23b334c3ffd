// The forecast thread's tests (forecastThread, forecastThreadDeath): a warehouse whose tables are written
// by hand (the shapes 12_movements_view.sql, 14_customers_all.sql and 15_facts_all.sql produce), with
// purchases drawn as BG/NBD has them, two tenants, and the report's monthly cohorts.
import type { Matrix } from '../../src/ltv/model.js';
import { installMacros } from '../../src/warehouse/installMacros.js';
import { Warehouse } from '../../src/warehouse/openWarehouse.js';

export const T = new Date('2026-07-01T00:00:00Z');
const DAY = 86_400_000;
export const COHORTS = ['2026-01-01', '2026-02-01', '2026-03-01'];

// 3 monthly cohorts × 60 customers, first purchase on day k % 20 of the month, then as BG/NBD has it:
// purchases at rate λ = 0.02–0.2 a day while alive, and after each one a drop-out with probability
// 0.1–0.5; the draws from a fixed linear congruential generator. Amounts 10 + k % 7.
function purchases(): { id: string; t: number; amount: number }[] {
  let seed = 12345;
  const uniform = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed + 0.5) / 4294967296;
  };
  const out: { id: string; t: number; amount: number }[] = [];
  COHORTS.forEach((c, ci) => {
    for (let k = 0; k < 60; k++) {
      const rate = [0.02, 0.05, 0.1, 0.2][k % 4]!;
      const drop = [0.1, 0.3, 0.5][k % 3]!;
      let t = Date.parse(`${c}T12:00:00Z`) + (k % 20) * DAY;
      for (;;) {
        out.push({ id: `c${ci}-${k}`, t, amount: 10 + (k % 7) });
        if (uniform() < drop) break;
        t += Math.ceil((-Math.log(uniform()) / rate) * DAY);
        if (t > T.getTime()) break;
      }
    }
  });
  return out;
}

/** The report's monthly matrix as far as the forecast reads it: cohorts, sizes, complete periods. */
export const monthly: Matrix = {
  id: 'days-month-cohort', period_type: 'days', period_unit: 'month', segmentation: 'cohort', cohort_unit: 'month',
  rows: [
    { type: 'total', title: 'Total', customers: 180, cells: [] },
    ...COHORTS.map((title, ci) => ({
      type: 'cohort', title, customers: 60,
      // Month m is complete when the cohort's last customer (day 19) has lived m + 1 months by T.
      cells: Array.from({ length: 6 - ci }, (_, period) => ({ period, state: period <= 4 - ci ? 'complete' : 'partial' })),
    })),
  ],
} as unknown as Matrix;

/**
 * The warehouse: tenants `default` and `other` (the same purchases, at twice the price), and `copies`
 * more, `copy0`, `copy1`, …, each with `default`'s purchases.
 */
export async function forecastWarehouse(copies = 0): Promise<Warehouse> {
  const wh = await Warehouse.open({ timezone: 'UTC', memoryLimit: '256MB', threads: 2 });
  await installMacros(wh, 'UTC');
  await wh.run(`CREATE TEMP TABLE movements (tenant_id VARCHAR, customer_id VARCHAR, t TIMESTAMPTZ, renewal INTEGER,
    revenue HUGEINT, proceeds HUGEINT, net_revenue HUGEINT, moved_at TIMESTAMPTZ, is_payment BOOLEAN, kind VARCHAR)`);
  // Tenant `other` made the same purchases, with the same customer ids, at twice the price.
  for (const [tenant, factor] of [['default', 1], ['other', 2]] as const) {
    for (const p of purchases()) {
      // Money in the movements' integer units (02_macros.sql): revenue 10^14, proceeds 10^20, net revenue 10^26 per unit.
      await wh.run(`INSERT INTO movements VALUES ($tenant, $id, make_timestamptz(CAST($us AS BIGINT)), NULL,
        CAST($a AS HUGEINT) * 100000000000000, CAST($a AS HUGEINT) * 100000000000000000000, CAST($a AS HUGEINT) * 100000000000000000000000000,
        make_timestamptz(CAST($us AS BIGINT)), TRUE, 'payment')`,
      { tenant, id: p.id, us: String(p.t * 1000), a: String(p.amount * factor) });
    }
  }
  await wh.run(`INSERT INTO movements SELECT 'copy' || i, customer_id, t, renewal, revenue, proceeds, net_revenue, moved_at, is_payment, kind
    FROM movements, range(CAST($copies AS BIGINT)) AS r(i) WHERE tenant_id = 'default'`, { copies: String(copies) });
  await wh.run(`CREATE TEMP TABLE attr_sets AS SELECT CAST(1 AS BIGINT) AS attr_id, CAST(NULL AS VARCHAR) AS duration`);
  await wh.run(`CREATE TEMP TABLE customers_all AS
    SELECT tenant_id, customer_id, min(t) AS t0, CAST(min(t) AS TIMESTAMP) AS t0_local, CAST(min(t) AS DATE) AS cohort_day,
      90 AS age_class, CAST(1 AS BIGINT) AS attr_id
    FROM movements GROUP BY ALL`);
  await wh.run(`CREATE TEMP TABLE facts_all AS
    SELECT m.tenant_id, c.cohort_day, c.attr_id, c.age_class, date_diff('month', c.t0_local, CAST(m.t AS TIMESTAMP)) AS k_month,
      sum(m.revenue) AS revenue, sum(m.proceeds) AS proceeds, sum(m.net_revenue) AS net_revenue
    FROM movements m JOIN customers_all c USING (tenant_id, customer_id) GROUP BY ALL`);
  return wh;
}
