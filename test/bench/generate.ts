// Generates N canonical transactions shaped like a subscription app's export: monthly/annual renewals
// decaying over a year, two currencies, commission and tax, linked and unlinked refunds, duplicates
// (later updated_at), sandbox rows and a few bad rows. Deterministic for a given N and seed.
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';

const COUNTRIES = ['US', 'GB', 'DE', 'FR', 'JP', 'BR', 'IN', 'CA', 'AU', 'ES', 'IT', 'NL', 'SE', 'MX', 'KR', 'PL', 'TR', 'CH', 'AT', 'BE'];
const PRODUCTS = [
  { id: 'pro_monthly', duration: 'Monthly', months: 1, price: 9.99 },
  { id: 'pro_annual', duration: 'Annual', months: 12, price: 59.99 },
  { id: 'plus_monthly', duration: 'Monthly', months: 1, price: 4.99 },
  { id: 'pro_weekly', duration: 'Weekly', months: 0.25, price: 2.99 },
  { id: 'lifetime', duration: 'Lifetime', months: 0, price: 149.99 },
];
const STORES = ['app_store', 'play_store'];
const PAYWALLS = ['onboarding', 'settings', 'promo'];
export const HEADER = 'tenant_id,customer_id,event_time,amount,currency,transaction_id,refund_of,commission_percentage,tax_percentage,is_sandbox,updated_at,product_id,duration,store,country,paywall';
// The `--dimensions 8` shape (issue 13: a RevenueCat-like export): four more attribute columns.
const PLACEMENTS = ['home', 'paywall_screen', 'settings', 'onboarding_end', 'push', 'deeplink'];
const AUDIENCES = ['all', 'new_users', 'returning', 'lapsed', 'high_intent'];
const SOURCES = ['organic', 'apple_search_ads', 'meta', 'google', 'tiktok', 'influencer', 'referral'];
const CHANNELS = ['ua', 'brand', 'retargeting', 'social', 'search'];
const HEADER_8 = `${HEADER},placement,audience,attribution_source,attribution_channel`;

/** A small, fast PRNG (mulberry32) so data sets are reproducible. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface GenerateOptions {
  rows: number;
  path: string;
  /** End of the data (the as-of time of the bench). */
  end: Date;
  seed?: number;
  tenants?: number;
  /** 4 (product, store, country, paywall; the default) or 8 (adds placement, audience, attribution source and channel). */
  dimensions?: 4 | 8;
}

