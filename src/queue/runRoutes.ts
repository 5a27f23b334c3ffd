// The on-demand routes of SPEC §6/§7, mounted by the CLI that starts `ltv serve` (STYLE: serve knows nothing
// of BullMQ). The Route type is deliberately minimal until serve's own lands; the adapter is one function.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Job as QueuedJob } from 'bullmq';
import { z } from '../config/zod.js';
import { AppError, isAppError } from '../config/AppError.js';
import type { Env } from '../config/env.js';
import { futureAsOfError } from '../config/parseAsOf.js';
import { asOfText } from '../config/jobSchema.js';
import { answerWithin, enqueueRun, jobNameRefusal, redisGone, waitForRedis } from './enqueueRun.js';
import { watchLoginRefusal } from './redisConnection.js';
import type { RunData, RunQueue } from './runQueue.js';
import type { RunResult } from '../pipeline.js';

export interface RouteRequest {
  /** Values of the `:name` segments of the route's path. */
  params: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body (undefined without one). */
  body: unknown;
  /** Who is asking, as the server authenticated them (a key's id): the scope of their Idempotency-Keys. */
  scope?: string;
}

export interface RouteResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface Route {
  method: 'GET' | 'POST';
  /** e.g. `/api/v1/runs/:id` */
  path: string;
  handle(req: RouteRequest): Promise<RouteResponse>;
}

const JOB_NAME_TEXT = 'a job name: a file name in the jobs folder without .json, e.g. "nightly"';
const EnqueueBody = z.strictObject({
  // Messages of their own for a wrong type too (zod said "Invalid input: expected string, received number").
  job: z.string({ error: JOB_NAME_TEXT }).superRefine((v, ctx) => {
    const refused = jobNameRefusal(v);
    if (refused) ctx.addIssue({ code: 'custom', message: refused });
  }),
  // null is "not sent", as an optional field of the Adapty body is (src/serve/README): the run's own as-of.
  as_of: asOfText.nullish(),
}, {
  error: (issue) => (issue.code === 'unrecognized_keys'
    ? `unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}: the body is {"job": …, "as_of": …}`
    : issue.code === 'invalid_type' && (issue.path?.length ?? 0) === 0 ? 'must be a JSON object, e.g. {"job": "nightly"}' : undefined),
});

const IDEMPOTENCY_KEY_TEXT = 'Idempotency-Key: give 1 to 255 visible ASCII characters (letters, digits, punctuation; no spaces), e.g. a UUID';

/**
 * The run id of a request with an Idempotency-Key (draft-ietf-httpapi-idempotency-key-header): the key, in the
 * scope of whoever sent it (two admin keys choosing one value get two runs), hashed into a UUID (version 8,
 * RFC 9562) so every run id keeps one shape. Deterministic: BullMQ adds nothing under an id it holds, so a
 * retry racing the first request finds that run instead of adding one (a separate store of keys could not
 * make the check and the add one step).
 */
