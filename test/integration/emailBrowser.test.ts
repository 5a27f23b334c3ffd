// Issue 16: the run email on a phone and on a desktop, rendered by Debian's Chromium (playwright-core,
// never a downloaded browser): the page never scrolls sideways, the figure cards stack on a phone, the
// heatmap scrolls inside its own box, the chart scales. Also the change since the previous run.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobFromFlags } from '../../src/config/loadJob.js';
import type { TenantReport } from '../../src/ltv/model.js';
import { composeRunEmail } from '../../src/notify/composeRunEmail.js';
import { renderChart } from '../../src/report/renderChart.js';
import { launchBrowser } from '../helpers/browser.js';
import { dailyReport } from '../helpers/dailyReport.js';
import { emailJob } from '../helpers/emailFixture.js';
import { sampleReport } from '../helpers/sampleReport.js';

let browser: Browser;
let dir: string;
beforeAll(async () => {
  browser = await launchBrowser();
  dir = await mkdtemp(join(tmpdir(), 'ltv-email16-'));
});
afterAll(async () => {
  await browser?.close();
  await rm(dir, { recursive: true, force: true });
});

/** A published run directory with its chart and a workbook-sized file, and the message composed for it. */
async function compose(report: TenantReport, previous?: TenantReport): Promise<{ html: string; text: string; chart: Buffer }> {
  const runs = join(dir, `t${Math.random().toString(36).slice(2)}`, 'runs');
  const runDir = join(runs, report.run_id);
  await mkdir(runDir, { recursive: true });
  const chart = await renderChart(report);
  await writeFile(join(runDir, 'ltv.png'), chart);
  await writeFile(join(runDir, 'ltv.xlsx'), Buffer.alloc(40_000));
  if (previous) {
    await mkdir(join(runs, previous.run_id));
    await writeFile(join(runs, previous.run_id, 'manifest.json'), JSON.stringify({ tenant: previous.tenant, run_id: previous.run_id, as_of: previous.as_of, currency: previous.currency, generated_at: previous.generated_at, summary: previous.summary }));
  }
  const job = jobFromFlags(emailJob(), dir);
  const m = await composeRunEmail(report, job, runDir, { from: 'reports@example.com', messageId: '<x@example.com>' });
  return { html: m.html as string, text: m.text as string, chart };
}

interface Layout {
  scrollWidth: number;
  viewport: number;
  cardTops: number[];
  image: number;
  heatmapBox: { client: number; scroll: number };
}

async function layout(html: string, chart: Buffer, width: number): Promise<Layout> {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  try {
    // The inline image by cid: as a data URL, so that it has its real size.
    await page.setContent(html.replace(/src="cid:[^"]+"/, `src="data:image/png;base64,${chart.toString('base64')}"`), { waitUntil: 'load' });
    // Evaluated in the page as text: the project's TypeScript has no DOM types.
    return (await page.evaluate(`(() => {
      const cards = [...document.querySelectorAll('div')].filter((d) => d.style.display === 'inline-block');
      const img = document.querySelector('img');
      const box = document.querySelector('table').parentElement;
      return {
        scrollWidth: document.documentElement.scrollWidth,
        viewport: window.innerWidth,
        cardTops: [...new Set(cards.map((c) => Math.round(c.getBoundingClientRect().top)))],
        image: img.getBoundingClientRect().width,
        heatmapBox: { client: box.clientWidth, scroll: box.scrollWidth },
      };
    })()`)) as Layout;
  } finally {
    await page.close();
  }
}

describe('the run email in a browser (issue 16)', () => {
  it('fits a 400 px phone and an 800 px window without sideways scrolling', async () => {
    // A daily report: 13 cohorts × 13 periods of "29.78"-wide cells, wider than a phone.
    const report = dailyReport(60);
    const { html, chart } = await compose(report);
    const phone = await layout(html, chart, 400);
    expect(phone.scrollWidth).toBeLessThanOrEqual(400);
    // Four cards of at most 175 px in a card 400 − 2 × 8 − 2 wide (less 20 px of gutter): two rows of two.
    expect(phone.cardTops).toHaveLength(2);
    // The chart scales down with the card: 400 − 2 × 8 (page) − 2 (border) − 2 × 16 (padding) = 350.
    expect(phone.image).toBe(350);
    // The heatmap is wider than the phone and scrolls inside its box instead.
    expect(phone.heatmapBox.scroll).toBeGreaterThan(phone.heatmapBox.client);

    const desktop = await layout(html, chart, 800);
    expect(desktop.scrollWidth).toBeLessThanOrEqual(800);
    expect(desktop.cardTops).toHaveLength(1);
    // The card's content is 720 px wide at most (it rendered 798, issue 16): the image is 720 − 2 × 16.
    expect(desktop.image).toBe(688);
  });

  it('shows the change of the headline figures since the previous run', async () => {
    const report = sampleReport();
    const previous = { ...sampleReport(), run_id: '20260315T150000Z', as_of: '2026-03-15T15:00:00.000Z' };
    // LTV 30d 9.91 now, 9.50 before: +0.41 = 4.3 % of 9.50; customers 1630 vs 1600: +30 (1.9 %);
    // revenue 31,204.55 vs 31,204.55: no change; 90d null now: nothing said.
    previous.summary = { ...previous.summary, average_ltv_30d: 9.5, customers: 1600 };
    const { html, text } = await compose(report, previous);
    expect(html).toContain('▲ €0.41 (+4.3 %)');
    expect(html).toContain('▲ 30 (+1.9 %)');
    expect(html).toContain('no change');
    expect(html).toContain('Changes since the previous run, as of 2026-03-15 16:00 (run 20260315T150000Z).');
    expect(text).toContain('Average LTV at 30 days:  €9.91  [▲ €0.41 (+4.3 %)]');
    // No previous run: no change line.
    expect((await compose(sampleReport())).html).not.toContain('since the previous run');
  });

  it('says so when the as-of time is stale, and does not present revenue as proceeds without fee data', async () => {
    const report = sampleReport();
    report.warnings = [{ code: 'stale_as_of', message: 'the newest transaction (2011-12-09) is 15 years before the as-of time' }];
    report.inputs = [{ path: 'x.csv', format: 'csv', rows: 1, quarantined: 0, columns: { customer_id: 'CustomerID', event_time: 'InvoiceDate', amount: 'TotalPrice' } }];
    const { html, text } = await compose(report);
    expect(html).toContain('<b>Warning:</b> the newest transaction (2011-12-09) is 15 years before the as-of time');
    expect(text).toContain('WARNING: the newest transaction (2011-12-09)');
    expect(html).toContain('No commission or tax data in the inputs: proceeds and net revenue equal revenue.');
    expect(html).not.toContain('Proceeds (after store commission)');
  });
});
