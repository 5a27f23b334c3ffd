// The explorer in a real browser (SPEC §10; Debian chromium + playwright-core): sign in, change unit,
// segmentation, filters, accounting type and run, and check every heatmap cell against the answer of
// the server's own Adapty route (§6) to the same request, and its partial marks against the run's own
// states (ltv.json, and by hand for a filtered segmentation); markup in data shows as text; keyboard
// use; the colour scale; no request leaves the server's origin; the page's CSP; report.html from
// file://. Predicted cells: explorerPredictions.test.ts.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { readSnapshot } from '../helpers/runFixture.js';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdaptyResponse } from '../../src/report/apiTypes.js';
import type { TenantReport } from '../../src/ltv/model.js';
import { launchBrowser } from '../helpers/browser.js';
import { change as changeOn, redrawn } from '../helpers/explorerPage.js';
import { EXPORT, NEW_AS_OF, OLD_AS_OF, publishExplorerRuns, TENANT, XSS } from '../helpers/explorerRuns.js';
import { httpRequest } from '../helpers/httpRequest.js';
import { adaptyGrid, csv, makeFixture, runJob, type Fixture } from '../helpers/runFixture.js';
import { startServer, type TestServer } from '../helpers/startServer.js';

const KEY = 'ltv_explorer_browser_key_0001';
/** A key for three tenants: one with no published run (listed first), acme, and one of 650 products. */
const KEY_MANY = 'ltv_explorer_browser_key_0002';
const NO_RUN = 'newshop';
const MANY = 'manyproducts';
/** A key that also sees a tenant of a 300-character id (no run: the selector lists it all the same). */
const KEY_LONG = 'ltv_explorer_browser_key_0003';
const LONG = `🦄 ${'L'.repeat(300)}`;
/** 650 customers, each with one payment of 1.00 USD on 2026-01-10 and a product of its own: prod_0000 … prod_0649. */
const MANY_EXPORT = csv('customer_id,event_time,amount,currency,product_id', Array.from({ length: 650 }, (_, i) => [`m${i}`, '2026-01-10T10:00:00Z', '1.00', 'USD', `prod_${String(i).padStart(4, '0')}`]));
/** A tenant whose products are store ids of ~50 characters that differ only at their ends. */
const IDS = 'longids';
const KEY_IDS = 'ltv_explorer_browser_key_0004';
const STORE_IDS = ['com.acme.photoeditor.subscription.premium.monthly', 'com.acme.photoeditor.subscription.premium.yearly', 'com.acme.photoeditor.subscription.basic.monthly',
  // Cut to the same text as the first: each keeps its own whole name all the same.
  'com.acme.photoeditor.subscriptionX.premium.monthly'];
const IDS_EXPORT = csv('customer_id,event_time,amount,currency,product_id', STORE_IDS.map((p, i) => [`i${i}`, '2026-01-10T10:00:00Z', `${i + 1}.00`, 'USD', p]));
/** A tenant whose two products are 185 characters that differ only in their last one. */
const LONGN = 'longnames';
const KEY_LONGN = 'ltv_explorer_browser_key_0005';
const LONG_NAMES = [`${'A'.repeat(180)}-end1`, `${'A'.repeat(180)}-end2`];
const LONGN_EXPORT = csv('customer_id,event_time,amount,currency,product_id', [...LONG_NAMES, 'pro'].map((p, i) => [`n${i}`, '2026-01-10T10:00:00Z', `${i + 1}.00`, 'USD', p]));
const OLD_RUN = '20260215T000000Z';
const NEW_RUN = '20260316T120000Z';
let fx: Fixture;
let s: TestServer;
let browser: Browser;
let page: Page;
let origin: string;
const requests: string[] = [];
const consoleErrors: string[] = [];
let dialogs = 0;

type Grid = Record<string, number[]>;
type Marks = Record<string, string[]>;

async function api(body: object, run?: string, on: { port: number; key: string } = { port: s.port, key: KEY }): Promise<AdaptyResponse> {
  const r = await httpRequest(on.port, '/api/v1/client-api/metrics/ltv/', {
    method: 'POST',
    headers: { authorization: `Api-Key ${on.key}`, 'content-type': 'application/json', ...(run ? { 'x-ltv-run': run } : {}) },
    body: JSON.stringify(body),
  });
  expect(r.status, r.text).toBe(200);
  return r.json() as AdaptyResponse;
}

/** The heatmap as { row title: values by period } and its marks, read from the DOM. */
async function heatmap(): Promise<{ grid: Grid; marks: Marks }> {
  return page.$$eval('table.heatmap tbody tr', (trs) => {
    const grid: Record<string, number[]> = {};
    const marks: Record<string, string[]> = {};
    for (const tr of trs) {
      const title = tr.querySelector('th')?.textContent ?? '';
      const cells = [...tr.querySelectorAll<HTMLElement>('td.cell')];
      grid[title] = cells.map((td) => Number(td.dataset.value));
      marks[title] = cells.map((td) => td.dataset.mark ?? '');
    }
    return { grid, marks };
  });
}

/** A new page signed in with `key` on `origin/` + `hash`, once it has settled (a heatmap drawn, or a status said). */
async function signedIn(hash: string, key = KEY): Promise<Page> {
  const p = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await p.goto(`${origin}/${hash}`);
  await p.fill('#api-key', key);
  await p.click('button[type=submit]');
  await p.waitForSelector('.report .status', { state: 'attached' });
  await p.waitForFunction(() => document.querySelector('.report[data-loaded]:not([aria-busy])') !== null || (document.querySelector('.report .status')?.textContent ?? '') !== '');
  return p;
}

const gridOf = (p: Page): Promise<Grid> => p.$$eval('table.heatmap tbody tr', (trs) => Object.fromEntries(trs.map((tr) => [tr.querySelector('th')?.textContent ?? '', [...tr.querySelectorAll<HTMLElement>('td.cell')].map((td) => Number(td.dataset.value))])));
const fragment = (p: Page): URLSearchParams => new URLSearchParams(new URL(p.url()).hash.slice(1));
const selectionText = (p: Page): Promise<string> => p.$eval('.selection', (e) => e.textContent ?? '');

/** Changes a control and waits for the page to draw the answer to the new request. */
const change = (selector: string, value: string): Promise<void> => changeOn(page, selector, value);

beforeAll(async () => {
  fx = await publishExplorerRuns();
  await writeFile(join(fx.dir, 'many.csv'), MANY_EXPORT);
  await runJob(fx, { tenant: MANY, inputs: [{ path: 'many.csv' }], formats: ['json'], forecast: { model: 'off' } }, NEW_AS_OF);
  await writeFile(join(fx.dir, 'ids.csv'), IDS_EXPORT);
  await runJob(fx, { tenant: IDS, inputs: [{ path: 'ids.csv' }], formats: ['json'], forecast: { model: 'off' } }, NEW_AS_OF);
  await writeFile(join(fx.dir, 'longn.csv'), LONGN_EXPORT);
  await runJob(fx, { tenant: LONGN, inputs: [{ path: 'longn.csv' }], formats: ['json'], forecast: { model: 'off' } }, NEW_AS_OF);
  s = await startServer({ reportsDir: fx.reportsDir, keys: [{ key: KEY, tenants: [TENANT] }, { key: KEY_MANY, tenants: [NO_RUN, TENANT, MANY] }, { key: KEY_LONG, tenants: [TENANT, LONG] }, { key: KEY_IDS, tenants: [IDS] }, { key: KEY_LONGN, tenants: [LONGN] }] });
  origin = `http://127.0.0.1:${s.port}`;
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('dialog', (d) => {
    dialogs++;
    void d.dismiss();
  });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await s?.stop();
  await fx?.cleanup();
});

