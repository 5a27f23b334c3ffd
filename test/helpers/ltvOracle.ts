// A deliberately naive oracle of SPEC §3 (duplicates, sandbox, currency) and §4 (the numbers), written from
// the spec and the README's written-down decisions only: row by row, exact rational money (BigInt), wall
// clocks through Intl. It imports nothing of src/: test/integration/numbersOracle.test.ts compares the
// engine's published numbers with it on random data.
//
// Decisions taken from README "What the numbers mean" where SPEC §4 is silent: a refund before any payment
// of its customer lies in period 0 (renewal 0); an unlinked refund takes the renewal of the customer's latest
// payment strictly before it; a linked refund in another currency converts at its own rate and takes back
// proceeds and net in the proportion of the converted amounts; a linked refund of a sandbox payment is
// excluded with it; renewal states: the highest shown renewal is partial, the ones below complete.

// ---------- exact money ----------

function gcd(a: bigint, b: bigint): bigint {
  a = a < 0n ? -a : a;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/** An exact rational n/d, d > 0. */
export class Q {
  readonly n: bigint;
  readonly d: bigint;
  constructor(n: bigint, d = 1n) {
    if (d < 0n) [n, d] = [-n, -d];
    const g = gcd(n, d) || 1n;
    this.n = n / g;
    this.d = d / g;
  }
  static readonly ZERO = new Q(0n);
  /** A decimal text such as "-12.3456". */
  static dec(text: string): Q {
    const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text.trim());
    if (!m) throw new Error(`not a decimal: ${text}`);
    const frac = m[3] ?? '';
    const n = BigInt(`${m[2] || '0'}${frac}`) * (m[1] === '-' ? -1n : 1n);
    return new Q(n, 10n ** BigInt(frac.length));
  }
  add(o: Q): Q { return new Q(this.n * o.d + o.n * this.d, this.d * o.d); }
  sub(o: Q): Q { return new Q(this.n * o.d - o.n * this.d, this.d * o.d); }
  mul(o: Q): Q { return new Q(this.n * o.n, this.d * o.d); }
  div(o: Q): Q { return new Q(this.n * o.d, this.d * o.n); }
  neg(): Q { return new Q(-this.n, this.d); }
  /** Rounded half away from zero to cents, as the number JSON.parse gives for that decimal. */
  cents(): number {
    const a = this.n < 0n ? -this.n : this.n;
    const c = (a * 200n + this.d) / (2n * this.d);
    return Number(this.n < 0n ? -c : c) / 100;
  }
}

const ONE = new Q(1n);
const HUNDRED = new Q(100n);

// ---------- wall clocks ----------
// A wall clock is kept as "milliseconds as if UTC" (w), an instant as epoch milliseconds (t).

const DAY = 86_400_000;
const dtf = new Map<string, Intl.DateTimeFormat>();

const walls = new Map<string, Map<number, number>>();

/** The wall clock of instant t in zone (remembered: the oracle asks for the same instants often). */
export function wall(t: number, zone: string): number {
  let memo = walls.get(zone);
  if (!memo || memo.size > 500_000) walls.set(zone, (memo = new Map()));
  let w = memo.get(t);
  if (w === undefined) memo.set(t, (w = wallOnce(t, zone)));
  return w;
}

function wallOnce(t: number, zone: string): number {
  let f = dtf.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    dtf.set(zone, f);
  }
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(new Date(t))) if (part.type !== 'literal') p[part.type] = Number(part.value);
  return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) + (((t % 1000) + 1000) % 1000);
}

/** The instant of wall clock w in zone: a repeated time is its first occurrence, a skipped one moves
 *  forward by the gap (Temporal's "compatible"). */
export function instant(w: number, zone: string): number {
  const before = wall(w - DAY, zone) - (w - DAY);
  const after = wall(w + DAY, zone) - (w + DAY);
  const hits = [w - before, w - after].filter((t) => wall(t, zone) === w);
  if (hits.length) return Math.min(...hits);
  return w - before; // in a gap: read with the offset before it, i.e. moved forward by the gap
}

export type Unit = 'day' | 'week' | 'month' | 'quarter' | 'year';

