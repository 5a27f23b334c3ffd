// Text put into another format: CSV fields, spreadsheet cells, HTML and SVG. One home for the rules, used
// by every writer and the email.
//
// SPEC §5: text cells that a spreadsheet could read as a formula are neutralised with a leading
// apostrophe, as OWASP's "CSV injection" advice says. Only text goes through here: numbers are written
// as numbers by the writers, so a negative amount stays a negative number and is never prefixed.

/**
 * `=`, `+`, `-`, `@`, tab, carriage return, line feed: what Excel, LibreOffice and Sheets treat as a formula
 * start. The SQL version (ltv_safe_text in src/sql/02_macros.sql, for quarantine.csv written by DuckDB)
 * tests the same characters; test/unit/neutraliseText.test.ts runs one table of cases through both.
 */
export const FORMULA_START_CHARS = ['=', '+', '-', '@', '\t', '\r', '\n'] as const;
const FORMULA_START = new RegExp(`^[${FORMULA_START_CHARS.map((c) => (c === '-' ? '\\-' : c)).join('')}]`);

export function neutraliseText(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/** A CSV text field (RFC 4180 §2.6–2.7), neutralised: quoted when it holds a comma, quote or line break, inner quotes doubled. */
export function csvField(text: string): string {
  const safe = neutraliseText(text);
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

// Every text that comes from data (tenant, cohort and segment titles, error messages) passes through
// here before it is put into HTML or SVG: a tenant named `<img src=x onerror=…>` is shown, never run.
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for HTML or XML content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}