describe('the explorer served by ltv serve', () => {
  it('serves the page under a strict CSP, then signs in with the key kept out of every URL', async () => {
    const res = await page.goto(`${origin}/`);
    const h = res?.headers() ?? {};
    const csp = h['content-security-policy'] ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(h['x-content-type-options']).toBe('nosniff');
    expect(h['referrer-policy']).toBe('no-referrer');
    // An injected inline script does not run: the policy allows no inline script (and Trusted Types
    // refuse the text assignment outright).
    expect(await page.evaluate(() => {
      try {
        const el = document.createElement('script');
        el.textContent = 'window.__injected = 1';
        document.head.appendChild(el);
      } catch {
        return 'blocked';
      }
      return (window as unknown as { __injected?: number }).__injected === 1 ? 'ran' : 'blocked';
    })).toBe('blocked');

    await page.fill('#api-key', 'ltv_wrong_key');
    await page.click('button[type=submit]');
    await page.waitForSelector('.signin .error');
    expect(await page.textContent('.signin .error')).toContain('not accepted');

    await page.fill('#api-key', KEY);
    await page.click('button[type=submit]');
    await page.waitForSelector('.report[data-loaded] table.heatmap');
    // The page's own user-timing measure, sign-in to first heatmap (the browser's trace). Not an
    // assertion: this machine is shared; the 1 M-row figure (test/bench/explorerBench.ts) is in the README.
    const ms = await page.evaluate(() => performance.getEntriesByName('ltv:sign-in→first-heatmap', 'measure')[0]?.duration ?? null);
    expect(ms).not.toBeNull();
    console.info(`explorer: sign-in to first heatmap ${Math.round(ms as number)} ms (small run, user timing)`);
    expect(await page.evaluate(() => sessionStorage.getItem('ltv.apiKey'))).toBe(KEY);
    expect(requests.some((u) => u.includes(KEY))).toBe(false);
    expect(page.url()).not.toContain(KEY);
  });

  it('shows the run headline of ltv.json and the default heatmap equal to the API', async () => {
    const report = JSON.parse(await readFile(join(fx.reportsDir, TENANT, 'latest', 'ltv.json'), 'utf8')) as TenantReport;
    // 7 customers (c1…c7), first payments 2025-12-15 … 2026-03-01.
    expect(await page.textContent('[data-figure=customers] .value')).toBe('7');
    expect(report.summary.customers).toBe(7);
    const body = await api({ filters: { date: ['2025-12-15', '2026-03-01'] }, period_type: 'days', period_unit: 'month' });
    const { grid, marks } = await heatmap();
    expect(grid).toEqual(adaptyGrid(body, 'revenue'));
    // Partial marks computed in the page equal the run's own cell states (ltv.json, days × month).
    const m = report.matrices.find((x) => x.id === 'days-month-cohort');
    expect(m).toBeDefined();
    expect(marks).toEqual(Object.fromEntries(m!.rows.map((r) => [r.title, r.cells.map((c) => c.state)])));
    expect(Object.values(marks).flat()).toContain('partial');
    // The selection's LTV is the Total row's last cell (SPEC §6), said as such with the customers who reach
    // it (ltv.json: the cell's own customers), not beside all 7 as if it were every customer's.
    const last = m!.rows.find((r) => r.type === 'total')!.cells.at(-1)!;
    expect(last.customers).toBeLessThan(7);
    expect(await selectionText(page)).toBe(`Selection: 7 customers, LTV ${last.revenue.toFixed(2)} USD (revenue, at period ${last.period}, the last shown, which the cohorts of ${last.customers} of them reach).`);
  });

  it('marks segment rows partial exactly as the run does (ltv.json), and by hand under a filter', async () => {
    const report = JSON.parse(await readFile(join(fx.reportsDir, TENANT, 'latest', 'ltv.json'), 'utf8')) as TenantReport;
    await change('#ctl-segmentation', 'country');
    const m = report.matrices.find((x) => x.id === 'days-month-country');
    expect(m).toBeDefined();
    const { grid, marks } = await heatmap();
    expect(grid).toEqual(Object.fromEntries(m!.rows.map((r) => [r.title, r.cells.map((c) => c.revenue)])));
    expect(marks).toEqual(Object.fromEntries(m!.rows.map((r) => [r.title, r.cells.map((c) => c.state)])));
    // What an upper bound got wrong: US customers are in the Dec and Jan cohorts, whose month 0 is over
    // (Feb 1 and Mar 1 ≤ T = Mar 16); only the March cohort (FR) is still in its month 0.
    expect(marks.US?.[0]).toBe('complete');
    expect(marks.FR).toEqual(['partial']);

    // Filtered (store app_store): US is c7 (Dec 15) and c1 (Jan 5). Dec: shown to month 3 (Mar 1 ≤ T),
    // complete while Jan 1 + (k+1) months ≤ T, so k ≤ 1; Jan: shown to 2, complete at 0 only. US: M0
    // complete, M1 (Jan's), M2 and M3 partial. FR: c6 (Mar 1), M0 partial.
    await page.click('details.filters summary');
    await redrawn(page, () => page.check('input[data-filter=store][value=app_store]'));
    const body = await api({ filters: { date: ['2025-12-15', '2026-03-01'], store: ['app_store'] }, period_type: 'days', period_unit: 'month', segmentation: 'country' });
    const filtered = await heatmap();
    expect(filtered.grid).toEqual(adaptyGrid(body, 'revenue'));
    expect(filtered.marks.US).toEqual(['complete', 'partial', 'partial', 'partial']);
    expect(filtered.marks.FR).toEqual(['partial']);
    await page.uncheck('input[data-filter=store][value=app_store]');
    await page.click('details.filters summary');
    await change('#ctl-segmentation', 'cohort');
  });

  it('follows unit, segmentation, accounting type and filters, cell for cell', async () => {
    await change('#ctl-period_unit', 'week');
    let body = await api({ filters: { date: ['2025-12-15', '2026-03-01'] }, period_type: 'days', period_unit: 'week' });
    expect((await heatmap()).grid).toEqual(adaptyGrid(body, 'revenue'));

    await change('#ctl-period_type', 'renewals');
    await change('#ctl-segmentation', 'country');
    body = await api({ filters: { date: ['2025-12-15', '2026-03-01'] }, period_type: 'renewals', period_unit: 'week', segmentation: 'country' });
    expect((await heatmap()).grid).toEqual(adaptyGrid(body, 'revenue'));

    await page.selectOption('#ctl-accounting', 'net_revenue');
    await page.waitForFunction(() => document.querySelector('#ctl-accounting') !== null);
    expect((await heatmap()).grid).toEqual(adaptyGrid(body, 'net_revenue'));

    // Filters: the values offered are the run's own (with their customers); DE only.
    await page.click('details.filters summary');
    const labels = await page.$$eval('fieldset', (fs) => fs.map((f) => f.querySelector('legend')?.textContent));
    expect(labels).toEqual(expect.arrayContaining(['country', 'store', 'product']));
    await redrawn(page, () => page.check('input[data-filter=country][value=DE]'));
    body = await api({ filters: { date: ['2025-12-15', '2026-03-01'], country: ['DE'] }, period_type: 'renewals', period_unit: 'week', segmentation: 'country' });
    const { grid } = await heatmap();
    expect(grid).toEqual(adaptyGrid(body, 'net_revenue'));
    expect(Object.keys(grid)).toEqual(['Total', 'DE']);
  });

  it('renders markup in data as text', async () => {
    await page.uncheck('input[data-filter=country][value=DE]');
    await change('#ctl-segmentation', 'product');
    expect(await page.$$eval('table.heatmap th', (ths, x) => ths.some((th) => th.textContent === x), XSS)).toBe(true);
    expect(await page.$$eval('.report img', (imgs) => imgs.length)).toBe(0);
    const label = await page.$$eval('.check label', (ls, x) => ls.map((l) => l.textContent ?? '').find((t) => t.startsWith(x)), XSS);
    expect(label).toBe(`${XSS} 1`);
    // The curves' key (uPlot) shows it as text too.
    expect(await page.$$eval('.u-legend .u-label', (ls, x) => ls.some((l) => l.textContent === x), XSS)).toBe(true);
    expect(dialogs).toBe(0);
  });

  it('switches to an older run and answers from it', async () => {
    await change('#ctl-run', OLD_RUN);
    // Choosing a run resets the view's range to that run's first payments: 2025-12-15 … 2026-02-14.
    const request = { filters: { date: ['2025-12-15', '2026-02-14'] }, period_type: 'renewals', period_unit: 'week', segmentation: 'product' };
    const body = await api(request, OLD_RUN);
    const latest = await api(request);
    const { grid } = await heatmap();
    expect(grid).toEqual(adaptyGrid(body, 'net_revenue'));
    expect(grid).not.toEqual(adaptyGrid(latest, 'net_revenue'));
    expect(await page.textContent('.sub')).toContain(OLD_RUN);
    expect(new Date(OLD_AS_OF) < new Date(NEW_AS_OF)).toBe(true);
  });

  it('downloads the run files with the key in a header, not a link', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-download="ltv.csv"]')]);
    expect(download.suggestedFilename()).toBe(`${TENANT}-${OLD_RUN}-ltv.csv`);
    const got = await readFile((await download.path()) as string);
    expect(got.equals(await readFile(join(fx.reportsDir, TENANT, 'runs', OLD_RUN, 'ltv.csv')))).toBe(true);
    // The run's bad rows too (SPEC §3 sends every one there): only the report files were offered.
    const [bad] = await Promise.all([page.waitForEvent('download'), page.click('[data-download="quarantine.csv"]')]);
    expect(bad.suggestedFilename()).toBe(`${TENANT}-${OLD_RUN}-quarantine.csv`);
    expect((await readFile((await bad.path()) as string)).equals(await readFile(join(fx.reportsDir, TENANT, 'runs', OLD_RUN, 'quarantine.csv')))).toBe(true);
  });

  it('is usable by keyboard alone, every stop with a visible focus ring', async () => {
    // A fresh page from the top: the key stays in the tab's session and the view in the URL's fragment.
    await page.reload();
    await page.waitForSelector('.report[data-loaded] table.heatmap');
    expect(await page.inputValue('#ctl-run')).toBe(OLD_RUN);
    const stops: string[] = [];
    for (let i = 0; i < 40 && !stops.includes('ctl-period_unit'); i++) {
      await page.keyboard.press('Tab');
      const f = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement;
        const st = getComputedStyle(el);
        return { id: el.id || el.dataset.download || el.textContent || el.tagName, ring: st.outlineStyle !== 'none' && parseFloat(st.outlineWidth) >= 2 };
      });
      expect(f.ring, `focus ring on ${f.id}`).toBe(true);
      stops.push(f.id);
    }
    // The downloads and sign-out first (the header), then the controls in reading order.
    expect(stops).toEqual(['ltv.csv', 'ltv.json', 'report.html', 'quarantine.csv', 'ltv.png', 'forecast.png', 'manifest.json', 'Sign out', 'ctl-run', 'ctl-period_type', 'ctl-period_unit']);
    // Arrow keys change a focused select: week → month, and the heatmap follows.
    expect(await page.inputValue('#ctl-period_unit')).toBe('week');
    await redrawn(page, () => page.keyboard.press('ArrowDown'));
    const body = await api({ filters: { date: ['2025-12-15', '2026-02-14'] }, period_type: 'renewals', period_unit: 'month', segmentation: 'product' }, OLD_RUN);
    expect((await heatmap()).grid).toEqual(adaptyGrid(body, 'net_revenue'));
    // The heatmap's scrolling panel is a tab stop too (wide matrices scroll by keyboard).
    let reached = false;
    for (let i = 0; i < 30 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => document.activeElement?.classList.contains('table-scroll') ?? false);
    }
    expect(reached).toBe(true);
  });

  it('colours the heatmap on a scale that reads in lightness alone, with legible text in every cell', async () => {
    await change('#ctl-period_type', 'days');
    await change('#ctl-segmentation', 'cohort');
    await change('#ctl-period_unit', 'week');
    const cells = await page.$$eval('table.heatmap tbody tr:not(.total) td.cell', (tds) => tds.map((td) => ({
      value: Number(td.dataset.value), bg: getComputedStyle(td).backgroundColor, fg: getComputedStyle(td).color,
    })));
    expect(cells.length).toBeGreaterThan(10);
    // WCAG relative luminance and contrast, computed here from the colours the browser applied.
    const lum = (css: string): number => {
      const [r, g, b] = (css.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map((x) => {
        const c = Number(x) / 255;
        return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      }) as [number, number, number];
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const sorted = [...cells].sort((a, b) => a.value - b.value);
    for (let i = 1; i < sorted.length; i++) {
      // Higher value, lighter cell: the order survives any colour vision, and grey-scale printing.
      if (sorted[i]!.value > sorted[i - 1]!.value) expect(lum(sorted[i]!.bg)).toBeGreaterThanOrEqual(lum(sorted[i - 1]!.bg) - 1e-9);
    }
    expect(lum(sorted.at(-1)!.bg) - lum(sorted[0]!.bg)).toBeGreaterThan(0.5);
    for (const c of cells) {
      const [a, b] = [lum(c.bg), lum(c.fg)].sort((x, y) => y - x) as [number, number];
      expect((a + 0.05) / (b + 0.05), `contrast of ${c.fg} on ${c.bg}`).toBeGreaterThanOrEqual(4.5);
    }
  });

  it('ignores a fragment naming choices it does not offer, and Back/Forward restore the views the reader chose', async () => {
    const p = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    p.on('pageerror', (e) => errors.push(e.message));
    try {
      // A bookmark edited by hand (or of another version): an unknown period type, unit, segmentation,
      // accounting type (`constructor` once broke the drawing) and date fall back to the defaults.
      await p.goto(`${origin}/#tenant=${TENANT}&period_type=weekly&period_unit=fortnight&segmentation=bogus&accounting=constructor&from=yesterday`);
      await p.fill('#api-key', KEY);
      await p.click('button[type=submit]');
      await p.waitForSelector('.report[data-loaded]:not([aria-busy]) table.heatmap');
      expect(await p.textContent('.status')).toBe('');
      expect(await Promise.all(['period_type', 'period_unit', 'segmentation', 'accounting'].map((n) => p.inputValue(`#ctl-${n}`)))).toEqual(['days', 'month', 'cohort', 'revenue']);
      const params = new URLSearchParams(new URL(p.url()).hash.slice(1));
      expect([params.get('period_type'), params.get('period_unit'), params.get('segmentation'), params.get('accounting'), params.get('from'), params.get('to')])
        .toEqual(['days', 'month', 'cohort', 'revenue', '2025-12-15', '2026-03-01']);
      const grid = async (): Promise<Grid> => p.$$eval('table.heatmap tbody tr', (trs) => Object.fromEntries(trs.map((tr) => [tr.querySelector('th')?.textContent ?? '', [...tr.querySelectorAll<HTMLElement>('td.cell')].map((td) => Number(td.dataset.value))])));
      const byCohort = await api({ filters: { date: ['2025-12-15', '2026-03-01'] }, period_type: 'days', period_unit: 'month' });
      expect(await grid()).toEqual(adaptyGrid(byCohort, 'revenue'));
      // The tab names the tenant and the run it shows.
      expect(await p.title()).toBe(`${TENANT} · ${NEW_RUN} · ltv explorer`);
      // Its run's own note: the forecast's reason is not prefixed twice.
      const note = (await p.textContent('.forecast-note')) ?? '';
      expect(note.startsWith('This run has no forecast: ')).toBe(true);
      expect(note).not.toMatch(/no forecast: no forecast/i);

      // Two choices of the reader, two history entries: Back undoes one at a time, Forward redoes.
      await changeOn(p, '#ctl-segmentation', 'country');
      await p.selectOption('#ctl-accounting', 'proceeds');
      await p.waitForFunction(() => location.hash.includes('accounting=proceeds'));
      const byCountry = await api({ filters: { date: ['2025-12-15', '2026-03-01'] }, period_type: 'days', period_unit: 'month', segmentation: 'country' });
      expect(await grid()).toEqual(adaptyGrid(byCountry, 'proceeds'));
      await p.goBack();
      await p.waitForFunction(() => (document.querySelector('#ctl-accounting') as HTMLSelectElement | null)?.value === 'revenue');
      await p.waitForSelector('.report[data-loaded]:not([aria-busy])');
      expect(await p.inputValue('#ctl-segmentation')).toBe('country');
      expect(await grid()).toEqual(adaptyGrid(byCountry, 'revenue'));
      await p.goBack();
      await p.waitForFunction(() => (document.querySelector('#ctl-segmentation') as HTMLSelectElement | null)?.value === 'cohort');
      await p.waitForSelector('.report[data-loaded]:not([aria-busy])');
      await p.waitForFunction(() => document.querySelectorAll('table.heatmap tbody tr').length === 5);
      expect(await grid()).toEqual(adaptyGrid(byCohort, 'revenue'));
      await p.goForward();
      await p.waitForFunction(() => (document.querySelector('#ctl-segmentation') as HTMLSelectElement | null)?.value === 'country');
      await p.waitForSelector('.report[data-loaded]:not([aria-busy])');
      await p.waitForFunction(() => [...document.querySelectorAll('table.heatmap tbody th')].some((th) => th.textContent === 'DE'));
      expect(await grid()).toEqual(adaptyGrid(byCountry, 'revenue'));
      expect(errors).toEqual([]);
    } finally {
      await p.close();
    }
  });

  it('makes a date typed in From one history entry: Back returns to the view before it, then to the one before that', async () => {
    const p = await browser.newPage({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
    try {
      await p.goto(`${origin}/#tenant=${TENANT}`);
      await p.fill('#api-key', KEY);
      await p.click('button[type=submit]');
      await p.waitForSelector('.report[data-loaded]:not([aria-busy]) table.heatmap');
      await changeOn(p, '#ctl-period_unit', 'week');
      // Typed by keyboard (mm/dd/yyyy): 01, 05, 2026 is 2026-01-05, inside the run's 2025-12-15 … 2026-03-01.
      await redrawn(p, async () => {
        await p.focus('#ctl-from');
        await p.keyboard.type('01052026', { delay: 30 });
        await p.keyboard.press('Tab');
      });
      expect([fragment(p).get('period_unit'), fragment(p).get('from')]).toEqual(['week', '2026-01-05']);
      // Back with the From field focused (Tab may leave it there; a reader may click it again): the field,
      // removed as the form is rebuilt, took its old date for a new choice and pushed the typed view again.
      await p.focus('#ctl-from');
      await p.goBack();
      await p.waitForFunction(() => (document.querySelector('#ctl-from') as HTMLInputElement | null)?.value === '2025-12-15');
      await p.waitForSelector('.report[data-loaded]:not([aria-busy])');
      await p.waitForTimeout(300);
      expect([fragment(p).get('period_unit'), fragment(p).get('from')]).toEqual(['week', '2025-12-15']);
      await p.goBack();
      await p.waitForFunction(() => (document.querySelector('#ctl-period_unit') as HTMLSelectElement | null)?.value === 'month');
      expect([fragment(p).get('period_unit'), fragment(p).get('from')]).toEqual(['month', '2025-12-15']);
      await p.goForward();
      await p.goForward();
      await p.waitForFunction(() => (document.querySelector('#ctl-from') as HTMLInputElement | null)?.value === '2026-01-05');
      expect([fragment(p).get('period_unit'), fragment(p).get('from')]).toEqual(['week', '2026-01-05']);
    } finally {
      await p.close();
    }
  });

  it('fits the page however long a tenant id the key sees (its selector was as wide as the id)', async () => {
    const p = await signedIn(`#tenant=${TENANT}`, KEY_LONG);
    try {
      expect(await p.$$eval('#ctl-tenant option', (os) => os.length)).toBe(2);
      const widths = await p.evaluate(() => ({ page: document.documentElement.scrollWidth, view: document.documentElement.clientWidth, select: document.querySelector('#ctl-tenant')!.getBoundingClientRect().right }));
      expect(widths.page).toBeLessThanOrEqual(widths.view);
      expect(widths.select).toBeLessThanOrEqual(widths.view);
    } finally {
      await p.close();
    }
  });

  it('draws no matrix of another view when the accounting type changes while the new view loads, and hides the last one\'s numbers meanwhile', async () => {
    const p = await signedIn(`#tenant=${TENANT}`);
    try {
      // Week answers wait until released: the month matrix is still drawn while the week one loads.
      let release = (): void => undefined;
      const held = new Promise<void>((r) => (release = r));
      await p.route('**/api/v1/client-api/metrics/ltv/', async (route) => {
        if ((route.request().postData() ?? '').includes('"period_unit":"week"')) await held;
        await route.continue();
      });
      const heads = (): Promise<string[]> => p.$$eval('table.heatmap thead th', (ths) => ths.slice(1).map((t) => t.textContent ?? ''));
      // The month matrix drawn first (signedIn may return on a status line before it, on a busy machine).
      await p.waitForSelector('.report[data-loaded]:not([aria-busy]) table.heatmap thead th');
      const monthHeads = await heads();
      expect(monthHeads.length).toBeGreaterThan(1);
      const drawn = await p.$('table.heatmap');
      await p.selectOption('#ctl-period_unit', 'week');
      await p.waitForFunction(() => document.querySelector('.report')?.hasAttribute('aria-busy'));
      await p.selectOption('#ctl-accounting', 'proceeds');
      await p.waitForFunction(() => location.hash.includes('accounting=proceeds'));
      await p.waitForTimeout(300);
      // Not drawn again: the month matrix under "week" and "proceeds" was drawn here before.
      expect(await drawn!.evaluate((t) => t.isConnected)).toBe(true);
      expect(await heads()).toEqual(monthHeads);
      // And not shown: the month matrix, its curves and its selection line ("period 23") stood under Unit: week
      // for as long as the answer took.
      const shown = (): Promise<boolean[]> => Promise.all(['.report .heatmap-host', '.report .chart', '.report .selection'].map((sel) => p.isVisible(sel)));
      expect(await shown()).toEqual([false, false, false]);
      release();
      await p.waitForFunction(() => document.querySelector('.report[data-loaded]:not([aria-busy])') !== null);
      expect(await shown()).toEqual([true, true, true]);
      // The week matrix, in proceeds, as the Adapty route answers it.
      const weekHeads = await heads();
      expect(weekHeads).not.toEqual(monthHeads);
      expect(weekHeads.length).toBeGreaterThan(monthHeads.length);
      expect(fragment(p).get('period_unit')).toBe('week');
    } finally {
      await p.close();
    }
  });

  it('clears the numbers drawn when a request fails, and does not draw them again on an accounting change', async () => {
    const p = await signedIn(`#tenant=${TENANT}`);
    try {
      // The default view: 7 customers (c1…c7).
      expect(await p.textContent('[data-figure=selection_customers]')).toBe('7');
      // The server stops answering (its connection refused, as when ltv serve restarts) while a date changes.
      await p.route('**/api/v1/client-api/metrics/ltv/', (route) => route.abort('connectionrefused'));
      await p.fill('#ctl-from', '2026-02-01');
      await p.locator('#ctl-from').blur();
      await p.waitForFunction(() => document.querySelector('.status')?.textContent?.startsWith('Could not load the report:'));
      const refused = /^Could not load the report: the server did not answer \(ltv serve stopped or is restarting\); try again in a moment$/;
      expect(await p.textContent('.status')).toMatch(refused);
      const nothingDrawn = async (): Promise<void> => {
        expect(await p.$('table.heatmap')).toBeNull();
        expect(await selectionText(p)).toBe('');
        expect(await p.$$eval('.chart *', (els) => els.length)).toBe(0);
      };
      await nothingDrawn();
      // The accounting type of a matrix the page no longer has: asked again, refused again, nothing drawn.
      await p.selectOption('#ctl-accounting', 'net_revenue');
      await p.waitForFunction(() => location.hash.includes('accounting=net_revenue') && !document.querySelector('.report')?.hasAttribute('aria-busy'));
      expect(await p.textContent('.status')).toMatch(refused);
      await nothingDrawn();
    } finally {
      await p.close();
    }
  });

  it('moves the other end of a reversed date range with it, and asks for no range the server refuses', async () => {
    const p = await signedIn(`#tenant=${TENANT}`);
    const refusals: string[] = [];
    p.on('response', (r) => void (r.status() >= 400 && refusals.push(`${r.status()} ${r.url()}`)));
    try {
      // Within the run's first payments (2025-12-15 … 2026-03-01): To, then a From after it. The page asked
      // for [2026-02-01, 2026-01-01], got a 400 and cleared the report.
      await redrawn(p, () => p.fill('#ctl-to', '2026-01-01'));
      await redrawn(p, async () => {
        await p.fill('#ctl-from', '2026-02-01');
        await p.locator('#ctl-from').blur();
      });
      expect([await p.inputValue('#ctl-from'), await p.inputValue('#ctl-to')]).toEqual(['2026-02-01', '2026-02-01']);
      expect([fragment(p).get('from'), fragment(p).get('to')]).toEqual(['2026-02-01', '2026-02-01']);
      expect(await p.textContent('.status')).toBe('');
      const body = await api({ filters: { date: ['2026-02-01', '2026-02-01'] }, period_type: 'days', period_unit: 'week' });
      expect(await p.textContent('[data-figure=selection_customers]')).toBe(String(body.revenue.data[0]!.cohort_size));
      // A To before the From moves the From back; a reversed range in a bookmark is the run's whole range.
      await redrawn(p, async () => {
        await p.fill('#ctl-to', '2026-01-10');
        await p.locator('#ctl-to').blur();
      });
      expect([await p.inputValue('#ctl-from'), await p.inputValue('#ctl-to')]).toEqual(['2026-01-10', '2026-01-10']);
      await redrawn(p, () => p.evaluate((t) => { location.hash = `#tenant=${t}&from=2026-02-01&to=2026-01-01`; }, TENANT));
      expect([await p.inputValue('#ctl-from'), await p.inputValue('#ctl-to')]).toEqual(['2025-12-15', '2026-03-01']);
      expect(refusals).toEqual([]);
    } finally {
      await p.close();
    }
  });

  it('keeps the tenant selector when a tenant has no run, opens on a tenant with one, and the URL follows the tenant shown', async () => {
    // The key's first tenant has no published run: with no tenant in the fragment, the page opens on acme.
    const p = await signedIn('', KEY_MANY);
    try {
      expect(await p.$$eval('#ctl-tenant option', (os) => os.map((o) => (o as HTMLOptionElement).value))).toEqual([NO_RUN, TENANT, MANY]);
      expect(await p.inputValue('#ctl-tenant')).toBe(TENANT);
      expect(await p.textContent('[data-figure=selection_customers]')).toBe('7');
      expect(fragment(p).get('tenant')).toBe(TENANT);
      // The run-less tenant: said so, and the selector stays to leave it.
      await p.selectOption('#ctl-tenant', NO_RUN);
      await p.waitForFunction(() => document.querySelector('.status')?.textContent === 'This tenant has no published run yet.');
      expect(await p.inputValue('#ctl-tenant')).toBe(NO_RUN);
      expect(fragment(p).get('tenant')).toBe(NO_RUN);
      expect(await p.$('table.heatmap')).toBeNull();
      await redrawn(p, () => p.selectOption('#ctl-tenant', TENANT));
      expect(await p.textContent('[data-figure=selection_customers]')).toBe('7');
      expect(fragment(p).get('tenant')).toBe(TENANT);
    } finally {
      await p.close();
    }
    // A fragment naming the run-less tenant opens on it, with the selector.
    const q = await signedIn(`#tenant=${NO_RUN}`, KEY_MANY);
    try {
      expect(await q.textContent('.status')).toBe('This tenant has no published run yet.');
      expect(await q.inputValue('#ctl-tenant')).toBe(NO_RUN);
    } finally {
      await q.close();
    }
  });

  it('drops filter values and dates of a fragment that the page does not offer, and rewrites the URL to the view shown', async () => {
    // Unknown country, an empty paywall, dates that are no calendar day: the default view (7 customers, whole range).
    const p = await signedIn(`#tenant=${TENANT}&f.country=ZZ&f.paywall=&from=2026-13-45&to=2026-02-30`);
    try {
      expect(await p.textContent('.status')).toBe('');
      expect(await p.textContent('[data-figure=selection_customers]')).toBe('7');
      // The dates that are no calendar day are said (a page error on 2026-13-45 once stopped the page).
      // So are the filter values the run has not (they were dropped unseen: the report looked filtered as linked).
      expect(await p.textContent('.link-notice')).toBe('Not understood in this link: from=2026-13-45, to=2026-02-30; the default is shown instead. This run has no customer with country "ZZ", paywall "": those filters are left out.');
      expect(await p.textContent('details.filters summary')).toBe('Filters');
      expect([...fragment(p).keys()].filter((k) => k.startsWith('f.'))).toEqual([]);
      expect([fragment(p).get('from'), fragment(p).get('to')]).toEqual(['2025-12-15', '2026-03-01']);
      expect([await p.inputValue('#ctl-from'), await p.inputValue('#ctl-to')]).toEqual(['2025-12-15', '2026-03-01']);
      // us (matched as the server matches it, case-insensitively: it was dropped) among an unknown country,
      // dates outside the run's first payments: US alone (c1, c2, c7: 3 customers), over the whole range.
      await redrawn(p, () => p.evaluate((t) => { location.hash = `#tenant=${t}&f.country=us&f.country=ZZ&from=1990-01-01&to=2099-12-31`; }, TENANT));
      await p.waitForFunction(() => location.hash.includes('from=2025-12-15'));
      expect(await p.textContent('[data-figure=selection_customers]')).toBe('3');
      expect(fragment(p).getAll('f.country')).toEqual(['US']);
      expect([fragment(p).get('from'), fragment(p).get('to')]).toEqual(['2025-12-15', '2026-03-01']);
      expect(await p.textContent('details.filters summary')).toBe('Filters (1 selected)');
      expect(await p.isChecked('input[data-filter=country][value=US]')).toBe(true);
      expect(await p.textContent('.link-notice')).toBe('This run has no customer with country "ZZ": that filter is left out.');
      const body = await api({ filters: { date: ['2025-12-15', '2026-03-01'], country: ['US'] }, period_type: 'days', period_unit: 'month' });
      expect(await gridOf(p)).toEqual(adaptyGrid(body, 'revenue'));
    } finally {
      await p.close();
    }
  });

  it('reaches every filter value: a search over them, the first 500 matches shown and said so, an active value always shown checked', async () => {
    const p = await signedIn(`#tenant=${MANY}&f.product=prod_0600`, KEY_MANY);
    try {
      // One customer per product: the fragment's product beyond the first 500 is active, and shown checked.
      expect(await p.textContent('[data-figure=selection_customers]')).toBe('1');
      const boxes = 'input[type=checkbox][data-filter=product]';
      expect(await p.$$eval(boxes, (bs) => bs.length)).toBe(500);
      expect(await p.isChecked(`${boxes}[value=prod_0600]`)).toBe(true);
      expect(await p.textContent('fieldset[data-filter-key=product] .more')).toBe('500 of 650 shown: type to narrow');
      // prod_064…: prod_0640 … prod_0649, and the active prod_0600.
      await p.fill('fieldset[data-filter-key=product] input[type=search]', 'prod_064');
      await p.waitForFunction((sel) => document.querySelectorAll(sel).length === 11, boxes);
      expect(await p.$$eval(boxes, (bs) => bs.map((b) => (b as HTMLInputElement).value))).toEqual(['prod_0600', ...Array.from({ length: 10 }, (_, i) => `prod_064${i}`)]);
      expect(await p.$('fieldset[data-filter-key=product] .more')).toBeNull();
      await redrawn(p, () => p.check(`${boxes}[value=prod_0645]`));
      expect(await p.textContent('[data-figure=selection_customers]')).toBe('2');
      expect(fragment(p).getAll('f.product')).toEqual(['prod_0600', 'prod_0645']);
      // Narrowing the list again keeps both chosen.
      await p.fill('fieldset[data-filter-key=product] input[type=search]', 'prod_0001');
      await p.waitForFunction((sel) => document.querySelectorAll(sel).length === 3, boxes);
      expect(await p.$$eval(`${boxes}:checked`, (bs) => bs.map((b) => (b as HTMLInputElement).value))).toEqual(['prod_0600', 'prod_0645']);
      await redrawn(p, () => p.check(`${boxes}[value=prod_0001]`));
      expect(await p.textContent('[data-figure=selection_customers]')).toBe('3');
    } finally {
      await p.close();
    }
  });

  it('asks for the key once per browser session: a tab opened later is signed in by an open one, and signing out in one signs out all', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const first = await context.newPage();
      await first.goto(`${origin}/`);
      await first.fill('#api-key', KEY);
      await first.click('button[type=submit]');
      await first.waitForSelector('.report[data-loaded] table.heatmap');
      // A second tab of the same browser session: no sign-in, the same report (it asked again before).
      const second = await context.newPage();
      await second.goto(`${origin}/`);
      await second.waitForSelector('.report[data-loaded] table.heatmap');
      expect(await second.$('#api-key')).toBeNull();
      expect(await second.evaluate(() => sessionStorage.getItem('ltv.apiKey'))).toBe(KEY);
      expect(await gridOf(second)).toEqual(await gridOf(first));
      // Signing out in the second tab signs the first out too, and a tab opened then asks for the key.
      await second.click('button:has-text("Sign out")');
      await second.waitForSelector('#api-key');
      await first.waitForSelector('#api-key');
      expect(await first.textContent('.signin .error')).toBe('Signed out in another tab.');
      expect(await first.evaluate(() => sessionStorage.getItem('ltv.apiKey'))).toBeNull();
      // The report signed out asks nothing more with the key (its check for a newer run, on showing the tab, did).
      const after: string[] = [];
      first.on('request', (r) => after.push(r.url()));
      await first.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
      await first.waitForTimeout(300);
      expect(after).toEqual([]);
      const third = await context.newPage();
      await third.goto(`${origin}/`);
      await third.waitForSelector('#api-key');
      // Another browser session (a new context) shares nothing.
      const other = await browser.newPage();
      try {
        await other.goto(`${origin}/`);
        await other.waitForSelector('#api-key');
      } finally {
        await other.close();
      }
    } finally {
      await context.close();
    }
  });

  it('never asked another origin for anything and broke no policy', () => {
    expect(requests.length).toBeGreaterThan(5);
    const foreign = requests.filter((u) => !u.startsWith(`${origin}/`) && !u.startsWith('blob:') && !u.startsWith('data:'));
    expect(foreign).toEqual([]);
    expect(consoleErrors.filter((e) => /Content Security Policy|Trusted Type/i.test(e))).toEqual([]);
  });
});

