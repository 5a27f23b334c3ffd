// The job's subject template (jobSchema `email.subject`): {tenant} {date} {ltv} {currency} {horizon} {job}.
// The job schema refuses unknown placeholders at load; one here would stay as written.

import { visibleText } from '../format/text.js';

export type SubjectVars = Record<'tenant' | 'date' | 'ltv' | 'currency' | 'horizon' | 'job', string>;

export function formatSubject(template: string, vars: SubjectVars): string {
  const text = template.replace(/\{(\w+)\}/g, (whole, name: string) => (Object.hasOwn(vars, name) ? vars[name as keyof SubjectVars] : whole));
  // A header is one line: line breaks and tabs from data (a tenant id with a newline) become spaces, other
  // controls and bidi overrides are made visible as in the email's parts (visibleText: a U+202E in the
  // subject reordered what followed it there).
  return visibleText(text).replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
}
