// Money as a reader of the email expects it: the currency's symbol, thousands separators, 2 decimals
// (the values are already rounded half away from zero by the engine, SPEC §4).
import { currencySymbol } from '../report/currencySymbol.js';

const NUMBER = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const WHOLE = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const COUNT = new Intl.NumberFormat('en-US');

/** "12,345.60", or "12,346" with 0 decimals (rounded half away from zero, as SPEC §4 rounds). */
export function formatAmount(value: number, decimals: 0 | 2 = 2): string {
  if (decimals === 2) return NUMBER.format(value);
  const whole = Math.sign(value) * Math.round(Math.abs(value));
  return WHOLE.format(whole === 0 ? 0 : whole);
}

/** "$12,345.60", "-€1.25", "CHF 3.00" */
export function formatMoney(value: number, currency: string): string {
  const symbol = currencySymbol(currency);
  const sep = /^[A-Z]{3}$/.test(symbol) ? ' ' : '';
  return `${value < 0 ? '-' : ''}${symbol}${sep}${NUMBER.format(Math.abs(value))}`;
}

/** "1,234" */
export function formatCount(value: number): string {
  return COUNT.format(value);
}
