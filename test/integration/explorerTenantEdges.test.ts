// The explorer served by ltv serve (SPEC §10) on tenants at the edges, in a real browser: an id outside
// Latin-1 (x-ltv-tenant is sent percent-encoded), a tenant of no customer (the empty report, as
// report.html shows it), filter values differing only in case (one box, as the server matches them), and
// the date range of a fragment or of the date fields (outside the run's first payments: that end of its
// range, in the URL as on the page), and segment and tenant names that differ only by a tab, LF or CR
// (each shown on one line with the character's picture, never as a lookalike). Every expected figure is
// counted from the exports below.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdaptyResponse } from '../../src/report/apiTypes.js';
import { tenantDirName } from '../../src/publish/publishRun.js';
import { launchBrowser } from '../helpers/browser.js';
import { redrawn } from '../helpers/explorerPage.js';
import { httpRequest } from '../helpers/httpRequest.js';
import { adaptyGrid, csv, makeFixture, runJob, type Fixture } from '../helpers/runFixture.js';
import { startServer, type TestServer } from '../helpers/startServer.js';

const KEY = 'ltv_explorer_tenant_edges_key_01';
const JP = '日本アプリ';
/** A right-to-left override: outside Latin-1 too. */
const RTL = '\u202eppa-omed';
/** A path segment a browser removes (SPEC §3: any id a row carries is a tenant). */
const DOTS = '..';
/** What the page sent for ".." before (%252E%252E, decoded once): a tenant of that very name is another tenant. */
const LITERAL = '%2E%2E';
/** Only payments of 0: the tenant is published with no customer. */
const ZERO = 'zero';
/**
 * FOLD's customers f1 … f7, one product each: spellings the server matches alike by Unicode's simple case
 * mapping (31_attr_kept.sql), which JS's toLowerCase tells apart (İ; a final sigma).
 */
const FOLD = 'fold';
const FOLDED = ['indirim', 'indirim', 'İNDİRİM', 'ΟΔΟΣ', 'ΟΔΟΣ', 'οδος', 'οδοσ'];
const AS_OF = '2026-03-16T12:00:00Z';
const RUN = '20260316T120000Z';
// JP: j1 and j2 buy `Pro`, j3 `pro` (one value to the server, SPEC §6), j4 `basic`; first payments
// 2026-01-05 … 2026-03-01.
const EXPORT = csv('tenant_id,customer_id,event_time,amount,currency,product_id', [
  [JP, 'j1', '2026-01-05T10:00:00Z', '9.99', 'USD', 'Pro'],
  [JP, 'j1', '2026-02-05T10:00:00Z', '9.99', 'USD', 'Pro'],
  [JP, 'j2', '2026-01-20T10:00:00Z', '9.99', 'USD', 'Pro'],
  [JP, 'j3', '2026-02-10T10:00:00Z', '9.99', 'USD', 'pro'],
  [JP, 'j4', '2026-03-01T10:00:00Z', '4.99', 'USD', 'basic'],
  [RTL, 'r1', '2026-02-01T10:00:00Z', '5.00', 'USD', 'Pro'],
  [DOTS, 'd1', '2026-02-03T10:00:00Z', '7.00', 'USD', 'Pro'],
  [DOTS, 'd2', '2026-02-04T10:00:00Z', '3.00', 'USD', 'basic'],
  [LITERAL, 'l1', '2026-02-05T10:00:00Z', '1.00', 'USD', 'Pro'],
  [LITERAL, 'l2', '2026-02-06T10:00:00Z', '1.00', 'USD', 'Pro'],
  [LITERAL, 'l3', '2026-02-07T10:00:00Z', '1.00', 'USD', 'Pro'],
  [ZERO, 'z1', '2026-02-01T10:00:00Z', '0', 'USD', 'Pro'],
  [ZERO, 'z2', '2026-02-02T10:00:00Z', '0.00', 'USD', 'Pro'],
  ...FOLDED.map((product, i) => [FOLD, `f${i + 1}`, `2026-02-0${i + 1}T10:00:00Z`, '1.00', 'USD', product]),
]);

