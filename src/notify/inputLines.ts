// Where the numbers came from, so a reader can trust them (README "Input rules": each tenant's counts are in
// its workbook's About sheet and its email). Plain text; the HTML part escapes it (file names are data).
import { formatCount, formatGroupedCountOf } from '../format/money.js';
import { visibleLine } from '../format/text.js';
import type { TenantReport } from '../ltv/model.js';

/** Rows read, quarantined, merged and left out, in one sentence. */
export function inputLine(r: Pick<TenantReport, 'stats'>): string {
  const st = r.stats;
  const parts = [formatGroupedCountOf(st.rows_read, 'input row')];
  if (st.rows_quarantined) parts.push(`${formatCount(st.rows_quarantined)} quarantined as bad rows (quarantine.csv on the report server)`);
  if (st.duplicates) parts.push(`${formatGroupedCountOf(st.duplicates, 'duplicate')} merged`);
  if (st.sandbox_rows) parts.push(`${formatGroupedCountOf(st.sandbox_rows, 'sandbox row')} left out`);
  // SPEC §4: rows later than T are not counted; said, or a reader of an old as-of wonders where they went.
  if (st.after_as_of_rows) parts.push(`${formatGroupedCountOf(st.after_as_of_rows, 'row')} left out as later than the as-of time`);
  // Free trials, failed or voided payments: read and counted, not lost between the rows read and the rest.
  if (st.zero_amount_rows) parts.push(`${formatGroupedCountOf(st.zero_amount_rows, 'row')} of amount 0 counted without money`);
  return `${parts.join(', ')}.`;
}

/**
 * One line per input, "a.csv: 3,000 rows, 5 quarantined", when the run read more than one (with one, the line
 * above says it all). Names are relative to the folder the inputs share: a server's paths are noise to a
 * reader, and two exports of one name in different folders stay apart.
 */
export function inputFileLines(r: Pick<TenantReport, 'inputs'>): string[] {
  if (r.inputs.length < 2) return [];
  const names = withoutSharedFolder(r.inputs.map((i) => i.path));
  // A file's name is data: a line break in it (a name may hold one) started a line of its own, e.g. "Bcc: …".
  return r.inputs.map((input, i) => `${visibleLine(names[i]!)}: ${formatGroupedCountOf(input.rows, 'row')}, ${formatCount(input.quarantined)} quarantined`);
}

function withoutSharedFolder(paths: string[]): string[] {
  const parts = paths.map((p) => p.split('/'));
  let shared = 0;
  // Folders only: the last part (the file's own name) always stays.
  while (parts.every((p) => p.length - 1 > shared && p[shared] === parts[0]![shared])) shared++;
  return parts.map((p) => p.slice(shared).join('/'));
}
