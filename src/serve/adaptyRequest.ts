// The body of Adapty's `POST /api/v1/client-api/metrics/ltv/` (SPEC §6; seeds/000 and Adapty's
// MetricsFilters). Validated strictly so a typo in a filter name is a 400, not a silently wider answer.
import { EDGE_SPACE_CLASS } from '../config/jobSchema.js';
import { z } from '../config/zod.js';
import { FILTER_COLUMNS, PERIOD_TYPES, PERIOD_UNITS, SEGMENTATIONS, type FilterKey, type LtvFilters, type MatrixSpec } from '../ltv/model.js';
import { adaptyIssueMessage } from './adaptyIssueMessage.js';
import { HttpError, type FieldErrors } from './HttpError.js';

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
  .refine((s) => {
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(s);
  }, 'is not a calendar date');

/** A period [from, to] of calendar dates, from on or before to. */
const datePeriod = z
  .tuple([isoDate, isoDate])
  .refine(([from, to]) => from <= to, 'must be [from, to] with from on or before to');

// A value as long as the run published it: the ingest keeps a dimension value whole, the explorer offers
// it, and a cap here (256 characters) refused a filter on a value the run itself listed (the body's own
// limit, 64 KiB, bounds it).
// An empty or blank value matches nothing (values are trimmed, as ingest trims them, and a row without one is
// `unknown`): a 400 says so rather than an answer of no customer.
const BLANK = new RegExp(`^${EDGE_SPACE_CLASS}*$`);
const filterValues = z.array(z.string().refine((v) => !BLANK.test(v), 'holds an empty value: give each value as the report shows it, or "unknown" for customers without one')).max(1000);

const filtersSchema = z
  .object({
    date: datePeriod,
    // Adapty's MetricsFilters types it as it types date (the earlier period of a comparison): checked as
    // date is, so a malformed one is a 400 as Adapty's would be, then ignored (we answer one period).
    compare_date: datePeriod.optional(),
    ...(Object.fromEntries(Object.keys(FILTER_COLUMNS).map((k) => [k, filterValues.optional()])) as Record<FilterKey, z.ZodOptional<typeof filterValues>>),
  })
  .strict();

/** `cohort` is our name for "no segmentation"; Adapty's clients omit the field instead. */
const ADAPTY_SEGMENTATIONS = SEGMENTATIONS.filter((s) => s !== 'cohort') as [string, ...string[]];

export const adaptyRequestSchema = z
  .object({
    filters: filtersSchema,
    period_unit: z.enum(PERIOD_UNITS).default('month'),
    period_type: z.enum(PERIOD_TYPES).default('renewals'),
    segmentation: z.enum(ADAPTY_SEGMENTATIONS).nullish(),
    format: z.enum(['json', 'csv']).default('json'),
    // SPEC §9: adds predicted_values to each row (adaptyPredictions.ts).
    prediction_months: z.number().int().min(1).max(120).optional(),
  })
  .strict();

export interface AdaptyRequest {
  spec: MatrixSpec;
  filters: LtvFilters & { date: readonly [string, string] };
  format: 'json' | 'csv';
  /** True when only `date` (and the ignored compare_date) filters. */
  dateOnly: boolean;
  /** SPEC §9 `prediction_months`: predicted values up to this many months of life. */
  predictionMonths?: number;
}

/** The fields a body may leave out; `filters` and `filters.date` are required. */
const REQUIRED = new Set(['filters', 'date']);

/** A plain JSON object (not an array, not null). */
function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * An optional field sent as null is a field not sent: clients generated from Adapty's OpenAPI document
 * write every unset optional property as null (.NET's System.Text.Json, Jackson, pydantic without
 * exclude_none), and `segmentation: null` already meant none. Required fields keep their null (a 400).
 */
function withoutNulls(body: unknown): unknown {
  if (!isObject(body)) return body;
  const drop = (o: Record<string, unknown>): Record<string, unknown> =>
    Object.fromEntries(Object.entries(o).filter(([k, v]) => v !== null || REQUIRED.has(k)));
  const top = drop(body);
  return isObject(top.filters) ? { ...top, filters: drop(top.filters) } : top;
}

export function parseAdaptyRequest(body: unknown): AdaptyRequest {
  const r = adaptyRequestSchema.safeParse(withoutNulls(body));
  if (!r.success) {
    const bySource = new Map<string, string[]>();
    for (const issue of r.error.issues) {
      // Point at the field the client wrote (`filters.date`), not at the tuple index inside it.
      const path = issue.path.filter((p) => typeof p === 'string');
      const source = path.length > 0 ? path.join('.') : 'non_field_errors';
      // One sentence per field (the first): a bad date would also fail the calendar and the order checks,
      // and the client needs only what to send.
      if (!bySource.has(source)) bySource.set(source, [adaptyIssueMessage(issue, source)]);
    }
    const fields: FieldErrors[] = [...bySource].map(([source, errors]) => ({ source, errors }));
    const first = fields[0] as FieldErrors;
    // Each message names its field already (adaptyIssueMessage.ts).
    throw new HttpError('VALIDATION_ERROR', first.errors[0] ?? first.source, { fields });
  }
  const b = r.data;
  const attributes: Partial<Record<FilterKey, readonly string[]>> = {};
  for (const k of Object.keys(FILTER_COLUMNS) as FilterKey[]) {
    const v = b.filters[k];
    // An empty list means "no filter on this key" (as Adapty's dashboard treats a cleared filter).
    if (v && v.length > 0) attributes[k] = [...new Set(v)].sort();
  }
  const dateOnly = Object.keys(attributes).length === 0;
  return {
    spec: {
      period_type: b.period_type,
      period_unit: b.period_unit,
      segmentation: (b.segmentation ?? 'cohort') as MatrixSpec['segmentation'],
    },
    filters: dateOnly ? { date: b.filters.date } : { date: b.filters.date, attributes },
    format: b.format,
    dateOnly,
    ...(b.prediction_months !== undefined ? { predictionMonths: b.prediction_months } : {}),
  };
}