/** Tenants whose ids differ only by a tab and a space: alike on a page that shows a tab as a space. */
const TAB = 'tab\there';
const SPACE = 'tab here';
/** TAB's four products, one customer each paying 5, 6, 7, 8 USD on 2026-02-02 … 02-05. */
const PLANS = ['pro plan', 'pro\tplan', 'pro\nplan', 'pro\rplan'] as const;
/** PLANS as the page must show them (SPEC §10, src/format/text.ts visibleLine): ␉ U+2409, ␊ U+240A, ␍ U+240D. */
const PLANS_SHOWN = ['pro plan', 'pro\u2409plan', 'pro\u240aplan', 'pro\u240dplan'];
const TAB_SHOWN = 'tab\u2409here';
// JSON Lines: a CSV field would need quoting for LF and CR (and a reader's rules for a CR in quotes).
const LOOKALIKES = [
  ...PLANS.map((plan, i) => ({ tenant_id: TAB, customer_id: `t${i}`, event_time: `2026-02-0${i + 2}T10:00:00Z`, amount: String(5 + i), currency: 'USD', product_id: plan })),
  { tenant_id: SPACE, customer_id: 's1', event_time: '2026-02-02T10:00:00Z', amount: '9', currency: 'USD', product_id: 'pro plan' },
].map((r) => JSON.stringify(r)).join('\n');

let fx: Fixture;
let s: TestServer;
let browser: Browser;
/** Every Adapty request of the pages: its x-ltv-tenant header and body. */
const sent: { tenant: string | undefined; body: { filters: Record<string, unknown> } }[] = [];

beforeAll(async () => {
  fx = await makeFixture({ 'tx.csv': EXPORT, 'lookalikes.jsonl': `${LOOKALIKES}\n` });
  await runJob(fx, { tenant: 'default', inputs: [{ path: 'tx.csv' }, { path: 'lookalikes.jsonl' }], formats: ['json', 'csv'], forecast: { model: 'off' } }, AS_OF);
  s = await startServer({ reportsDir: fx.reportsDir, keys: [{ key: KEY, tenants: [JP, RTL, ZERO, DOTS, LITERAL, TAB, SPACE, FOLD] }] });
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await s?.stop();
  await fx?.cleanup();
});

async function api(tenant: string, filters: Record<string, unknown>): Promise<AdaptyResponse> {
  const r = await httpRequest(s.port, '/api/v1/client-api/metrics/ltv/', {
    method: 'POST',
    headers: { authorization: `Api-Key ${KEY}`, 'content-type': 'application/json', 'x-ltv-tenant': encodeURIComponent(tenant) },
    body: JSON.stringify({ filters, period_type: 'days', period_unit: 'month' }),
  });
  expect(r.status).toBe(200);
  return r.json() as AdaptyResponse;
}

async function newPage(): Promise<Page> {
  const p = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'en-US', acceptDownloads: true });
  p.on('request', (r) => {
    if (r.url().endsWith('/api/v1/client-api/metrics/ltv/')) sent.push({ tenant: r.headers()['x-ltv-tenant'], body: JSON.parse(r.postData() ?? '{}') as never });
  });
  return p;
}

/** A new page signed in on `/` + `hash`, once it has settled (a heatmap drawn, or a status said). */
async function signedIn(hash: string): Promise<Page> {
  const p = await newPage();
  await p.goto(`http://127.0.0.1:${s.port}/${hash}`);
  await p.fill('#api-key', KEY);
  await p.click('button[type=submit]');
  await p.waitForSelector('.report .status', { state: 'attached' });
  await p.waitForFunction(() => document.querySelector('.report[data-loaded]:not([aria-busy])') !== null || (document.querySelector('.report .status')?.textContent ?? '') !== '');
  return p;
}