describe('the explorer by keyboard and assistive technology', () => {
  it('gives the focus to the report after sign-in and after a download, tells long store ids apart, names the chart, and its key switches nothing', async () => {
    const p = await signedIn('#segmentation=product', KEY_IDS);
    try {
      await p.waitForSelector('.report[data-loaded] table.heatmap');
      // The sign-in form went, and the focus with it (it fell to <body>): the report's title has it.
      expect(await p.evaluate(() => document.activeElement?.tagName)).toBe('H1');
      expect(await p.$$eval('main.report', (m) => m.length)).toBe(1);
      // Store ids whole where their header has room, else cut in the middle to it, each whole in its title
      // and accessible name (all three read "com.acme.photoeditor.subscr…" once).
      const heads = await p.$$eval('table.heatmap tbody th', (ths) => ths.map((th) => [th.textContent, th.getAttribute('title') ?? th.textContent, th.getAttribute('aria-label') ?? th.textContent]));
      expect(heads.slice(1).map(([, title, name]) => [title, name]).sort()).toEqual(STORE_IDS.map((id) => [id, id]).sort());
      for (const [text, id] of heads.slice(1)) expect(text === id || (text!.includes('…') && id!.endsWith(text!.split('…')[1]!) && id!.startsWith(text!.split('…')[0]!))).toBe(true);
      // The chart is a named picture; its key names each row whole and switches nothing (a click hid a row's
      // realized curve only, by mouse only).
      expect(await p.$eval('.chart canvas', (c) => [c.getAttribute('role'), c.getAttribute('aria-label')])).toEqual(['img',
        `LTV curves of Total, ${[...STORE_IDS].sort().join(', ')}; the heatmap below holds every value`]);
      // Each entry its own name (the two whose cut is the same both showed the later one's).
      expect((await p.$$eval('.u-legend .u-series .u-label[title]', (ls) => ls.map((l) => l.getAttribute('title')))).sort()).toEqual([...STORE_IDS].sort());
      await p.click('.u-legend .u-series:nth-child(2)', { force: true });
      expect(await p.$$eval('.u-legend .u-off', (off) => off.length)).toBe(0);
      // Each filter value isolated from its count (a right-to-left value drew its count before its name).
      await p.waitForSelector('.check label', { state: 'attached' });
      expect(await p.$$eval('.check label', (ls) => ls.length > 0 && ls.every((l) => l.firstElementChild?.tagName === 'BDI' && l.lastElementChild?.className === 'count'))).toBe(true);
      // A download keeps the focus on its button (disabled while it ran, the button lost it to <body>).
      await p.focus('[data-download="ltv.json"]');
      const [download] = await Promise.all([p.waitForEvent('download'), p.keyboard.press('Enter')]);
      expect(download.suggestedFilename()).toBe(`${IDS}-${NEW_RUN}-ltv.json`);
      await p.waitForFunction(() => !document.querySelector('[data-download="ltv.json"]')?.hasAttribute('aria-disabled'));
      expect(await p.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.download)).toBe('ltv.json');
    } finally {
      await p.close();
    }
  });
});

