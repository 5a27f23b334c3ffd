// SPEC §3 presets: where each canonical column comes from in a known export format. A preset entry lists
// candidate source columns (first present wins) and, where the source needs it, a text transform in SQL
// over the quoted column (`$col`). `--map` / a job's `map` overrides any entry.
import type { CanonicalColumn } from '../config/jobSchema.js';

export interface ColumnSource {
  /** Source columns to try, in order (matched case-insensitively). */
  from: readonly string[];
  /** SQL over `$col` (the quoted source column, as text); the result must be text. */
  transform?: string;
  /** When several `from` columns exist: combine them with coalesce in this order. */
  coalesce?: boolean;
}

export type Preset = Partial<Record<CanonicalColumn, ColumnSource>>;

/** canonical: every canonical column under its own name. */
export const CANONICAL_PRESET: Preset = {};

// RevenueCat Scheduled Data Export v5 (public docs). Decisions, written down:
// - amount: purchase_price_in_purchased_currency when present (RevenueCat zeroes price_in_purchased_currency
//   of a refunded transaction and sets refunded_at; the purchase price keeps the gross), else the price.
// - renewal_number: RevenueCat counts the first purchase as 1; ours counts it as 0.
// - commission_percentage / tax_percentage: RevenueCat writes fractions (0.3 = 30 %); values ≤ 1 are
//   read as fractions and scaled to 0..100, larger ones as percentages already.
// - duration: RevenueCat's ISO 8601 product_duration (P1M …) mapped to Adapty's names.
const fractionToPercent = `CASE WHEN try_cast(trim($col) AS DOUBLE) <= 1 THEN CAST(try_cast(trim($col) AS DECIMAL(18, 8)) * 100 AS VARCHAR) ELSE $col END`;
export const REVENUECAT_PRESET: Preset = {
  customer_id: { from: ['rc_original_app_user_id'] },
  transaction_id: { from: ['store_transaction_id'] },
  event_time: { from: ['start_time'] },
  amount: { from: ['purchase_price_in_purchased_currency', 'price_in_purchased_currency'], coalesce: true },
  currency: { from: ['purchased_currency'] },
  commission_percentage: { from: ['commission_percentage'], transform: fractionToPercent },
  tax_percentage: { from: ['tax_percentage'], transform: fractionToPercent },
  refunded_at: { from: ['refunded_at'] },
  renewal_number: {
    from: ['renewal_number'],
    // Whole numbers only (ltv_int): text that is none passes on as it is and the check rejects it.
    transform: `CASE WHEN ltv_int($col) IS NULL THEN $col ELSE CAST(greatest(ltv_int($col) - 1, 0) AS VARCHAR) END`,
  },
  is_sandbox: { from: ['is_sandbox'] },
  is_trial: { from: ['is_trial_period'] },
  product_id: { from: ['product_identifier'] },
  duration: {
    from: ['product_duration'],
    transform: `CASE upper(trim($col)) WHEN 'P1W' THEN 'Weekly' WHEN 'P7D' THEN 'Weekly' WHEN 'P1M' THEN 'Monthly'
      WHEN 'P2M' THEN '2 months' WHEN 'P3M' THEN '3 months' WHEN 'P6M' THEN '6 months' WHEN 'P1Y' THEN 'Annual'
      WHEN 'P12M' THEN 'Annual' ELSE $col END`,
  },
  store: { from: ['store'] },
  country: { from: ['country'] },
  paywall: { from: ['presented_offering'] },
  offer_type: { from: ['offer_type'] },
  offer_id: { from: ['offer'] },
  updated_at: { from: ['last_updated_at', 'updated_at'] },
};

/** RevenueCat's USD price, used directly when the report currency is USD (SPEC §3). */
export const REVENUECAT_USD: Preset = {
  amount: { from: ['purchase_price_in_usd', 'price_in_usd'], coalesce: true },
  currency: { from: [], transform: `'USD'` },
};

export function presetFor(name: 'canonical' | 'revenuecat', reportCurrency: string): Preset {
  if (name === 'canonical') return CANONICAL_PRESET;
  return reportCurrency === 'USD' ? { ...REVENUECAT_PRESET, ...REVENUECAT_USD } : REVENUECAT_PRESET;
}