/** w + k units on the wall clock; month ends clamped. */
export function addWall(w: number, k: number, unit: Unit): number {
  const d = new Date(w);
  const time = w - Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  if (unit === 'day' || unit === 'week') return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + k * (unit === 'week' ? 7 : 1)) + time;
  const months = d.getUTCFullYear() * 12 + d.getUTCMonth() + k * (unit === 'month' ? 1 : unit === 'quarter' ? 3 : 12);
  const y = Math.floor(months / 12);
  const m = months - y * 12;
  const last = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return Date.UTC(y, m, Math.min(d.getUTCDate(), last)) + time;
}

/** t0 + k units as an instant. */
export function boundary(t0: number, k: number, unit: Unit, zone: string): number {
  return instant(addWall(wall(t0, zone), k, unit), zone);
}

const APPROX: Record<Unit, number> = { day: DAY, week: 7 * DAY, month: 30.4 * DAY, quarter: 91.3 * DAY, year: 365.2 * DAY };

/** The largest k ≥ 0 with t0 + k units ≤ t (0 when t < t0). A guess from elapsed time, then walked. */
export function lastStart(t0: number, t: number, unit: Unit, zone: string): number {
  let k = Math.max(0, Math.floor((t - t0) / APPROX[unit]) - 1);
  while (k > 0 && boundary(t0, k, unit, zone) > t) k--;
  while (boundary(t0, k + 1, unit, zone) <= t) k++;
  return k;
}

/** The first day (wall midnight) of the calendar unit holding wall clock w. */
function unitStart(w: number, unit: Unit): number {
  const d = new Date(w);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  switch (unit) {
    case 'day': return Date.UTC(y, m, d.getUTCDate());
    case 'week': return Date.UTC(y, m, d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
    case 'month': return Date.UTC(y, m, 1);
    case 'quarter': return Date.UTC(y, m - (m % 3), 1);
    case 'year': return Date.UTC(y, 0, 1);
  }
}

const isoDate = (w: number): string => new Date(w).toISOString().slice(0, 10);

/** An input time: ISO with Z or an offset, naive (report zone), or a bare date (its local midnight). */
export function parseTime(text: string, zone: string): number {
  const m = /^(\d{4})-(\d\d)-(\d\d)(?:[T ](\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,3}))?)?)?(Z|[+-]\d\d:?\d\d)?$/.exec(text.trim());
  if (!m) throw new Error(`oracle cannot read time ${text}`);
  const w = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0), +(m[7] ?? '0').padEnd(3, '0'));
  const off = m[8];
  if (off === undefined) return instant(w, zone);
  if (off === 'Z') return w;
  const sign = off[0] === '-' ? -1 : 1;
  const digits = off.slice(1).replace(':', '');
  return w - sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
}

// ---------- inputs ----------

/** Case-insensitive comparison (SPEC §6 filters): Unicode's simple case mapping, one character to one, each
 *  character upper-cased then lower-cased (so final and medial sigma fold alike, and İ to i; ß, whose upper
 *  case is two characters, stays). JS's toLowerCase alone maps by context and to several characters. */
export function foldCase(text: string): string {
  let out = '';
  for (const c of text) {
    let u = c.toUpperCase();
    if ([...u].length !== 1) u = c;
    out += [...u.toLowerCase()][0]!; // several only for İ: 'i' + a combining dot, whose simple mapping is 'i'
  }
  return out;
}

/** SPEC §3 dimensions besides product_id and country. */
export const EXTRA_DIMS = ['duration', 'store', 'paywall', 'paywalls_group', 'audience', 'placement', 'offer_category', 'offer_type', 'offer_id',
  'attribution_source', 'attribution_status', 'attribution_channel', 'attribution_campaign', 'attribution_adgroup', 'attribution_adset',
  'attribution_creative'] as const;
export type ExtraDim = (typeof EXTRA_DIMS)[number];
export type Dim = 'product_id' | 'country' | ExtraDim;

/** One canonical input row (empty text = absent). */
export interface ORow {
  tenant: string;
  customer_id: string;
  event_time: string;
  amount: string;
  transaction_id: string;
  currency: string;
  commission: string;
  tax: string;
  renewal_number: string;
  refunded_at: string;
  refund_of: string;
  is_sandbox: boolean;
  updated_at: string;
  product_id: string;
  country: string;
  /** The other dimensions (absent or empty text = absent). */
  dims?: Partial<Record<ExtraDim, string>>;
  /** Input file index and line: later wins among duplicates without a later updated_at. */
  file: number;
  line: number;
}

