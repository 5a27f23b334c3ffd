// `format=csv` of Adapty's LTV response (SPEC §6): one line per row per accounting type,
// `accounting_type,title,type,cohort_size,period_0,period_1,…`; a period a row does not show is empty.
// RFC 4180 (CRLF, quotes where needed); text cells that a spreadsheet would run as a formula are
// neutralised with a leading `'` (SPEC §5, OWASP); numbers stay numbers.
import { ACCOUNTING_TYPES } from '../ltv/model.js';
import type { AdaptyResponse } from './apiTypes.js';
import { csvField } from '../format/text.js';

function numberCell(n: number): string {
  return Number.isFinite(n) ? String(n) : '';
}

export function adaptyToCsv(resp: AdaptyResponse): string {
  let maxPeriod = -1;
  for (const t of ACCOUNTING_TYPES) {
    for (const row of resp[t].data) for (const v of row.values) maxPeriod = Math.max(maxPeriod, v.period);
  }
  const header = ['accounting_type', 'title', 'type', 'cohort_size'];
  for (let p = 0; p <= maxPeriod; p++) header.push(`period_${p}`);
  const lines = [header.join(',')];
  for (const t of ACCOUNTING_TYPES) {
    for (const row of resp[t].data) {
      const cells = new Array<string>(maxPeriod + 1).fill('');
      for (const v of row.values) if (v.period >= 0) cells[v.period] = numberCell(v.value);
      lines.push([csvField(t), csvField(row.title), csvField(row.type), numberCell(row.cohort_size), ...cells].join(','));
    }
  }
  return lines.join('\r\n') + '\r\n';
}
