// What the forecast reads from a run's warehouse (SPEC §9): per customer, the summary of its movements up
// to a cutoff (17_forecast_customers.sql), and per monthly cohort what it had realized by then, by month of
// life (18_forecast_realized.sql). Read by column into typed arrays: one row per customer.
import { loadSql } from '../warehouse/loadSql.js';
import type { Warehouse } from '../warehouse/openWarehouse.js';

export interface CustomerTable {
  n: number;
  cohortDay: string[];
  /** The monthly cohort (its first day) the customer belongs to in `days-month-cohort`. */
  cohort: string[];
  t0Ms: Float64Array;
  duration: (string | null)[];
  purchaseDays: Float64Array;
  lastDayMs: Float64Array;
  firstDayRevenue: Float64Array;
  repeatRevenue: Float64Array;
  payments: Float64Array;
  maxRenewal: Float64Array;
  lastPaymentMs: Float64Array;
  renewalRevenue: Float64Array;
  renewalPayments: Float64Array;
  revenue: Float64Array;
  proceeds: Float64Array;
  netRevenue: Float64Array;
}

/** A monthly cohort's realized money by month of life k (not cumulative). */
export interface RealizedByMonth {
  revenue: number[];
  proceeds: number[];
  net_revenue: number[];
}

export interface ForecastData {
  /** The cutoff's local wall-clock time in naive milliseconds. */
  cutoffMs: number;
  customers: CustomerTable;
  realized: Map<string, RealizedByMonth>;
}

type Columns = Record<string, unknown[]>;

const num = (v: unknown): number => (v === null || v === undefined ? Number.NaN : Number(v));
const floats = (col: unknown[] | undefined): Float64Array => Float64Array.from(col ?? [], num);

export async function readForecastData(wh: Warehouse, cutoffIso: string): Promise<ForecastData> {
  const [{ ms } = { ms: 0 }] = await wh.all<{ ms: number }>(
    'SELECT CAST(epoch_ms(ltv_local(CAST($cutoff AS TIMESTAMPTZ))) AS DOUBLE) AS ms', { cutoff: cutoffIso },
  );
  const c = await wh.columns<Columns>(loadSql('17_forecast_customers', { dims: 'a.duration, ' }), { cutoff: cutoffIso });
  const cohortDay = (c.cohort_day ?? []) as string[];
  const customers: CustomerTable = {
    n: cohortDay.length,
    cohortDay,
    cohort: cohortDay.map((d) => `${d.slice(0, 8)}01`),
    t0Ms: floats(c.t0_ms),
    duration: (c.duration ?? []) as (string | null)[],
    purchaseDays: floats(c.purchase_days),
    lastDayMs: floats(c.last_day_ms),
    firstDayRevenue: floats(c.first_day_revenue),
    repeatRevenue: floats(c.repeat_revenue),
    payments: floats(c.payments),
    maxRenewal: floats(c.max_renewal),
    lastPaymentMs: floats(c.last_payment_ms),
    renewalRevenue: floats(c.renewal_revenue),
    renewalPayments: floats(c.renewal_payments),
    revenue: floats(c.revenue),
    proceeds: floats(c.proceeds),
    netRevenue: floats(c.net_revenue),
  };
  const r = await wh.columns<Columns>(loadSql('18_forecast_realized'), { cutoff: cutoffIso });
  const realized = new Map<string, RealizedByMonth>();
  (r.cohort ?? []).forEach((cohort, i) => {
    const k = num(r.k?.[i]);
    let row = realized.get(cohort as string);
    if (!row) realized.set(cohort as string, (row = { revenue: [], proceeds: [], net_revenue: [] }));
    for (const key of ['revenue', 'proceeds', 'net_revenue'] as const) {
      const list = row[key];
      while (list.length <= k) list.push(0);
      list[k] = (list[k] ?? 0) + num(r[key]?.[i]);
    }
  });
  return { cutoffMs: Number(ms), customers, realized };
}
