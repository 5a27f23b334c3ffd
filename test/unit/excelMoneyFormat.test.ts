import { describe, expect, it } from 'vitest';
import { excelMoneyFormat } from '../../src/report/excelMoneyFormat.js';

describe('excelMoneyFormat', () => {
  it.each([
    ['USD', '"$"#,##0.00'],
    ['EUR', '"€"#,##0.00'],
    ['GBP', '"£"#,##0.00'],
    ['CAD', '"CA$"#,##0.00'],
    ['CHF', '#,##0.00 "CHF"'],
    ['SEK', '#,##0.00 "SEK"'],
    ['XXX', '#,##0.00 "XXX"'],
  ])('%s → %s', (currency, format) => {
    expect(excelMoneyFormat(currency)).toBe(format);
  });
});
