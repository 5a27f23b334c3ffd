// `npx tsx test/bench/explorerBench.ts <reports dir> [tenant]`: the explorer in Debian's chromium over a
// published run (e.g. the 1 M-transaction run `npm run bench -- --rows 1000000 --keep` leaves in
// /tmp/ltv-bench/reports): times sign-in → first heatmap (from the page's own user-timing measure, the
// browser's trace, and from the driver), then a unit change, a segmentation (its partial marks from the
// states route) and a filter (computed answers), each until the heatmap is drawn. Prints the figures and
// the predicted cells drawn; asserts nothing. Prints `uptime` first: the figures depend on the load.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pino } from 'pino';
import { createServer } from '../../src/serve/createServer.js';
import { hashKey } from '../../src/serve/KeyStore.js';
import { launchBrowser } from '../helpers/browser.js';

const reportsDir = resolve(process.argv[2] ?? join(tmpdir(), 'ltv-bench', 'reports'));
const tenant = process.argv[3] ?? (readdirSync(reportsDir).find((d) => !d.startsWith('.')) as string);
const key = 'ltv_explorer_bench_key_000000001';
const tmp = mkdtempSync(join(tmpdir(), 'ltv-explorer-bench-'));
const keysFile = join(tmp, 'keys.json');
writeFileSync(keysFile, JSON.stringify({ keys: [{ key_sha256: hashKey(key), tenants: [tenant], plan: 'pro', requests_per_minute: 1000 }] }));
console.log(execFileSync('uptime', { encoding: 'utf8' }).trim());
const server = createServer({ reportsDir, keysFile, logger: pino({ level: 'warn' }) });
const { port } = await server.listen(0);
const browser = await launchBrowser();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`http://127.0.0.1:${port}/`);
  const drawn = async (label: string, act: () => Promise<unknown>): Promise<void> => {
    const before = await page.getAttribute('.report', 'data-loaded').catch(() => null);
    const pageT0 = await page.evaluate(() => performance.now());
    const t = performance.now();
    await act();
    await page.waitForFunction((b) => {
      const el = document.querySelector('.report');
      const now = el?.getAttribute('data-loaded') ?? null;
      return el !== null && now !== null && now !== b && !el.hasAttribute('aria-busy') && el.querySelector('table.heatmap') !== null;
    }, before, { timeout: 120_000 });
    const ms = Math.round(performance.now() - t);
    const [cells, predicted] = await page.$$eval('table.heatmap td.cell', (tds) => [tds.length, tds.filter((td) => td.dataset.mark === 'predicted').length]);
    console.log(`${label.padEnd(44)} ${ms} ms (${cells} cells drawn, ${predicted} predicted)`);
    // Where the time went: the requests the step made (resource timing, ms from the step's start).
    const spans = await page.evaluate((t0) => performance.getEntriesByType('resource').filter((e) => e.startTime >= t0)
      .map((e) => ({ name: new URL(e.name).pathname, start: e.startTime - t0, end: (e as PerformanceResourceTiming).responseEnd - t0 })), pageT0);
    for (const x of spans) console.log(`    ${x.name.padEnd(60)} ${Math.round(x.start)} → ${Math.round(x.end)} ms`);
  };
  await page.fill('#api-key', key);
  await drawn('sign-in → first heatmap (days × month)', () => page.click('button[type=submit]'));
  const measure = await page.evaluate(() => performance.getEntriesByName('ltv:sign-in→first-heatmap', 'measure')[0]?.duration ?? null);
  console.log(`${'  the page\'s own measure (user timing)'.padEnd(44)} ${measure === null ? 'absent' : `${Math.round(measure)} ms`}`);
  // The page's marks on the way (ms after sign-in): the heatmap's answer parsed, its DOM made.
  const marks = await page.evaluate(() => {
    const t0 = performance.getEntriesByName('ltv:sign-in', 'mark')[0]?.startTime ?? 0;
    return ['ltv:answer', 'ltv:drawn'].map((n) => `${n} ${Math.round((performance.getEntriesByName(n, 'mark')[0]?.startTime ?? NaN) - t0)} ms`).join(', ');
  });
  console.log(`    ${marks}`);
  await drawn('unit week (snapshot)', () => page.selectOption('#ctl-period_unit', 'week'));
  await drawn('segmentation country (snapshot)', () => page.selectOption('#ctl-segmentation', 'country'));
  await page.click('details.filters summary');
  await page.waitForSelector('input[data-filter=country]', { timeout: 120_000 });
  const first = await page.getAttribute('input[data-filter=country]', 'value');
  await drawn(`filter country ${first} (computed)`, () => page.check(`input[data-filter=country][value="${first}"]`));
} finally {
  await browser.close();
  await server.close(1000);
  rmSync(tmp, { recursive: true, force: true });
}
