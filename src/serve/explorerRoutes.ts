// SPEC §10: the explorer's page and assets, `/openapi.json`, and the explorer's small JSON routes (the
// tenants and runs a key may see, a run's headline and filter values, segment rows' partial periods,
// downloads). The report's numbers themselves come from the §6 Adapty route; a chosen older run is named
// there in the `x-ltv-run` header (adaptyRoute.ts), so the body stays exactly Adapty's.
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { attributeValues } from '../ltv/attributeValues.js';
import { prepareRunQueries, queryRunMatrix, type QueryOptions } from '../ltv/queryRun.js';
import { tenantDirName } from '../publish/publishRun.js';
import { DOWNLOAD_TYPES, EXPLORER_API, type Download, type RunDetail, type StatesResponse, type TenantsResponse } from '../explorer/explorerApi.js';
import { EXPLORER_ASSETS, explorerAsset, type ExplorerAssetName } from '../explorer/explorerAssets.js';
import { parseAdaptyRequest } from './adaptyRequest.js';
import { HttpError } from './HttpError.js';
import type { KeyRecord } from './KeyStore.js';
import type { Route, RouteContext } from './Route.js';
import type { RunCatalog } from './runCatalog.js';
import type { ResolvedRun } from './RunStore.js';
import { sendBytes } from './sendBytes.js';

/**
 * The page's policy: scripts and styles only from this origin (no inline script, no eval), requests only
 * to this origin, never framed. Trusted Types make any markup sink (innerHTML…) throw in browsers that
 * enforce them: data is only ever text.
 */
export const EXPLORER_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
  'trusted-types',
].join('; ');

const AUTH = { schemes: ['api-key', 'bearer', 'x-api-key'] as const };
const JSON_TYPE = 'application/json; charset=utf-8';

const OPENAPI = (() => {
  const bytes = readFileSync(new URL('./openapi.json', import.meta.url));
  return { bytes, etag: `"${createHash('sha256').update(bytes).digest('hex')}"`, gzipped: gzipSync(bytes, { level: 9 }) };
})();

function pageHeaders(res: ServerResponse): void {
  res.setHeader('content-security-policy', EXPLORER_CSP);
  res.setHeader('x-frame-options', 'DENY');
  res.setHeader('cross-origin-opener-policy', 'same-origin');
  res.setHeader('cross-origin-resource-policy', 'same-origin');
}

function staticRoute(path: string, name: ExplorerAssetName): Route {
  return {
    method: 'GET',
    path,
    family: 'zenovay',
    auth: null,
    async handle(ctx) {
      const a = explorerAsset(name);
      pageHeaders(ctx.res);
      sendBytes(ctx.req, ctx.res, { bytes: a.bytes, etag: a.etag, contentType: a.contentType, gzip: () => a.gzipped });
    },
  };
}

/** Authenticated JSON: never stored by any cache (SPEC §10). */
function sendJson(res: ServerResponse, value: unknown): void {
  sendJsonBytes(res, Buffer.from(JSON.stringify(value), 'utf8'));
}

function sendJsonBytes(res: ServerResponse, body: Buffer): void {
  res.statusCode = 200;
  res.setHeader('content-type', JSON_TYPE);
  res.setHeader('cache-control', 'private, no-store');
  res.setHeader('content-length', body.length);
  res.end(body);
}

function visibleTenant(ctx: RouteContext): string {
  const key = ctx.key as KeyRecord;
  // The ids "." and "..", which a browser removes from a path (also written %2E), come as ".:" and "..:"
  // with the colon as it is (the page's runPath): encodeURIComponent writes a colon %3A, so no other id is
  // sent so (the tenant ".:" comes as ".%3A"). Read from the raw segment: %252E… stood for the dots before,
  // and a tenant literally named %2E%2E came the same way, so a key seeing both got one's data on the
  // other's page.
  const raw = ctx.rawParams.tenant ?? '';
  const tenant = raw === '.:' || raw === '..:' ? raw.slice(0, -1) : ctx.params.tenant ?? '';
  // Unknown and not-yours look the same (as on the §6 routes).
  if (!key.tenants.includes(tenant)) throw new HttpError('NOT_FOUND', 'Tenant not found');
  ctx.setTenant(tenant);
  return tenant;
}

/**
 * Opens the run for filtered queries ahead of the first one (about a second at 1 M transactions). The
 * page asks for a run's detail once its first heatmap's answer is in, so this never competes with it.
 * A failure surfaces on the query itself.
 */
function warm(run: ResolvedRun, ctx: RouteContext): void {
  prepareRunQueries(run).catch((e: unknown) => ctx.logger.warn({ err: e, run: run.dir }, 'explorer: opening the run for queries failed'));
}