export interface OJob {
  zone: string;
  currency: string;
  asOf: number;
  /** date (YYYY-MM-DD), currency, rate (decimal text). */
  rates: { date: string; currency: string; rate: string }[];
}

/** SPEC §6 time segmentations (rows are cohorts by that unit) and attribute segmentations (their dimension). */
export const TIME_SEGMENTATIONS = ['day', 'week', 'month', 'year'] as const;
export const SEGMENT_DIMS = {
  country: 'country', product: 'product_id', store_product_id: 'product_id', paywall: 'paywall', paywalls_group: 'paywalls_group',
  audience: 'audience', placement: 'placement', duration: 'duration', store: 'store',
} as const satisfies Record<string, Dim>;
/** SPEC §6 filter keys (MetricsFilters) and the dimension each matches. */
export const FILTER_DIMS = {
  ...SEGMENT_DIMS, offer_category: 'offer_category', offer_type: 'offer_type', offer_id: 'offer_id',
  attribution_source: 'attribution_source', attribution_status: 'attribution_status', attribution_channel: 'attribution_channel',
  attribution_campaign: 'attribution_campaign', attribution_adgroup: 'attribution_adgroup', attribution_adset: 'attribution_adset',
  attribution_creative: 'attribution_creative',
} as const satisfies Record<string, Dim>;
export type OSegmentation = 'cohort' | (typeof TIME_SEGMENTATIONS)[number] | keyof typeof SEGMENT_DIMS;

export interface OMatrixSpec {
  period_type: 'days' | 'renewals';
  period_unit: Unit;
  /** `cohort`: none (rows are the cohorts by period_unit). */
  segmentation: OSegmentation;
}

/** An Adapty request (SPEC §6): a matrix of the customers whose first payment's local date lies in `date`
 *  (inclusive) and whose attributes pass every filter (OR within a key, AND across keys, case-insensitive,
 *  `unknown` = missing; an empty list filters nothing). */
export interface OQuery extends OMatrixSpec {
  date?: readonly [string, string];
  filters?: Partial<Record<keyof typeof FILTER_DIMS, readonly string[]>>;
}

export interface OCell {
  period: number;
  customers: number;
  complete_customers: number;
  state: 'complete' | 'partial';
  revenue: number;
  proceeds: number;
  net_revenue: number;
}
export interface ORowOut {
  type: 'total' | 'cohort' | 'segment';
  title: string;
  customers: number;
  cells: OCell[];
}

interface Money { revenue: Q; proceeds: Q; net_revenue: Q }
interface Movement extends Money { t: number; renewal: number }
interface Payment extends Money { row: ORow; t: number; renewal: number; rate: Q }
interface Customer {
  id: string;
  t0: number;
  /** The local date of t0 (what the date filter compares). */
  day: string;
  /** SPEC §2: the first payment's dimension values, trimmed, country upper-cased, `unknown` when missing. */
  attrs: Record<Dim, string>;
  movements: Movement[];
  renewals: number[];
}

const TYPES = ['revenue', 'proceeds', 'net_revenue'] as const;

function pct(text: string): Q {
  return ONE.sub(text === '' ? Q.ZERO : Q.dec(text).div(HUNDRED));
}

/** The oracle for one tenant's rows. */
export class Oracle {
  readonly customers: Customer[] = [];

  constructor(rows: ORow[], readonly job: OJob) {
    const T = job.asOf;
    const zone = job.zone;
    // §3 duplicates: per transaction_id the latest updated_at, then the later file, then the later line;
    // every version counts, whatever its time.
    const key = (r: ORow): [number, number, number] => [r.updated_at === '' ? -Infinity : parseTime(r.updated_at, zone), r.file, r.line];
    const later = (a: ORow, b: ORow): boolean => {
      const [x, y] = [key(a), key(b)];
      for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i]! > y[i]!;
      return false;
    };
    const winners = new Map<string, ORow>();
    const kept: ORow[] = [];
    for (const r of rows) {
      if (r.transaction_id === '') { kept.push(r); continue; }
      const w = winners.get(r.transaction_id);
      if (!w || later(r, w)) winners.set(r.transaction_id, r);
    }
    kept.push(...winners.values());
    const sandboxIds = new Set(kept.filter((r) => r.is_sandbox).map((r) => r.transaction_id).filter((id) => id !== ''));
    const live = kept.filter((r) => !r.is_sandbox && parseTime(r.event_time, zone) <= T);

