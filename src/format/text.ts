// Text put into another format: CSV fields, spreadsheet cells, HTML and SVG. One home for the rules, used
// by every writer and the email.
//
// SPEC §5: text cells that a spreadsheet could read as a formula are neutralised with a leading
// apostrophe, as OWASP's "CSV injection" advice says. Only text goes through here: numbers are written
// as numbers by the writers, so a negative amount stays a negative number and is never prefixed.

/**
 * `=`, `+`, `-`, `@`, tab, carriage return, line feed: what Excel, LibreOffice and Sheets treat as a formula
 * start. The SQL version (ltv_neutralised in src/sql/02_macros.sql, for quarantine.csv written by DuckDB)
 * tests the same characters; test/unit/neutraliseText.test.ts runs one table of cases through both.
 */
export const FORMULA_START_CHARS = ['=', '+', '-', '@', '\t', '\r', '\n'] as const;
// A text that is apostrophes and then such a character gets one more apostrophe too: `'=X` is shown `''=X`,
// never `'=X`, which is how `=X` is shown (two segments looked alike, and ltv.csv's key was not unique). So the
// rule is one to one: a shown text starting with apostrophes then a formula start lost its first one.
const FORMULA_START = new RegExp(`^'*[${FORMULA_START_CHARS.map((c) => (c === '-' ? '\\-' : c)).join('')}]`);