describe('long row names that differ only at their end', () => {
  it('cut them in the middle to the room they have, never at the end, at 390, 1400 and 2560 px, and show them whole to the keyboard', async () => {
    for (const width of [390, 1400, 2560]) {
      const p = await browser.newPage({ viewport: { width, height: 900 } });
      try {
        await p.goto(`${origin}/#tenant=${LONGN}&segmentation=product`);
        await p.fill('#api-key', KEY_LONGN);
        await p.click('button[type=submit]');
        await p.waitForSelector('.report[data-loaded]:not([aria-busy]) table.heatmap');
        // What a reader sees: the text, and whether CSS cuts it further (its box narrower than the text).
        const seen = (sel: string) => p.$$eval(sel, (els) => els.filter((e) => (e.getAttribute('title') ?? e.textContent ?? '').startsWith('AAAA'))
          .map((e) => ({ text: e.textContent ?? '', whole: e.getAttribute('title'), fits: e.scrollWidth <= e.clientWidth })));
        for (const sel of ['table.heatmap tbody th', '.u-legend .u-series .u-label']) {
          const got = await seen(sel);
          expect(got.map((g) => g.whole).sort(), `${width} ${sel}`).toEqual(LONG_NAMES);
          for (const g of got) {
            expect(g.fits, `${width} ${sel} ${g.text}`).toBe(true);
            // Cut in the middle: its end kept.
            expect(g.text).toMatch(/^A+…A*-end[12]$/);
            expect(g.text.endsWith(g.whole!.slice(-5))).toBe(true);
          }
          expect(new Set(got.map((g) => g.text)).size, `${width} ${sel}`).toBe(2);
        }
        // By keyboard: a cut header is a tab stop, named whole, and shows the whole name while focused.
        const th = p.locator('table.heatmap tbody th[title$="-end2"]');
        expect(await th.getAttribute('tabindex')).toBe('0');
        expect(await th.getAttribute('aria-label')).toBe(LONG_NAMES[1]);
        await th.focus();
        expect(await th.innerText()).toBe(LONG_NAMES[1]);
        expect(await th.evaluate((e) => e.getBoundingClientRect().height > 0 && e.scrollWidth <= e.clientWidth)).toBe(true);
      } finally {
        await p.close();
      }
    }
  });
});

