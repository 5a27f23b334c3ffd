// SPEC §11 health: `/healthz` says the process is alive (it answers at all); `/readyz` says it can do its
// work: Redis answers (within a short timeout, so a hung connection makes the probe fail instead of hang)
// and the reports directory is readable. `ltv serve` and the worker's listener share these answers.
import { constants } from 'node:fs';
import { access, readdir } from 'node:fs/promises';
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

/** The reports directory exists and its entries can be listed (what serving and publishing need first). */
export function reportsReadable(dir: string): ReadinessCheck {
  return {
    name: `reports ${dir}`,
    async check() {
      try {
        await access(dir, constants.R_OK | constants.X_OK);
        await readdir(dir);
      } catch (e) {
        throw new Error(`reports directory ${dir} is not readable (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
      }
    },
  };
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