const fragment = (p: Page): URLSearchParams => new URLSearchParams(new URL(p.url()).hash.slice(1));
const customers = (p: Page): Promise<string | null> => p.textContent('[data-figure=selection_customers]');
const gridOf = (p: Page): Promise<Record<string, number[]>> => p.$$eval('table.heatmap tbody tr', (trs) => Object.fromEntries(trs.map((tr) => [tr.querySelector('th')?.textContent ?? '', [...tr.querySelectorAll<HTMLElement>('td.cell')].map((td) => Number(td.dataset.value))])));
const dates = (p: Page): Promise<string[]> => Promise.all([p.inputValue('#ctl-from'), p.inputValue('#ctl-to')]);
/** Waits for the page to have drawn the answer to its latest request (after an action that made one). */
const settled = (p: Page): Promise<unknown> => p.waitForSelector('.report[data-loaded]:not([aria-busy])');

describe('the explorer on tenant ids outside Latin-1', () => {
  it('explores them, the x-ltv-tenant header percent-encoded, and downloads their files', async () => {
    const before = sent.length;
    const p = await signedIn(`#tenant=${encodeURIComponent(JP)}`);
    try {
      expect(await p.textContent('.status')).toBe('');
      expect(await customers(p)).toBe('4');
      expect(await gridOf(p)).toEqual(adaptyGrid(await api(JP, { date: ['2026-01-05', '2026-03-01'] }), 'revenue'));
      expect(fragment(p).get('tenant')).toBe(JP);
      expect(await p.title()).toBe(`${JP} · ${RUN} · ltv explorer`);
      const asked = sent.slice(before);
      expect(asked.length).toBeGreaterThan(0);
      expect(asked.map((r) => r.tenant)).toEqual(asked.map(() => '%E6%97%A5%E6%9C%AC%E3%82%A2%E3%83%97%E3%83%AA'));

      const [download] = await Promise.all([p.waitForEvent('download'), p.click('button[data-download="ltv.csv"]')]);
      const path = await download.path();
      expect(await readFile(path, 'utf8')).toBe(await readFile(join(fx.reportsDir, tenantDirName(JP), 'latest', 'ltv.csv'), 'utf8'));
      // Named as the server names it (the tenant's safe directory name), not after the raw id.
      expect(download.suggestedFilename()).toBe(`${tenantDirName(JP)}-${RUN}-ltv.csv`);
      expect(await p.textContent('.status')).toBe('');

      // The other one, by the tenant selector: r1 alone.
      await redrawn(p, () => p.selectOption('#ctl-tenant', RTL));
      expect(await p.textContent('.status')).toBe('');
      expect(await customers(p)).toBe('1');
      expect(sent.at(-1)?.tenant).toBe('%E2%80%AEppa-omed');
    } finally {
      await p.close();
    }
  });

  it('says a key the Authorization header cannot carry is not accepted, not that the server is down', async () => {
    const p = await newPage();
    try {
      await p.goto(`http://127.0.0.1:${s.port}/`);
      await p.fill('#api-key', 'ltv_ключ');
      await p.click('button[type=submit]');
      await p.waitForSelector('.signin .error');
      expect(await p.textContent('.signin .error')).toBe('This key was not accepted: it holds a character no key has (keys are letters, digits, _ and -). Check it and try again.');
    } finally {
      await p.close();
    }
  });
});

