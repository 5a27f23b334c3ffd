// SPEC §11 health: `/healthz` says the process is alive (it answers at all); `/readyz` says it can do its
// work: Redis answers (within a short timeout, so a hung connection makes the probe fail instead of hang)
// and the reports directory is readable. `ltv serve` and the worker's listener share these answers.
import { constants } from 'node:fs';
import { access, readdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ServerResponse } from 'node:http';

export interface ReadinessCheck {
  name: string;
  /** Resolves when ready; rejects (or times out) with the reason. */
  check(): Promise<void>;
}

export interface Readiness {
  ready: boolean;
  /** name → "ok" or the reason it is not. */
  checks: Record<string, string>;
}

export async function checkReadiness(checks: readonly ReadinessCheck[], timeoutMs: number): Promise<Readiness> {
  const results = await Promise.all(
    checks.map(async (c): Promise<[string, string]> => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        await Promise.race([c.check(), timeout]);
        return [c.name, 'ok'];
      } catch (e) {
        return [c.name, e instanceof Error ? e.message : String(e)];
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return { ready: results.every(([, r]) => r === 'ok'), checks: Object.fromEntries(results) };
}

/**
 * The reports directory exists and its entries can be listed (what serving and publishing need first).
 * `creatable` (a worker, which makes a job's directory when it first publishes): a directory not made yet
 * is ready when its nearest existing parent is a directory the worker can create it in; otherwise a new
 * install's worker was "not ready" until every job had run once (a nightly job: a day). `hidePath` (`ltv
 * serve`, whose /readyz answers anyone who can reach it): the check is named `reports` and its reasons say
 * "the reports directory", not where it is on the server's disk; the worker's listener, an operator's,
 * names each job's directory.
 */
export function reportsReadable(dir: string, { creatable = false, hidePath = false }: { creatable?: boolean; hidePath?: boolean } = {}): ReadinessCheck {
  const what = hidePath ? 'the reports directory' : `reports directory ${dir}`;
  return {
    name: hidePath ? 'reports' : `reports ${dir}`,
    async check() {
      const st = await stat(dir).catch((e: NodeJS.ErrnoException) => e);
      if (st instanceof Error) {
        // ENOTDIR: a file on the way, which canCreateIn names.
        if (creatable && (st.code === 'ENOENT' || st.code === 'ENOTDIR')) return canCreateIn(dirname(dir), dir);
        throw new Error(`${what} is not readable (${st.code ?? String(st)})`);
      }
      if (!st.isDirectory()) throw new Error(`${what} is not a directory`);
      try {
        await access(dir, constants.R_OK | constants.X_OK | (creatable ? constants.W_OK : 0));
        await readdir(dir);
      } catch (e) {
        throw new Error(`${what} is not ${creatable ? 'readable and writable' : 'readable'} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
      }
    },
  };
}

/** `dir` (absent) can be made: its nearest existing ancestor is a directory this process may write in. */
async function canCreateIn(parent: string, dir: string): Promise<void> {
  const st = await stat(parent).catch((e: NodeJS.ErrnoException) => e);
  if (st instanceof Error) {
    if ((st.code === 'ENOENT' || st.code === 'ENOTDIR') && dirname(parent) !== parent) return canCreateIn(dirname(parent), dir);
    throw new Error(`reports directory ${dir} does not exist and cannot be created (${parent}: ${st.code ?? String(st)})`);
  }
  if (!st.isDirectory()) throw new Error(`reports directory ${dir} does not exist and cannot be created (${parent} is not a directory)`);
  await access(parent, constants.W_OK | constants.X_OK).catch((e: NodeJS.ErrnoException) => {
    throw new Error(`reports directory ${dir} does not exist and cannot be created in ${parent} (${e.code ?? String(e)})`);
  });
}

/** Writes a health answer: 200 when ready, 503 otherwise; never cached. */
export function sendHealth(res: ServerResponse, status: number, body: unknown, head: boolean): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(head ? undefined : text);
}

export async function answerReadyz(res: ServerResponse, checks: readonly ReadinessCheck[], timeoutMs: number, head: boolean): Promise<Readiness> {
  const r = await checkReadiness(checks, timeoutMs);
  sendHealth(res, r.ready ? 200 : 503, { status: r.ready ? 'ready' : 'not ready', checks: r.checks }, head);
  return r;
}

export async function answerMetrics(res: ServerResponse, metrics: { registry: { metrics(): Promise<string>; contentType: string } }, head: boolean): Promise<void> {
  const text = await metrics.registry.metrics();
  res.writeHead(200, { 'content-type': metrics.registry.contentType, 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(head ? undefined : text);
}
