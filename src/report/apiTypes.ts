// Response bodies of the two public APIs we are compatible with (../shared/seeds/). Snapshot files hold
// exactly these bodies; the endpoint serves them as they are.

export interface ZenovayPeriod {
  period: number;
  cumulative_revenue_per_customer: number;
}
export interface ZenovayCohort {
  cohort_date: string;
  customers: number;
  periods: ZenovayPeriod[];
}
export interface ZenovayResponse {
  success: true;
  data: {
    cohorts: ZenovayCohort[];
    summary: { average_ltv_30d: number | null; average_ltv_90d: number | null };
  };
  /** The run's as-of time (the documented example shows T), ISO 8601 with milliseconds. */
  timestamp: string;
}
export const ZENOVAY_RANGES = ['24h', '7d', '30d', '90d', '180d', '365d', 'all'] as const;
export type ZenovayRange = (typeof ZENOVAY_RANGES)[number];
export const ZENOVAY_GRANULARITIES = ['weekly', 'monthly'] as const;
export type ZenovayGranularity = (typeof ZENOVAY_GRANULARITIES)[number];

export interface AdaptyValue {
  period: number;
  value: number;
}
export interface AdaptyRow {
  title: string;
  type: 'total' | 'cohort' | 'segment';
  /** The value at the row's last shown period; null when it shows none (SPEC §6: an empty answer's Total). */
  value: number | null;
  cohort_size: number;
  values: AdaptyValue[];
}
export interface AdaptyMetric {
  title: 'LTV';
  unit: string;
  description: string;
  /** The Total row's value (null when no customer matches). */
  value: number | null;
  data: AdaptyRow[];
}
export interface AdaptyResponse {
  revenue: AdaptyMetric;
  proceeds: AdaptyMetric;
  net_revenue: AdaptyMetric;
}
