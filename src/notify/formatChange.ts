// The change of a headline figure since the previous run, in words a reader scans: "▲ $2.31 (+5.2 %)".
import { formatCount, formatMoney } from '../format/money.js';

/** null when either value is missing (a figure that did not exist before says nothing about change). */
export function formatChange(now: number | null, before: number | null, currency: string | null): string | null {
  if (now === null || before === null) return null;
  // Cents (or whole customers) are exact in the model: compare them, not binary fractions.
  const diff = Math.round((now - before) * 100) / 100;
  if (diff === 0) return 'no change';
  const amount = currency === null ? formatCount(Math.abs(diff)) : formatMoney(Math.abs(diff), currency);
  const share = before !== 0 ? ` (${diff > 0 ? '+' : '−'}${Math.abs((diff / before) * 100).toFixed(1)} %)` : '';
  return `${diff > 0 ? '▲' : '▼'} ${amount}${share}`;
}
