// Redis refusing REDIS_URL's login, and a Redis that comes back after an outage, as the operator meets them:
// `ltv enqueue` and `ltv worker` processes, and an in-process worker's heartbeat file. Also the other settings
// a worker refuses at start, and the signals it stops on.
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { httpRequest } from '../helpers/httpRequest.js';
import { captureLogger, createHarness, privateRedis, waitFor, type Harness } from '../helpers/queueHarness.js';

let h: Harness;
beforeEach(async () => {
  h = await createHarness();
});
afterEach(async () => {
  const leaks = await h.close();
  expect(leaks, 'the test left these open').toEqual([]);
});

test('a login Redis refuses: ltv enqueue and ltv worker say so in one line naming REDIS_URL and exit 1 at once, not "is it running?"', async () => {
  await h.writeJob('login', {});
  // A user this Redis does not know: it answers WRONGPASS to every connection, as to a wrong password.
  const vars = { REDIS_URL: 'redis://no-such-user:wrong@127.0.0.1:6379', LTV_CONNECT_TIMEOUT_MS: '90000' };
  const t0 = Date.now();
  const [enq, worker] = await Promise.all([h.cli(['enqueue', 'login'], vars), h.cli(['worker'], vars)]);
  const line = /^ltv: Redis at redis:\/\/127\.0\.0\.1:6379 refused the login \(WRONGPASS invalid username-password pair or user is disabled\): put the right user and password in REDIS_URL \(redis:\/\/user:password@host:port; a password alone: redis:\/\/:password@host:port\)\n$/;
  expect(enq.code).toBe(1);
  expect(enq.stderr).toMatch(line);
  expect(enq.stdout).toBe('');
  expect(worker.code).toBe(1);
  expect(worker.stderr).toMatch(line);
  // At once: not after LTV_CONNECT_TIMEOUT_MS (90 s), nor never (the worker waited for ever, logging stacks).
  // The bound leaves room for two processes starting on a loaded 2-core machine (15.6 s once, beside a
  // forecast benchmark), and still cannot be met by waiting for the timeout.
  expect(Date.now() - t0).toBeLessThan(45_000);
  // The password is never printed.
  expect(enq.stderr + worker.stderr + worker.stdout).not.toContain('wrong@');
  // Nothing after "worker stopped": a "redis unreachable, reconnecting" warning came after it, for a refused
  // login, which is no outage.
  const logged = worker.stdout.trim().split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { msg: string }).msg);
  expect(logged.at(-1)).toBe('worker stopped');
}, 60_000);

test('a database REDIS_URL names that Redis refuses: ltv enqueue, ltv worker and ltv serve say so in one line naming REDIS_URL, exit 1, and touch database 0 not at all', async () => {
  // Databases 0–3 only: /4 is refused by SELECT ("ERR DB index is out of range"), as /16 is by a default Redis.
  const redis = await privateRedis(h.dir, { persist: false });
  await redis.start(['--databases', '4']);
  const admin = new Redis({ host: '127.0.0.1', port: redis.port, lazyConnect: true });
  try {
    await h.writeJob('db', {});
    // A run waiting in database 0: a worker that fell back to database 0 (it did) took and published it.
    const queued = await h.cli(['enqueue', 'db'], { REDIS_URL: redis.url });
    expect(queued.code).toBe(0);
    const id = queued.stdout.trim();
    await admin.connect();
    const keysBefore = (await admin.keys('*')).sort();
    const vars = { REDIS_URL: `${redis.url}/4`, LTV_ADMIN_KEY_SHA256: 'a'.repeat(64) };
    const line = `ltv: REDIS_URL: database 4 does not exist on Redis at ${redis.url}/4 (ERR DB index is out of range): use one it has, 0 to its \`databases\` setting less one (0–15 by default), or none for 0\n`;
    const keys = join(h.dir, 'keys.json');
    await writeFile(keys, '{"keys":[]}');
    await mkdir(h.reportsDir, { recursive: true });
    const [enq, worker, serve] = await Promise.all([
      h.cli(['enqueue', 'db'], vars),
      h.cli(['worker'], vars),
      h.cli(['serve', '--reports', h.reportsDir, '--keys', keys, '--port', '0'], vars),
    ]);
    expect([enq.code, enq.stderr, enq.stdout]).toEqual([1, line, '']);
    expect([worker.code, worker.stderr]).toEqual([1, line]);
    // No stack, no "worker error" (it logged two, then took runs).
    expect(worker.stdout).not.toMatch(/worker error|ReplyError|taking runs/);
    expect([serve.code, serve.stderr]).toEqual([1, line]);
    // Database 0 as it was: the run still waits there, nothing was added, nothing published.
    expect((await admin.keys('*')).sort()).toEqual(keysBefore);
    expect(await admin.lrange(`${h.prefix}:runs:wait`, 0, -1)).toEqual([id]);
    expect(await readdir(h.reportsDir)).toEqual([]);
  } finally {
    admin.disconnect();
    await redis.stop();
  }
}, 60_000);