export async function generate(opts: GenerateOptions): Promise<{ rows: number; bytes: number }> {
  const rand = rng(opts.seed ?? 42);
  const out = createWriteStream(opts.path, { highWaterMark: 1 << 20 });
  const eight = opts.dimensions === 8;
  let buf = `${eight ? HEADER_8 : HEADER}\n`;
  let rows = 0;
  let bytes = 0;
  let tx = 0;
  const endMs = opts.end.getTime();
  const yearMs = 365 * 86_400_000;
  const flush = async (): Promise<void> => {
    bytes += Buffer.byteLength(buf);
    if (!out.write(buf)) await once(out, 'drain');
    buf = '';
  };
  let customer = 0;
  while (rows < opts.rows) {
    customer++;
    const tenant = opts.tenants && opts.tenants > 1 ? `app${customer % opts.tenants}` : '';
    const product = PRODUCTS[Math.floor(rand() ** 1.5 * PRODUCTS.length)]!;
    const country = COUNTRIES[Math.floor(rand() ** 2 * COUNTRIES.length)]!;
    const store = STORES[rand() < 0.6 ? 0 : 1]!;
    const paywall = PAYWALLS[Math.floor(rand() * PAYWALLS.length)]!;
    // Drawn only for the 8-dimension shape, so the default shape's data stays what it was.
    const extra = eight
      ? `,${PLACEMENTS[Math.floor(rand() * PLACEMENTS.length)]},${AUDIENCES[Math.floor(rand() ** 1.3 * AUDIENCES.length)]},` +
        `${SOURCES[Math.floor(rand() ** 1.5 * SOURCES.length)]},${CHANNELS[Math.floor(rand() * CHANNELS.length)]}`
      : '';
    const eur = country === 'DE' || country === 'FR' || country === 'ES' || country === 'IT' || country === 'NL';
    const commission = store === 'app_store' && rand() < 0.7 ? '30' : '15';
    const tax = eur ? '19' : country === 'US' ? '0' : '10';
    const t0 = endMs - Math.floor(rand() * 2 * yearMs);
    const stepMs = product.months === 0 ? 0 : product.months * 30.44 * 86_400_000;
    const sandbox = rand() < 0.005;
    let t = t0;
    let renewals = 0;
    const survival = product.months >= 12 ? 0.6 : 0.85;
    while (rows < opts.rows && t <= endMs) {
      const id = `t${++tx}`;
      const price = (product.price * (eur ? 0.92 : 1)).toFixed(2);
      const iso = new Date(t).toISOString();
      const bad = rand() < 0.001;
      buf += `${tenant},c${customer},${bad ? 'not-a-time' : iso},${price},${eur ? 'EUR' : 'USD'},${id},,${commission},${tax},${sandbox},,${product.id},${product.duration},${store},${country},${paywall}${extra}\n`;
      rows++;
      if (rand() < 0.01 && rows < opts.rows) {
        // a later version of the same transaction (e.g. a price correction)
        buf += `${tenant},c${customer},${iso},${price},${eur ? 'EUR' : 'USD'},${id},,${commission},${tax},${sandbox},${new Date(t + 3_600_000).toISOString()},${product.id},${product.duration},${store},${country},${paywall}${extra}\n`;
        rows++;
      }
      if (rand() < 0.02 && rows < opts.rows) {
        const linked = rand() < 0.8;
        buf += `${tenant},c${customer},${new Date(t + 3 * 86_400_000).toISOString()},-${price},${eur ? 'EUR' : 'USD'},r${tx},${linked ? id : ''},${commission},${tax},${sandbox},,${product.id},${product.duration},${store},${country},${paywall}${extra}\n`;
        rows++;
      }
      if (buf.length > 1 << 20) await flush();
      if (stepMs === 0 || rand() > survival) break;
      t += stepMs;
      renewals++;
    }
  }
  await flush();
  out.end();
  await once(out, 'finish');
  return { rows, bytes };
}

export const RATES = 'date,currency,rate\n2020-01-01,EUR,1.0850\n2025-01-01,EUR,1.0420\n2025-07-01,EUR,1.1610\n2026-01-01,EUR,1.1720\n';

/**
 * A web shop of CDNOW's shape at scale (`npm run bench -- --cdnow K`): the CDNOW purchases this repository
 * carries (test/fixtures/datasets/CDNOW_master.txt: id, date YYYYMMDD, quantity, dollar value), K times
 * over, copy k with its own customers `c{k}-{id}` and every date k weeks later, at noon UTC. Returns the
 * rows written.
 */
export function cdnowTimes(copies: number, path: string): number {
  const source = readFileSync(new URL('../fixtures/datasets/CDNOW_master.txt', import.meta.url), 'utf8');
  const purchases = source.split('\n').filter((l) => /^\s*\d/.test(l)).map((l) => l.trim().split(/\s+/));
  const out = ['customer_id,event_time,amount'];
  for (let k = 0; k < copies; k++) {
    for (const [id, date, , amount] of purchases) {
      const day = Date.UTC(Number(date!.slice(0, 4)), Number(date!.slice(4, 6)) - 1, Number(date!.slice(6, 8))) + k * 7 * 86_400_000;
      out.push(`c${k}-${id},${new Date(day).toISOString().slice(0, 10)}T12:00:00Z,${amount}`);
    }
  }
  writeFileSync(path, `${out.join('\n')}\n`);
  return out.length - 1;
}

/** Lines in a text file. */
export function lineCount(path: string): number {
  const text = readFileSync(path, 'utf8');
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}
