// Publishes a small hand-written run in the SPEC §5 layout (manifest with sha256, every Zenovay and
// unfiltered Adapty snapshot, `latest` switched by rename), for endpoint tests that need exact bytes.
// The values encode which file they came from, so a test can tell a wrong file from a right one.
import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PERIOD_TYPES, PERIOD_UNITS, SEGMENTATIONS, matrixId, type Forecast } from '../../src/ltv/model.js';
import { adaptySnapshotPath, zenovaySnapshotPath, type Manifest } from '../../src/ltv/runFiles.js';
import { ZENOVAY_GRANULARITIES, ZENOVAY_RANGES, type AdaptyResponse, type ZenovayResponse } from '../../src/report/apiTypes.js';

export interface FixtureRunOptions {
  tenant: string;
  runId: string;
  /** Goes into every snapshot so tests can tell runs apart. */
  marker: number;
  firstPaymentDates?: { min: string; max: string } | null;
  /**
   * Publishes `data/forecast.json`, listed in the manifest as a run lists it: a fitted model (sBG) of this
   * horizon that predicts no cohort, or, with `reason`, a forecast whose model could not be fitted.
   */
  forecast?: { horizonMonths: number; reason?: string };
}

export function zenovayFixture(range: string, granularity: string, marker: number): ZenovayResponse {
  return {
    success: true,
    data: {
      cohorts: [
        {
          cohort_date: '2026-01-01',
          customers: 245,
          periods: [
            { period: 0, cumulative_revenue_per_customer: 48.5 },
            { period: 1, cumulative_revenue_per_customer: marker },
          ],
        },
        { cohort_date: granularity === 'weekly' ? '2026-02-02' : '2026-02-01', customers: ZENOVAY_RANGES.indexOf(range as never) + 1, periods: [{ period: 0, cumulative_revenue_per_customer: 52.1 }] },
      ],
      summary: { average_ltv_30d: 52.6, average_ltv_90d: null },
    },
    timestamp: '2026-03-16T15:00:00.000Z',
  };
}

export function adaptyFixture(id: string, marker: number): AdaptyResponse {
  const metric = (scale: number): AdaptyResponse['revenue'] => ({
    title: 'LTV',
    unit: 'USD',
    description: `fixture ${id}`,
    value: 72.3 * scale,
    data: [
      { title: 'Total', type: 'total', value: 72.3 * scale, cohort_size: 557, values: [{ period: 0, value: 50.5 * scale }, { period: 1, value: 72.3 * scale }] },
      { title: '2026-01-01', type: 'cohort', value: marker, cohort_size: 245, values: [{ period: 0, value: 48.5 * scale }, { period: 1, value: marker }] },
      { title: '=cmd|calc', type: 'segment', value: -3.5, cohort_size: 312, values: [{ period: 0, value: -3.5 }] },
    ],
  });
  return { revenue: metric(1), proceeds: metric(0.7), net_revenue: metric(0.5) };
}

export function publishFixtureRun(reportsDir: string, o: FixtureRunOptions): string {
  const tenantDir = join(reportsDir, o.tenant);
  const runDir = join(tenantDir, 'runs', o.runId);
  const files: Manifest['files'] = {};
  const write = (rel: string, body: string): void => {
    const abs = join(runDir, rel);
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, body);
    files[rel] = { bytes: Buffer.byteLength(body), sha256: createHash('sha256').update(body).digest('hex') };
  };
  for (const r of ZENOVAY_RANGES) {
    for (const g of ZENOVAY_GRANULARITIES) write(zenovaySnapshotPath(r, g), JSON.stringify(zenovayFixture(r, g, o.marker)));
  }
  for (const period_type of PERIOD_TYPES) {
    for (const period_unit of PERIOD_UNITS) {
      for (const segmentation of SEGMENTATIONS) {
        const spec = { period_type, period_unit, segmentation };
        write(adaptySnapshotPath(spec), JSON.stringify(adaptyFixture(matrixId(spec), o.marker)));
      }
    }
  }
  if (o.forecast) {
    const forecast: Forecast = {
      model: o.forecast.reason === undefined ? 'sbg' : null, chosen_by: 'auto', reason: o.forecast.reason ?? 'fixture', matrix: 'days-month-cohort',
      horizon_months: o.forecast.horizonMonths, interval: 0.8, bootstrap: { replicates: 0, requested: 0, seed: 1 },
      thresholds: { min_cohort_customers: 1, min_group_customers: 1 }, fits: [], rows: [], backtest: null, headline: null,
    };
    write('data/forecast.json', JSON.stringify(forecast));
  }
  const manifest: Manifest = {
    schema_version: 1,
    tenant: o.tenant,
    run_id: o.runId,
    job: 'fixture',
    as_of: '2026-03-16T15:00:00.000Z',
    timezone: 'UTC',
    currency: 'USD',
    generated_at: '2026-03-16T15:00:01.000Z',
    idempotency_key: null,
    first_payment_dates: o.firstPaymentDates === undefined ? { min: '2026-01-03', max: '2026-03-10' } : o.firstPaymentDates,
    inputs: [],
    stats: {},
    timings_ms: {},
    files,
  };
  writeFileSync(join(runDir, 'manifest.json'), JSON.stringify(manifest));
  switchLatest(tenantDir, o.runId);
  return runDir;
}

/** As the publisher does it: a new link under a temporary name, renamed over `latest`. */
export function switchLatest(tenantDir: string, runId: string): void {
  const tmp = join(tenantDir, `.latest.${process.pid}.${Math.random().toString(36).slice(2)}`);
  symlinkSync(join('runs', runId), tmp);
  renameSync(tmp, join(tenantDir, 'latest'));
}