describe('the explorer on the tenant ".."', () => {
  it('reads its run, its partial marks and its files, though a browser removes ".." from a path', async () => {
    const p = await signedIn(`#tenant=${encodeURIComponent(DOTS)}&segmentation=product`);
    try {
      await settled(p);
      expect(await p.textContent('.status')).toBe('');
      expect(await customers(p)).toBe('2');
      // The run's detail (its title) and the segment rows' states come from the routes with the tenant in the path.
      expect(await p.title()).toBe(`${DOTS} · ${RUN} · ltv explorer`);
      expect(Object.keys(await gridOf(p))).toEqual(['Total', 'Pro', 'basic']);
      const [download] = await Promise.all([p.waitForEvent('download'), p.click('button[data-download="ltv.csv"]')]);
      expect(await readFile(await download.path(), 'utf8')).toBe(await readFile(join(fx.reportsDir, tenantDirName(DOTS), 'latest', 'ltv.csv'), 'utf8'));
      expect(await p.textContent('.status')).toBe('');
    } finally {
      await p.close();
    }
  });

  it('tells it from a tenant named "%2E%2E" that the same key sees (the page got that one\'s run, headline and files)', async () => {
    for (const [tenant, n] of [[DOTS, '2'], [LITERAL, '3']] as const) {
      const p = await signedIn(`#tenant=${encodeURIComponent(tenant)}`);
      try {
        await settled(p);
        expect(await p.textContent('.status')).toBe('');
        expect(await customers(p)).toBe(n);
        expect(await p.title()).toBe(`${tenant} · ${RUN} · ltv explorer`);
        const [download] = await Promise.all([p.waitForEvent('download'), p.click('button[data-download="ltv.csv"]')]);
        expect(await readFile(await download.path(), 'utf8')).toBe(await readFile(join(fx.reportsDir, tenantDirName(tenant), 'latest', 'ltv.csv'), 'utf8'));
      } finally {
        await p.close();
      }
    }
  });
});

describe('the explorer on a tenant of no customer', () => {
  it('shows the empty report (the Total row of no customer), as report.html does, with no date to choose', async () => {
    const before = sent.length;
    const p = await signedIn(`#tenant=${ZERO}&from=2026-02-01&to=2026-02-02`);
    try {
      await settled(p);
      expect(await p.textContent('.status')).toBe('');
      expect(await customers(p)).toBe('0');
      expect(await p.textContent('[data-figure=selection_ltv]')).toBe('—');
      // The server's Total row of no customer, and no cell.
      expect(await p.$$eval('table.heatmap tbody tr', (trs) => trs.map((tr) => [tr.querySelector('th')?.textContent, tr.querySelector('.customers')?.textContent, tr.querySelectorAll('td.cell').length]))).toEqual([['Total', '0', 0]]);
      expect(await p.textContent('.heatmap-host .note')).toBe('No customer matches.');
      expect(await p.textContent('.chart')).toBe('No curve to draw.');
      // No first payment, no range: the date fields are empty and disabled, the URL names no date, and
      // the page asked for the run's as-of day (2026-03-16 in UTC).
      expect(await dates(p)).toEqual(['', '']);
      expect(await p.isDisabled('#ctl-from')).toBe(true);
      expect(await p.isDisabled('#ctl-to')).toBe(true);
      expect([fragment(p).get('from'), fragment(p).get('to')]).toEqual([null, null]);
      expect(sent.slice(before).map((r) => r.body.filters.date)).toEqual([['2026-03-16', '2026-03-16']]);
    } finally {
      await p.close();
    }
  });
});