/** SPEC §4 states of the rows of an Adapty request, from the run's own SQL (cached with the run). */
async function states(run: ResolvedRun, body: unknown, queries: QueryOptions): Promise<Buffer> {
  const request = parseAdaptyRequest(body);
  const key = JSON.stringify(['explorer-states', request.spec, request.filters]);
  const hit = run.computed.get(key);
  if (hit) return hit;
  const matrix = await queryRunMatrix(run, request.spec, request.filters, queries);
  const out: StatesResponse = {
    rows: matrix.rows.map((r) => {
      const partial: [number, number][] = [];
      const customers: [number, number, number][] = [];
      for (const c of r.runs) {
        const had = customers[customers.length - 1];
        if (had && had[1] + 1 === c.from && had[2] === c.customers) had[1] = c.to;
        else customers.push([c.from, c.to, c.customers]);
        if (c.state !== 'partial') continue;
        const last = partial[partial.length - 1];
        if (last && last[1] + 1 === c.from) last[1] = c.to;
        else partial.push([c.from, c.to]);
      }
      return { type: r.type, title: r.title, partial, customers };
    }),
  };
  const bytes = Buffer.from(JSON.stringify(out), 'utf8');
  run.computed.set(key, bytes);
  return bytes;
}

export function explorerRoutes(catalog: RunCatalog): Route[] {
  const resolveRun = (ctx: RouteContext) => {
    const tenant = visibleTenant(ctx);
    const run = catalog.resolve(tenant, ctx.params.run ?? '');
    if (!run) throw new HttpError('NOT_FOUND', 'Run not found');
    return run;
  };
  return [
    staticRoute('/', 'index.html'),
    ...(Object.keys(EXPLORER_ASSETS) as ExplorerAssetName[]).filter((n) => n !== 'index.html').map((n) => staticRoute(`/assets/${n}`, n)),
    {
      method: 'GET',
      path: '/openapi.json',
      family: 'zenovay',
      auth: null,
      async handle(ctx) {
        ctx.res.setHeader('access-control-allow-origin', '*');
        sendBytes(ctx.req, ctx.res, { bytes: OPENAPI.bytes, etag: OPENAPI.etag, contentType: JSON_TYPE, gzip: () => OPENAPI.gzipped });
      },
    },
    {
      method: 'GET',
      path: `${EXPLORER_API}/tenants`,
      family: 'adapty',
      auth: AUTH,
      async handle(ctx) {
        const key = ctx.key as KeyRecord;
        const body: TenantsResponse = { tenants: key.tenants.map((id) => ({ id, runs: catalog.list(id) })) };
        sendJson(ctx.res, body);
      },
    },
    {
      method: 'GET',
      path: `${EXPLORER_API}/tenants/:tenant/runs/:run`,
      family: 'adapty',
      auth: AUTH,
      async handle(ctx) {
        const run = resolveRun(ctx);
        const listing = catalog.list(run.tenant).find((r) => r.run_id === run.dir.split(/[\\/]/).pop());
        if (!listing) throw new HttpError('NOT_FOUND', 'Run not found');
        const body: RunDetail = {
          ...listing,
          tenant: run.tenant,
          ...catalog.published(run),
          attributes: await attributeValues(run, run.manifest),
        };
        sendJson(ctx.res, body);
        warm(run, ctx);
      },
    },
    {
      method: 'POST',
      path: `${EXPLORER_API}/tenants/:tenant/runs/:run/states`,
      family: 'adapty',
      auth: AUTH,
      async handle(ctx) {
        const run = resolveRun(ctx);
        sendJsonBytes(ctx.res, await states(run, await ctx.readJson(), ctx.queries));
      },
    },
    {
      method: 'GET',
      path: `${EXPLORER_API}/tenants/:tenant/runs/:run/files/:file`,
      family: 'adapty',
      auth: AUTH,
      async handle(ctx) {
        const run = resolveRun(ctx);
        const name = ctx.params.file ?? '';
        const opened = await catalog.download(run, name);
        if (!opened) throw new HttpError('NOT_FOUND', 'File not found');
        const { file, size } = opened;
        const runId = run.dir.split(/[\\/]/).pop() as string;
        ctx.res.statusCode = 200;
        ctx.res.setHeader('content-type', DOWNLOAD_TYPES[name as Download]);
        ctx.res.setHeader('content-length', size);
        ctx.res.setHeader('cache-control', 'private, no-store');
        // The tenant's directory name and the run id are [A-Za-z0-9._~-]: safe inside the quoted filename
        // (a tenant id itself may hold any character).
        ctx.res.setHeader('content-disposition', `attachment; filename="${tenantDirName(run.tenant)}-${runId}-${name}"`);
        if (ctx.req.method === 'HEAD' || size === 0) {
          await file.close();
          ctx.res.end();
          return;
        }
        // The very file checked (an open handle), from its start, as many bytes as it had when checked.
        await new Promise<void>((resolve, reject) => {
          const s = file.createReadStream({ start: 0, end: size - 1 });
          s.on('error', reject);
          ctx.res.on('close', () => {
            s.destroy();
            resolve();
          });
          s.pipe(ctx.res);
        });
      },
    },
  ];
}
