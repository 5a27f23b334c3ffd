// The worker's schedulers fire a spring-forward day (README, job field `schedule`): both places where BullMQ
// computes a scheduler's next firing use ltv's rule (src/queue/scheduleFirings.ts), read back from the real
// Redis. America/Santiago springs forward at midnight on 2027-09-05 (00:00 -04 → 01:00 -03): a midnight
// schedule fires that day at 01:00 -03 = 04:00Z; BullMQ's own strategy (cron-parser) skipped to the 6th.
import { beforeEach, expect, test } from 'vitest';
import { useHarness, waitFor, type Harness } from '../helpers/queueHarness.js';

const harness = useHarness();
let h: Harness;
beforeEach(() => {
  h = harness();
});

const SANTIAGO = { pattern: '0 0 * * *', tz: 'America/Santiago' };

test('a scheduler upserted through the run queue fires on the spring-forward day', async () => {
  const q = h.queue();
  // From noon on the 4th: the 5th's midnight does not exist; 01:00 -03 is 2027-09-05T04:00Z.
  await q.upsertJobScheduler('santiago', { ...SANTIAGO, startDate: '2027-09-04T12:00:00Z' }, { name: 'santiago', data: { file: 'santiago.json', source: 'schedule' } });
  expect((await q.getJobScheduler('santiago'))?.next).toBe(Date.parse('2027-09-05T04:00:00Z'));
  await q.close();
});

test('the worker, taking a firing, adds the next one on the spring-forward day', async () => {
  await h.writeJob('santiago', { schedule: { cron: SANTIAGO.pattern, timezone: SANTIAGO.tz } });
  const w = h.worker();
  await w.ready;
  const q = h.queue();
  // The firing of the 4th (00:00 -04 = 04:00Z), with the template the worker's sync registered (so it stays).
  const template = (await q.getJobScheduler('santiago'))!.template!;
  await q.upsertJobScheduler('santiago', { ...SANTIAGO, startDate: '2027-09-03T12:00:00Z' }, { name: 'santiago', data: template.data!, opts: template.opts ?? {} });
  expect((await q.getJobScheduler('santiago'))?.next).toBe(Date.parse('2027-09-04T04:00:00Z'));
  // Due now instead of next September: the worker takes it and schedules the one after, from its slot.
  await (await q.getJob(`repeat:santiago:${Date.parse('2027-09-04T04:00:00Z')}`))!.promote();
  const next = await waitFor('the worker to schedule the next firing', async () => {
    const n = (await q.getJobScheduler('santiago'))?.next;
    return n !== Date.parse('2027-09-04T04:00:00Z') && n;
  });
  expect(new Date(next!).toISOString()).toBe('2027-09-05T04:00:00.000Z');
  await q.close();
  await w.close(5_000);
}, 60_000);