test('after a Redis restart the worker says it answers again and touches its heartbeat file again', async () => {
  const redis = await privateRedis(h.dir, { persist: false });
  await redis.start();
  const heartbeat = join(h.dir, 'heartbeat');
  const { log, lines } = captureLogger();
  const w = h.worker({ REDIS_URL: redis.url, LTV_HEARTBEAT_FILE: heartbeat }, log);
  try {
    await w.ready;
    const first = await waitFor('a first heartbeat', () => readFile(heartbeat, 'utf8').catch(() => undefined), 8_000);
    // Each beat replaces the file whole (a new inode renamed over it): a probe reading it never sees the empty
    // file that an in-place rewrite leaves between its truncation and its write (a CI run read '' here once).
    const { ino } = await stat(heartbeat);
    const next = await waitFor('the next heartbeat', async () => {
      const t = await readFile(heartbeat, 'utf8').catch(() => undefined);
      return t !== undefined && t !== first ? t : undefined;
    }, 8_000);
    expect(Date.parse(next)).toBeGreaterThan(Date.parse(first));
    expect((await stat(heartbeat)).ino).not.toBe(ino);
    await redis.stop();
    await waitFor('the outage noticed', () => lines.some((l) => l.msg === 'lost the connection to redis; runs in progress continue, reconnecting'), 5_000);
    await redis.start();
    await waitFor('the reconnection logged', () => lines.some((l) => l.msg === 'redis answers again, taking runs'), 8_000);
    // Removed after the reconnection: only a beat from now on brings it back (one every 5 s).
    await rm(heartbeat);
    const beat = await waitFor('a heartbeat after the outage', () => readFile(heartbeat, 'utf8').catch(() => undefined), 7_000);
    expect(Date.parse(beat)).toBeGreaterThan(Date.now() - 7_000);
  } finally {
    await w.close(1_000);
    await redis.stop();
  }
}, 40_000);

test('Redis frozen (connected, answering nothing): the heartbeat file is not written, the log says so once, and beats resume after', async () => {
  const redis = await privateRedis(h.dir, { persist: false });
  await redis.start();
  const heartbeat = join(h.dir, 'heartbeat');
  const { log, lines } = captureLogger();
  const w = h.worker({ REDIS_URL: redis.url, LTV_HEARTBEAT_FILE: heartbeat }, log);
  try {
    await w.ready;
    await waitFor('a first heartbeat', () => readFile(heartbeat, 'utf8').catch(() => undefined), 8_000);
    redis.freeze();
    await waitFor('the unanswered ping logged', () => lines.some((l) => l.msg === 'redis answers no ping within 1000 ms: LTV_HEARTBEAT_FILE is not written until it does'), 8_000);
    // From the first unanswered beat on, nothing is written: the next beat's time (5 s) leaves the file as it was.
    const frozenAt = await readFile(heartbeat, 'utf8');
    await new Promise((r) => setTimeout(r, 6_000));
    expect(await readFile(heartbeat, 'utf8')).toBe(frozenAt);
    expect(lines.filter((l) => l.msg === 'redis answers no ping within 1000 ms: LTV_HEARTBEAT_FILE is not written until it does')).toHaveLength(1);
    redis.thaw();
    await waitFor('the heartbeat written again', async () => {
      const t = await readFile(heartbeat, 'utf8').catch(() => undefined);
      return t !== undefined && t !== frozenAt ? t : undefined;
    }, 8_000);
    expect(lines.some((l) => l.msg === 'redis answers again: LTV_HEARTBEAT_FILE is written again')).toBe(true);
  } finally {
    redis.thaw();
    await w.close(1_000);
    await redis.stop();
  }
}, 60_000);

