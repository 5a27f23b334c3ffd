// The explorer's routes over HTTP (SPEC §10): /openapi.json (linted with @readme/openapi-parser, and the
// new routes' answers validated against it), the page and assets from the package with their security
// headers, the tenants/runs/filter-values routes against hand counts, downloads, the Adapty route's
// `x-ltv-run`, and the paths that must not resolve. Plus: the committed bundle matches its sources.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile, rename } from 'node:fs/promises';
import { readSnapshot } from '../helpers/runFixture.js';
import { join } from 'node:path';
import { validate } from '@readme/openapi-parser';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunDetail, TenantsResponse } from '../../src/explorer/explorerApi.js';
import { publishExplorerRuns, TENANT, XSS } from '../helpers/explorerRuns.js';
import { httpRequest, type RawResponse } from '../helpers/httpRequest.js';
import type { Fixture } from '../helpers/runFixture.js';
import { startServer, type TestServer } from '../helpers/startServer.js';
import { isValidTenantId, TENANT_ID_MAX } from '../../src/config/tenantId.js';

const KEY = 'ltv_explorer_routes_key_0001';
const OTHER = 'ltv_explorer_routes_other_02';
const OLD_RUN = '20260215T000000Z';
const NEW_RUN = '20260316T120000Z';
const openapiText = readFileSync(new URL('../../src/serve/openapi.json', import.meta.url), 'utf8');
const doc = JSON.parse(openapiText) as { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>>; components: unknown };
const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addFormat('date', /^\d{4}-\d{2}-\d{2}$/);
ajv.addFormat('date-time', (x: string) => !Number.isNaN(Date.parse(x)));
ajv.addSchema({ $id: 'doc', components: doc.components }, 'doc');

/** The answer is documented for its operation and status, and its JSON body validates. */
function conforms(path: string, r: RawResponse, method: 'get' | 'post' = 'get'): void {
  const resp = doc.paths[path]?.[method]?.responses[String(r.status)];
  expect(resp, `${method.toUpperCase()} ${path} documents ${r.status}`).toBeDefined();
  const ct = String(r.headers['content-type'] ?? '').split(';')[0] as string;
  const media = resp?.content?.[ct];
  expect(media, `${path} ${r.status} documents ${ct}`).toBeDefined();
  if (ct !== 'application/json') return;
  const validateBody = ajv.compile(JSON.parse(JSON.stringify(media?.schema).replaceAll('"#/components/', '"doc#/components/')) as object);
  expect(validateBody(r.json()), `${path} ${r.status}: ${ajv.errorsText(validateBody.errors)}`).toBe(true);
}

let fx: Fixture;
let s: TestServer;
const get = (path: string, key: string | null = KEY, headers: Record<string, string> = {}): Promise<RawResponse> =>
  httpRequest(s.port, path, { headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers } });
const T = '/api/v1/explorer/tenants';
const R = '/api/v1/explorer/tenants/{tenant}/runs/{run}';
const F = '/api/v1/explorer/tenants/{tenant}/runs/{run}/files/{file}';
const S = '/api/v1/explorer/tenants/{tenant}/runs/{run}/states';

beforeAll(async () => {
  fx = await publishExplorerRuns();
  s = await startServer({ reportsDir: fx.reportsDir, keys: [{ key: KEY, tenants: [TENANT] }, { key: OTHER, tenants: ['someone-else'] }] });
}, 180_000);
afterAll(async () => {
  await s?.stop();
  await fx?.cleanup();
});

describe('the OpenAPI document', () => {
  it('is served at /openapi.json as the file, and lints clean', async () => {
    const r = await get('/openapi.json', null);
    expect(r.status).toBe(200);
    expect(r.text).toBe(openapiText);
    const result = await validate(JSON.parse(openapiText));
    expect(result.valid ? [] : result.errors).toEqual([]);
    // The linter is not a formality: a response without a description is refused.
    const broken = JSON.parse(openapiText) as typeof doc;
    delete (broken.paths['/api/v1/explorer/tenants']?.get?.responses['200'] as { description?: string }).description;
    expect((await validate(broken as unknown as Parameters<typeof validate>[0])).valid).toBe(false);
  });

  it('declares tenant ids as the server takes them: any text of 1 to TENANT_ID_MAX characters (a pattern refused "acme corp", which the server serves)', () => {
    const params: { name: string; schema: Record<string, unknown> }[] = [];
    for (const path of Object.values(doc.paths)) {
      for (const op of Object.values(path)) params.push(...((op as { parameters?: typeof params }).parameters ?? []));
    }
    const tenants = params.filter((p) => p.name === 'websiteId' || p.name === 'x-ltv-tenant');
    expect(tenants.length).toBeGreaterThanOrEqual(2);
    for (const p of tenants) expect(p.schema).toEqual({ type: 'string', minLength: 1, maxLength: TENANT_ID_MAX });
    expect(isValidTenantId('acme corp') && isValidTenantId('x'.repeat(TENANT_ID_MAX)) && !isValidTenantId('x'.repeat(TENANT_ID_MAX + 1))).toBe(true);
  });
});

