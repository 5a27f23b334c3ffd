// The Excel number format of the report currency (SPEC §2), two decimals as the values are rounded
// (SPEC §4): "$"#,##0.00, "€"#,##0.00, "CA$"#,##0.00; a code without a symbol trails: #,##0.00 "CHF".
// Only the symbol is fixed here: the thousands and decimal separators follow the reader's locale.
import { currencySymbol } from '../format/money.js';

export function excelMoneyFormat(currency: string): string {
  const symbol = currencySymbol(currency).replaceAll('"', '');
  return symbol === currency ? `#,##0.00 "${symbol}"` : `"${symbol}"#,##0.00`;
}
