// SPEC §7 "a run killed at any point … is picked up again", and README §Outputs' `latest` rule, in the worker:
// an attempt killed after renaming its run into runs/ but before switching `latest` left the run published
// and `latest` at the older run. The retry found the run "already published by an earlier attempt", emailed
// and completed, and `latest` stayed at the older run until some later run published. The state such a kill
// leaves is made here by hand from real runs (latest put back, the run's `.owner`, a `.latest-*` link of an
// attempt killed between its two steps); the retry is a queued run with the same key, through a real worker
// and Redis.
import { randomUUID } from 'node:crypto';
import { lutimes, readdir, readlink, rename, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, expect, test } from 'vitest';
import type { RunResult } from '../../src/pipeline.js';
import { enqueueRun } from '../../src/queue/enqueueRun.js';
import type { RunData } from '../../src/queue/runQueue.js';
import { captureLogger, useHarness, type Harness } from '../helpers/queueHarness.js';

const harness = useHarness();
let h: Harness;
beforeEach(() => {
  h = harness();
});

test('a retry of a run published before its latest switch moves latest (and never back past a later run)', async () => {
  await h.writeJob('late', { retention: 5 });
  const tenantDir = join(h.reportsDir, 'late');
  const { log, lines } = captureLogger();
  const w = h.worker({}, log);
  await w.ready;
  const q = h.queue();
  const events = await h.events();
  try {
    const run = async (asOf: string) => {
      const r = await enqueueRun(q, h.jobsDir, 'late', { source: 'cli', asOf: new Date(asOf) });
      return { data: r.queued.data, result: (await r.queued.waitUntilFinished(events, 90_000)) as RunResult };
    };
    /** Another attempt of a run (the same key, so the same run: runKey), as BullMQ's retry of it is. */
    const retry = async (data: RunData) => {
      const again = await q.add('late', data, { jobId: randomUUID() });
      const result = (await again.waitUntilFinished(events, 90_000)) as RunResult;
      return { result, msgs: lines.filter((l) => l.run === again.id).map((l) => String(l.msg)) };
    };
    /** What an attempt killed after its rename into runs/ leaves: latest still at `at`, the run's owner file. */
    const killedBeforeSwitch = async (runId: string, at: string) => {
      const tmp = join(tenantDir, '.latest-test');
      await symlink(join('runs', at), tmp);
      await rename(tmp, join(tenantDir, 'latest'));
      await writeFile(join(tenantDir, 'runs', runId, '.owner'), '{}');
    };
    const latest = () => readlink(join(tenantDir, 'latest'));

    // A newer as-of: latest moves to it.
    await run('2026-03-01T00:00:00Z');
    const second = await run('2026-03-02T00:00:00Z');
    expect(second.result.tenants.map((t) => t.runId)).toEqual(['20260302T000000Z']);
    await killedBeforeSwitch('20260302T000000Z', '20260301T000000Z');
    // An attempt killed between making its new link and renaming it over latest, two minutes ago.
    const stray = join(tenantDir, '.latest-dead1234');
    await symlink('runs/20260302T000000Z', stray);
    const old = new Date(Date.now() - 120_000);
    await lutimes(stray, old, old);
    const resumed = await retry(second.data);
    expect(resumed.msgs).toContain('run already published by an earlier attempt; only what is left is done');
    expect(resumed.msgs).toContain('tenant late: latest switched to run 20260302T000000Z (its earlier attempt stopped before switching it)');
    expect(resumed.msgs).toContain('run completed');
    expect(resumed.result.timings).toEqual({});
    expect(await latest()).toBe('runs/20260302T000000Z');
    // What the publish's cleanup removes went too.
    expect(await readdir(join(tenantDir, 'runs', '20260302T000000Z'))).not.toContain('.owner');
    expect((await readdir(tenantDir)).filter((n) => n.startsWith('.latest-'))).toEqual([]);

    // A rerun at the same as-of is a correction: -2 takes latest from the first run of that as-of.
    const rerun = await run('2026-03-02T00:00:00Z');
    expect(rerun.result.tenants.map((t) => t.runId)).toEqual(['20260302T000000Z-2']);
    await killedBeforeSwitch('20260302T000000Z-2', '20260302T000000Z');
    const resumedRerun = await retry(rerun.data);
    expect(resumedRerun.msgs).toContain('tenant late: latest switched to run 20260302T000000Z-2 (its earlier attempt stopped before switching it)');
    expect(await latest()).toBe('runs/20260302T000000Z-2');

    // A retry of the older run after the correction published: latest stays at the later run, and says so.
    const late = await retry(second.data);
    expect(late.msgs).toContain('run already published by an earlier attempt; only what is left is done');
    expect(late.msgs).toContain('tenant late: run 20260302T000000Z is published beside the later run 20260302T000000Z-2, which latest keeps pointing at');
    expect(late.result.tenants).toMatchObject([{ runId: '20260302T000000Z', latestStays: '20260302T000000Z-2' }]);
    expect(await latest()).toBe('runs/20260302T000000Z-2');
    expect((await readdir(join(tenantDir, 'runs'))).sort()).toEqual(['20260301T000000Z', '20260302T000000Z', '20260302T000000Z-2']);
  } finally {
    await w.close(5_000);
    await events.close();
    await q.close();
  }
}, 240_000);