    const rate = (currency: string, t: number): Q => {
      const c = (currency || job.currency).toUpperCase();
      if (c === job.currency) return ONE;
      const day = isoDate(wall(t, zone));
      let best: { date: string; rate: string } | undefined;
      for (const r of job.rates) if (r.currency === c && r.date <= day && (!best || r.date > best.date)) best = r;
      if (!best) throw new Error(`oracle: no rate for ${c} on ${day}`);
      return Q.dec(best.rate);
    };
    const own = (r: ORow, rt: Q): Money => {
      const revenue = Q.dec(r.amount).mul(rt);
      const proceeds = revenue.mul(pct(r.commission));
      return { revenue, proceeds, net_revenue: proceeds.mul(pct(r.tax)) };
    };

    // Payments that exist at T, with their renewal numbers (given, or by the order of payments per
    // customer and product).
    const payments: Payment[] = live.filter((r) => Q.dec(r.amount).n > 0n).map((row) => {
      const t = parseTime(row.event_time, zone);
      const rt = rate(row.currency, t);
      return { row, t, rate: rt, renewal: row.renewal_number === '' ? -1 : Number(row.renewal_number), ...own(row, rt) };
    });
    const order = (a: Payment, b: Payment): number => a.t - b.t || (a.row.transaction_id < b.row.transaction_id ? -1 : a.row.transaction_id > b.row.transaction_id ? 1 : 0) || a.row.file - b.row.file || a.row.line - b.row.line;
    const byProduct = new Map<string, Payment[]>();
    for (const p of payments) {
      const k = `${p.row.customer_id}\u0000${p.row.product_id}`;
      byProduct.set(k, [...(byProduct.get(k) ?? []), p]);
    }
    for (const list of byProduct.values()) list.sort(order).forEach((p, i) => { if (p.renewal < 0) p.renewal = i; });

