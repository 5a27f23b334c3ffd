// `npm run preview` (with the workbook's preview) / `npx tsx test/preview/previewExplorer.ts [reports dir]
// [out dir]`: screenshots of the explorer's main states at 1280 px and 400 px wide, the report on a wall
// screen (2560 px), and report.html,
// for a person to look at. The reports are the given directory, else ./reports when it holds a run (the
// example's), else the explorer tests' two small runs. Needs Debian's chromium.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { pino } from 'pino';
import { createServer } from '../../src/serve/createServer.js';
import { hashKey } from '../../src/serve/KeyStore.js';
import { launchBrowser } from '../helpers/browser.js';
import { publishExplorerRuns } from '../helpers/explorerRuns.js';
import { needTools } from './needTools.js';

// The workbook's preview (run next by `npm run preview`) needs the other two: checked now, before the screenshots.
needTools(['chromium', 'soffice', 'pdftoppm']);

const [reportsArg, outArg] = process.argv.slice(2);
const out = resolve(outArg ?? '/tmp/ltv-preview');
mkdirSync(out, { recursive: true });

function tenantsOf(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((t) => !t.startsWith('.') && existsSync(join(dir, t, 'latest')));
}

let reportsDir = resolve(reportsArg ?? 'reports');
let cleanup = (): void => undefined;
if (tenantsOf(reportsDir).length === 0) {
  const fx = await publishExplorerRuns();
  reportsDir = fx.reportsDir;
  cleanup = () => rmSync(fx.dir, { recursive: true, force: true });
}
const tenants = tenantsOf(reportsDir);
const key = 'ltv_explorer_preview_key_0001';
const tmp = mkdtempSync(join(tmpdir(), 'ltv-explorer-preview-'));
const keysFile = join(tmp, 'keys.json');
writeFileSync(keysFile, JSON.stringify({ keys: [{ key_sha256: hashKey(key), tenants, plan: 'pro', requests_per_minute: 1000 }] }));
const server = createServer({ reportsDir, keysFile, logger: pino({ level: 'warn' }) });
const { port } = await server.listen(0);
const browser = await launchBrowser();
const shots: string[] = [];

async function settle(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const el = document.querySelector('.report');
    return el !== null && el.hasAttribute('data-loaded') && !el.hasAttribute('aria-busy');
  }, undefined, { timeout: 60_000 });
}

async function shoot(page: Page, name: string, fullPage = true): Promise<void> {
  const path = join(out, `explorer-${name}.png`);
  await page.screenshot({ path, fullPage });
  shots.push(path);
}

try {
  for (const width of [1280, 400]) {
    const page = await browser.newPage({ viewport: { width, height: width === 400 ? 860 : 900 } });
    await page.goto(`http://127.0.0.1:${port}/`);
    await shoot(page, `${width}-signin`, false);
    await page.fill('#api-key', key);
    await page.click('button[type=submit]');
    await settle(page);
    await shoot(page, `${width}-report`);
    await page.selectOption('#ctl-segmentation', 'country');
    await settle(page);
    await page.click('details.filters summary');
    await page.waitForSelector('details.filters fieldset', { timeout: 60_000 });
    await shoot(page, `${width}-country-filters`);
    await page.selectOption('#ctl-period_type', 'renewals');
    await page.selectOption('#ctl-period_unit', 'week');
    await page.selectOption('#ctl-segmentation', 'cohort');
    await settle(page);
    await shoot(page, `${width}-renewals-week`, false);
    await page.close();
  }
  // A wall screen: the same report at 2560 × 1440.
  const wall = await browser.newPage({ viewport: { width: 2560, height: 1440 } });
  await wall.goto(`http://127.0.0.1:${port}/`);
  await wall.fill('#api-key', key);
  await wall.click('button[type=submit]');
  await settle(wall);
  await shoot(wall, '2560-report', false);
  await wall.close();
  const tenant = tenants[0] as string;
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`file://${join(reportsDir, tenant, 'latest', 'report.html')}`);
  await settle(page);
  await shoot(page, 'static-report-html');
  await page.close();
} finally {
  await browser.close();
  await server.close(1000);
  rmSync(tmp, { recursive: true, force: true });
  cleanup();
}
for (const s of shots) console.log(s);
