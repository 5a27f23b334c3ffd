// SPEC §5: text cells that a spreadsheet could read as a formula are neutralised with a leading
// apostrophe, as OWASP's "CSV injection" advice says. Only text goes through here: numbers are written
// as numbers by the writers, so a negative amount stays a negative number and is never prefixed.

/** `=`, `+`, `-`, `@`, tab, carriage return, line feed: what Excel, LibreOffice and Sheets treat as a formula start. */
const FORMULA_START = /^[=+\-@\t\r\n]/;

export function neutraliseText(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}