function idempotentRunId(scope: string, key: string): string {
  const h = sha256(`${scope}\0${key}`);
  h[6] = (h[6]! & 0x0f) | 0x80;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** What a retry must repeat for its key to name the same run: the job and the as_of it asked for (null: none). */
function requestPrint(job: string, asOf: string | null | undefined): string {
  return sha256(JSON.stringify([job.replace(/\.json$/, ''), asOf ? new Date(asOf).toISOString() : null])).toString('hex');
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** `Authorization: Bearer <key>` or `X-Admin-Key`, compared by SHA-256 digest in constant time. */
function authorized(headers: IncomingHttpHeaders, keySha256: string | undefined): boolean {
  if (!keySha256) return false;
  const bearer = /^Bearer\s+(.+)$/i.exec(headers.authorization ?? '')?.[1];
  const header = headers['x-admin-key'];
  const key = bearer ?? (typeof header === 'string' ? header : undefined);
  return key !== undefined && timingSafeEqual(sha256(key), Buffer.from(keySha256, 'hex'));
}

function error(status: number, code: string, message: string): RouteResponse {
  return { status, body: { success: false, error: { message, code, timestamp: new Date().toISOString() } } };
}

function fromAppError(e: unknown): RouteResponse {
  if (!isAppError(e)) throw e;
  if (e.code === 'TRANSIENT') return { ...error(503, 'UNAVAILABLE', e.message), headers: { 'retry-after': '5' } };
  if (e.code === 'NOT_FOUND') return error(404, 'NOT_FOUND', e.message);
  if (e.code === 'CONFIG' || e.code === 'VALIDATION') return error(422, 'INVALID_JOB', e.message);
  return error(e.status, e.code, e.message);
}

/**
 * `authenticated`: the caller (`ltv serve`'s pipeline, src/cli/mountRunRoutes.ts) has already checked the
 * admin key, with its failed-authentication throttle and the keys file's admin keys; else the routes check
 * LTV_ADMIN_KEY_SHA256 themselves.
 */
export function runRoutes(queue: RunQueue, opts: { env: Env; jobsDir: string; authenticated?: boolean }): Route[] {
  const { env, jobsDir } = opts;
  const loginRefusal = watchLoginRefusal(queue, env.REDIS_URL);
  const guard = (handle: Route['handle']): Route['handle'] => async (req) => {
    if (!opts.authenticated && !authorized(req.headers, env.LTV_ADMIN_KEY_SHA256)) return error(401, 'UNAUTHORIZED', 'an admin key is required (Authorization: Bearer <key>)');
    try {
      await waitForRedis(queue, env);
      return await handle(req);
    } catch (e) {
      return fromAppError(redisGone(e, env, 'the run routes cannot reach the queue now', loginRefusal) ?? e);
    }
  };

  return [
    {
      method: 'POST',
      path: '/api/v1/runs',
      handle: guard(async (req) => {
        const parsed = EnqueueBody.safeParse(req.body ?? {});
        if (!parsed.success) {
          return error(400, 'VALIDATION_ERROR', parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
        }
        const { job, as_of } = parsed.data;
        const header = req.headers['idempotency-key'];
        // Two copies of the header arrive joined by ", ", which the rule refuses too.
        const idem = Array.isArray(header) ? header.join(', ') : header;
        if (idem !== undefined && !/^[\x21-\x7e]{1,255}$/.test(idem)) return error(400, 'VALIDATION_ERROR', IDEMPOTENCY_KEY_TEXT);
        const future = as_of ? futureAsOfError(new Date(as_of), 'give an earlier "as_of" in the request body') : null;
        if (future) return error(400, 'VALIDATION_ERROR', future);
        const answer = (status: number, run: QueuedJob<RunData, RunResult>, state: string): RouteResponse => ({
          status,
          headers: { location: `/api/v1/runs/${encodeURIComponent(run.id!)}` },
          body: { id: run.id, job: run.name, as_of: run.data.asOf ?? null, state },
        });
        if (idem === undefined) {
          const run = await enqueueRun(queue, jobsDir, job, { ...(as_of ? { asOf: new Date(as_of) } : {}), source: 'http', env });
          return answer(202, run.queued, 'waiting');
        }
        // A retry of a request whose answer was lost: the run it added, in its state now, and nothing added.
        const id = idempotentRunId(req.scope ?? 'operator', idem);
        const request = requestPrint(job, as_of);
        const unread = 'the run of this Idempotency-Key cannot be looked up now';
        const reused = (run: QueuedJob<RunData, RunResult>): RouteResponse => error(422, 'IDEMPOTENCY_KEY_REUSED',
          `Idempotency-Key ${JSON.stringify(idem)} was used for another request (run ${run.id} of job ${JSON.stringify(run.name)} as of ${run.data.asOf ?? 'its own time'}): send this request with a new key`);
        const earlier = await answerWithin(queue.getJob(id), env, unread);
        if (earlier) {
          if (earlier.data.request !== request) return reused(earlier);
          return answer(200, earlier, await answerWithin(earlier.getState(), env, unread));
        }
        await enqueueRun(queue, jobsDir, job, { ...(as_of ? { asOf: new Date(as_of) } : {}), source: 'http', env, key: id, request });
        // Read back: a request racing this one with the same key may have added its run first (BullMQ kept
        // that one and ignored this add), and that run is the answer, or its request was another.
        const run = await answerWithin(queue.getJob(id), env, unread);
        if (!run) throw new AppError('TRANSIENT', `run ${id} was added but is no longer in the queue; try again in a few seconds`, { status: 503 });
        return run.data.request === request ? answer(202, run, 'waiting') : reused(run);
      }),
    },
    {
      method: 'GET',
      path: '/api/v1/runs/:id',
      handle: guard(async (req) => {
        const id = req.params.id ?? '';
        // State first, then the job: read the other way round, a run finishing in between would show as
        // completed without its result.
        const unread = "the run's state cannot be read now";
        const state = id ? await answerWithin(queue.getJobState(id), env, unread) : 'unknown';
        const run = state === 'unknown' ? undefined : await answerWithin(queue.getJob(id), env, unread);
        if (!run) throw new AppError('NOT_FOUND', `no run "${id}" (finished runs are kept for ${env.LTV_KEEP_DAYS} days)`);
        const iso = (ms: number | undefined) => (ms ? new Date(ms).toISOString() : null);
        return {
          status: 200,
          body: {
            id: run.id,
            job: run.name,
            state,
            // One type: what the run last reported ({stage, percent, …}), or null before it has reported
            // anything (BullMQ's own initial progress is the number 0).
            progress: typeof run.progress === 'object' && run.progress !== null ? run.progress : null,
            attempts_made: run.attemptsMade,
            result: run.returnvalue ?? null,
            error: state === 'failed' ? run.failedReason : null,
            queued_at: iso(run.timestamp),
            started_at: iso(run.processedOn),
            finished_at: iso(run.finishedOn),
          },
        };
      }),
    },
  ];
}