describe('page and assets', () => {
  it('come from the package with a strict policy and the security headers on every answer', async () => {
    const page = await get('/', null);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toMatch(/^default-src 'none'; script-src 'self'; style-src 'self';/);
    expect(page.headers['x-frame-options']).toBe('DENY');
    // Every script and style of the page is a same-origin path; no inline script.
    expect([...page.text.matchAll(/<script([^>]*)>/g)].map((m) => m[1])).toEqual([' src="/assets/explorer.js" defer']);
    const js = await get('/assets/explorer.js', null);
    expect(js.body.equals(readFileSync(new URL('../../src/explorer/assets/explorer.js', import.meta.url)))).toBe(true);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    for (const r of [page, js, await get(T), await get(T, null)]) {
      expect(r.headers['x-content-type-options']).toBe('nosniff');
      expect(r.headers['referrer-policy']).toBe('no-referrer');
    }
    expect((await get('/assets/package.json', null)).status).toBe(404);
    expect((await get('/assets/..%2F..%2Fpackage.json', null)).status).toBe(404);
  });

  it('the committed bundle is the build of its sources', () => {
    // Exits 1 and names the file when src/explorer/app changed without `npm run build:explorer`.
    execFileSync(process.execPath, [new URL('../../src/explorer/buildExplorer.mjs', import.meta.url).pathname, '--check'], { stdio: 'pipe' });
  });
});