    const byId = new Map(payments.filter((p) => p.row.transaction_id !== '').map((p) => [p.row.transaction_id, p]));
    const movements = new Map<string, Movement[]>();
    const add = (customer: string, m: Movement): void => { movements.set(customer, [...(movements.get(customer) ?? []), m]); };
    for (const p of payments) {
      add(p.row.customer_id, p);
      // refunded_at: a refund of −amount linked to the payment.
      if (p.row.refunded_at !== '' && parseTime(p.row.refunded_at, zone) <= T) {
        add(p.row.customer_id, { t: p.t, renewal: p.renewal, revenue: p.revenue.neg(), proceeds: p.proceeds.neg(), net_revenue: p.net_revenue.neg() });
      }
    }
    for (const r of live.filter((x) => Q.dec(x.amount).n < 0n)) {
      const t = parseTime(r.event_time, zone);
      if (r.refund_of !== '' && sandboxIds.has(r.refund_of) && !byId.has(r.refund_of)) continue; // excluded with its sandbox payment
      const p = r.refund_of === '' ? undefined : byId.get(r.refund_of);
      if (p) {
        // Linked: at the payment's time, renewal and (same currency) rate; proceeds and net in proportion.
        const sameCurrency = (r.currency || job.currency).toUpperCase() === (p.row.currency || job.currency).toUpperCase();
        const revenue = Q.dec(r.amount).mul(sameCurrency ? p.rate : rate(r.currency, t));
        const share = revenue.div(p.revenue);
        add(p.row.customer_id, { t: p.t, renewal: p.renewal, revenue, proceeds: p.proceeds.mul(share), net_revenue: p.net_revenue.mul(share) });
      } else {
        const before = payments.filter((x) => x.row.customer_id === r.customer_id && x.t < t).sort(order);
        add(r.customer_id, { t, renewal: before.length ? before[before.length - 1]!.renewal : 0, ...own(r, rate(r.currency, t)) });
      }
    }
    // First payments: the earliest, ties the smallest transaction_id.
    const first = new Map<string, Payment>();
    for (const p of [...payments].sort(order)) if (!first.has(p.row.customer_id)) first.set(p.row.customer_id, p);
    for (const [id, p] of first) {
      const value = (text: string | undefined): string => (text ?? '').trim() || 'unknown';
      const attrs = Object.fromEntries(EXTRA_DIMS.map((d) => [d, value(p.row.dims?.[d])])) as Record<Dim, string>;
      attrs.product_id = value(p.row.product_id);
      attrs.country = value(p.row.country.toUpperCase());
      this.customers.push({
        id, t0: p.t, day: isoDate(wall(p.t, zone)), attrs, movements: movements.get(id) ?? [],
        renewals: payments.filter((x) => x.row.customer_id === id).map((x) => x.renewal),
      });
    }
  }

  /** SPEC §4 days periods; a movement before t0 (a refund before any payment) lies in period 0. */
  private periodOf(c: Customer, m: Movement, spec: OMatrixSpec): number {
    if (spec.period_type === 'renewals') return m.renewal;
    return lastStart(c.t0, m.t, spec.period_unit, this.job.zone);
  }

  /** SPEC §6 date range and attribute filters. */
  private keeps(c: Customer, q: OQuery): boolean {
    if (q.date && (c.day < q.date[0] || c.day > q.date[1])) return false;
    for (const [key, values] of Object.entries(q.filters ?? {}) as [keyof typeof FILTER_DIMS, readonly string[]][]) {
      if (values.length === 0) continue;
      const have = foldCase(c.attrs[FILTER_DIMS[key]]);
      if (!values.some((v) => foldCase(v) === have)) return false;
    }
    return true;
  }

  /** A published matrix (SPEC §4/§5): every customer. */
  matrix(spec: OMatrixSpec): ORowOut[] {
    return this.query(spec);
  }

  /** SPEC §4 cells and censoring, §6 rows: the matrix of the customers the query keeps. Cohorts are by the
   *  time segmentation when there is one, else by period_unit; shown and complete are decided per cohort
   *  of the kept customers (after filters, before segmentation). */
  query(q: OQuery): ORowOut[] {
    const { zone, asOf: T } = this.job;
    const unit = q.period_unit;
    const timeSeg = (TIME_SEGMENTATIONS as readonly string[]).includes(q.segmentation);
    const cohortUnit: Unit = timeSeg ? (q.segmentation as Unit) : unit;
    const cohorts = new Map<string, Customer[]>();
    for (const c of this.customers) {
      if (!this.keeps(c, q)) continue;
      const k = isoDate(unitStart(wall(c.t0, zone), cohortUnit));
      cohorts.set(k, [...(cohorts.get(k) ?? []), c]);
    }
    interface CohortCells { title: string; shown: number; complete: (k: number) => boolean; members: Customer[]; sums: Map<Customer, Money[]> }
    const built: CohortCells[] = [];
    for (const [title, members] of [...cohorts].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      const s = Date.parse(`${title}T00:00:00Z`);
      let shown: number;
      let complete: (k: number) => boolean;
      if (q.period_type === 'days') {
        shown = instant(s, zone) > T ? -1 : lastStart(instant(s, zone), T, unit, zone);
        const e = addWall(s, 1, cohortUnit);
        complete = (k) => instant(addWall(e, k + 1, unit), zone) <= T;
      } else {
        shown = Math.max(...members.flatMap((c) => c.renewals));
        const last = shown;
        complete = (k) => k < last;
      }
      const sums = new Map<Customer, Money[]>();
      for (const c of members) {
        const periods = c.movements.map((m) => this.periodOf(c, m, q));
        const cum: Money[] = [];
        for (let k = 0; k <= shown; k++) {
          const acc: Money = { ...(cum[k - 1] ?? { revenue: Q.ZERO, proceeds: Q.ZERO, net_revenue: Q.ZERO }) };
          c.movements.forEach((m, i) => { if (periods[i] === k) for (const ty of TYPES) acc[ty] = acc[ty].add(m[ty]); });
          cum.push(acc);
        }
        sums.set(c, cum);
      }
      built.push({ title, shown, complete, members, sums });
    }
    // A row over some customers of some cohorts: per period, the cohorts where it is shown.
    const row = (type: ORowOut['type'], title: string, pick: (c: Customer) => boolean): ORowOut => {
      const cells: OCell[] = [];
      for (let k = 0; ; k++) {
        let n = 0;
        let done = 0;
        const acc: Money = { revenue: Q.ZERO, proceeds: Q.ZERO, net_revenue: Q.ZERO };
        for (const co of built) {
          if (k > co.shown) continue;
          const mine = co.members.filter(pick);
          n += mine.length;
          if (co.complete(k)) done += mine.length;
          for (const c of mine) for (const ty of TYPES) acc[ty] = acc[ty].add(co.sums.get(c)![k]![ty]);
        }
        if (!built.some((co) => k <= co.shown)) break;
        if (n === 0) continue;
        const size = new Q(BigInt(n));
        cells.push({
          period: k, customers: n, complete_customers: done, state: done === n ? 'complete' : 'partial',
          revenue: acc.revenue.div(size).cents(), proceeds: acc.proceeds.div(size).cents(), net_revenue: acc.net_revenue.div(size).cents(),
        });
      }
      return { type, title, customers: built.reduce((n, co) => n + co.members.filter(pick).length, 0), cells };
    };
    const out = [row('total', 'Total', () => true)];
    if (q.segmentation === 'cohort' || timeSeg) {
      for (const co of built) out.push(row('cohort', co.title, (c) => co.members.includes(c)));
    } else {
      const dim = SEGMENT_DIMS[q.segmentation as keyof typeof SEGMENT_DIMS];
      const values = [...new Set(built.flatMap((co) => co.members.map((c) => c.attrs[dim])))];
      const segs = values.map((v) => row('segment', v, (c) => c.attrs[dim] === v));
      segs.sort((a, b) => b.customers - a.customers || (a.title < b.title ? -1 : 1));
      out.push(...segs);
    }
    return out;
  }

  /** Zenovay's response data (SPEC §6): the `days` cohorts by week or month whose cohort_date lies in
   *  (T − range, T] (on the report zone's wall clock, as the cohort dates are), and the summary. */
  zenovay(range: string, granularity: 'weekly' | 'monthly'): { cohorts: { cohort_date: string; customers: number; periods: { period: number; cumulative_revenue_per_customer: number }[] }[]; summary: { average_ltv_30d: number | null; average_ltv_90d: number | null } } {
    const days: Record<string, number | null> = { '24h': 1, '7d': 7, '30d': 30, '90d': 90, '180d': 180, '365d': 365, all: null };
    const d = days[range];
    if (d === undefined) throw new Error(`oracle: no range ${range}`);
    const t = wall(this.job.asOf, this.job.zone);
    const lower = d === null ? -Infinity : addWall(t, -d, 'day');
    const rows = this.query({ period_type: 'days', period_unit: granularity === 'weekly' ? 'week' : 'month', segmentation: 'cohort' });
    const cohorts = rows.filter((r) => r.type === 'cohort' && Date.parse(`${r.title}T00:00:00Z`) > lower && Date.parse(`${r.title}T00:00:00Z`) <= t)
      .map((r) => ({ cohort_date: r.title, customers: r.customers, periods: r.cells.map((c) => ({ period: c.period, cumulative_revenue_per_customer: c.revenue })) }));
    return { cohorts, summary: { average_ltv_30d: this.summary(30), average_ltv_90d: this.summary(90) } };
  }

  /** Zenovay's average_ltv_<days>d: customers with t0 + days ≤ T, their revenue with t < t0 + days. */
  summary(days: number): number | null {
    let n = 0;
    let sum = Q.ZERO;
    for (const c of this.customers) {
      const end = boundary(c.t0, days, 'day', this.job.zone);
      if (end > this.job.asOf) continue;
      n++;
      for (const m of c.movements) if (m.t < end) sum = sum.add(m.revenue);
    }
    return n === 0 ? null : sum.div(new Q(BigInt(n))).cents();
  }
}

/** Adapty's rows of one accounting type (SPEC §6): Total first (kept with no customer: cohort_size 0, no
 *  values, value null), a row's value at its last shown period. */
export function adaptyData(rows: ORowOut[], type: 'revenue' | 'proceeds' | 'net_revenue'): { title: string; type: string; value: number | null; cohort_size: number; values: { period: number; value: number }[] }[] {
  return rows.map((r) => ({
    title: r.title, type: r.type, value: r.cells.length ? r.cells[r.cells.length - 1]![type] : null, cohort_size: r.customers,
    values: r.cells.map((c) => ({ period: c.period, value: c[type] })),
  }));
}