describe('report.html', () => {
  it('opens from file:// with its data inlined, no request, and follows its controls', async () => {
    const p = await browser.newPage({ viewport: { width: 400, height: 800 } });
    const seen: string[] = [];
    const errors: string[] = [];
    p.on('request', (r) => seen.push(r.url()));
    p.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    const file = join(fx.reportsDir, TENANT, 'runs', NEW_RUN, 'report.html');
    await p.goto(`file://${file}`);
    await p.waitForSelector('.report[data-loaded] table.heatmap');
    // What is left out, and where it is: the job publishes its default matrices (none by day), as ltv.json and ltv.csv.
    expect(await p.textContent('.extra-controls .note')).toBe('A static copy of the report: date range and filters need the explorer of `ltv serve`. Matrices by day are left out of this file to keep it small; ltv.csv and ltv.json beside it hold none of them (the job publishes no matrix by day); the explorer of `ltv serve` draws every one.');
    // Without JavaScript, the page names the files it has beside it (it named ltv.xlsx, which this job does not publish).
    expect(await readFile(file, 'utf8')).toContain('<noscript>This report needs JavaScript to draw its tables; ltv.csv and ltv.json beside it hold the job\'s matrices.</noscript>');
    const read = (): Promise<Grid> => p.$$eval('table.heatmap tbody tr', (trs) => Object.fromEntries(trs.map((tr) => [tr.querySelector('th')?.textContent ?? '', [...tr.querySelectorAll<HTMLElement>('td.cell')].map((td) => Number(td.dataset.value))])));
    const snapshot = JSON.parse(await readSnapshot(join(fx.reportsDir, TENANT, 'runs', NEW_RUN, 'api', 'adapty', 'days-month-cohort.json'))) as AdaptyResponse;
    expect(await read()).toEqual(adaptyGrid(snapshot, 'revenue'));
    await p.selectOption('#ctl-segmentation', 'product');
    await p.selectOption('#ctl-accounting', 'proceeds');
    const byProduct = JSON.parse(await readSnapshot(join(fx.reportsDir, TENANT, 'runs', NEW_RUN, 'api', 'adapty', 'days-month-product.json'))) as AdaptyResponse;
    expect(await read()).toEqual(adaptyGrid(byProduct, 'proceeds'));
    expect(await p.$$eval('table.heatmap th', (ths, x) => ths.some((th) => th.textContent === x), XSS)).toBe(true);
    // Matrices with the same rows are stored once (the file says which one holds them), and shown all the same.
    const block = JSON.parse((await readFile(file, 'utf8')).match(/<script type="application\/json" id="ltv-data">(.*?)<\/script>/s)![1]!) as { matrices_gz: string };
    const payload = JSON.parse(gunzipSync(Buffer.from(block.matrices_gz, 'base64')).toString('utf8')) as { matrices: Record<string, unknown> };
    expect(payload.matrices['days-month-store_product_id']).toBe('days-month-product');
    expect(payload.matrices['days-month-month']).toBe('days-month-cohort');
    await p.selectOption('#ctl-segmentation', 'store_product_id');
    await p.waitForSelector('.report[data-loaded="days-month-store_product_id"]');
    const byStoreProduct = JSON.parse(await readSnapshot(join(fx.reportsDir, TENANT, 'runs', NEW_RUN, 'api', 'adapty', 'days-month-store_product_id.json'))) as AdaptyResponse;
    expect(await read()).toEqual(adaptyGrid(byStoreProduct, 'proceeds'));
    expect(await p.$$eval('img', (i) => i.length)).toBe(0);
    expect(seen).toEqual([`file://${file}`]);
    expect(errors).toEqual([]);
    await p.close();
  });
});

