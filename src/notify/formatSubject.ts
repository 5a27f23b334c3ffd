// The job's subject template (jobSchema `email.subject`): {tenant} {date} {ltv} {currency} {horizon} {job}.
// The job schema refuses unknown placeholders at load; one here would stay as written.

export type SubjectVars = Record<'tenant' | 'date' | 'ltv' | 'currency' | 'horizon' | 'job', string>;

export function formatSubject(template: string, vars: SubjectVars): string {
  const text = template.replace(/\{(\w+)\}/g, (whole, name: string) => (Object.hasOwn(vars, name) ? vars[name as keyof SubjectVars] : whole));
  // A header is one line: control characters from data (a tenant id with a newline) become spaces.
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
}
