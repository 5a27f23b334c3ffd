// A run in progress when Redis lost its data (restarted without persistence) is gone from the queue: its
// attempt stops (its locks are gone: processRun) and nothing would retry it. Its worker adds it again, under
// the same id where that id is the run's own (a firing's `repeat:<job>:<slot>`, an on-demand run's key), so
// that it is added once however many add it, and with the same idempotency key (processRun.runKey).
import type { Job as QueuedJob } from 'bullmq';
import type { Logger } from 'pino';
import type { Env } from '../config/env.js';
import type { RunResult } from '../pipeline.js';
import { runAsOf, runKey } from './processRun.js';
import { addSlotRun, enqueueSlotCommand, type RunData, type RunQueue } from './runQueue.js';

export async function requeueLostRun(queue: RunQueue, job: QueuedJob<RunData, RunResult>, env: Env, log: Logger): Promise<void> {
  const id = job.id ?? '?';
  const asOf = runAsOf(job).getTime();
  const there = await queue.getJob(id);
  // Added again already (another worker's catch-up of the firing, or this run's own key).
  if (there && runKey(there) === runKey(job)) return;
  const lost = 'redis lost its data during this run (restarted without persistence?)';
  if (!there && job.repeatJobKey && id.startsWith('repeat:')) {
    if (!(await addSlotRun(queue, job.name, job.data.file, asOf, env))) return;
  } else if (!there && job.data.key === id) {
    const { sharded: _progress, ...data } = job.data;
    const { attempts, backoff, removeOnComplete, removeOnFail } = job.opts;
    await queue.add(job.name, data, { attempts, backoff, removeOnComplete, removeOnFail, jobId: id });
  } else {
    // An id from BullMQ's counter, which starts again at 1: it may name another run by now.
    log.warn(`${lost}: it is not added again, since its id ${id} is BullMQ's counter, which Redis started again; to run it: ${enqueueSlotCommand(job.name, asOf)}`);
    return;
  }
  log.warn(`${lost}: the run is added again under its id ${id} and starts over`);
}