describe('the explorer on filter values differing only in case', () => {
  const boxes = 'input[type=checkbox][data-filter=product]';
  /** The product filter's values and customer counts, once the run's values are in (after the heatmap), opened. */
  async function productList(p: Page): Promise<[string, string | null][]> {
    await p.waitForSelector(boxes, { state: 'attached' });
    await p.click('details.filters summary');
    const values = await p.$$eval(boxes, (bs) => bs.map((b) => (b as HTMLInputElement).value));
    const counts = await p.$$eval('fieldset[data-filter-key=product] .count', (cs) => cs.map((c) => c.textContent));
    return values.map((v, i) => [v, counts[i] ?? null]);
  }

  it('lists one value per spelling the server matches alike, with their customers, and ticks and unticks it in the URL', async () => {
    const p = await signedIn(`#tenant=${encodeURIComponent(JP)}`);
    try {
      // Pro: j1, j2 and j3 (`pro`); basic: j4.
      expect(await productList(p)).toEqual([['Pro', ' 3'], ['basic', ' 1']]);

      await redrawn(p, () => p.check(`${boxes}[value=Pro]`));
      expect(await customers(p)).toBe('3');
      expect(fragment(p).getAll('f.product')).toEqual(['Pro']);
      expect(sent.at(-1)?.body.filters.product).toEqual(['Pro']);
      expect(await gridOf(p)).toEqual(adaptyGrid(await api(JP, { date: ['2026-01-05', '2026-03-01'], product: ['pro'] }), 'revenue'));

      await redrawn(p, () => p.uncheck(`${boxes}[value=Pro]`));
      expect(await customers(p)).toBe('4');
      expect(fragment(p).getAll('f.product')).toEqual([]);
      expect(sent.at(-1)?.body.filters.product).toBeUndefined();
      expect(await p.isChecked(`${boxes}[value=Pro]`)).toBe(false);

      // A fragment's `pro` is that value: its box checked, unticked as the reader's own.
      await redrawn(p, () => p.evaluate(() => { location.hash = `${location.hash}&f.product=pro`; }));
      await p.waitForFunction(() => location.hash.includes('f.product=Pro'));
      expect(await customers(p)).toBe('3');
      // The filters drawn again, open (a value is chosen).
      await p.waitForSelector(`${boxes}[value=Pro]:checked`);
      expect(await p.$$eval(boxes, (bs) => bs.length)).toBe(2);
      await redrawn(p, () => p.uncheck(`${boxes}[value=Pro]`));
      expect(await customers(p)).toBe('4');
      expect(fragment(p).getAll('f.product')).toEqual([]);
    } finally {
      await p.close();
    }
  });

  it('lists spellings apart in JS\'s lower case but matched alike by the server as one value', async () => {
    const p = await signedIn(`#tenant=${FOLD}`);
    try {
      // ΟΔΟΣ: f4, f5, f6 (οδος) and f7 (οδοσ); indirim: f1, f2 and f3 (İNDİRİM).
      expect(await productList(p)).toEqual([['ΟΔΟΣ', ' 4'], ['indirim', ' 3']]);
      await redrawn(p, () => p.check(`${boxes}[value=indirim]`));
      expect(await customers(p)).toBe('3');
      expect(sent.at(-1)?.body.filters.product).toEqual(['indirim']);
      // A fragment's other spelling is that value.
      await redrawn(p, () => p.evaluate(() => { location.hash = `${location.hash}&f.product=${encodeURIComponent('οδοσ')}`; }));
      await p.waitForFunction(() => new URLSearchParams(location.hash.slice(1)).getAll('f.product').includes('ΟΔΟΣ'));
      expect(await customers(p)).toBe('7');
    } finally {
      await p.close();
    }
  });
});

