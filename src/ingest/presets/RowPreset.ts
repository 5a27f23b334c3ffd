// SPEC §3 presets for exports whose rows are not one money movement each: a Stripe charge carries its
// refunded amount, a Shopify order is spread over its line items, an Adapty or Paddle row means money only
// for some event types or statuses. Such a preset is one fixed SQL statement (src/sql/presets/<name>.sql)
// over the file's rows; it may turn one row into a payment and a linked refund. Values are bound, the
// only identifiers are the file's own columns, found among each input's candidate names.
import type { CanonicalColumn } from '../../config/jobSchema.js';

/** The canonical times: an input's time_format reads each of them, and a row preset names each one's source (`outputs`). */
export const TIME_COLUMNS: readonly CanonicalColumn[] = ['event_time', 'refunded_at', 'updated_at'];

export interface RowPreset {
  /** The name used in a job's `preset`. */
  name: string;
  /** The vendor's public documentation of the export's columns (cited in the README). */
  documentation: readonly string[];
  /**
   * The columns the statement reads, each as `ltv__in_<input>` (text, NULL when the file lacks it): the
   * candidate header names in order, matched case-insensitively; the first present wins.
   */
  inputs: Readonly<Record<string, readonly string[]>>;
  /**
   * The inputs without which no row of the export can be read (each a group: one of its inputs is enough). A
   * file lacking one is refused as a whole, naming the columns: another kind of file read with the preset gave
   * a "missing" bad row per line.
   */
  required: readonly (readonly string[])[];
  /**
   * The canonical columns the statement returns, each as `ltv__<column>` (text). A time (event_time,
   * refunded_at, updated_at) comes with `ltv__<column>__column`, the header name of the file's column it was
   * read from on that row ({{name_<input>}}), and `ltv__<column>__text`, that cell as the file writes it:
   * its reasons (06_check_rows.sql) name the file's column and quote its text, not the statement's rewrite.
   */
  outputs: readonly CanonicalColumn[];
  /**
   * Whether the statement also returns `ltv__reason`: why a row is bad in the export's own terms (NULL when
   * it is not), quarantined with that reason before any column rule is checked.
   */
  reasons?: boolean;
  /**
   * The inputs each id the statement returns is read from (its SQL's coalesce or CASE): a job's map that reads
   * one of their columns as another id is refused (readInputs.ts refuseOneColumnTwice).
   */
  ids: Readonly<Partial<Record<'customer_id' | 'transaction_id' | 'refund_of', readonly string[]>>>;
  /**
   * Whether the statement turns one row into a payment and its refund (a Stripe charge with an amount
   * refunded, a Shopify order with a refunded amount), giving the refund row a transaction id of its own
   * (`<id>/refund`): a job's map of transaction_id, which gives both rows the one row's value, is refused.
   */
  splitsRefunds?: true;
  /** The time outputs the export writes in UTC: a naive one is read as UTC, never in the report zone (ColumnSource `utc`). */
  utc?: readonly CanonicalColumn[];
  /** Canonical columns taken as they are from the first present of these source columns (dimensions). */
  passthrough?: Readonly<Partial<Record<CanonicalColumn, readonly string[]>>>;
}
