// Real Redis, real processes: each test gets its own BullMQ prefix and temp folder, and everything it opens
// (in-process workers, queues, child workers, private redis-servers) is tracked so that afterEach can
// close it and fail the test that leaked it (STYLE habit 10).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QueueEvents } from 'bullmq';
import { afterEach, beforeEach, expect } from 'vitest';
import { Redis } from 'ioredis';
import { pino, type Logger } from 'pino';
import { loadEnv, type Env } from '../../src/config/env.js';
import type { JobInput } from '../../src/config/jobSchema.js';
import { RUN_QUEUE } from '../../src/queue/runQueue.js';
import { openRunQueue, type RunQueue } from '../../src/queue/runQueue.js';
import { startWorker, type WorkerRuntime } from '../../src/queue/startWorker.js';

export const ROOT = new URL('../..', import.meta.url).pathname;
export const BIN = join(ROOT, 'src/cli/bin.mjs');

export const logger: Logger = pino({ level: process.env.LTV_TEST_LOG ?? 'silent' });

/** A logger whose lines the test can read back. */
export function captureLogger(): { log: Logger; lines: Record<string, unknown>[]; raw: string[] } {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const log = pino({ level: 'info' }, {
    write: (l: string) => {
      raw.push(l);
      lines.push(JSON.parse(l) as Record<string, unknown>);
    },
  });
  return { log, lines, raw };
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `ms`. */
/** `what` may be a function: then it is made when the wait times out (a child's output as it is then). */
export async function waitFor<T>(what: string | (() => string), check: () => Promise<T | undefined | false> | T | undefined | false, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${typeof what === 'function' ? what() : what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface ChildWorker {
  proc: ChildProcess;
  /** Parsed JSON log lines so far. */
  logs: Record<string, unknown>[];
  waitForLog(what: string, match: (l: Record<string, unknown>) => boolean, ms?: number): Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface Harness {
  prefix: string;
  dir: string;
  jobsDir: string;
  reportsDir: string;
  /** Environment variables of this test (strings, as a child process gets them). */
  vars: Record<string, string>;
  env: Env;
  /** A job file in jobsDir with one CSV input; returns its path. */
  writeJob(name: string, job: Partial<JobInput>, csv?: string | null): Promise<string>;
  worker(vars?: Record<string, string>, log?: Logger): WorkerRuntime;
  queue(vars?: Record<string, string>): RunQueue;
  events(): Promise<QueueEvents>;
  childWorker(vars?: Record<string, string>): ChildWorker;
  /** Runs `ltv …` to the end. */
  /** `started` gets the process (to signal it). */
  cli(args: string[], vars?: Record<string, string>, started?: (p: ChildProcess) => void): Promise<{ code: number | null; stdout: string; stderr: string }>;
  redis(): Redis;
  close(): Promise<string[]>;
}

export const CSV = 'customer_id,event_time,amount,transaction_id\nc1,2026-01-05T10:00:00Z,9.99,t1\nc2,2026-01-06T10:00:00Z,19.99,t2\nc1,2026-02-05T10:00:00Z,9.99,t3\n';

/** A canonical export of `rows` payments, big enough that a real run lasts long enough to interrupt. */
export function bigCsv(rows: number): string {
  const lines = ['customer_id,event_time,amount,transaction_id'];
  const start = Date.UTC(2025, 0, 1);
  for (let i = 0; i < rows; i++) {
    lines.push(`c${i % 20_000},${new Date(start + (i % 400) * 86_400_000 + i).toISOString()},${(i % 50) + 0.99},t${i}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Test timings: short locks and stall checks so crash recovery takes seconds, not minutes. */
export const FAST = {
  LTV_LOCK_DURATION_MS: '15000',
  LTV_STALLED_INTERVAL_MS: '500',
  LTV_LOCK_RETRY_MS: '100',
  LTV_BACKOFF_MS: '200',
  LTV_SHUTDOWN_GRACE_MS: '3000',
  LTV_SCHEDULE_RESCAN_MS: '60000',
  LTV_CONNECT_TIMEOUT_MS: '2000',
};

/**
 * The Redis the harness's workers, queues and clients use: LTV_TEST_REDIS_PORT when set (a developer's own
 * server beside a shared one, or one per checkout running tests at once), else the default port. Each test
 * still has its own key prefix.
 */
export const TEST_REDIS_PORT = Number(process.env.LTV_TEST_REDIS_PORT ?? 6379);

export async function createHarness(vars: Record<string, string> = {}): Promise<Harness> {
  const prefix = `ltvtest-${randomUUID().slice(0, 8)}`;
  const dir = await mkdtemp(join(tmpdir(), 'ltv-worker-'));
  const jobsDir = join(dir, 'jobs');
  const reportsDir = join(dir, 'reports');
  await mkdir(jobsDir);
  const base = { REDIS_URL: `redis://127.0.0.1:${TEST_REDIS_PORT}`, LTV_QUEUE_PREFIX: prefix, LTV_JOBS_DIR: jobsDir, LTV_REPORTS_DIR: reportsDir, LOG_LEVEL: 'info', ...FAST, ...vars };
  const runtimes: WorkerRuntime[] = [];
  const queues: RunQueue[] = [];
  const allEvents: QueueEvents[] = [];
  const children: ChildWorker[] = [];
  const clients: Redis[] = [];
  const envOf = (extra: Record<string, string> = {}) => loadEnv({ ...base, ...extra });

  const h: Harness = {
    prefix,
    dir,
    jobsDir,
    reportsDir,
    vars: base,
    env: envOf(),
    async writeJob(name, job, csv = CSV) {
      if (csv !== null) await writeFile(join(dir, `${name}.csv`), csv);
      const file = join(jobsDir, `${name}.json`);
      await writeFile(file, JSON.stringify({ tenant: name, inputs: [{ path: `../${name}.csv` }], formats: ['json'], ...job }, null, 2));
      return file;
    },
    worker(extra, log = logger) {
      const w = startWorker(envOf(extra), jobsDir, log);
      runtimes.push(w);
      return w;
    },
    queue(extra) {
      const q = openRunQueue(envOf(extra), 'producer', logger);
      queues.push(q);
      return q;
    },
    async events() {
      const e = new QueueEvents(RUN_QUEUE, { connection: { host: '127.0.0.1', port: TEST_REDIS_PORT }, prefix });
      allEvents.push(e);
      await e.waitUntilReady();
      return e;
    },
    childWorker(extra = {}) {
      const proc = spawn(process.execPath, [BIN, 'worker'], { env: { ...process.env, ...base, ...extra }, stdio: ['ignore', 'pipe', 'pipe'] });
      const logs: Record<string, unknown>[] = [];
      let buf = '';
      proc.stdout!.on('data', (d: Buffer) => {
        buf += d.toString();
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          try {
            logs.push(JSON.parse(line) as Record<string, unknown>);
          } catch {
            logs.push({ msg: line });
          }
        }
      });
      let stderr = '';
      proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => proc.once('exit', (code, signal) => r({ code, signal })));
      const child: ChildWorker = {
        proc,
        logs,
        exited,
        // On a timeout the message shows what the child had written by then: its last log lines and stderr.
        waitForLog: (what, match, ms) =>
          waitFor(() => `worker log: ${what} (pid ${proc.pid}, exit ${proc.exitCode ?? proc.signalCode ?? 'none yet'}; last log lines: ${logs.slice(-8).map((l) => JSON.stringify(l)).join(' | ').slice(-2_000)}; stderr: ${stderr.slice(-500)})`, () => logs.find(match), ms),
      };
      children.push(child);
      return child;
    },
    cli(args, extra = {}, started) {
      return new Promise((resolve) => {
        const p = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...base, ...extra }, stdio: ['ignore', 'pipe', 'pipe'] });
        started?.(p);
        let stdout = '';
        let stderr = '';
        p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        p.once('exit', (code) => resolve({ code, stdout, stderr }));
      });
    },
    redis() {
      const r = new Redis({ host: '127.0.0.1', port: TEST_REDIS_PORT, lazyConnect: false });
      clients.push(r);
      return r;
    },
    /** Closes everything and returns what the test itself had left open. */
    async close() {
      const leaks: string[] = [];
      for (const w of runtimes) {
        if (!w.worker.closing) leaks.push('an in-process worker');
        await w.close(1_000);
      }
      for (const q of queues) if (!q.closing) (leaks.push('a queue'), await q.close());
      for (const e of allEvents) if (!e.closing) (leaks.push('a QueueEvents'), await e.close());
      for (const c of children) {
        if (c.proc.exitCode === null && c.proc.signalCode === null) {
          leaks.push(`child worker ${c.proc.pid}`);
          c.proc.kill('SIGKILL');
          await c.exited;
        }
      }
      const admin = new Redis({ host: '127.0.0.1', port: TEST_REDIS_PORT });
      try {
        // Connections still named after this test's prefix were not closed by whoever opened them.
        const open = (await admin.client('LIST')) as string;
        const mine = open.split('\n').filter((l) => l.includes(`name=${prefix}`));
        if (mine.length) leaks.push(`${mine.length} redis connection(s): ${mine.map((l) => /name=(\S+)/.exec(l)?.[1]).join(', ')}`);
        let cursor = '0';
        do {
          const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
          cursor = next;
          if (keys.length) await admin.del(...keys);
        } while (cursor !== '0');
      } finally {
        for (const c of clients) c.disconnect();
        admin.disconnect();
      }
      await rm(dir, { recursive: true, force: true });
      return leaks;
    },
  };
  return h;
}

export interface PrivateRedis {
  port: number;
  url: string;
  /** `args`: more redis-server options for this start only (e.g. `['--requirepass', 'x']`). */
  start(args?: string[]): Promise<void>;
  /** Ends the server (a SIGSTOPped one is continued first, so that it can end). */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** SIGSTOP: the server is frozen, its connections stay open and accept bytes, nothing is answered. */
  freeze(): void;
  /** SIGCONT: the server reads and runs whatever it was sent while frozen. */
  thaw(): void;
}

/**
 * A private redis-server that a test may stop, freeze and start again; data survives through its append-only file,
 * or, with `persist: false` (no append-only file, no snapshots), every start is empty.
 */
export async function privateRedis(
  dir: string,
  { persist = true }: { persist?: boolean } = {},
): Promise<PrivateRedis> {
  const port = await freePort();
  const data = join(dir, `redis-${port}`);
  await mkdir(data, { recursive: true });
  let proc: ChildProcess | null = null;
  const ping = async (password?: string) => {
    const r = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, ...(password ? { password } : {}) });
    r.on('error', () => {});
    try {
      await r.connect();
      return (await r.ping()) === 'PONG';
    } catch {
      return false;
    } finally {
      r.disconnect();
    }
  };
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async start(args = []) {
      const durability = persist ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
      proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', data, ...durability, '--save', '', ...args], { stdio: 'ignore' });
      // A server started with --requirepass is asked with that password.
      const auth = args.indexOf('--requirepass');
      await waitFor('redis-server to answer', () => ping(auth >= 0 ? args[auth + 1] : undefined), 5_000);
    },
    async stop(signal = 'SIGTERM') {
      if (!proc) return;
      const p = proc;
      proc = null;
      const exited = new Promise((r) => p.once('exit', r));
      p.kill('SIGCONT');
      p.kill(signal); // redis-server shuts down cleanly on SIGTERM, flushing the append-only file
      await exited;
    },
    freeze() {
      proc?.kill('SIGSTOP');
    },
    thaw() {
      proc?.kill('SIGCONT');
    },
  };
}

/** useHarness with a private redis-server of its own (privateRedis), started before each test and stopped after it. */
export function useHarnessAndRedis(opts: { persist?: boolean } = {}): () => { h: Harness; redis: PrivateRedis } {
  let h: Harness | undefined;
  let redis: PrivateRedis | undefined;
  beforeEach(async () => {
    h = await createHarness();
    redis = await privateRedis(h.dir, opts);
    await redis.start();
  });
  afterEach(async () => {
    const leaks = await h!.close();
    await redis!.stop();
    expect(leaks, 'the test left these open').toEqual([]);
  });
  return () => ({ h: h!, redis: redis! });
}

/** A fresh harness per test; afterEach fails the test that left a worker, queue, process or connection open. */
export function useHarness(): () => Harness {
  let h: Harness | undefined;
  beforeEach(async () => {
    h = await createHarness();
  });
  afterEach(async () => {
    const leaks = await h!.close();
    expect(leaks, 'the test left these open').toEqual([]);
  });
  return () => h!;
}
