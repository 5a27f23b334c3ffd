// `npm run bench -- --rows N --shards S --workers W`: the same job run once in one process and once as a
// sharded run (SPEC §12) over W `ltv worker` processes on this machine (real Redis, a prefix of its own),
// with where the sharded run's time goes: split (read, check, dedup, write the parts), shards (from the
// split's end to the last shard's), merge (sum, render, publish), read from the workers' own log lines.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queue, QueueEvents } from 'bullmq';

const BIN = new URL('../../src/cli/bin.mjs', import.meta.url).pathname;

interface Line { msg?: string; time?: number; ms?: number; shard?: number; pid?: number; stage?: string }

export async function shardedRun(o: { csvPath: string; ratesPath: string; dir: string; asOf: string; shards: number; workers: number; memoryLimit?: string }): Promise<{
  ms: number; splitMs: number; shardsMs: number; mergeMs: number; shardMs: number[]; shardWorkers: number; stages: Record<string, number>;
}> {
  const prefix = `ltvbench-${randomUUID().slice(0, 8)}`;
  const jobsDir = join(o.dir, 'shard-jobs');
  const reportsDir = join(o.dir, 'shard-reports');
  rmSync(reportsDir, { recursive: true, force: true });
  mkdirSync(jobsDir, { recursive: true });
  writeFileSync(join(jobsDir, 'bench.json'), JSON.stringify({
    inputs: [{ path: o.csvPath }], rates: o.ratesPath, tenant: 'bench', max_bad_row_share: 0.05, forecast: { model: 'off' },
    shards: o.shards, ...(o.memoryLimit ? { duckdb: { memory_limit: o.memoryLimit } } : {}),
  }));
  const env = { ...process.env, REDIS_URL: 'redis://127.0.0.1:6379', LTV_QUEUE_PREFIX: prefix, LTV_JOBS_DIR: jobsDir, LTV_REPORTS_DIR: reportsDir, LTV_CONCURRENCY: '1', LOG_LEVEL: 'info' };
  const lines: Line[] = [];
  const procs: ChildProcess[] = [];
  const ready: Promise<void>[] = [];
  for (let i = 0; i < o.workers; i++) {
    const p = spawn(process.execPath, [BIN, 'worker'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    procs.push(p);
    let buf = '';
    ready.push(new Promise((resolve) => {
      p.stdout!.on('data', (d: Buffer) => {
        buf += d.toString();
        for (let k; (k = buf.indexOf('\n')) >= 0; buf = buf.slice(k + 1)) {
          try {
            const l = JSON.parse(buf.slice(0, k)) as Line;
            lines.push(l);
            if (l.msg === 'worker connected to redis, taking runs') resolve();
          } catch { /* not a log line */ }
        }
      });
    }));
  }
  const connection = { host: '127.0.0.1', port: 6379 };
  const queue = new Queue('runs', { connection, prefix });
  const events = new QueueEvents('runs', { connection, prefix });
  try {
    await Promise.all([...ready, events.waitUntilReady()]);
    const started = Date.now();
    const job = await queue.add('bench', { file: 'bench.json', asOf: o.asOf, source: 'cli' }, { attempts: 1 });
    await job.waitUntilFinished(events);
    const ended = Date.now();
    const at = (msg: string) => lines.filter((l) => l.msg === msg);
    const splitAt = at('split done; waiting for the shards')[0]!.time!;
    const shardLines = at('shard done');
    const lastShard = Math.max(...shardLines.map((l) => l.time!));
    const stages = Object.fromEntries(lines.filter((l) => l.stage && l.ms !== undefined && /done$/.test(l.msg ?? '')).map((l) => [l.stage!, l.ms!]));
    return {
      ms: ended - started, splitMs: splitAt - started, shardsMs: lastShard - splitAt, mergeMs: ended - lastShard,
      shardMs: shardLines.sort((a, b) => a.shard! - b.shard!).map((l) => l.ms!), shardWorkers: new Set(shardLines.map((l) => l.pid)).size, stages,
    };
  } finally {
    for (const p of procs) p.kill('SIGTERM');
    await Promise.all(procs.map((p) => new Promise((r) => (p.exitCode !== null ? r(null) : p.once('exit', r)))));
    const shards = new Queue('run-shards', { connection, prefix });
    for (const q of [queue, shards]) await q.obliterate({ force: true }).catch(() => {});
    await Promise.all([queue.close(), shards.close(), events.close()]);
    rmSync(reportsDir, { recursive: true, force: true });
  }
}
