// SPEC §3 presets: where each canonical column comes from in a known export format. A preset entry lists
// candidate source columns (first present wins) and, where the source needs it, a text transform in SQL
// over the quoted column (`$col`). `--map` / a job's `map` overrides any entry.
import { CANONICAL_COLUMNS, type CanonicalColumn, type InputDef } from '../config/jobSchema.js';
import { ROW_PRESETS } from './presets/rowPresets.js';
import type { RowPreset } from './presets/RowPreset.js';
import type { SourceFile } from './resolveInputs.js';

export interface ColumnSource {
  /** Source columns to try, in order (matched case-insensitively). */
  from: readonly string[];
  /** SQL over `$col` (the quoted source column, as text); the result must be text. */
  transform?: string;
  /** When several `from` columns exist: combine them with coalesce in this order. */
  coalesce?: boolean;
  /** Other source columns the transform reads, as `$<name>` (first present of the list; NULL when none is). */
  with?: Readonly<Record<string, readonly string[]>>;
  /**
   * The `with` columns that are times the export writes in UTC: each is given to the transform as the run's
   * time columns are read (the input's time_format, then ltv_utc_if_naive), for ltv_utc_ts
   * (02_macros.sql) to compare.
   */
  withTimes?: readonly string[];
  /**
   * SQL over `$col` and the `with` columns: why the row is bad in the export's own terms, naming the file's
   * column and quoting its text (NULL when it is not). The row is quarantined with it before any column rule
   * is checked (06_check_rows.sql parse_error): the check's own reason would quote the transformed text.
   */
  reason?: string;
  /**
   * A time the export writes in UTC: a naive one (of any shape the check reads, or as the input's time_format
   * reads it) is read as UTC, never in the report time zone (ltv_utc_if_naive, 02_macros.sql).
   */
  utc?: true;
}

export type Preset = Partial<Record<CanonicalColumn, ColumnSource>>;

/** canonical: every canonical column under its own name. */
export const CANONICAL_PRESET: Preset = {};

// RevenueCat Scheduled Data Export v5, as RevenueCat documents it (SPEC §3;
// https://www.revenuecat.com/docs/integrations/scheduled-data-exports/data-export-version-5, and the
// "Measuring gross revenue" note of version 4, whose price columns v5 keeps):
// - "All dates and times are provided in UTC": start_time, refunded_at and the update time are read as UTC
//   even without an offset (`2025-07-14 23:30:00` is 01:30 on the 15th in Berlin), never in the report zone.
// - price_in_usd / price_in_purchased_currency are the price after refunds: 0 once a transaction is fully
//   refunded (refunded_at set), lowered by a partial refund; purchase_price_in_* keep the price paid.
//   So a row is read as: fully refunded (refunded_at set, price not between 0 and the purchase price) → a
//   payment of the purchase price that refunded_at takes back in full (the customer keeps its cohort, its
//   movements net to zero, and a run as of before refunded_at still sees the payment); otherwise → a
//   payment of the price as it stands, a partial refund being already taken out of it, at the payment's
//   own time and renewal (a clawback, SPEC §4), so refunded_at is not applied again.
// - commission_percentage and tax_percentage are "the portion of a transaction's total revenue" deducted for
//   the store's commission and for taxes (version 3 change log): fractions, 0.3 = 30 %. They are read exactly
//   (fractionToPercent: the decimal point moved two places as text, then the rules of ltv_dec4, so a fraction
//   has at most 6 decimals) and scaled to 0..100; a value that is no such fraction (`1e-1`, `0.3333333333`)
//   or above 1 (`30`: a percentage, which RevenueCat never writes) makes the row bad, quoting the file's
//   text, instead of being read as some other share of the price. Both are portions of the price, so
//   proceeds = price × (1 − commission) and net revenue = price × (1 − commission − tax) (10_payments.sql,
//   rows of RevenueCat files), not the canonical columns' product.
// - renewal_number counts from 1 and a free trial takes a number: ltv counts paid periods from 0, so a row's
//   renewal is RevenueCat's number − 1 − the free trial (is_trial_period, price 0) before it in its
//   subscription (10_payments.sql): a conversion after a trial (RevenueCat 2) is renewal 0. RevenueCat
//   numbers each subscription from 1: in a customer's rows of a product in time order, a number not above
//   the one before starts another subscription, whose numbers owe nothing to an earlier one's trial.
// - duration: RevenueCat's ISO 8601 product_duration (P1M …) mapped to Adapty's names.
// - ownership_type FAMILY_SHARED: "RevenueCat excludes family sharing transactions from our measures"
//   (version 3 change log); and "for Google Play, end_time can be before start_time to indicate an invalid
//   transaction" (the export's column list). Both rows are read and counted with amount 0 (they start no
//   cohort and carry no money), as the other presets read rows without money. A free trial whose price
//   columns are empty ("can be null if product prices haven't been collected") is a trial of amount 0, not
//   a row missing its amount.
/** The percentage of a fraction's text, read exactly (ltv_fraction_percent, 02_macros.sql). */
const PERCENT = 'ltv_fraction_percent($col)';
/** A RevenueCat fraction (0.3) as the canonical percentage (30.0000); text that is none is passed on (its row is bad: fractionReason). */
const fractionToPercent = `CASE WHEN ${PERCENT} BETWEEN 0 AND 100 THEN CAST(${PERCENT} AS VARCHAR) ELSE $col END`;
/** Why a row's RevenueCat fraction is bad (no such fraction, above 1, negative), quoting the file's text; NULL when it is not. */
function fractionReason(column: string): string {
  return `CASE WHEN ltv_text($col) IS NULL OR ${PERCENT} BETWEEN 0 AND 100 THEN NULL
    WHEN ${PERCENT} IS NULL THEN '${column} is not a fraction as RevenueCat writes it (0.3 = 30 %: digits, a dot, at most 6 decimals; no separators or exponent): "' || left($col, 60) || '"'
    WHEN ${PERCENT} > 100 THEN '${column} is more than 1: RevenueCat writes it as a fraction of the price (0.3 = 30 %), never as a percentage: "' || left($col, 60) || '"'
    ELSE '${column} is negative: RevenueCat writes it as a fraction of the price from 0 to 1: "' || left($col, 60) || '"' END`;
}
const decimal = (col: string): string => `try_cast(ltv_trim(${col}) AS DECIMAL(18, 4))`;
/** A partial refund: the price after refunds is above 0 and below the purchase price. */
const partial = (price: string, purchase: string): string =>
  `coalesce(${decimal(price)} > 0 AND ${decimal(price)} < ${decimal(purchase)}, FALSE)`;
