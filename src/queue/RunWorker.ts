// BullMQ's Worker, told when it is done with each attempt. It lets go of the lock it renews for a job's id
// only at the very end of the attempt (processJob's finally), after the stopped attempt's failed bookkeeping:
// a run added again under the same id before then (a run Redis lost, requeueLostRun), and taken by this very
// worker, would have its new attempt's lock let go with the old one's, and stall.
import { Worker, type Job as QueuedJob } from 'bullmq';
import type { RunResult } from '../pipeline.js';
import type { RunData } from './runQueue.js';

export class RunWorker extends Worker<RunData, RunResult> {
  /** Told once BullMQ is done with an attempt of `job`, whatever its outcome. */
  afterAttempt: (job: QueuedJob<RunData, RunResult>) => void = () => {};

  override async processJob(job: QueuedJob<RunData, RunResult>, token: string, fetchNextCallback?: () => boolean): Promise<void | QueuedJob<RunData, RunResult>> {
    try {
      return await super.processJob(job, token, fetchNextCallback);
    } finally {
      this.afterAttempt(job);
    }
  }
}
