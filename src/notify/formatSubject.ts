// The job's subject template (jobSchema `email.subject`): {tenant} {date} {ltv} {currency} {horizon} {job}.
// The job schema refuses unknown placeholders at load; one here would stay as written.

import { NO_CUSTOMERS } from '../format/labels.js';
import { visibleText } from '../format/text.js';

export type SubjectVars = Record<'tenant' | 'date' | 'ltv' | 'currency' | 'horizon' | 'job', string>;

/**
 * The headline's placeholders as they stand together in a template: {ltv} with a {currency} before it and
 * the {currency} and {horizon} after it, joined by a few characters ("{ltv} {currency} at {horizon}").
 */
const HEADLINE = /(?:\{currency\}\s*)?\{ltv\}(?:[^{}]{0,12}?\{(?:currency|horizon)\})*/g;

/**
 * The subject. `noCustomers`: the tenant has no paying customer, so there is no LTV to state: the headline's
 * placeholders say so instead ("LTV report zero 2026-03-01: no paying customers yet", not "n/a JPY at 90
 * days").
 */
export function formatSubject(template: string, vars: SubjectVars, opts: { noCustomers?: boolean } = {}): string {
  const text = (opts.noCustomers ? template.replace(HEADLINE, NO_CUSTOMERS) : template).replace(/\{(\w+)\}/g, (whole, name: string) => (Object.hasOwn(vars, name) ? vars[name as keyof SubjectVars] : whole));
  // A header is one line: line breaks and tabs from data (a tenant id with a newline) become spaces, other
  // controls and bidi overrides are made visible as in the email's parts (visibleText: a U+202E in the
  // subject reordered what followed it there).
  return visibleText(text).replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
}