describe('report.html shows control characters in data as ltv.csv does', () => {
  it('draws a bidi override and a control character visibly, so a segment or tenant cannot pass for another', async () => {
    // "\u202eSU" reads "US" when its override acts, "U\u0001S" shows as "US" or a box: beside the real US,
    // two rows read alike. ltv.csv writes [U+202E]SU and U␁S (src/format/text.ts); the page must too.
    const tenant = '\u202eppa-omed\u0001';
    const rows = [['c1', '2026-01-05T10:00:00Z', '10', '\u202eSU'], ['c2', '2026-01-06T10:00:00Z', '20', 'U\u0001S'], ['c3', '2026-01-07T10:00:00Z', '30', 'US']];
    const pfx = await makeFixture({ 'e.csv': `customer_id,event_time,amount,product_id\n${rows.map((r) => r.join(',')).join('\n')}\n` });
    const p = await browser.newPage();
    try {
      const result = await runJob(pfx, { inputs: [{ path: 'e.csv' }], tenant, formats: ['json', 'csv'], forecast: { model: 'off' } }, '2026-02-01T00:00:00Z');
      await p.goto(`file://${join(result.tenants[0]!.dir, 'report.html')}`);
      await p.waitForSelector('.report[data-loaded] table.heatmap');
      await p.selectOption('#ctl-segmentation', 'product');
      await p.waitForSelector('.report[data-loaded="days-month-product"]');
      const heads = await p.$$eval('table.heatmap tbody th', (ths) => ths.map((th) => th.textContent));
      expect(heads.sort()).toEqual(['Total', 'US', 'U\u2401S', '[U+202E]SU'].sort());
      expect(await p.$eval('h1', (e) => e.textContent)).toBe('[U+202E]ppa-omed\u2401');
      const legend = await p.$$eval('.u-legend .u-label', (ls) => ls.map((l) => l.textContent));
      expect(legend).toContain('[U+202E]SU');
      // The data itself keeps the exact text (the page asks the API with it): only what is shown changes.
      const csvText = await readFile(join(result.tenants[0]!.dir, 'ltv.csv'), 'utf8');
      expect(csvText).toContain(',[U+202E]SU,');
    } finally {
      await p.close();
      await pfx.cleanup();
    }
  });
});