describe('the explorer\'s date range, from a fragment and from the date fields', () => {
  it('keeps a fragment\'s dates within the run when it names no run', async () => {
    // First payments in 2026-01-10 … 2026-02-28: j2 (01-20) and j3 (02-10).
    const p = await signedIn(`#tenant=${encodeURIComponent(JP)}&from=2026-01-10&to=2026-02-28`);
    try {
      await settled(p);
      expect(await dates(p)).toEqual(['2026-01-10', '2026-02-28']);
      expect(await customers(p)).toBe('2');
      expect([fragment(p).get('from'), fragment(p).get('to')]).toEqual(['2026-01-10', '2026-02-28']);
      expect(sent.at(-1)?.body.filters.date).toEqual(['2026-01-10', '2026-02-28']);
      // Outside the run's first payments (2026-01-05 … 2026-03-01): that end of its range, the other date stays.
      await redrawn(p, () => p.evaluate((t) => { location.hash = `#tenant=${t}&from=1990-01-01&to=2026-02-28`; }, encodeURIComponent(JP)));
      expect(await dates(p)).toEqual(['2026-01-05', '2026-02-28']);
      expect(await customers(p)).toBe('3');
    } finally {
      await p.close();
    }
  });

  it('rewrites a fragment that names the view shown in other words to that view', async () => {
    const p = await signedIn(`#tenant=${encodeURIComponent(JP)}`);
    try {
      await settled(p);
      const shown = new URL(p.url()).hash;
      // An unknown period type (the default), dates outside the run (its range): the view shown, nothing to ask.
      const before = sent.length;
      await p.evaluate((run) => { location.hash = `#tenant=${encodeURIComponent('日本アプリ')}&run=${run}&period_type=bogus&from=2099-01-01&to=1999-02-28`; }, RUN);
      await p.waitForFunction(() => !location.hash.includes('bogus'));
      expect(new URL(p.url()).hash).toBe(shown);
      const f = fragment(p);
      expect([f.get('period_type'), f.get('from'), f.get('to'), f.get('run')]).toEqual(['days', '2026-01-05', '2026-03-01', RUN]);
      expect(sent.length).toBe(before);
    } finally {
      await p.close();
    }
  });

  it('takes a date typed outside the run\'s first payments as that end of its range, in the URL as on the page', async () => {
    const p = await signedIn(`#tenant=${encodeURIComponent(JP)}`);
    try {
      await settled(p);
      const before = sent.length;
      // Typed by keyboard (month, day, year; it is a date from the first key of the year: 0002-01-01, …)
      // and the field left: 2020-01-01, before the first payment, is the range's start, 2026-01-05.
      await p.focus('#ctl-from');
      await p.keyboard.type('01012020');
      expect(await p.inputValue('#ctl-from')).toBe('2020-01-01');
      await p.click('h1');
      await p.waitForFunction(() => (document.querySelector('#ctl-from') as HTMLInputElement).value === '2026-01-05');
      expect(fragment(p).get('from')).toBe('2026-01-05');
      // A date typed within the range is taken as typed: 2026-02-01 … 2026-03-01 holds j3 and j4.
      await p.focus('#ctl-from');
      await redrawn(p, () => p.keyboard.type('02012026'));
      expect(await dates(p)).toEqual(['2026-02-01', '2026-03-01']);
      expect(await customers(p)).toBe('2');
      expect(fragment(p).get('from')).toBe('2026-02-01');
      // To set past the last first payment (a picker, a script): that end, 2026-03-01, at once.
      await p.$eval('#ctl-to', (e) => {
        const input = e as HTMLInputElement;
        input.value = '2026-12-31';
        input.dispatchEvent(new Event('change', { bubbles: true }));
      });
      expect(await p.inputValue('#ctl-to')).toBe('2026-03-01');
      expect(fragment(p).get('to')).toBe('2026-03-01');
      // No request ever named a date outside the run's first payments; one URL, one view: a reload shows it.
      const asked = sent.slice(before).map((r) => r.body.filters.date as string[]);
      expect(asked.length).toBeGreaterThan(0);
      expect(asked.filter(([from, to]) => !(from! >= '2026-01-05' && to! <= '2026-03-01'))).toEqual([]);
      await p.reload();
      await p.waitForSelector('.report[data-loaded]:not([aria-busy])');
      expect(await dates(p)).toEqual(['2026-02-01', '2026-03-01']);
      expect([fragment(p).get('from'), fragment(p).get('to')]).toEqual(['2026-02-01', '2026-03-01']);
    } finally {
      await p.close();
    }
  });
});

