// Zenovay's `GET /api/external/v1/revenue/:websiteId/ltv` (SPEC §6, seeds/003): answered from the
// snapshot the run published for (range, granularity), byte for byte.
import { zenovaySnapshotPath } from '../ltv/runFiles.js';
import { ZENOVAY_GRANULARITIES, ZENOVAY_RANGES } from '../report/apiTypes.js';
import { quotedName } from '../format/listed.js';
import { HttpError } from './HttpError.js';
import type { Route } from './Route.js';
import { RunStore } from './RunStore.js';
import { sendBytes } from './sendBytes.js';

export const ZENOVAY_PATH = '/api/external/v1/revenue/:websiteId/ltv';

function oneOf<T extends string>(query: URLSearchParams, name: string, allowed: readonly T[], fallback: T): T {
  const all = query.getAll(name);
  if (all.length === 0) return fallback;
  if (all.length > 1) {
    // Which of several values counts differs between servers and proxies: none is guessed.
    const message = `Send ${name} once: it is given ${all.length} times`;
    throw new HttpError('VALIDATION_ERROR', message, { fields: [{ source: name, errors: [message] }] });
  }
  const v = all[0] as string;
  if (!(allowed as readonly string[]).includes(v)) {
    throw new HttpError('VALIDATION_ERROR', `Invalid ${name}: expected one of ${allowed.join(', ')}`, {
      fields: [{ source: name, errors: [`must be one of ${allowed.join(', ')}`] }],
    });
  }
  return v as T;
}

export function zenovayRoute(runs: RunStore): Route {
  return {
    method: 'GET',
    path: ZENOVAY_PATH,
    family: 'zenovay',
    // seeds/003: a free plan's key is refused (403 PLAN_REQUIRED) by the server before the route runs.
    auth: { schemes: ['x-api-key', 'bearer'], paid: true },
    async handle(ctx) {
      const key = ctx.key as NonNullable<typeof ctx.key>;
      // Strict as the Adapty route (src/serve/README.md): a misspelt `granularty=weekly` must not be
      // answered with the default granularity as if it had been read.
      for (const name of new Set(ctx.query.keys())) {
        if (name !== 'range' && name !== 'granularity') {
          // The name as sent, quoted on one line (a line break or a quote in it is escaped, never raw).
          const message = `Unknown parameter ${quotedName(name)}: this endpoint reads range and granularity only`;
          throw new HttpError('VALIDATION_ERROR', message, { fields: [{ source: Array.from(name).slice(0, 60).join(''), errors: [message] }] });
        }
      }
      const range = oneOf(ctx.query, 'range', ZENOVAY_RANGES, '90d');
      const granularity = oneOf(ctx.query, 'granularity', ZENOVAY_GRANULARITIES, 'monthly');
      const website = ctx.params.websiteId ?? '';
      // Unknown and not-yours look the same, so a key cannot probe which websites exist.
      const notFound = (): HttpError => new HttpError('NOT_FOUND', 'Website not found');
      if (!key.tenants.includes(website)) throw notFound();
      ctx.setTenant(website);
      const found = runs.latestFile(website, zenovaySnapshotPath(range, granularity));
      if (!found) throw notFound();
      const { run, file } = found;
      // A missing snapshot, or one that is a symlink out of its run (never followed), is not there.
      if (!file) {
        ctx.logger.warn({ run: run.dir, file: zenovaySnapshotPath(range, granularity) }, 'snapshot missing or outside its run');
        throw notFound();
      }
      sendBytes(ctx.req, ctx.res, {
        ...(file.bytes ? { bytes: file.bytes } : {}),
        etag: file.etag,
        contentType: 'application/json; charset=utf-8',
        gzip: () => RunStore.gzip(file),
      });
    },
  };
}