describe('the explorer pins its run', () => {
  const PIN_KEY = 'ltv_explorer_pinned_run_key_01';
  let pfx: Fixture;
  let ps: TestServer;
  let ppage: Page;
  /** Every Adapty request of the page: its x-ltv-run header and body. */
  const sent: { run: string | undefined; body: string }[] = [];
  const job = { tenant: TENANT, inputs: [{ path: 'tx.csv' }], formats: ['json'] as 'json'[] };

  beforeAll(async () => {
    pfx = await makeFixture({ 'tx.csv': EXPORT });
    await runJob(pfx, job, OLD_AS_OF);
    ps = await startServer({ reportsDir: pfx.reportsDir, keys: [{ key: PIN_KEY, tenants: [TENANT] }] });
    ppage = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    ppage.on('request', (r) => {
      if (r.url().endsWith('/api/v1/client-api/metrics/ltv/')) sent.push({ run: r.headers()['x-ltv-run'], body: r.postData() ?? '' });
    });
  }, 180_000);

  afterAll(async () => {
    await ppage?.close();
    await ps?.stop();
    await pfx?.cleanup();
  });

  it('keeps answering from the run it shows after a newer one is published mid-session, offers the newer one and shows it on request', async () => {
    await ppage.goto(`http://127.0.0.1:${ps.port}/`);
    await ppage.fill('#api-key', PIN_KEY);
    await ppage.click('button[type=submit]');
    await ppage.waitForSelector('.report[data-loaded] table.heatmap');
    expect(sent.length).toBeGreaterThan(0);
    expect(sent.every((r) => r.run === OLD_RUN)).toBe(true);
    const runLabels = () => ppage.$$eval('#ctl-run option', (os) => os.map((o) => o.textContent));
    expect(await runLabels()).toContain(`${OLD_RUN} (latest)`);

    // A newer run, with other amounts (every payment doubled), becomes latest while the page is open.
    await writeFile(join(pfx.dir, 'tx.csv'), EXPORT.replace(/,(\d+\.\d+),USD,/g, (_m, a: string) => `,${(Number(a) * 2).toFixed(2)},USD,`));
    await runJob(pfx, job, NEW_AS_OF);
    const before = sent.length;
    await changeOn(ppage, '#ctl-period_unit', 'week');

    const asked = sent.slice(before);
    expect(asked.length).toBeGreaterThan(0);
    expect(asked.map((r) => r.run)).toEqual(asked.map(() => OLD_RUN));
    const request = JSON.parse(asked.at(-1)!.body) as object;
    const on = { port: ps.port, key: PIN_KEY };
    const pinned = await api(request, OLD_RUN, on);
    const latest = await api(request, undefined, on);
    const grid = await ppage.$$eval('table.heatmap tbody tr', (trs) =>
      Object.fromEntries(trs.map((tr) => [tr.querySelector('th')?.textContent ?? '', [...tr.querySelectorAll<HTMLElement>('td.cell')].map((td) => Number(td.dataset.value))])));
    expect(grid).toEqual(adaptyGrid(pinned, 'revenue'));
    expect(grid).not.toEqual(adaptyGrid(latest, 'revenue'));
    expect(await ppage.textContent('.sub')).toContain(OLD_RUN);

    // It offers the newer run (checked every minute and when the tab is shown again, as now), and shows it on request.
    await ppage.evaluate(() => document.dispatchEvent(new Event('visibilitychange')));
    const notice = await ppage.waitForSelector('.newer-run');
    expect(await notice.textContent()).toBe(`A newer run was published: ${NEW_RUN} (as of ${NEW_AS_OF.replace('T', ' ').replace(/(\.\d+)?Z$/, ' UTC')}). This page still shows run ${OLD_RUN}. Show it`);
    // Still the old run's numbers until asked; the run list has the newer run, marked latest, and no longer
    // calls the old one so (it stayed "(latest)"; the newer run was missing from it until "Show it").
    expect(await ppage.textContent('.sub')).toContain(OLD_RUN);
    const labels = await runLabels();
    expect(labels).toContain(OLD_RUN);
    expect(labels.filter((l) => l?.includes('(latest)'))).toEqual([`${NEW_RUN} (latest)`]);
    expect(await ppage.inputValue('#ctl-run')).toBe(OLD_RUN);
    const shown = sent.length;
    await ppage.click('.newer-run button');
    await ppage.waitForFunction((run) => document.querySelector('.sub')?.textContent?.includes(run), NEW_RUN);
    await ppage.waitForSelector('.report[data-loaded] table.heatmap');
    expect(await ppage.$('.newer-run')).toBeNull();
    const after = sent.slice(shown);
    expect(after.length).toBeGreaterThan(0);
    expect(after.map((r) => r.run)).toEqual(after.map(() => NEW_RUN));
    const now = await ppage.$$eval('table.heatmap tbody tr', (trs) =>
      Object.fromEntries(trs.map((tr) => [tr.querySelector('th')?.textContent ?? '', [...tr.querySelectorAll<HTMLElement>('td.cell')].map((td) => Number(td.dataset.value))])));
    expect(now).toEqual(adaptyGrid(await api(JSON.parse(after.at(-1)!.body) as object, NEW_RUN, on), 'revenue'));
    expect(await ppage.inputValue('#ctl-run')).toBe(NEW_RUN);
    expect(await runLabels()).toContain(`${NEW_RUN} (latest)`);
  });

  it('says when the server does not answer, and when the run it shows was removed, offering the latest run', async () => {
    const on = { port: ps.port, key: PIN_KEY };
    // The server down or restarting (the connection refused): the page says so in words.
    await ppage.route('**/api/**', (r) => r.abort('connectionrefused'));
    await ppage.selectOption('#ctl-period_unit', 'month');
    await ppage.waitForFunction(() => document.querySelector('.status')?.textContent?.startsWith('Could not load the report:'));
    expect(await ppage.textContent('.status')).toBe('Could not load the report: the server did not answer (ltv serve stopped or is restarting); try again in a moment');
    await ppage.unroute('**/api/**');

    // The older run, shown, then removed (retention) while the page is open.
    await changeOn(ppage, '#ctl-run', OLD_RUN);
    expect(await ppage.textContent('.sub')).toContain(OLD_RUN);
    await rm(join(pfx.reportsDir, TENANT, 'runs', OLD_RUN), { recursive: true });
    await ppage.selectOption('#ctl-period_unit', 'week');
    await ppage.waitForFunction(() => document.querySelector('.status button') !== null);
    expect(await ppage.textContent('.status')).toBe(`Run ${OLD_RUN} is no longer published (removed since this page opened, e.g. by the retention of old runs). Show run ${NEW_RUN}`);
    await ppage.click('.status button');
    await ppage.waitForFunction((run) => document.querySelector('.sub')?.textContent?.includes(run), NEW_RUN);
    await ppage.waitForSelector('.report[data-loaded]:not([aria-busy]) table.heatmap');
    // The run list is the server's now: the removed run is no longer offered.
    expect(await ppage.$$eval('#ctl-run option', (os) => os.map((o) => (o as HTMLOptionElement).value))).toEqual([NEW_RUN]);
    expect(await ppage.textContent('.status')).toBe('');
    const grid = await ppage.$$eval('table.heatmap tbody tr', (trs) =>
      Object.fromEntries(trs.map((tr) => [tr.querySelector('th')?.textContent ?? '', [...tr.querySelectorAll<HTMLElement>('td.cell')].map((td) => Number(td.dataset.value))])));
    // The view's unit (week) stays; the range is the latest run's first payments, 2025-12-15 … 2026-03-01.
    expect(grid).toEqual(adaptyGrid(await api({ filters: { date: ['2025-12-15', '2026-03-01'] }, period_type: 'days', period_unit: 'week' }, NEW_RUN, on), 'revenue'));
  });

  it('says so in one line when a link names a run no longer published, a tenant the key does not see or choices it does not offer, then shows the default', async () => {
    // The run removed above (OLD_RUN), in a link shared before: it showed the latest run and rewrote the URL, silently.
    const p = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    try {
      await p.goto(`http://127.0.0.1:${ps.port}/#tenant=${TENANT}&run=${OLD_RUN}&segmentation=country`);
      await p.fill('#api-key', PIN_KEY);
      await p.click('button[type=submit]');
      await p.waitForSelector('.report[data-loaded]:not([aria-busy]) table.heatmap');
      expect(await p.textContent('.link-notice')).toBe(`This link's run ${OLD_RUN} is no longer published (or never was): showing the latest run, ${NEW_RUN}.`);
      expect(await p.textContent('.sub')).toContain(NEW_RUN);
      expect(await p.inputValue('#ctl-segmentation')).toBe('country');
      // Said until the reader changes the view.
      await changeOn(p, '#ctl-period_unit', 'week');
      expect(await p.$('.link-notice')).toBeNull();
      // A tenant the key does not see, a unit the page does not offer, a date that is no calendar day and a
      // parameter it does not know: each named, the default shown.
      await redrawn(p, () => p.evaluate(() => { location.hash = '#tenant=nope&period_unit=fortnight&from=2026-02-30&colour=red'; }));
      expect(await p.textContent('.link-notice')).toBe(`This link's tenant nope is not one this key sees: showing ${TENANT}. Not understood in this link: period_unit=fortnight, from=2026-02-30, colour=red; the default is shown instead.`);
      expect(await p.inputValue('#ctl-period_unit')).toBe('month');
      expect(fragment(p).get('tenant')).toBe(TENANT);
    } finally {
      await p.close();
    }
  });

  it('says the rate limit in the server\'s sentence, without the name of an Adapty error field', async () => {
    ps.writeKeys([{ key: PIN_KEY, tenants: [TENANT], requests_per_minute: 1 }]);
    await new Promise((r) => setTimeout(r, 300)); // the server reads the keys file again (every 50 ms here)
    await ppage.selectOption('#ctl-period_unit', 'month');
    await ppage.selectOption('#ctl-period_unit', 'week');
    await ppage.waitForFunction(() => document.querySelector('.status')?.textContent?.includes('Rate limit'));
    expect(await ppage.textContent('.status')).toMatch(/^Could not load the report: Rate limit of 1 requests per minute exceeded; retry in \d+ s$/);
    // The controls say week; the month matrix drawn before is not left under them.
    expect(await ppage.$('table.heatmap')).toBeNull();
    expect(await ppage.$eval('.selection', (e) => e.textContent)).toBe('');
  });
});
