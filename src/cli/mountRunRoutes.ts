// Mounts the worker's on-demand routes (POST /api/v1/runs, GET /api/v1/runs/:id; SPEC §7) on `ltv serve`.
// The CLI is the one place that knows both sides (STYLE: serve knows nothing of BullMQ): this adapts the
// queue's plain request/response routes to the server's Route contract.
import type { Logger } from 'pino';
import type { Env } from '../config/env.js';
import { mountBullBoard } from '../queue/mountBullBoard.js';
import { logConnectionLoss } from '../queue/redisConnection.js';
import { openRunQueue, type RunQueue } from '../queue/runQueue.js';
import { runRoutes } from '../queue/runRoutes.js';
import type { Mount, Route } from '../serve/Route.js';

export function mountRunRoutes(env: Env, jobsDir: string, logger: Logger): { routes: Route[]; mounts: Mount[]; queue: RunQueue } {
  const queue = openRunQueue(env, 'producer', logger);
  // Its reconnections log nothing (a producer's): Redis lost and back is said once each.
  logConnectionLoss(queue.backend, env.REDIS_URL, logger, 'POST /api/v1/runs, GET /api/v1/runs/:id and bull-board answer 503', () => Boolean(queue.closing));
  // The server checks the key, under its failed-authentication throttle (SPEC §6): the operator's key
  // (LTV_ADMIN_KEY_SHA256) or a keys-file key made with `ltv keys add --admin`; any other valid key is a 403.
  const routes: Route[] = runRoutes(queue, { env, jobsDir, authenticated: true }).map((r) => ({
    method: r.method,
    path: r.path,
    family: 'zenovay',
    auth: { schemes: ['bearer', 'x-admin-key'], admin: true, adminKeySha256: env.LTV_ADMIN_KEY_SHA256 },
    async handle(ctx) {
      const body = r.method === 'POST' ? await ctx.readJson() : undefined;
      const out = await r.handle({ params: ctx.params, headers: ctx.req.headers, body, ...(ctx.key ? { scope: ctx.key.id } : {}) });
      const text = JSON.stringify(out.body);
      ctx.res.writeHead(out.status, {
        ...out.headers,
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(text),
      });
      ctx.res.end(text);
    },
  }));
  // SPEC §11: the queue in a browser, under the same admin key (src/queue/mountBullBoard.ts).
  return { routes, mounts: [mountBullBoard(queue, env, logger)], queue };
}
