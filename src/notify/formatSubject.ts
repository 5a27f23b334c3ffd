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
  const text = (opts.noCustomers ? template.replace(HEADLINE, NO_CUSTOMERS) : template).replace(/\{(\w+)\}/g, (whole, name: string) => (Object.hasOwn(vars, name) ? cut(vars[name as keyof SubjectVars], VAR_CHARS) : whole));
  // A header is one line: line breaks (U+2028 and U+2029 too) and tabs from data (a tenant id with a newline)
  // become spaces, other
  // controls and bidi overrides are made visible as in the email's parts (visibleText: a U+202E in the
  // subject reordered what followed it there).
  return cut(visibleText(text).replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').trim(), SUBJECT_CHARS);
}

/**
 * A placeholder's value (a tenant id may be 1,024 characters) and the subject itself, at most so many
 * characters: a header line holds at most 998 (RFC 5322 §2.1.1), and a word without a space is not folded
 * (a 1,024-character tenant id made a 1,025-character line, which relays may refuse or break).
 */
const VAR_CHARS = 120;
const SUBJECT_CHARS = 400;

function cut(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : text;
}