const PARTIAL_ANY = `(${partial('$usd', '$purchase_usd')} OR ${partial('$cur', '$purchase_cur')})`;
const PRICE_COLUMNS = {
  usd: ['price_in_usd'], purchase_usd: ['purchase_price_in_usd'],
  cur: ['price_in_purchased_currency'], purchase_cur: ['purchase_price_in_purchased_currency'],
} as const;
/** A family member's copy of a purchase (RevenueCat leaves these out of its measures). */
const FAMILY_SHARED = `coalesce(upper(ltv_trim($ownership)) = 'FAMILY_SHARED', FALSE)`;
/** Rows that carry no money by RevenueCat's rules (see above): family sharing, and Google Play's invalidated transactions. */
const RC_NO_MONEY = `${FAMILY_SHARED} OR coalesce(ltv_utc_ts($end) < ltv_utc_ts($start), FALSE)`;
/** A free trial whose price columns are both empty (see above). */
const PRICELESS_TRIAL = `ltv_text($price) IS NULL AND ltv_text($purchase) IS NULL AND coalesce(lower(ltv_trim($trial)) IN ('true', 't', '1', 'yes'), FALSE)`;
/** A fully refunded row (refunded_at set, not a partial refund): its purchase price is what the refund takes back. */
const FULLY_REFUNDED = `ltv_text($refunded) IS NOT NULL AND NOT ${partial('$price', '$purchase')}`;
/**
 * The amount of a row from one price pair (see above): 0 for a row without money (and for a free trial
 * without a price: the price columns may be null), the purchase price when fully refunded, else the price.
 * A fully refunded row whose purchase price is empty and whose price is 0 (or empty) has nothing to take
 * back: read as 0, it started no cohort and the customer vanished from every one without a trace, so it is
 * a bad row naming the purchase price column.
 */
