// Random datasets for the numbers oracle (test/helpers/ltvOracle.ts): seeded, edge-heavy tenants of canonical
// rows and the run that holds them (config, rates, the rows shuffled into two input files). Shared by
// test/integration/numbersOracle.test.ts (published matrices) and serveOracle.test.ts (the endpoint's answers).
// With `attributes` on, every row also carries the other SPEC §3 dimensions, and a customer's later payments,
// its refunds, zero rows, sandbox rows and duplicate losers carry other values than its first payment: only
// the first payment's count (SPEC §2). Off, the random stream is exactly what it was before the option.
import mt19937 from '@stdlib/random-base-mt19937';
import { addWall, boundary, instant, wall, EXTRA_DIMS, type ExtraDim, type OJob, type ORow, type Unit } from './ltvOracle.js';

/** Uniform on [0, 1), reproducible: the Mersenne Twister the forecast's bootstrap uses. */
export function rng(seed: number): () => number {
  const g = mt19937.factory({ seed });
  return () => g() / 4294967296; // g(): an integer on [0, 2³² − 1]
}

export const UNITS: Unit[] = ['day', 'week', 'month', 'quarter', 'year'];
export const ZONES = ['Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'UTC'];
export const SEC = 1000;
export const MIN = 60 * SEC;
export const HOUR = 60 * MIN;
export const DAY = 24 * HOUR;

/** Instants where the zone's offset changes, between a and b (to the second). */
export function transitions(zone: string, a: number, b: number): number[] {
  const off = (t: number): number => wall(t, zone) - t;
  const out: number[] = [];
  for (let t = a; t < b; t += 6 * HOUR) {
    if (off(t) === off(t + 6 * HOUR)) continue;
    let lo = t;
    let hi = t + 6 * HOUR;
    while (hi - lo > SEC) {
      const mid = lo + Math.floor((hi - lo) / 2 / SEC) * SEC;
      if (off(mid) === off(lo)) lo = mid;
      else hi = mid;
    }
    out.push(hi);
  }
  return out;
}

export const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
export function wallText(w: number, sep = 'T'): string {
  const d = new Date(w);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}${sep}${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

export interface RunConfig {
  zone: string;
  currency: 'USD' | 'EUR';
  asOf: number;
  renewalColumn: boolean;
  /** Every dimension, varying between a customer's rows (see the top of this file). */
  attributes?: boolean;
}

/** Values of the dimensions: two spellings of one value (filters match case-insensitively, segments keep
 *  the spelling; non-ASCII letters too, Greek final sigma and Turkish İ among them), a literal `unknown` (it
 *  and a missing value are one segment and one filter value), text a spreadsheet would run as a formula
 *  (neutralised in csv, exact in json). */
const DIM_VALUES = ['a', 'A', 'b', '', 'unknown', 'b', 'Ärger', 'ärger', '-1', '@home', 'ΟΔΟΣ', 'οδος', 'İNDİRİM', 'indirim'];
const COUNTRIES = ['us', 'US', 'De', '', 'fr'];
const PRODUCTS = ['p1', 'p2', ''];

export class Gen {
  readonly rows: ORow[] = [];
  /** Duplicate groups whose winner is decided by file and line: the winner must end up last. */
  readonly positional: ORow[][] = [];
  private n = 0;
  constructor(readonly r: () => number, readonly cfg: RunConfig) {}
  int(lo: number, hi: number): number { return lo + Math.floor(this.r() * (hi - lo + 1)); }
  pick<T>(xs: readonly T[]): T { return xs[Math.floor(this.r() * xs.length)]!; }
  chance(p: number): boolean { return this.r() < p; }
  id(prefix: string): string { return `${prefix}${++this.n}`; }

  /** Random values of the other dimensions (attribute mode). */
  dims(): Partial<Record<ExtraDim, string>> {
    return Object.fromEntries(EXTRA_DIMS.map((d) => [d, this.pick(DIM_VALUES)]));
  }

  /** In attribute mode, other dimension values than the customer's first payment's; nothing otherwise
   *  (the random stream stays as it was). */
  other(): Partial<ORow> {
    if (!this.cfg.attributes) return {};
    return { dims: this.dims(), country: this.pick([...COUNTRIES, 'JP', 'unknown']), product_id: this.pick([...PRODUCTS, 'P1', 'p3']) };
  }

  /** An instant's text: Z, the zone's offset, another offset, naive local, or (at local midnight) a bare date. */
  timeText(t: number): string {
    const { zone } = this.cfg;
    const w = wall(t, zone);
    const roll = this.r();
    if (w % DAY === 0 && instant(w, zone) === t && roll < 0.3) return wallText(w).slice(0, 10);
    if (roll < 0.35) return `${wallText(t)}Z`;
    if (roll < 0.6 && instant(w, zone) === t) return wallText(w, this.chance(0.5) ? ' ' : 'T');
    const offMin = this.chance(0.7) ? (w - t) / MIN : this.pick([330, -210, 0, 600]);
    const sign = offMin < 0 ? '-' : '+';
    const a = Math.abs(offMin);
    return `${wallText(t + offMin * MIN)}${sign}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
  }

  amount(currency: string): string {
    if (currency === 'JPY') return String(this.int(1, 20000));
    const cents = this.int(1, 50000);
    if (this.chance(0.2)) return (cents / 100 + this.int(0, 99) / 10000).toFixed(4);
    return (cents / 100).toFixed(this.chance(0.5) ? 2 : 1 + Number(cents % 10 !== 0));
  }

  currency(): string {
    return this.pick(this.cfg.currency === 'USD' ? ['', '', 'USD', 'EUR', 'GBP', 'JPY'] : ['', '', 'EUR', 'USD', 'GBP']);
  }

  push(row: Partial<ORow> & Pick<ORow, 'tenant' | 'customer_id' | 'event_time' | 'amount'>): ORow {
    const full: ORow = {
      transaction_id: '', currency: '', commission: '', tax: '', renewal_number: '', refunded_at: '', refund_of: '',
      is_sandbox: false, updated_at: '', product_id: '', country: '', file: 0, line: 0, ...row,
    };
    this.rows.push(full);
    return full;
  }

  /** Loser versions of a row (same transaction id): the winner by updated_at, or by being last. */
  duplicate(win: ORow): void {
    const losers = this.int(1, 2);
    const byUpdate = this.chance(0.5);
    const base = Date.parse('2026-06-01T00:00:00Z');
    if (byUpdate) win.updated_at = `${wallText(base + this.int(10, 20) * HOUR)}Z`;
    const group = [win];
    for (let i = 0; i < losers; i++) {
      const loser = this.push({
        ...win,
        amount: this.pick([win.amount, '0', '1.5', '999']),
        country: this.pick(['JP', '', win.country]),
        is_sandbox: this.chance(0.2),
        updated_at: byUpdate ? (this.chance(0.3) ? '' : `${wallText(base + this.int(0, 9) * HOUR)}Z`) : '',
        ...this.other(),
      });
      group.push(loser);
    }
    if (!byUpdate) this.positional.push(group);
  }

  /** A first payment whose boundary t0 + k units is a wall time that the transition at x repeats or skips;
   *  firstWall: the first occurrence of a repeated wall time (written naive, it must be read as that). */
  dstBoundary(x: number): { t0: number; k: number; unit: Unit; firstWall: number } {
    const { zone } = this.cfg;
    const before = wall(x - SEC, zone) + SEC; // the wall clock had the offset not changed
    const after = wall(x, zone);
    const inside = Math.min(before, after) + Math.floor(Math.abs(after - before) * this.pick([0.25, 0.5, 0.75]) / MIN) * MIN;
    const unit = this.pick(UNITS);
    const k = this.int(1, unit === 'day' ? 45 : unit === 'week' ? 10 : unit === 'month' ? 5 : unit === 'quarter' ? 2 : 1);
    let w = addWall(inside, -k, unit);
    if (addWall(w, k, unit) !== inside) w = addWall(inside - 3 * DAY, -k, unit) + 3 * DAY; // a clamped month end: aim at the day anyway
    return { t0: instant(w, zone), k, unit, firstWall: instant(inside, zone) };
  }

  tenant(tenant: string): void {
    const { zone, asOf: T } = this.cfg;
    const span = this.pick([20, 45, 100, 100, 200, 420]) * DAY;
    const from = T - span;
    const trans = transitions(zone, from - 2 * DAY, T + 2 * DAY);
    const midnight = (t: number): number => instant(wall(t, zone) - (wall(t, zone) % DAY), zone);
    const interesting = (): number => {
      const roll = this.r();
      if (trans.length && roll < 0.3) return this.pick(trans) + this.pick([0, -SEC, SEC, -30 * MIN, 30 * MIN, 45 * MIN, -HOUR]);
      if (roll < 0.5) return midnight(from + this.r() * span) + this.pick([0, -SEC, SEC, 0]);
      if (roll < 0.55) return T - this.pick([0, SEC, HOUR, DAY]);
      return from + Math.floor(this.r() * span / SEC) * SEC;
    };
    const customers = this.int(2, this.cfg.attributes ? 12 : 7);
    for (let ci = 0; ci < customers; ci++) {
      const customer_id = `c${ci}`;
      const country = this.pick(COUNTRIES);
      const product = (): string => this.pick(PRODUCTS);
      const own = this.cfg.attributes ? this.dims() : undefined;
      // A third of the customers have a period boundary t0 + k units inside a DST gap or repeated range.
      const onDst = trans.length > 0 && this.chance(0.35) ? this.dstBoundary(this.pick(trans)) : undefined;
      const t0 = onDst?.t0 ?? interesting();
      const kind = this.r();
      if (kind < 0.08) {
        // no payment: only a refund or a zero-amount row
        this.push({ tenant, customer_id, event_time: this.timeText(t0), amount: this.pick(['-5', '0']), transaction_id: this.id('x'), ...this.other() });
        continue;
      }
      if (this.chance(0.15)) this.push({ tenant, customer_id, event_time: this.timeText(t0 - this.int(1, 3) * DAY), amount: '0', transaction_id: this.id('z'), product_id: 'p1', ...this.other() });
      if (this.chance(0.1)) this.push({ tenant, customer_id, event_time: this.timeText(t0 - this.int(0, 5) * HOUR - SEC), amount: '9.99', transaction_id: this.id('s'), is_sandbox: true, country: 'JP', ...this.other() });
      if (this.chance(0.1)) this.push({ tenant, customer_id, event_time: this.timeText(t0 - this.int(1, 50) * HOUR), amount: '-2.50', transaction_id: this.id('u'), refund_of: this.pick(['', 'nowhere']), ...this.other() });
      const times = [t0];
      if (onDst) {
        const at = boundary(t0, onDst.k, onDst.unit, zone);
        times.push(at - SEC, at, at + SEC, at + this.int(1, 60) * MIN, onDst.firstWall);
      }
      const extra = this.int(0, 5);
      for (let i = 0; i < extra; i++) {
        const unit = this.pick(UNITS.slice(0, span > 150 * DAY ? 5 : 3));
        const k = this.int(1, unit === 'day' ? 40 : unit === 'week' ? 8 : 4);
        const t = boundary(t0, k, unit, zone) + this.pick([0, -SEC, SEC, 0, this.int(-DAY, DAY)]);
        if (t <= T + 2 * DAY) times.push(t);
      }
      if (this.chance(0.1)) times.push(t0); // a second payment at the very same instant: the smaller id starts the cohort
      const payments: { row: ORow; left: number; t: number }[] = [];
      for (const t of times) {
        // Attribute mode: the first payment's values are the customer's; half the later ones (and any at
        // the first one's instant, a tie the smaller id wins) carry others.
        const differ = this.cfg.attributes && payments.length > 0 && (t === t0 || this.chance(0.5)) ? this.other() : {};
        const currency = this.currency();
        const renewal_number = this.cfg.renewalColumn ? String(payments.length === 0 ? 0 : this.int(0, 4)) : '';
        const row = this.push({
          tenant, customer_id, event_time: this.timeText(t), amount: this.amount(currency), currency,
          transaction_id: this.id('t'), commission: this.pick(['', '0', '15', '30', '12.3456']), tax: this.pick(['', '0', '19', '7.5']),
          renewal_number, product_id: product(), country, ...(own ? { dims: own } : {}), ...differ,
        });
        payments.push({ row, left: Number(row.amount), t });
        if (this.chance(0.1)) this.push({ ...row, transaction_id: '', amount: '0', ...this.other() }); // a zero row beside it, no id
      }
      for (const p of payments) {
        const roll = this.r();
        const later = p.t + this.pick([0, SEC, this.int(1, 60) * DAY, this.int(0, 3) * HOUR]);
        if (roll < 0.12) {
          p.row.refunded_at = this.timeText(later);
        } else if (roll < 0.35) {
          const refunds = this.int(1, 2);
          for (let i = 0; i < refunds; i++) {
            const share = this.pick([1, 0.5, 0.3333, 0.1]);
            const take = p.row.currency === 'JPY' ? Math.floor(p.left * share) : Math.floor(p.left * share * 100) / 100;
            if (take <= 0) continue;
            p.left -= take;
            const otherCurrency = refunds === 1 && share < 0.5 && p.row.currency !== 'JPY' && this.chance(0.2);
            this.push({
              tenant, customer_id, event_time: this.timeText(later + i * HOUR), amount: `-${take}`, transaction_id: this.id('r'),
              refund_of: p.row.transaction_id, currency: otherCurrency ? this.pick(['GBP', 'EUR', 'USD']) : p.row.currency,
              commission: this.pick(['', '50']), ...this.other(),
            });
          }
        } else if (roll < 0.42) {
          // unlinked, at a random time (before the first payment too)
          this.push({ tenant, customer_id, event_time: this.timeText(interesting()), amount: `-${this.amount('USD')}`, transaction_id: this.id('u'), currency: this.currency(), tax: this.pick(['', '10']), ...this.other() });
        }
        if (this.chance(0.12)) this.duplicate(p.row);
      }
      if (this.chance(0.08)) {
        // a sandbox payment and its refund: both excluded
        const s = this.push({ tenant, customer_id, event_time: this.timeText(t0 + HOUR), amount: '50', transaction_id: this.id('s'), is_sandbox: true, ...this.other() });
        this.push({ tenant, customer_id, event_time: this.timeText(t0 + 2 * HOUR), amount: '-50', transaction_id: this.id('r'), refund_of: s.transaction_id });
      }
    }
  }
}

const COLUMNS = ['tenant_id', 'customer_id', 'event_time', 'amount', 'transaction_id', 'currency', 'commission_percentage', 'tax_percentage', 'renewal_number', 'refunded_at', 'refund_of', 'is_sandbox', 'updated_at', 'product_id', 'country'];
/** A row's csv cells (the extra dimensions too in attribute mode). */
export const cellsOf = (r: ORow, attributes = false): string[] => [
  r.tenant, r.customer_id, r.event_time, r.amount, r.transaction_id, r.currency, r.commission, r.tax, r.renewal_number, r.refunded_at, r.refund_of,
  r.is_sandbox ? 'true' : 'false', r.updated_at, r.product_id, r.country, ...(attributes ? EXTRA_DIMS.map((d) => r.dims?.[d] ?? '') : []),
];

export function rates(cfg: RunConfig, r: () => number): OJob['rates'] {
  const other = cfg.currency === 'USD' ? ['EUR', 'GBP', 'JPY'] : ['USD', 'GBP', 'JPY'];
  const out: OJob['rates'] = [];
  for (const c of other) {
    const base = c === 'JPY' ? 0.0067 : c === 'GBP' ? 1.27 : cfg.currency === 'USD' ? 1.08 : 0.92;
    const rate = (): string => (base * (0.9 + r() * 0.2)).toFixed(10);
    out.push({ date: '2020-01-01', currency: c, rate: rate() });
    // changes on the local days around T and around each transition of the last two years
    const days = new Set<string>();
    for (let i = 0; i < 30; i++) days.add(new Date(wall(cfg.asOf - Math.floor(r() * 500) * DAY, cfg.zone)).toISOString().slice(0, 10));
    for (const t of transitions(cfg.zone, cfg.asOf - 500 * DAY, cfg.asOf)) days.add(new Date(wall(t, cfg.zone)).toISOString().slice(0, 10));
    days.add(new Date(wall(cfg.asOf, cfg.zone)).toISOString().slice(0, 10));
    for (const d of [...days].sort()) out.push({ date: d, currency: c, rate: rate() });
  }
  return out;
}

export function runConfig(i: number, r: () => number): RunConfig {
  // zone and kind of T (0 at a DST transition, 1 a local midnight, 2 inside a day): the first four runs
  // cover every zone and kind; further runs cycle.
  const [zi, kind] = ([[1, 0], [2, 0], [0, 1], [3, 2]] as const)[i] ?? [i % ZONES.length, i % 3];
  const zone = ZONES[zi]!;
  const base = Date.parse('2026-01-01T00:00:00Z') + Math.floor(r() * 300) * DAY;
  const trans = transitions(zone, base - 200 * DAY, base);
  let asOf: number;
  if (kind === 0 && trans.length) asOf = trans[trans.length - 1]! + [0, 15 * MIN, -SEC][i % 3]!; // at / inside a DST change
  else if (kind === 1) asOf = instant(wall(base, zone) - (wall(base, zone) % DAY), zone); // a local midnight
  else asOf = base + Math.floor(r() * DAY / SEC) * SEC; // inside a day
  // every zone once with given renewal numbers and once with derived ones
  return { zone, currency: i % 3 === 1 ? 'EUR' : 'USD', asOf, renewalColumn: [1, 0, 1, 0][i % 4] === 1 };
}


export interface OracleRun {
  cfg: RunConfig;
  job: OJob;
  /** Every tenant's rows, in file order (file, then line). */
  rows: ORow[];
  /** The fixture's files: a.csv, b.csv (the rows, shuffled) and rates.csv. */
  files: Record<string, string>;
}

/** Run `run` of seed `seed`: its config (runConfig), `tenants` random tenants and the input files. */
export function oracleRun(seed: number, run: number, tenants: readonly string[], opts: { attributes?: boolean } = {}): OracleRun {
  const r = rng(seed + run);
  const cfg: RunConfig = { ...runConfig(run, r), ...(opts.attributes ? { attributes: true } : {}) };
  const gen = new Gen(r, cfg);
  for (const t of tenants) gen.tenant(t);
  // Rows of all tenants shuffled into two files; duplicate groups without updated_at: the winner last.
  const rows = gen.rows;
  for (let i = rows.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [rows[i], rows[j]] = [rows[j]!, rows[i]!];
  }
  const split = Math.floor(rows.length * (0.3 + r() * 0.4));
  rows.forEach((row, i) => { row.file = i < split ? 0 : 1; row.line = i < split ? i + 2 : i - split + 2; });
  for (const group of gen.positional) {
    const last = group.reduce((a, b) => (b.file > a.file || (b.file === a.file && b.line > a.line) ? b : a));
    const win = group[0]!;
    [win.file, win.line, last.file, last.line] = [last.file, last.line, win.file, win.line];
  }
  rows.sort((a, b) => a.file - b.file || a.line - b.line);
  const job: OJob = { zone: cfg.zone, currency: cfg.currency, asOf: cfg.asOf, rates: rates(cfg, r) };
  const header = [...COLUMNS, ...(cfg.attributes ? EXTRA_DIMS : [])].join(',');
  const file = (f: number): string => `${header}\n${rows.filter((x) => x.file === f).map((x) => cellsOf(x, cfg.attributes).join(',')).join('\n')}\n`;
  return {
    cfg, job, rows,
    files: { 'a.csv': file(0), 'b.csv': file(1), 'rates.csv': `date,currency,rate\n${job.rates.map((x) => `${x.date},${x.currency},${x.rate}`).join('\n')}\n` },
  };
}