test('an LTV_HEARTBEAT_FILE that cannot be written: ltv worker refuses it at start in one line; a running worker says so once, and once when it works again', async () => {
  // Before, the worker started and never wrote it, without a word: a liveness probe would restart it in a loop.
  const missing = join(h.dir, 'no-such-folder', 'hb');
  const r = await h.cli(['worker'], { LTV_HEARTBEAT_FILE: missing });
  expect([r.code, r.stderr, r.stdout]).toEqual([1, `ltv: LTV_HEARTBEAT_FILE: cannot write ${missing} (ENOENT): give a file in a folder this worker may write to, or unset LTV_HEARTBEAT_FILE\n`, '']);

  const folder = join(h.dir, 'beats');
  await mkdir(folder);
  const file = join(folder, 'hb');
  const { log, lines } = captureLogger();
  const w = h.worker({ LTV_HEARTBEAT_FILE: file }, log);
  try {
    await w.ready;
    // The folder goes away under the running worker (an unmounted volume): the next beat (every 5 s) fails.
    await rm(folder, { recursive: true });
    const warned = await waitFor('the failed beat logged', () => lines.find((l) => l.msg === `LTV_HEARTBEAT_FILE: cannot write ${file} (ENOENT); a liveness probe on it will fail until it can be written`), 8_000);
    expect(warned).toMatchObject({ level: 40, file, code: 'ENOENT' });
    await mkdir(folder);
    await waitFor('the file written again', () => lines.some((l) => l.msg === 'LTV_HEARTBEAT_FILE is written again'), 8_000);
    expect(Date.parse(await readFile(file, 'utf8'))).toBeGreaterThan(Date.now() - 7_000);
    expect(lines.filter((l) => String(l.msg).startsWith('LTV_HEARTBEAT_FILE'))).toHaveLength(2);
  } finally {
    await w.close(1_000);
  }
}, 40_000);

test('a running worker whose Redis starts refusing its login says so on /readyz, and is ready again once the password is back', async () => {
  const redis = await privateRedis(h.dir, { persist: false });
  await redis.start();
  // A job the stale-report check looks at every 200 ms: its Redis lock is refused too.
  await h.writeJob('watched', { alert_after: '1h', email: { to: ['a@example.com'], ops: ['ops@example.com'] } });
  const { log, lines } = captureLogger();
  const w = h.worker({ REDIS_URL: redis.url, LTV_METRICS_PORT: '0', LTV_METRICS_HOST: '127.0.0.1', LTV_READY_TIMEOUT_MS: '300', LTV_ALERT_CHECK_MS: '200' }, log);
  const admin = new Redis({ host: '127.0.0.1', port: redis.port, lazyConnect: true });
  try {
    await w.ready;
    const port = (await w.ops.address)!.port;
    const readyz = async () => {
      const r = await httpRequest(port, '/readyz');
      return { status: r.status, redis: (r.json() as { checks: Record<string, string> }).checks.redis };
    };
    // (No job has published yet, so the reports check keeps the status 503: the redis check is the one to read.)
    expect((await readyz()).redis).toBe('ok');
    // The operator sets a password on Redis; every connection the worker makes again is refused.
    await admin.connect();
    await admin.config('SET', 'requirepass', 'rotated');
    await admin.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
    const refused = await waitFor('readyz naming the refusal', async () => {
      const r = await readyz();
      return r.redis?.includes('refused') ? r : undefined;
    }, 10_000);
    expect(refused.redis).toBe(`Redis at ${redis.url} refused the login (NOAUTH: it requires a password): put the right user and password in REDIS_URL (redis://user:password@host:port; a password alone: redis://:password@host:port)`);
    // Several checks meanwhile: the stale-report check says it waits for Redis once, with no stack (it logged
    // an error with the whole NOAUTH stack at every check).
    // (Waited for, not assumed within a fixed time: the check's first turn may come later on a busy machine.)
    await waitFor('the stale-report check saying it waits', () => lines.some((l) => l.msg === 'stale-report checks wait for Redis; tried again at each check'), 10_000);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(lines.filter((l) => /^stale-report check/.test(String(l.msg)) && l.level === 50)).toEqual([]);
    expect(lines.filter((l) => l.msg === 'stale-report checks wait for Redis; tried again at each check')).toHaveLength(1);
    await admin.config('SET', 'requirepass', '');
    await waitFor('the worker taking runs again', () => lines.some((l) => l.msg === 'redis answers again, taking runs'), 20_000);
    // Ready once the login is accepted: the refusal was remembered ten seconds more, and /readyz said 503.
    await waitFor('redis ready again', async () => ((await readyz()).redis === 'ok' ? true : undefined), 2_000);
    await waitFor('the checks resuming', () => lines.some((l) => l.msg === 'stale-report checks resume: Redis answers'), 10_000);
  } finally {
    admin.disconnect();
    await w.close(1_000);
    await redis.stop();
  }
}, 40_000);

