// Number formatting for the page: money in the run's currency, counts grouped, in the reader's locale.

const money = new Map<string, Intl.NumberFormat>();

export function formatMoney(value: number | null | undefined, currency: string): string {
  if (value === null || value === undefined) return '—';
  let f = money.get(currency);
  if (!f) {
    try {
      f = new Intl.NumberFormat(undefined, { style: 'currency', currency, minimumFractionDigits: 2, maximumFractionDigits: 2 });
    } catch {
      f = new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    }
    money.set(currency, f);
  }
  return f.format(value);
}

const plain = new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
/** A cell: two decimals, no currency sign (the table says the currency once). */
export function formatCell(value: number): string {
  return plain.format(value);
}

const count = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
export function formatCount(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : count.format(value);
}

export function periodLabel(periodType: string, unit: string, k: number): string {
  if (periodType === 'renewals') return k === 0 ? 'first' : `R${k}`;
  const short: Record<string, string> = { day: 'D', week: 'W', month: 'M', quarter: 'Q', year: 'Y' };
  return `${short[unit] ?? ''}${k}`;
}

/**
 * A long row name cut in its middle (its start and its end kept): store product ids of ~50 characters differ
 * at their ends (`com.acme.app.premium.monthly`, `….yearly`), and an end cut by an ellipsis made them all one.
 */
export function middleCut(text: string, max = 32): string {
  const chars = graphemes(text);
  if (chars.length <= max) return text;
  const head = Math.ceil((max - 1) / 2);
  return `${chars.slice(0, head).join('')}…${chars.slice(chars.length - (max - 1 - head)).join('')}`;
}

/** A text's characters as a reader sees them (an emoji of several code points, a letter and its accent: one each). */
export function graphemes(text: string): string[] {
  return typeof Intl.Segmenter === 'function' ? Array.from(new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text), (s) => s.segment) : Array.from(text);
}
