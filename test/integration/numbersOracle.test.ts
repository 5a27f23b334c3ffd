// SPEC §3/§4 against an independent oracle (test/helpers/ltvOracle.ts: row by row, exact rationals, Intl
// wall clocks, no SQL and nothing of src/). Seeded random tenants, edge-heavy: DST zones (Lord Howe's 30-minute
// shift too), times at period boundaries ± 1 s, naive, offset and bare-date times, T at a transaction or a
// transition, linked and unlinked refunds (before any payment too), refunded_at, zero rows, duplicates,
// sandbox rows, rows after T, several currencies with a rates file. Each run holds many tenants (one dataset
// each); every cell of every compared matrix (all three accounting types, customers, state) and the 30/90-day
// summary must match to the cent.
import { describe, expect, it } from 'vitest';
import { Oracle, type OMatrixSpec, type ORowOut } from '../helpers/ltvOracle.js';
import { cellsOf, oracleRun, pad, UNITS } from '../helpers/oracleData.js';
import { makeFixture, readLatest, readZenovay, runJob } from '../helpers/runFixture.js';

const SEED = Number(process.env.ORACLE_SEED ?? 20260317);
// ~30 s on 2 cores: each tenant costs the engine its 140 Adapty snapshots, each run ~1.5 s more.
// ORACLE_RUNS=36 searches further (~1,200 datasets, ~5 min); ORACLE_SEED=<n> draws other datasets (stop 44: seeds
// 20260317 and 777, 14 runs of 35 tenants each, every compared cell matched).
const RUNS = Number(process.env.ORACLE_RUNS ?? 4);
const TENANTS_PER_RUN = 35;

/** days × every unit, renewals × month, and two country segmentations (Total and segment rows). */
const MATRICES: OMatrixSpec[] = [
  ...UNITS.map((period_unit): OMatrixSpec => ({ period_type: 'days', period_unit, segmentation: 'cohort' })),
  { period_type: 'renewals', period_unit: 'month', segmentation: 'cohort' },
  { period_type: 'days', period_unit: 'month', segmentation: 'country' },
  { period_type: 'renewals', period_unit: 'week', segmentation: 'country' },
];

interface Mismatch { tenant: string; matrix: string; title: string; oracle: unknown; engine: unknown }

describe('the published numbers against an independent oracle (SPEC §4)', () => {
  let cells = 0;
  let datasets = 0;
  for (let run = 0; run < RUNS; run++) {
    it(`run ${run}: ${TENANTS_PER_RUN} random tenants, every cell and the summary`, async () => {
      const tenants = Array.from({ length: TENANTS_PER_RUN }, (_, i) => `t${pad(i, 3)}`);
      const { cfg, job, rows, files } = oracleRun(SEED, run, tenants);
      const fx = await makeFixture(files);
      const mismatches: Mismatch[] = [];
      try {
        await runJob(fx, {
          inputs: [{ path: 'a.csv' }, { path: 'b.csv' }], rates: 'rates.csv', timezone: cfg.zone, currency: cfg.currency,
          matrices: MATRICES, formats: ['json'], forecast: { model: 'off' }, max_bad_row_share: 0,
        }, new Date(cfg.asOf).toISOString());
        for (const tenant of tenants) {
          const oracle = new Oracle(rows.filter((x) => x.tenant === tenant), job);
          if (oracle.customers.length === 0) continue; // a tenant without a customer publishes nothing to compare
          datasets++;
          const { report } = await readLatest(fx, tenant);
          expect(report.stats.rows_quarantined).toBe(0);
          for (const spec of MATRICES) {
            const id = `${spec.period_type}-${spec.period_unit}-${spec.segmentation}`;
            const engine = report.matrices.find((m) => m.id === id)!;
            const want = oracle.matrix(spec);
            const got: ORowOut[] = engine.rows.map((row) => ({
              type: row.type, title: row.title, customers: row.customers,
              cells: row.cells.map((c) => ({ period: c.period, customers: c.customers, complete_customers: c.complete_customers!, state: c.state, revenue: c.revenue, proceeds: c.proceeds, net_revenue: c.net_revenue })),
            }));
            for (let i = 0; i < Math.max(want.length, got.length); i++) {
              const [w, g] = [want[i], got[i]];
              cells += w?.cells.length ?? 0;
              if (JSON.stringify(w) !== JSON.stringify(g)) mismatches.push({ tenant, matrix: id, title: w?.title ?? g!.title, oracle: w, engine: g });
            }
          }
          const z = await readZenovay(fx, '90d-monthly.json', tenant);
          const summary = { average_ltv_30d: oracle.summary(30), average_ltv_90d: oracle.summary(90) };
          if (JSON.stringify(z.data.summary) !== JSON.stringify(summary)) mismatches.push({ tenant, matrix: 'zenovay summary', title: '', oracle: summary, engine: z.data.summary });
        }
        if (mismatches.length) {
          const first = mismatches[0]!;
          const data = rows.filter((x) => x.tenant === first.tenant).map((x) => `${x.file}:${x.line} ${cellsOf(x).join(',')}`);
          console.log(JSON.stringify({ cfg: { ...cfg, asOf: new Date(cfg.asOf).toISOString() }, count: mismatches.length, first, data }, null, 1));
          console.log(JSON.stringify(mismatches.map((m) => [m.tenant, m.matrix, m.title])));
        }
        expect(mismatches.length).toBe(0);
      } finally {
        await fx.cleanup();
      }
    }, 60_000);
  }
  it('compared enough', () => {
    console.log(`numbersOracle: ${datasets} datasets, ${cells} cells`);
    expect(datasets).toBeGreaterThan(RUNS * TENANTS_PER_RUN * 0.8);
  });
});