describe('segment and tenant names differing only by a tab, LF or CR', () => {
  /** Each row's header as rendered (innerText: a tab or line break in a text node reads as a space) → its values. */
  const shownGrid = (p: Page): Promise<Record<string, number[]>> => p.$$eval('table.heatmap tbody tr', (trs) => Object.fromEntries(trs.map((tr) => [(tr.querySelector('th') as HTMLElement).innerText, [...tr.querySelectorAll<HTMLElement>('td.cell')].map((td) => Number(td.dataset.value))])));
  // Periods 0 and 1 (the second month of life began 2026-03-02 … 03-05, before the as-of: partial, no payment).
  const expected = { Total: [6.5, 6.5], ...Object.fromEntries(PLANS_SHOWN.map((t, i) => [t, [5 + i, 5 + i]])) };

  it('shows four distinct rows, legend labels, filter labels and tooltips on the served page, and two distinct tenants', async () => {
    const p = await signedIn(`#tenant=${encodeURIComponent(TAB)}&segmentation=product`);
    try {
      await settled(p);
      expect(await p.textContent('.status')).toBe('');
      // The run has the four products apart (ltv.json keeps the exact text).
      const report = JSON.parse(await readFile(join(fx.reportsDir, tenantDirName(TAB), 'latest', 'ltv.json'), 'utf8')) as { matrices: { id: string; rows: { title: string }[] }[] };
      expect(report.matrices.find((m) => m.id === 'days-month-product')?.rows.map((r) => r.title).sort()).toEqual(['Total', ...PLANS].sort());
      // Rows: each product's own label and value (5, 6, 7, 8 USD; the Total their mean, 6.5), one per label.
      expect(await shownGrid(p)).toEqual(expected);
      // Tooltips of the cells name their row on one line.
      expect((await p.$$eval('table.heatmap tbody tr:not(.total) td.cell[data-period="0"]', (tds) => tds.map((td) => (td as HTMLElement).title.split(',')[0]))).sort()).toEqual([...PLANS_SHOWN].sort());
      // The curves' key: the Total and the four rows (six colours: all drawn).
      const legend = await p.$$eval('.chart .u-legend .u-series', (trs) => trs.filter((tr) => getComputedStyle(tr).display !== 'none').map((tr) => (tr as HTMLElement).innerText.trim()));
      expect(legend.sort()).toEqual(['Total', ...PLANS_SHOWN].sort());
      // The filter list: one label per product, with its count.
      await p.waitForSelector('input[type=checkbox][data-filter=product]', { state: 'attached' });
      await p.click('details.filters summary');
      expect((await p.$$eval('fieldset[data-filter-key=product] label', (ls) => ls.map((l) => (l as HTMLElement).innerText))).sort()).toEqual(PLANS_SHOWN.map((t) => `${t} 1`).sort());
      // The values sent stay exact.
      expect(await p.$$eval('input[type=checkbox][data-filter=product]', (bs) => bs.map((b) => (b as HTMLInputElement).value).sort())).toEqual([...PLANS].sort());
      // The tenant: its heading, the tab's title and the selector's two options apart.
      expect(await p.innerText('h1')).toBe(TAB_SHOWN);
      expect(await p.title()).toBe(`${TAB_SHOWN} · ${RUN} · ltv explorer`);
      // An option's label is its text with white space collapsed, as the list shows it.
      const options = await p.$$eval('#ctl-tenant option', (os) => os.map((o) => [(o as HTMLOptionElement).value, (o as HTMLOptionElement).label]));
      expect(Object.fromEntries(options.filter(([v]) => v === TAB || v === SPACE))).toEqual({ [TAB]: TAB_SHOWN, [SPACE]: SPACE });
    } finally {
      await p.close();
    }
  });

  it('shows them apart in report.html too: rows, heading and title', async () => {
    const p = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    try {
      await p.goto(`file://${join(fx.reportsDir, tenantDirName(TAB), 'latest', 'report.html')}`);
      await p.waitForSelector('.report[data-loaded] table.heatmap');
      await p.selectOption('#ctl-segmentation', 'product');
      await p.waitForSelector('.report[data-loaded="days-month-product"] table.heatmap');
      expect(await shownGrid(p)).toEqual(expected);
      expect(await p.innerText('h1')).toBe(TAB_SHOWN);
      expect(await p.title()).toBe(`LTV report: ${TAB_SHOWN} · ${RUN}`);
    } finally {
      await p.close();
    }
  });
});