test('a running worker whose Redis restarts requiring a password logs the refused login once, then that it answers again', async () => {
  const redis = await privateRedis(h.dir, { persist: false });
  await redis.start();
  const { log, lines } = captureLogger();
  const w = h.worker({ REDIS_URL: redis.url }, log);
  const refusal = `Redis at ${redis.url} refused the login (NOAUTH: it requires a password): put the right user and password in REDIS_URL (redis://user:password@host:port; a password alone: redis://:password@host:port)`;
  try {
    await w.ready;
    await redis.stop();
    await waitFor('the outage noticed', () => lines.some((l) => l.msg === 'lost the connection to redis; runs in progress continue, reconnecting'), 5_000);
    await redis.start(['--requirepass', 's3cret']);
    // Before, only "redis unreachable, reconnecting" lines: the refusal came after the lost connection and was dropped.
    await waitFor('the refusal logged', () => lines.some((l) => l.msg === refusal), 10_000);
    // Several reconnection attempts later, still one line for this outage.
    await new Promise((r) => setTimeout(r, 3_000));
    expect(lines.filter((l) => l.msg === refusal)).toEqual([expect.objectContaining({ level: 50, redis: redis.url })]);
    expect(lines.filter((l) => 'stack' in l || 'err' in l)).toEqual([]);
    await redis.stop();
    await redis.start();
    await waitFor('the worker taking runs again', () => lines.some((l) => l.msg === 'redis answers again, taking runs'), 10_000);
  } finally {
    await w.close(1_000);
    await redis.stop();
  }
}, 40_000);

test('SIGHUP (the shell that started it closed) stops the worker as SIGTERM does: exit 0, "worker stopped"', async () => {
  const child = h.childWorker();
  await child.waitForLog('connected', (l) => l.msg === 'worker connected to redis, taking runs', 20_000);
  child.proc.kill('SIGHUP');
  // Node's default for SIGHUP ended the process on the spot (signal SIGHUP, no exit code), mid-run if one was going.
  expect(await child.exited).toEqual({ code: 0, signal: null });
  expect(child.logs.find((l) => l.msg === 'signal received')).toMatchObject({ signal: 'SIGHUP' });
  expect(child.logs.map((l) => l.msg)).toContain('worker stopped');
}, 30_000);

// An email setting the worker would otherwise meet only when a run emails (after publishing), run after run.
test('a bad SMTP_URL or LTV_EMAIL_DEADLINE stops ltv worker at start: one line naming each variable, exit 1', async () => {
  const started = Date.now();
  const r = await Promise.race([
    h.cli(['worker'], { SMTP_URL: 'smtp.example.com:587', LTV_EMAIL_DEADLINE: 'ten minutes' }),
    // Before, the worker started and took runs: it would still be running here.
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('ltv worker did not refuse its settings')), 20_000)),
  ]);
  expect(r.code).toBe(1);
  expect(r.stderr).toBe('ltv: environment: SMTP_URL: an smtp:// or smtps:// URL, e.g. smtps://user:pass@smtp.example.com:465; environment: LTV_EMAIL_DEADLINE: "ten minutes" is not a duration (e.g. "90s", "15m", "6h" or milliseconds)\n');
  expect(r.stdout).toBe('');
  expect(Date.now() - started).toBeLessThan(20_000);
}, 30_000);
