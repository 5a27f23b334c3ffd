// Endpoint speed on loopback (not part of `npm test`): `npx tsx test/bench/serveBench.ts [--filtered <reportsDir> --tenant <id>]`.
// Starts `ltv serve` as a separate process (access log on, written to /dev/null) so the load generator
// does not share its event loop, then drives it with autocannon.
// Default: a Zenovay snapshot (target ≥ 10,000 req/s, p99 < 10 ms on 2 cores).
// --filtered: filtered Adapty requests over an already published run (target p95 < 300 ms); each
// request gets a different date range, so the per-run cache of computed bodies never answers it.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { addKey } from '../../src/serve/addKey.js';
import { publishFixtureRun } from '../helpers/fixtureRun.js';

const { values: args } = parseArgs({
  options: {
    filtered: { type: 'string' },
    tenant: { type: 'string', default: 'acme' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string' }, // default: 50 for the snapshot, 4 for filtered requests
  },
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

async function waitUp(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (r.ok) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('server did not come up');
}

const dir = mkdtempSync(join(tmpdir(), 'ltv-bench-'));
const reports = args.filtered ?? join(dir, 'reports');
const tenant = args.tenant as string;
if (!args.filtered) publishFixtureRun(reports, { tenant, runId: 'bench', marker: 1 });
const keysFile = join(dir, 'keys.json');
const key = await addKey(keysFile, { tenants: [tenant], requestsPerMinute: 1_000_000 });
const port = await freePort();
const bin = new URL('../../src/cli/bin.mjs', import.meta.url).pathname;
const child = spawn(process.execPath, [bin, 'serve', '--reports', reports, '--keys', keysFile, '--port', String(port), '--host', '127.0.0.1'], {
  stdio: ['ignore', 'ignore', 'inherit'],
});
try {
  await waitUp(port);
  const common = { url: `http://127.0.0.1:${port}`, connections: Number(args.connections ?? (args.filtered ? 4 : 50)), duration: Number(args.duration) };
  let result: autocannon.Result;
  const times: number[] = [];
  if (!args.filtered) {
    const path = `/api/external/v1/revenue/${tenant}/ltv?range=90d&granularity=monthly`;
    const url = common.url + path;
    await autocannon({ ...common, url, duration: 2, headers: { 'x-api-key': key } }); // warm-up
    result = await autocannon({ ...common, url, headers: { 'x-api-key': key } });
  } else {
    const countries = ['US', 'DE', 'GB', 'FR', 'JP', 'BR', 'IN', 'CA', 'AU', 'ES', 'IT', 'NL'];
    const units = ['day', 'week', 'month', 'quarter', 'year'];
    // Warm-up: the first filtered request opens the run (loads its Parquet files, ~1 s at 1 M rows);
    // what is measured is a server that has served the run before.
    const warm = await fetch(`${common.url}/api/v1/client-api/metrics/ltv/`, {
      method: 'POST',
      headers: { authorization: `Api-Key ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ filters: { date: ['2020-01-01', '2040-01-01'], country: ['US'] } }),
    });
    if (!warm.ok) throw new Error(`warm-up request: HTTP ${warm.status}`);
    let n = 0;
    let done!: (r: autocannon.Result) => void;
    const finished = new Promise<autocannon.Result>((resolve) => (done = resolve));
    const instance = autocannon({
      ...common,
      requests: [
        {
          method: 'POST',
          path: '/api/v1/client-api/metrics/ltv/',
          headers: { authorization: `Api-Key ${key}`, 'content-type': 'application/json' },
          setupRequest: (req) => {
            n++;
            const c = countries.slice(n % countries.length, (n % countries.length) + 1 + (n % 3));
            const body = {
              // A date range end of its own per request: no two requests are the same, so every one is
              // computed (none is answered from the per-run cache of computed bodies).
              filters: { date: ['2020-01-01', new Date(Date.UTC(2030, 0, 1) + n * 86_400_000).toISOString().slice(0, 10)], country: c },
              period_type: n % 2 ? 'days' : 'renewals',
              period_unit: units[n % units.length],
            };
            return { ...req, body: JSON.stringify(body) };
          },
        },
      ],
    }, (err, r) => {
      if (err) throw err;
      done(r);
    });
    // autocannon's summary has no p95: every response time is kept, and the percentiles read off them.
    instance.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => times.push(ms));
    result = await finished;
  }
  const l = result.latency;
  process.stdout.write(
    `${args.filtered ? 'filtered Adapty' : 'Zenovay snapshot'}: ${result.requests.average.toFixed(0)} req/s, ` +
      `p50 ${l.p50} ms, p90 ${l.p90} ms, p97.5 ${l.p97_5} ms, p99 ${l.p99} ms, max ${l.max} ms; ` +
      `${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts\n`,
  );
  if (times.length) {
    times.sort((a, b) => a - b);
    const at = (p: number): string => times[Math.min(times.length - 1, Math.ceil((p / 100) * times.length) - 1)]!.toFixed(0);
    process.stdout.write(`  ${times.length} responses: p50 ${at(50)} ms, p95 ${at(95)} ms, p99 ${at(99)} ms\n`);
  }
} finally {
  child.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
