// How far apart a subscription's renewals fall, from its duration (Adapty's names, RevenueCat's ISO 8601
// P1M …, "3 months"): SPEC §9 maps sBG's renewal count onto months of life with it. `null`: the product
// never renews (lifetime, consumable).
import { DAY_MS, addMonthsMs } from './addMonthsMs.js';
import { formatCountOf } from '../format/money.js';

export type Spacing = { months: number } | { days: number };

const NAMED: Record<string, Spacing | null> = {
  daily: { days: 1 }, weekly: { days: 7 }, biweekly: { days: 14 }, monthly: { months: 1 }, bimonthly: { months: 2 },
  quarterly: { months: 3 }, semiannual: { months: 6 }, 'semi-annual': { months: 6 }, annual: { months: 12 },
  yearly: { months: 12 }, lifetime: null, 'non-renewing': null, consumable: null, 'non-consumable': null,
};

/** The spacing a duration names; undefined when the text names none (then the data decides). */
export function spacingOfDuration(duration: string | null): Spacing | null | undefined {
  if (duration === null) return undefined;
  const d = duration.trim().toLowerCase();
  if (d in NAMED) return NAMED[d];
  const iso = /^p(\d+)([dwmy])$/.exec(d);
  const words = /^(\d+)\s*(day|week|month|year)s?$/.exec(d);
  const m = iso ?? words;
  if (!m) return undefined;
  const n = Number(m[1]);
  if (!(n > 0)) return undefined;
  switch (m[2]![0]) {
    case 'd': return { days: n };
    case 'w': return { days: 7 * n };
    case 'm': return { months: n };
    default: return { months: 12 * n };
  }
}

/** The time of the k-th renewal after one at `fromMs` (naive local milliseconds). */
export function renewalDue(fromMs: number, k: number, s: Spacing): number {
  return 'months' in s ? addMonthsMs(fromMs, k * s.months) : fromMs + k * s.days * DAY_MS;
}

/** The spacing's length in milliseconds (a month as 30.4375 days), for grace periods. */
export function spacingMs(s: Spacing): number {
  return 'months' in s ? s.months * 30.4375 * DAY_MS : s.days * DAY_MS;
}

export function describeSpacing(s: Spacing | null): string {
  if (s === null) return 'never renews';
  return 'months' in s ? formatCountOf(s.months, 'month') : `${Number(s.days.toFixed(1))} days`;
}
