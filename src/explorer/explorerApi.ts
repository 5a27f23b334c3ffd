// The explorer's own JSON routes (SPEC §10), shared by the server (src/serve/explorerRoutes.ts) and the
// page (src/explorer/app/): what they answer, typed once. The numbers of the report itself come from the
// §6 Adapty route; these only list what there is to choose from.
import type { FilterKey, Forecast, Summary } from '../ltv/model.js';
import type { ForecastTrust } from '../report/forecastTrust.js';
import { noForecastReason } from '../report/noForecastReason.js';

export const EXPLORER_API = '/api/v1/explorer';
/** Picks a published run on the Adapty route (absent or `latest`: the tenant's latest run, SPEC §6). */
export const RUN_HEADER = 'x-ltv-run';
/** The run's report files, which hold its matrices (the heatmap's note names them). */
export const REPORT_DOWNLOADS = ['ltv.xlsx', 'ltv.csv', 'ltv.json'] as const;
/**
 * The files of a run the explorer offers for download (SPEC §10 "downloads of the run's files"; a closed
 * list: never a path from the request): the reports, the static page, the charts, the rows set aside
 * (quarantine.csv, where SPEC §3 sends every bad row) and the manifest with the files' checksums. Not
 * data/: the endpoint's own tables. Only the report files were offered: a user could not get a run's bad
 * rows or its report.html from the browser.
 */
export const DOWNLOADS = [...REPORT_DOWNLOADS, 'report.html', 'quarantine.csv', 'ltv.png', 'forecast.png', 'manifest.json'] as const;
export type Download = (typeof DOWNLOADS)[number];
/** Each download's media type (served as an attachment, never rendered by the server's origin). */
export const DOWNLOAD_TYPES: Record<Download, string> = {
  'ltv.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'ltv.csv': 'text/csv; charset=utf-8',
  'ltv.json': 'application/json; charset=utf-8',
  'report.html': 'text/html; charset=utf-8',
  'quarantine.csv': 'text/csv; charset=utf-8',
  'ltv.png': 'image/png',
  'forecast.png': 'image/png',
  'manifest.json': 'application/json; charset=utf-8',
};

export interface RunListing {
  run_id: string;
  /** T, ISO 8601 UTC. */
  as_of: string;
  generated_at: string;
  timezone: string;
  currency: string;
  latest: boolean;
  /** Local dates of the first and last first payment; null when the tenant had no customer. */
  first_payment_dates: { min: string; max: string } | null;
  downloads: Download[];
  /** The headline figures as the manifest keeps them (ltv.json's summary); null in runs published before it did. */
  summary: Summary | null;
  /** The run's forecast (SPEC §9, data/forecast.json) in brief; null when the job had forecasts off. */
  forecast: ForecastBrief | null;
}

/** What the page needs to ask for predictions and to say where they come from and how far to trust them. */
export interface ForecastBrief extends ForecastTrust {
  /** null: no model could be fitted (`reason` says why). */
  model: Forecast['model'];
  chosen_by: Forecast['chosen_by'];
  reason: string;
  /** The matrix whose rows are predicted (e.g. `days-month-cohort`). */
  matrix: string;
  horizon_months: number;
  /** Two-sided interval of the bounds, e.g. 0.8; null when none was drawn (the job's `replicates: 0`: the bounds are the central value). */
  interval: number | null;
  /** Why a fitted model predicts no row at all (noForecastReason.ts: no cohort qualifies); null when some row is predicted. */
  none: string | null;
  /** The fewest customers a cohort (or the part of it a selection keeps) is predicted for (SPEC §9 honest defaults). */
  min_cohort_customers: number;
  /** The monthly cohorts the forecast predicts (their titles): a part of one a selection keeps can be. */
  cohorts_predicted: string[];
}

/** The brief of a forecast file. */
export function forecastBrief(f: Forecast): ForecastBrief {
  return {
    model: f.model,
    chosen_by: f.chosen_by,
    reason: f.reason,
    matrix: f.matrix,
    horizon_months: f.horizon_months,
    interval: f.bootstrap.replicates > 0 ? f.interval : null,
    bootstrap: { replicates: f.bootstrap.replicates, seed: f.bootstrap.seed, ...(f.bootstrap.note ? { note: f.bootstrap.note } : {}) },
    backtest: f.backtest ? {
      cutoff: f.backtest.cutoff, holdout_days: f.backtest.holdout_days, mape: f.backtest.mape, bias: f.backtest.bias,
      ...(f.backtest.note ? { note: f.backtest.note } : {}),
    } : null,
    none: f.model ? noForecastReason(f) : null,
    min_cohort_customers: f.thresholds.min_cohort_customers,
    cohorts_predicted: f.rows.filter((r) => r.type === 'cohort' && r.cells.length > 0).map((r) => r.title),
  };
}

export interface TenantListing {
  id: string;
  /** Newest first. */
  runs: RunListing[];
}

export interface TenantsResponse {
  tenants: TenantListing[];
}

export interface AttributeValue {
  /** The attribute as stored; `unknown` stands for a missing one (it matches missing values, SPEC §6). */
  value: string;
  customers: number;
}

export interface RunDetail extends RunListing {
  tenant: string;
  /** The run's headline (ltv.json's summary); null when the run published no ltv.json. */
  summary: Summary | null;
  /**
   * Ids of the matrices the run's ltv.json, ltv.csv and ltv.xlsx hold (the job's `matrices`), over the
   * whole range with no filter; null when the run published no ltv.json.
   */
  matrices: string[] | null;
  /** Every §6 filter key with the values the run's customers have, most customers first. */
  attributes: Partial<Record<FilterKey, AttributeValue[]>>;
}

/**
 * `POST …/runs/:run/states` (body: the Adapty request): each row's partial periods (SPEC §4) as the run's
 * own SQL decides them, for rows Adapty's body cannot mark (segments: their cohorts are not in it).
 */
export interface StatesResponse {
  rows: {
    type: 'total' | 'cohort' | 'segment';
    title: string;
    /** Inclusive ranges [from, to] of the row's partial periods; every other shown period is complete. */
    partial: [number, number][];
    /**
     * The customers behind the row's cells (SPEC §4: those whose cohorts reach the period), as runs
     * [from, to, customers]: a segment's or the Total's realized value of a period averages these, not all
     * of the row's customers (the page says so beside a prediction of the whole row).
     */
    customers: [number, number, number][];
  }[];
}
