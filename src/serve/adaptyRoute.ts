// Adapty's `POST /api/v1/client-api/metrics/ltv/` (SPEC §6, seeds/000). A request that only narrows
// `date` to a range covering every customer is the unfiltered snapshot, served as its bytes; any other
// valid request is computed read-only from the same run and cached with it (runs never change).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { Forecast } from '../ltv/model.js';
import type { QueryOptions } from '../ltv/queryRun.js';
import { RUN_HEADER } from '../explorer/explorerApi.js';
import { RUN_FILES, adaptySnapshotPath, runKey } from '../ltv/runFiles.js';
import type { Manifest } from '../ltv/runFiles.js';
import { unknownNames } from '../format/listed.js';
import { adaptyToCsv } from '../report/adaptyCsv.js';
import type { AdaptyResponse } from '../report/apiTypes.js';
import { parseAdaptyRequest, type AdaptyRequest } from './adaptyRequest.js';
import { computeAdapty } from './computeAdapty.js';
import { HttpError } from './HttpError.js';
import { headerValues } from './rawHeaders.js';
import type { KeyRecord } from './KeyStore.js';
import type { Route } from './Route.js';
import type { RunCatalog } from './runCatalog.js';
import { RunGone, RunStore, type ResolvedRun, type SnapshotFile } from './RunStore.js';
import { addPredictions } from './adaptyPredictions.js';
import { predictionsUnsupported } from './predictionsUnsupported.js';
import { rowsByOf, servedForecast } from './servedForecast.js';
import { gzipOnce, sendBytes } from './sendBytes.js';

export const ADAPTY_PATH = '/api/v1/client-api/metrics/ltv/';
/** Names the app when a key may see several (Adapty keys belong to one app, ours may not). */
export const TENANT_HEADER = 'x-ltv-tenant';
/** Why an answer to a body with prediction_months predicts nothing (renewals, days and weeks: predictionsUnsupported). */
export const PREDICTION_NOTE_HEADER = 'x-ltv-prediction-note';

const JSON_TYPE = 'application/json; charset=utf-8';
/** Part of a computed body's ETag: another release may render the same request differently. */
const ETAG_VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const CSV_TYPE = 'text/csv; charset=utf-8';

function pickTenant(key: KeyRecord, hint: string | string[] | undefined): string {
  if (typeof hint === 'string' && hint !== '') {
    // A header carries Latin-1 only: an id with other characters (or spaces, slashes…) may be sent
    // percent-encoded, as in the Zenovay URL. The id as sent is tried first.
    let decoded: string | null = null;
    try {
      decoded = decodeURIComponent(hint);
    } catch {
      decoded = null;
    }
    // Clients (curl, fetch in Node, most libraries) send a header's text as UTF-8 bytes, which Node reads
    // as Latin-1: "café" arrived as "cafÃ©", a bare 404 for the key's own tenant. Bytes that are valid
    // UTF-8 are read as such too.
    let utf8: string | null = null;
    if (/[\u0080-\u00ff]/.test(hint)) {
      try {
        utf8 = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(hint, 'latin1'));
      } catch {
        utf8 = null;
      }
    }
    const found = [hint, decoded, utf8].find((t): t is string => t !== null && key.tenants.includes(t));
    if (found === undefined) throw new HttpError('NOT_FOUND', 'App not found');
    return found;
  }
  if (key.tenants.length === 1) return key.tenants[0] as string;
  const message = `the ${TENANT_HEADER} header is required: this key may see several apps, name one of them (percent-encoded if it has characters other than Latin-1)`;
  throw new HttpError('VALIDATION_ERROR', message, { fields: [{ source: TENANT_HEADER, errors: [message] }] });
}

/**
 * A header of ltv's own (x-ltv-tenant, x-ltv-run) as sent, or undefined: Node joins a repeated one with ", "
 * (a 404 for a tenant "a, b"), so one given twice is a 400, as a repeated query parameter is on Zenovay's route.
 */
