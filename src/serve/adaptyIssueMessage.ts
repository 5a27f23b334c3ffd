// Validation errors of the Adapty request in words a client developer acts on (issue 16): zod's own
// ("Invalid input: expected tuple, received undefined", "must be int", "at most 9007199254740991") name
// neither the field nor the fix. Every message names the field and what it accepts.
import type { z } from 'zod';
import { unknownNames } from '../format/listed.js';

/** The default forecast horizon (SPEC §9; src/config job schema `forecast.horizon_months`). */
export const DEFAULT_HORIZON_MONTHS = 24;

/** What a field holds, for "is required: …" and "must be …". */
const SHAPES: Record<string, string> = {
  filters: 'an object with date: [from, to] as YYYY-MM-DD, and optional filter lists such as country: ["US"]',
  'filters.date': '[from, to] as YYYY-MM-DD',
  'filters.compare_date': '[from, to] as YYYY-MM-DD, as date is (it is checked, then ignored: the answer compares no periods)',
  period_unit: 'one of day, week, month, quarter, year',
  period_type: 'one of renewals, days',
  format: 'one of json, csv',
  // The run's horizon is known only once the run is resolved (adaptyRoute.ts checks it then).
  prediction_months: `a whole number of months from 1 to the run's forecast horizon (${DEFAULT_HORIZON_MONTHS} unless its job sets another)`,
};

/** The whole body when it is not an object (source non_field_errors, as Django REST framework names it). */
export const NOT_AN_OBJECT = 'the body must be a JSON object, e.g. {"filters": {"date": ["2026-01-01", "2026-03-31"]}}';

const LIST = 'a list of strings, e.g. ["US", "DE"]';

/** One sentence naming the field (`source`) and what to send. */
export function adaptyIssueMessage(issue: z.core.$ZodIssue, source: string): string {
  if (source === 'non_field_errors' && issue.code === 'invalid_type') return NOT_AN_OBJECT;
  if (issue.code === 'unrecognized_keys') {
    return `${source === 'non_field_errors' ? 'the body' : source} has unknown field(s): ${unknownNames(issue.keys)}${source === 'filters' ? ' (filters: date and the MetricsFilters keys such as country, store, product)' : ''}`;
  }
  // Our own refinements of a date ("is not a calendar date", "must be [from, to] with from on or before to")
  // read after the field name; a date not written YYYY-MM-DD falls to the field's shape below.
  if (issue.code === 'custom') return `${source} ${issue.message}`;
  if (issue.code === 'invalid_value') return `${source} must be one of: ${issue.values.map(String).join(', ')}`;
  // zod keeps no input on an issue: its message is the only place that says the field was absent.
  const missing = issue.code === 'invalid_type' && /received undefined/.test(issue.message);
  const shape = SHAPES[source];
  if (shape) return missing ? `${source} is required: ${shape}` : `${source} must be ${shape}`;
  // The rest are filter lists (filters.country …): a list of at most 1000 strings.
  const element = typeof issue.path.at(-1) === 'number';
  if (issue.code === 'too_big') {
    return element || issue.origin === 'string' ? `${source}: each value must have at most ${String(issue.maximum)} characters` : `${source} must be a list of at most ${String(issue.maximum)} values`;
  }
  return element ? `${source} must hold strings only, e.g. ["US", "DE"]` : `${source} must be ${LIST}`;
}