describe('explorer JSON routes', () => {
  it('lists the key\'s tenants with their runs, newest first, never cached', async () => {
    const r = await get(T);
    conforms(T, r);
    expect(r.headers['cache-control']).toBe('private, no-store');
    const body = r.json() as TenantsResponse;
    expect(body.tenants.map((t) => t.id)).toEqual([TENANT]);
    const runs = body.tenants[0]?.runs ?? [];
    // The run's files (its job publishes csv and json, no workbook), its bad rows and page among them.
    const files = ['ltv.csv', 'ltv.json', 'report.html', 'quarantine.csv', 'ltv.png', 'forecast.png', 'manifest.json'];
    expect(runs.map((x) => [x.run_id, x.latest, x.downloads])).toEqual([
      [NEW_RUN, true, files],
      [OLD_RUN, false, files],
    ]);
    // The job leaves forecasts at their default (auto): seven customers are too few for a fit, and each
    // run's brief says so in the words of its data/forecast.json.
    for (const x of runs) {
      const f = JSON.parse(await readFile(join(fx.reportsDir, TENANT, 'runs', x.run_id, 'data', 'forecast.json'), 'utf8')) as { reason: string };
      expect(f.reason).toMatch(/^no forecast: /);
      expect(x.forecast).toEqual({ model: null, chosen_by: 'auto', reason: f.reason, matrix: 'days-month-cohort', horizon_months: 24, interval: null, bootstrap: { replicates: 0, seed: 17 }, backtest: null, none: null, min_cohort_customers: 20, cohorts_predicted: [] });
    }
    // Each run's headline as its ltv.json has it (the manifest's copy), for the page to show at once.
    for (const x of runs) {
      const report = JSON.parse(await readFile(join(fx.reportsDir, TENANT, 'runs', x.run_id, 'ltv.json'), 'utf8')) as { summary: unknown };
      expect(x.summary).toEqual(report.summary);
    }
    // First payments: c7 2025-12-15 … c6 2026-03-01 (latest); c5 2026-02-14 is the last before 02-15.
    expect(runs.map((x) => x.first_payment_dates)).toEqual([{ min: '2025-12-15', max: '2026-03-01' }, { min: '2025-12-15', max: '2026-02-14' }]);
    conforms(T, await get(T, null));
    expect((await get(T, 'ltv_not_a_key_at_all_0000')).status).toBe(401);
  });

  it('gives a run\'s headline and the values every filter can take, counted by hand', async () => {
    const r = await get(`/api/v1/explorer/tenants/${TENANT}/runs/latest`);
    conforms(R, r);
    const d = r.json() as RunDetail;
    expect(d.run_id).toBe(NEW_RUN);
    const report = JSON.parse(await readFile(join(fx.reportsDir, TENANT, 'runs', NEW_RUN, 'ltv.json'), 'utf8')) as { summary: unknown };
    expect(d.summary).toEqual(report.summary);
    // Customers by country: c1 c2 c7 US, c3 c4 DE, c5 GB, c6 FR; most customers first, then by value.
    expect(d.attributes.country).toEqual([{ value: 'US', customers: 3 }, { value: 'DE', customers: 2 }, { value: 'FR', customers: 1 }, { value: 'GB', customers: 1 }]);
    // c1 c3 c6 monthly, c2 c7 annual, c4 weekly, c5 the markup ('<' sorts before 'p').
    expect(d.attributes.product).toEqual([{ value: 'pro_monthly', customers: 3 }, { value: 'pro_annual', customers: 2 }, { value: XSS, customers: 1 }, { value: 'pro_weekly', customers: 1 }]);
    expect(d.attributes.store_product_id).toEqual(d.attributes.product);
    // No input column: every customer lacks it, which `unknown` matches (SPEC §6).
    expect(d.attributes.paywall).toEqual([{ value: 'unknown', customers: 7 }]);
    // The older run: c6 (2026-03-01) had not paid yet.
    const old = (await get(`/api/v1/explorer/tenants/${TENANT}/runs/${OLD_RUN}`)).json() as RunDetail;
    expect(old.attributes.country).toEqual([{ value: 'US', customers: 3 }, { value: 'DE', customers: 2 }, { value: 'GB', customers: 1 }]);
    expect(old.summary?.customers).toBe(6);
  });

  it('answers 404 for runs and tenants that are not there or not the key\'s, whatever the path says', async () => {
    for (const path of [
      `/api/v1/explorer/tenants/${TENANT}/runs/20990101T000000Z`,
      `/api/v1/explorer/tenants/${TENANT}/runs/..`,
      `/api/v1/explorer/tenants/${TENANT}/runs/%2e%2e`,
      `/api/v1/explorer/tenants/${TENANT}/runs/..%2F..%2F${TENANT}`,
      `/api/v1/explorer/tenants/${TENANT}/runs/${NEW_RUN}/files/data%2Fforecast.json`,
      `/api/v1/explorer/tenants/${TENANT}/runs/${NEW_RUN}/files/ltv.xlsx`,
      `/api/v1/explorer/tenants/${TENANT}/runs/${NEW_RUN}/files/..%2Fltv.csv`,
    ]) {
      const r = await get(path);
      expect(r.status, path).toBe(404);
      conforms(path.includes('/files/') ? F : R, r);
    }
    expect((await get(`/api/v1/explorer/tenants/${TENANT}/runs/latest`, OTHER)).status).toBe(404);
    expect((await get(`/api/v1/explorer/tenants/${TENANT}/runs/latest/files/ltv.csv`, OTHER)).status).toBe(404);
  });

  it('downloads a run\'s file as published, as an attachment, never cached', async () => {
    const r = await get(`/api/v1/explorer/tenants/${TENANT}/runs/${OLD_RUN}/files/ltv.csv`);
    conforms(F, r);
    expect(r.body.equals(await readFile(join(fx.reportsDir, TENANT, 'runs', OLD_RUN, 'ltv.csv')))).toBe(true);
    expect(r.headers['content-disposition']).toBe(`attachment; filename="${TENANT}-${OLD_RUN}-ltv.csv"`);
    expect(r.headers['cache-control']).toBe('private, no-store');
    // Every other file the run lists, byte for byte with its type (only the report files were offered: a
    // run's quarantine.csv and report.html could not be had from the browser); data/ and the rest are not.
    const types: Record<string, string> = { 'quarantine.csv': 'text/csv; charset=utf-8', 'report.html': 'text/html; charset=utf-8', 'ltv.png': 'image/png', 'forecast.png': 'image/png', 'manifest.json': 'application/json; charset=utf-8' };
    for (const [name, type] of Object.entries(types)) {
      const f = await get(`/api/v1/explorer/tenants/${TENANT}/runs/${OLD_RUN}/files/${name}`);
      expect([f.status, f.headers['content-type'], f.headers['content-disposition']], name).toEqual([200, type, `attachment; filename="${TENANT}-${OLD_RUN}-${name}"`]);
      expect(f.body.equals(await readFile(join(fx.reportsDir, TENANT, 'runs', OLD_RUN, name))), name).toBe(true);
    }
    for (const name of ['facts.parquet', 'data%2Ffacts.parquet', '..%2Fltv.csv', 'ltv.xlsx']) {
      expect((await get(`/api/v1/explorer/tenants/${TENANT}/runs/${OLD_RUN}/files/${name}`)).status, name).toBe(404);
    }
  });
});