function onceHeader(req: IncomingMessage, name: string): string | undefined {
  const count = headerValues(req, name).length;
  if (count > 1) {
    const message = `Send ${name} once: it is given ${count} times`;
    throw new HttpError('VALIDATION_ERROR', message, { fields: [{ source: name, errors: [message] }] });
  }
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/** SPEC §6: the unfiltered snapshot answers a date range that covers every customer's first payment. */
export function matchesSnapshot(r: AdaptyRequest, manifest: Manifest): boolean {
  if (!r.dateOnly) return false;
  const span = manifest.first_payment_dates;
  if (span === null) return true;
  return r.filters.date[0] <= span.min && r.filters.date[1] >= span.max;
}

/** Prediction answers being computed, by run and request: one computation for every request asking it at once. */
const computing = new Map<string, Promise<Buffer>>();

/**
 * SPEC §9: the answer with `predicted_values` on each row (adaptyPredictions.ts), cached with the run. The
 * same question asked while it is computed waits for that computation (README "Filtered requests under
 * load": a question several requests ask at once runs once), which no single request's leaving stops: a
 * request that leaves stops waiting, and the answer is cached for the next.
 */
async function adaptyWithPredictions(runs: RunStore, run: ResolvedRun, request: AdaptyRequest, queries: QueryOptions): Promise<Buffer> {
  const why = predictionsUnsupported(request);
  // csv has no place for them: refused. Periods the forecast does not predict (renewals, days and weeks)
  // answer as SPEC §9 says, every row with its predicted_values, here none, and the header says why
  // (PREDICTION_NOTE_HEADER); they were a 400, so Adapty's default body (renewals) with prediction_months
  // got no answer at all.
  if (why && request.format === 'csv') throw new HttpError('VALIDATION_ERROR', why, { fields: [{ source: 'prediction_months', errors: [why] }] });
  // Whether the run can predict, and how far, is checked for every request alike: a renewals or weekly
  // request with 99 months, or to a run without a forecast, was answered 200 with nothing predicted where a
  // monthly one was refused.
  const forecast = runForecast(runs, run, request.predictionMonths!);
  if (why) {
    const key = JSON.stringify(['no predictions', request.spec, request.filters]);
    const hit = run.computed.get(key);
    if (hit) return hit;
    const body = Buffer.from(JSON.stringify(addPredictions(await realizedAnswer(runs, run, request, queries), null, request.predictionMonths!)), 'utf8');
    run.computed.set(key, body);
    return body;
  }
  const key = JSON.stringify(['predictions', request.spec, request.filters, request.predictionMonths]);
  const hit = run.computed.get(key);
  if (hit) return hit;
  const id = `${runKey(run)}\0${key}`;
  let shared = computing.get(id);
  if (!shared) {
    const { signal: _own, ...unsignalled } = queries;
    shared = computePredictions(runs, run, forecast, request, key, unsignalled);
    computing.set(id, shared);
    shared.finally(() => computing.delete(id)).catch(() => undefined);
  }
  const signal = queries.signal;
  if (!signal) return shared;
  signal.throwIfAborted();
  return new Promise<Buffer>((resolve, reject) => {
    const leave = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', leave, { once: true });
    shared.then(resolve, reject).finally(() => signal.removeEventListener('abort', leave));
  });
}

/** The request's answer without predictions, parsed: its snapshot when it has one, else computed (json). */
async function realizedAnswer(runs: RunStore, run: ResolvedRun, request: AdaptyRequest, queries: QueryOptions): Promise<AdaptyResponse> {
  const snapshot = matchesSnapshot(request, run.manifest) ? runs.file(run, adaptySnapshotPath(request.spec)) : null;
  const bytes = snapshot ? RunStore.body(snapshot) : await computeAdapty(run, request.spec, request.filters, run.manifest.currency, 'json', queries);
  return JSON.parse(bytes.toString('utf8')) as AdaptyResponse;
}

/** Each run's forecast.json, parsed once (null: the run has none). */
const forecasts = new WeakMap<ResolvedRun, Forecast | null>();

/** The run's forecast when it can answer `months` months of predictions; else the 400 that says why not. */
function runForecast(runs: RunStore, run: ResolvedRun, months: number): Forecast {
  let forecast = forecasts.get(run);
  if (forecast === undefined) {
    const forecastFile = runs.file(run, RUN_FILES.forecast);
    forecast = forecastFile ? (JSON.parse(RunStore.body(forecastFile).toString('utf8')) as Forecast) : null;
    forecasts.set(run, forecast);
  }
  // A run without a forecast, or whose model could not be fitted, predicts nothing: said, not answered with
  // every row's predicted_values empty and no reason (any number of months was taken then). Said before
  // the answer is computed: it would be thrown away.
  const none = forecast === null
    ? 'this run has no forecast (its job\'s forecast.model is "off")'
    : forecast.model === null ? `this run has ${forecast.reason.startsWith('no forecast') ? forecast.reason : `no forecast: ${forecast.reason}`}` : null;
  if (none !== null || forecast === null) {
    const message = `prediction_months: ${none}; ask without prediction_months`;
    throw new HttpError('VALIDATION_ERROR', message, { fields: [{ source: 'prediction_months', errors: [message] }] });
  }
  // Beyond the horizon the forecast has no cell: answering would silently cut the request short.
  const horizon = forecast.horizon_months;
  if (months > horizon) {
    const message = `prediction_months must be a whole number of months from 1 to ${horizon}: this run's forecast covers ${horizon} months of life`;
    throw new HttpError('VALIDATION_ERROR', message, { fields: [{ source: 'prediction_months', errors: [message] }] });
  }
  return forecast;
}

async function computePredictions(runs: RunStore, run: ResolvedRun, forecast: Forecast, request: AdaptyRequest, key: string, queries: QueryOptions): Promise<Buffer> {
  const whole = matchesSnapshot(request, run.manifest);
  const answer = realizedAnswer(runs, run, request, queries);
  // A request the snapshot answers, by monthly cohort, reads the run's forecast as it is; any other
  // (filters, a narrower date range, rows that group customers otherwise) the forecast of the customers it
  // keeps, row by row (servedForecast.ts), asked beside the answer.
  const predictions = whole && rowsByOf(request.spec) === null ? forecast : servedForecast(run, forecast, request.filters, request.spec, answer, queries);
  // Both awaited together: one that fails leaves no rejection unhandled.
  const [a, p] = await Promise.all([answer, predictions]);
  const body = Buffer.from(JSON.stringify(addPredictions(a, p, request.predictionMonths!, request.spec.period_unit)), 'utf8');
  run.computed.set(key, body);
  return body;
}

export function adaptyRoute(runs: RunStore, catalog?: RunCatalog): Route {
  return {
    method: 'POST',
    path: ADAPTY_PATH,
    family: 'adapty',
    auth: { schemes: ['api-key'] },
    async handle(ctx) {
      const key = ctx.key as KeyRecord;
      // Adapty's request is its JSON body: `?format=csv&segmentation=country` in the URL was ignored, and a
      // client got JSON by cohort, another answer than it asked for, without a word (Zenovay's route refuses
      // a parameter it does not read too).
      const sent = [...new Set(ctx.query.keys())];
      if (sent.length > 0) {
        const message = `this endpoint reads no query string (it has ${unknownNames(sent)}): send them as fields of the JSON body, e.g. {"filters": {"date": ["2026-01-01", "2026-03-31"]}, "format": "csv"}`;
        throw new HttpError('VALIDATION_ERROR', message, { fields: [{ source: 'non_field_errors', errors: [message] }] });
      }
      const tenant = pickTenant(key, onceHeader(ctx.req, TENANT_HEADER));
      const request = parseAdaptyRequest(await ctx.readJson());
      ctx.setTenant(tenant);
      // The explorer names an older run in a header (SPEC §10); without it the latest, as Adapty's clients expect.
      const runId = onceHeader(ctx.req, RUN_HEADER);
      let run = typeof runId === 'string' && catalog ? catalog.resolve(tenant, runId) : runs.resolve(tenant);
      if (!run) throw new HttpError('NOT_FOUND', typeof runId === 'string' ? 'Run not found' : 'App not found');

      // A computed answer reads the run's files: the latest run removed meanwhile, the tenant's new one answers.
      const onRun = <T>(read: (r: ResolvedRun) => Promise<T>): Promise<{ run: ResolvedRun; value: T }> =>
        typeof runId === 'string' ? read(run!).then((value) => ({ run: run!, value })) : runs.onLatest(run!, read);
      if (request.predictionMonths !== undefined) {
        let body: Buffer;
        ({ run, value: body } = await onRun((r) => adaptyWithPredictions(runs, r, request, ctx.queries)));
        const key = JSON.stringify(request);
        const etag = `"${createHash('sha256').update(`${ETAG_VERSION}\0${run.identity}\0${key}`).digest('hex')}"`;
        const none = predictionsUnsupported(request);
        if (none) ctx.res.setHeader(PREDICTION_NOTE_HEADER, none);
        sendBytes(ctx.req, ctx.res, { bytes: body, etag, contentType: JSON_TYPE, ...(await gzipOnce(ctx.req, body, run.computed, `gzip\0predictions\0${key}`)) });
        return;
      }
      if (matchesSnapshot(request, run.manifest)) {
        let file: SnapshotFile | null;
        try {
          // A run the explorer names is read as it is (RunGone only for the latest, which can be resolved again).
          file = runs.file(run, adaptySnapshotPath(request.spec), typeof runId !== 'string');
        } catch (e) {
          // The latest run removed while it was read (a publish's retention): the tenant's new latest.
          if (!(e instanceof RunGone)) throw e;
          const again = runs.latestFile(tenant, adaptySnapshotPath(request.spec));
          if (!again) throw new HttpError('NOT_FOUND', 'App not found');
          ({ run, file } = again);
        }
        if (file) {
          if (request.format === 'json') {
            sendBytes(ctx.req, ctx.res, { ...(file.bytes ? { bytes: file.bytes } : {}), etag: file.etag, contentType: JSON_TYPE, gzip: () => RunStore.gzip(file) });
            return;
          }
          let csv = file.derived.get('csv');
          if (!csv) {
            csv = Buffer.from(adaptyToCsv(JSON.parse(RunStore.body(file).toString('utf8')) as AdaptyResponse), 'utf8');
            file.derived.set('csv', csv);
          }
          sendBytes(ctx.req, ctx.res, { bytes: csv, etag: file.etag.replace(/"$/, '-csv"'), contentType: CSV_TYPE, ...(await gzipOnce(ctx.req, csv, file.derived, 'csv.gz')) });
          return;
        }
        // No snapshot for this combination: fall through and compute it.
      }

      const cacheKey = JSON.stringify([request.spec, request.filters, request.format]);
      let body: Buffer;
      ({ run, value: body } = await onRun(async (r) => {
        let b = r.computed.get(cacheKey);
        if (!b) {
          b = await computeAdapty(r, request.spec, request.filters, r.manifest.currency, request.format, ctx.queries);
          r.computed.set(cacheKey, b);
        }
        return b;
      }));
      // The body is a function of the run (never changed once published), the request and this code:
      // the tag hashes those instead of tens of MB of body.
      const etag = `"${createHash('sha256').update(`${ETAG_VERSION}\0${run.identity}\0${cacheKey}`).digest('hex')}"`;
      sendBytes(ctx.req, ctx.res, { bytes: body, etag, contentType: request.format === 'csv' ? CSV_TYPE : JSON_TYPE, ...(await gzipOnce(ctx.req, body, run.computed, `gzip\0${cacheKey}`)) });
    },
  };
}