/** SPEC §5: a text a spreadsheet could read as a formula with a leading `'` (and `'=X` → `''=X`, above). */
export function neutraliseText(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/** A text cut to `max` characters (whole ones: never half a surrogate pair), the last an ellipsis. */
export function shortened(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : text;
}

/** Excel's limit of characters in a cell: a longer text makes Excel "repair" the workbook. */
export const EXCEL_CELL_CHARS = 32_767;

// The display rule for text from data in every file a person opens (ltv.csv, the workbook, quarantine.csv,
// HTML, SVG, the terminal); ltv.json and the API bodies keep the exact text (JSON escapes what it must).
// - C0 controls but tab and line breaks, and DEL, become their Unicode control pictures (U+0001 → ␁, DEL →
//   ␡): XML 1.0 cannot hold most of them (the chart's SVG refused the run, workbook writers dropped them,
//   so "U\u0001S" and "US" looked the same), and ESC in ltv.csv or on a terminal is an escape sequence.
// - The C1 controls U+0080–U+009F become [U+0080]…[U+009F] (they have no pictures): a terminal reads U+009B
//   as CSI, ESC [ in one character (a tenant id "ok\u009bx" reached the run's terminal line raw), and U+0085
//   (NEL) is a line break to some readers.
// - The bidirectional embedding, override and isolate controls (U+202A–U+202E, U+2066–U+2069) become
//   [U+202E]…: invisible, they reorder what follows, so "\u202eSU" reads as "US" (Trojan Source,
//   CVE-2021-42574) and, in a CSV line, can make the fields after it look swapped.
// - The noncharacters U+FFFE and U+FFFF become [U+FFFE], [U+FFFF]: XML 1.0 (§2.2) cannot hold them either (a
//   tenant id with one stopped the run at its chart's SVG, and a segment with one made the workbook's XML
//   invalid).
// - What the rule writes, when the data holds it already: a control picture (U+2400–U+2421) becomes
//   [U+2401]…, and "[U+" becomes "[U+005B]U+". Otherwise "U\u2401S" looked like "U\u0001S" and "[U+202E]SU"
//   like "\u202eSU" (two segments alike, ltv.csv's key not unique). So the rule is one to one: every picture
//   shown stands for a control, and every "[U+" shown begins a [U+hex] that stands for one character.
// src/sql/02_macros.sql ltv_visible_text is the same rule for quarantine.csv (test/unit/neutraliseText.test.ts).
// Not idempotent: a text is shown once, from the data, never shown again (its pictures would become [U+2401]).
const SHOWN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u2400-\u2421\ufffe\uffff]|\[U\+/g;

function picture(c: string): string {
  if (c === '[U+') return '[U+005B]U+';
  const code = c.charCodeAt(0);
  if (code < 32) return String.fromCharCode(0x2400 + code);
  if (code === 0x7f) return '\u2421';
  return `[U+${code.toString(16).toUpperCase().padStart(4, '0')}]`;
}

/** A text with its control characters made visible (the rule above); tab, LF and CR are kept. */
export function visibleText(text: string): string {
  return needsShowing(text) ? text.replace(SHOWN, picture) : text;
}

/** A text's line and paragraph separators U+2028, U+2029 shown as [U+2028], [U+2029] (as visibleLine shows them). */
export function showSeparators(text: string): string {
  return /[\u2028\u2029]/.test(text) ? text.replace(/[\u2028\u2029]/g, picture) : text;
}

/**
 * A text made visible (visibleText) that stays on one line: its CR, LF and tab shown as ␍, ␊ and ␉ too, and the
 * Unicode line and paragraph separators U+2028, U+2029 (no pictures) as [U+2028], [U+2029]: JavaScript, JSON
 * viewers and editors break lines there (NEL, U+0085, is [U+0085] already, a C1 control). For data
 * in a line of the terminal's (a tenant id with a line break printed raw split a message in two, and a CR let
 * the rest overwrite the line's start), and for the values a quarantine reason quotes (ltv_visible_line in
 * src/sql/02_macros.sql: "12\n34" broke a reason in two; a tab in one read as spaces), and for every text of the
 * explorer and report.html (HTML shows a tab or line break as a space: "pro\tplan" read as "pro plan").
 */
export function visibleLine(text: string): string {
  const shown = visibleText(text);
  return /[\t\n\r\u2028\u2029]/.test(shown) ? shown.replace(/[\t\n\r\u2028\u2029]/g, picture) : shown;
}

/**
 * A text for a workbook cell: neutralised, control characters made visible (visibleText), and cut to
 * Excel's limit with a note saying how long it was (ltv.csv and ltv.json keep the whole text).
 */
export function cellText(text: string): string {
  const safe = neutraliseText(visibleText(text));
  if (safe.length <= EXCEL_CELL_CHARS) return ooxmlText(safe);
  const note = ` … [cut to Excel's limit of 32,767 characters from ${text.length.toLocaleString('en')}]`;
  let head = safe.slice(0, EXCEL_CELL_CHARS - note.length);
  if (/[\ud800-\udbff]$/.test(head)) head = head.slice(0, -1); // never half a surrogate pair
  return ooxmlText(head + note);
}

/**
 * A workbook's text as the file must hold it (ECMA-376 part 1, 22.4.2.4 ST_Xstring): a reader turns
 * `_xHHHH_` into the character HHHH, and XML turns a carriage return into a line feed. exceljs writes text
 * as it is, so a product named `x_x0041_y` opened as `xAy`, and `a\rb` as `a\nb`. A `_x` that begins such an
 * escape has its underscore escaped (`_x005F_`), and CR is written `_x000D_`, as Excel itself writes them.
 */
function ooxmlText(text: string): string {
  if (!text.includes('\r') && !text.includes('_x')) return text;
  return text.replace(/_(?=x[0-9A-Fa-f]{4}_)/g, '_x005F_').replaceAll('\r', '_x000D_');
}

/**
 * Whether visibleText changes the text. A loop over the codes, not the regular expression: a workbook's Data
 * sheets pass a million cells here, and a printable ASCII character costs one comparison.
 */
function needsShowing(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x7f) {
      if (c < 32 ? c !== 9 && c !== 10 && c !== 13 : c === 0x5b && text.charCodeAt(i + 1) === 0x55 && text.charCodeAt(i + 2) === 0x2b) return true;
    } else if (c <= 0x9f || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || (c >= 0x2400 && c <= 0x2421) || c >= 0xfffe) {
      return true;
    }
  }
  return false;
}

/**
 * A CSV text field (RFC 4180 §2.6–2.7): control characters made visible as in the workbook, neutralised,
 * quoted when it holds a comma, quote or line break, inner quotes doubled.
 */
export function csvField(text: string): string {
  const safe = neutraliseText(visibleText(text));
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

// Every text that comes from data (tenant, cohort and segment titles, error messages) passes through
// here before it is put into HTML or SVG: a tenant named `<img src=x onerror=…>` is shown, never run.
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for HTML or XML content and quoted attribute values, control characters made visible (visibleText). */
export function escapeHtml(text: string): string {
  return htmlEntities(visibleText(text));
}

/**
 * A text shown already (visibleText, visibleLine, formatSubject) for HTML: its markup escaped, nothing else
 * (escapeHtml would show its pictures again, as [U+2401]).
 */
export function htmlEntities(shown: string): string {
  return shown.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}