function rcAmount(price: string, purchase: string): ColumnSource {
  return {
    from: [price, purchase],
    with: { price: [price], purchase: [purchase], refunded: ['refunded_at'], ownership: ['ownership_type'], start: ['start_time'], end: ['end_time'], trial: ['is_trial_period'] },
    withTimes: ['start', 'end'],
    transform: `CASE WHEN ${RC_NO_MONEY} THEN '0'
      WHEN ${PRICELESS_TRIAL} THEN '0'
      WHEN NOT (${FULLY_REFUNDED}) THEN coalesce(ltv_text($price), $purchase) ELSE coalesce(ltv_text($purchase), $price) END`,
    reason: `CASE WHEN ${RC_NO_MONEY} OR ${PRICELESS_TRIAL} THEN NULL
      WHEN ltv_text($end) IS NOT NULL AND ltv_utc_ts($end) IS NULL THEN ltv_time_reason('end_time', $end)
      WHEN ${FULLY_REFUNDED} AND ltv_text($purchase) IS NULL AND coalesce(ltv_dec4($price) = 0, ltv_text($price) IS NULL)
      THEN '${purchase} is missing on a fully refunded row (refunded_at "' || left($refunded, 60) || '", ${price} "' || coalesce(left($price, 60), '') || '"): the purchase price is what the refund takes back, the customer keeping its cohort; export the purchase price columns' END`,
  };
}
export const REVENUECAT_PRESET: Preset = {
  customer_id: { from: ['rc_original_app_user_id'] },
  // A family member's copy has no transaction of its own (as rows without money in the other presets): it
  // never replaces the purchaser's payment of the same store transaction.
  transaction_id: { from: ['store_transaction_id'], with: { ownership: ['ownership_type'] }, transform: `CASE WHEN ${FAMILY_SHARED} THEN NULL ELSE $col END` },
  event_time: { from: ['start_time'], utc: true },
  amount: rcAmount('price_in_purchased_currency', 'purchase_price_in_purchased_currency'),
  currency: { from: ['purchased_currency'] },
  commission_percentage: { from: ['commission_percentage'], transform: fractionToPercent, reason: fractionReason('commission_percentage') },
  tax_percentage: { from: ['tax_percentage'], transform: fractionToPercent, reason: fractionReason('tax_percentage') },
  // A partial refund is already out of the price: refunded_at would take back the rest.
  refunded_at: { from: ['refunded_at'], with: PRICE_COLUMNS, transform: `CASE WHEN ${PARTIAL_ANY} THEN NULL ELSE $col END`, utc: true },
  renewal_number: {
    from: ['renewal_number'],
    // Whole numbers only (ltv_int): text that is none passes on as it is and the check rejects it.
    transform: `CASE WHEN ltv_int($col) IS NULL THEN $col ELSE CAST(greatest(ltv_int($col) - 1, 0) AS VARCHAR) END`,
  },
  is_sandbox: { from: ['is_sandbox'] },
  // A trial's conversion (is_trial_conversion: RevenueCat's 2, its trial the 1) is marked too: a paid row's
  // is_trial changes nothing else, and it tells 10_payments.sql the subscription had a trial when the trial's
  // own row is not in the files.
  is_trial: {
    from: ['is_trial_period'],
    with: { conversion: ['is_trial_conversion'] },
    transform: `CASE WHEN coalesce(lower(ltv_trim($conversion)) IN ('true', 't', '1', 'yes'), FALSE) THEN 'true' ELSE $col END`,
  },
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
  updated_at: { from: ['last_updated_at', 'updated_at'], utc: true },
};

/** RevenueCat's USD price, used directly when the report currency is USD (SPEC §3). */
export const REVENUECAT_USD: Preset = {
  amount: rcAmount('price_in_usd', 'purchase_price_in_usd'),
  currency: { from: [], transform: `'USD'` },
};

/** The indexes (file_idx) of the input files read with the revenuecat preset (10_payments.sql reads their
 *  rows by RevenueCat's rules for net revenue and renewals). */
export function revenuecatFiles(files: readonly SourceFile[]): number[] {
  return files.flatMap((f, i) => (f.input.preset === 'revenuecat' ? [i] : []));
}

/** The row preset of that name (stripe, shopify, adapty, paddle: src/ingest/presets/), if it is one. */
export function rowPresetFor(name: InputDef['preset']): RowPreset | undefined {
  return ROW_PRESETS[name];
}

export function presetFor(name: InputDef['preset'], reportCurrency: string): Preset {
  if (name === 'canonical') return CANONICAL_PRESET;
  // A row preset's statement returns each canonical column it knows as ltv__<column> (wrapRowPreset.ts).
  const row = rowPresetFor(name);
  if (row) {
    return {
      ...Object.fromEntries(Object.entries(row.passthrough ?? {}).map(([c, from]) => [c, { from }])),
      ...Object.fromEntries(row.outputs.map((c) => [c, { from: [`ltv__${c}`], ...(row.utc?.includes(c) ? { utc: true as const } : {}) }])),
    };
  }
  return reportCurrency === 'USD' ? { ...REVENUECAT_PRESET, ...REVENUECAT_USD } : REVENUECAT_PRESET;
}

/**
 * The source columns an input's job reads (lower-cased): its canonical columns or what `map` gives them, and
 * every column its preset reads. A column not among them is never read (readQuery.ts, readInputs.ts).
 */
export function namesReadBy(input: Pick<InputDef, 'map' | 'preset'>): Set<string> {
  // A canonical column that `map` gives another source is not read by its own name.
  const names: string[] = [...CANONICAL_COLUMNS.filter((c) => !(c in input.map)), ...Object.values(input.map)];
  // The revenuecat preset reads other columns when the report currency is USD: both sets.
  for (const currency of ['USD', 'XXX']) {
    for (const source of Object.values(presetFor(input.preset, currency))) {
      names.push(...source.from, ...Object.values(source.with ?? {}).flat());
    }
  }
  const row = rowPresetFor(input.preset);
  if (row) names.push(...Object.values(row.inputs).flat(), ...Object.values(row.passthrough ?? {}).flat());
  return new Set(names.map((n) => n.toLowerCase()));
}