describe('the states route', () => {
  const post = (body: unknown, run = 'latest', key = KEY): Promise<RawResponse> =>
    httpRequest(s.port, `/api/v1/explorer/tenants/${TENANT}/runs/${run}/states`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const ranges = (states: string[]): [number, number][] => {
    const out: [number, number][] = [];
    states.forEach((st, k) => {
      if (st !== 'partial') return;
      const last = out[out.length - 1];
      if (last && last[1] === k - 1) last[1] = k;
      else out.push([k, k]);
    });
    return out;
  };

  it('gives each row\'s partial periods as the run\'s own ltv.json has them', async () => {
    const r = await post({ filters: { date: ['2000-01-01', '2100-01-01'] }, period_type: 'days', period_unit: 'month', segmentation: 'country' });
    expect(r.status).toBe(200);
    conforms(S, r, 'post');
    expect(r.headers['cache-control']).toBe('private, no-store');
    const report = JSON.parse(await readFile(join(fx.reportsDir, TENANT, 'runs', NEW_RUN, 'ltv.json'), 'utf8')) as { matrices: { id: string; rows: { type: string; title: string; cells: { state: string; customers: number }[] }[] }[] };
    const m = report.matrices.find((x) => x.id === 'days-month-country');
    // The cells' customers as runs [from, to, customers] (the customers whose cohorts reach each period).
    const runs = (ns: number[]): [number, number, number][] => {
      const out: [number, number, number][] = [];
      ns.forEach((n, k) => {
        const last = out[out.length - 1];
        if (last && last[2] === n) last[1] = k;
        else out.push([k, k, n]);
      });
      return out;
    };
    expect(r.json()).toEqual({ rows: m!.rows.map((row) => ({ type: row.type, title: row.title, partial: ranges(row.cells.map((c) => c.state)), customers: runs(row.cells.map((c) => c.customers)) })) });
    // By hand (tx.csv): US is c7 (Dec 15), c1 (Jan 5) and c2 (Jan 20): 3 customers at months 0 to 2; only
    // the December cohort reaches month 3 (shown while Dec 1 + 1 + 3 months ≤ T = Mar 16).
    expect((r.json() as { rows: { title: string; customers: number[][] }[] }).rows.find((x) => x.title === 'US')?.customers).toEqual([[0, 2, 3], [3, 3, 1]]);
  });

  it('answers a filtered request, counted by hand, from the named run', async () => {
    // store app_store: US is c7 (Dec 15) and c1 (Jan 5); as of Mar 16 the Dec cohort is complete to
    // month 1 and shown to 3, the Jan cohort complete at 0 and shown to 2: US partial at 1..3. FR: c6
    // (Mar 1), month 0 partial.
    const body = { filters: { date: ['2025-12-15', '2026-03-01'], store: ['app_store'] }, period_type: 'days', period_unit: 'month', segmentation: 'country' };
    const rows = (await post(body)).json() as { rows: { title: string; partial: number[][] }[] };
    expect(rows.rows.find((x) => x.title === 'US')?.partial).toEqual([[1, 3]]);
    expect(rows.rows.find((x) => x.title === 'FR')?.partial).toEqual([[0, 0]]);
    // As of Feb 15 (the older run) FR has no customer yet, and the Jan cohort's month 0 is not over
    // (its end Feb 1 + 1 month = Mar 1 > Feb 15): US is partial from 0; Dec is shown to month 2
    // (Dec 1 + 2 months ≤ Feb 15), complete at 0 only (Jan 1 + 2 months > Feb 15): US partial at 0..2.
    const old = (await post(body, OLD_RUN)).json() as { rows: { title: string; partial: number[][] }[] };
    expect(old.rows.map((x) => x.title)).not.toContain('FR');
    expect(old.rows.find((x) => x.title === 'US')?.partial).toEqual([[0, 2]]);
  });

  it('refuses a bad body, an unknown run and a key that may not see the tenant', async () => {
    const bad = await post({ filters: { date: ['2026-01-01'] } });
    expect(bad.status).toBe(400);
    conforms(S, bad, 'post');
    expect((await post({ filters: { date: ['2025-12-15', '2026-03-01'] } }, '20990101T000000Z')).status).toBe(404);
    expect((await post({ filters: { date: ['2025-12-15', '2026-03-01'] } }, 'latest', OTHER)).status).toBe(404);
  });
});

describe('the Adapty route with x-ltv-run', () => {
  const post = (run?: string): Promise<RawResponse> =>
    httpRequest(s.port, '/api/v1/client-api/metrics/ltv/', {
      method: 'POST',
      headers: { authorization: `Api-Key ${KEY}`, 'content-type': 'application/json', ...(run ? { 'x-ltv-run': run } : {}) },
      body: JSON.stringify({ filters: { date: ['2000-01-01', '2100-01-01'] }, period_type: 'days', period_unit: 'month', segmentation: 'country' }),
    });

  it('answers from the named run, byte for byte its snapshot; without the header from the latest', async () => {
    const snapshot = async (run: string): Promise<Buffer> => Buffer.from(await readSnapshot(join(fx.reportsDir, TENANT, 'runs', run, 'api', 'adapty', 'days-month-country.json')));
    expect((await post(OLD_RUN)).body.equals(await snapshot(OLD_RUN))).toBe(true);
    expect((await post()).body.equals(await snapshot(NEW_RUN))).toBe(true);
    expect((await post('latest')).body.equals(await snapshot(NEW_RUN))).toBe(true);
    expect((await snapshot(OLD_RUN)).equals(await snapshot(NEW_RUN))).toBe(false);
    const missing = await post('20990101T000000Z');
    expect(missing.status).toBe(404);
    expect(missing.json()).toMatchObject({ error_code: 'not_found' });
    expect((await post('../acme')).status).toBe(404);
  });
});

// Last: it moves the latest run out of the reports directory.
describe('a latest run no longer on disk', () => {
  it('answers 404 everywhere, on the routes that had answered from it (cached) before', async () => {
    const adapty = (body: object, run?: string): Promise<RawResponse> =>
      httpRequest(s.port, '/api/v1/client-api/metrics/ltv/', {
        method: 'POST',
        headers: { authorization: `Api-Key ${KEY}`, 'content-type': 'application/json', ...(run ? { 'x-ltv-run': run } : {}) },
        body: JSON.stringify(body),
      });
    const whole = { filters: { date: ['2000-01-01', '2100-01-01'] }, period_type: 'days', period_unit: 'month', segmentation: 'country' };
    const filtered = { filters: { date: ['2000-01-01', '2100-01-01'], country: ['US'] }, period_type: 'days', period_unit: 'month' };
    const statesPath = `/api/v1/explorer/tenants/${TENANT}/runs/latest/states`;
    const asks: [string, () => Promise<RawResponse>][] = [
      ['zenovay snapshot', () => get(`/api/external/v1/revenue/${TENANT}/ltv?range=all&granularity=monthly`, null, { 'x-api-key': KEY })],
      ['adapty snapshot', () => adapty(whole)],
      ['adapty filtered', () => adapty(filtered)],
      ['adapty, the run named', () => adapty(filtered, NEW_RUN)],
      ['explorer run latest', () => get(`/api/v1/explorer/tenants/${TENANT}/runs/latest`)],
      ['explorer run by id', () => get(`/api/v1/explorer/tenants/${TENANT}/runs/${NEW_RUN}`)],
      ['states', () => httpRequest(s.port, statesPath, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(filtered) })],
    ];
    // Asked twice before: the second answer comes from the caches.
    for (const [what, ask] of asks) {
      expect((await ask()).status, what).toBe(200);
      expect((await ask()).status, what).toBe(200);
    }
    const moved = join(fx.dir, 'moved-away');
    await rename(join(fx.reportsDir, TENANT, 'runs', NEW_RUN), moved);
    try {
      for (const [what, ask] of asks) expect((await ask()).status, what).toBe(404);
      // The older run is still there, and still answers.
      expect((await adapty(filtered, OLD_RUN)).status).toBe(200);
      // Back in place: served again.
      await rename(moved, join(fx.reportsDir, TENANT, 'runs', NEW_RUN));
      for (const [what, ask] of asks) expect((await ask()).status, what).toBe(200);
    } finally {
      await rename(moved, join(fx.reportsDir, TENANT, 'runs', NEW_RUN)).catch(() => undefined);
    }
  });
});
