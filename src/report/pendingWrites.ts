// Files a writer is still writing in the background while the render stage goes on (the snapshots are
// gzipped on libuv's threads while the main thread writes json, csv and the workbook). Keyed by the run's
// staging directory: publishing waits for them before it checksums (commitRun), and abandoning a run waits
// for them before it removes the directory, so nothing is written into a removed or published run.
import { resolve } from 'node:path';

const PENDING = new Map<string, Promise<unknown>[]>();

/** Registers a write into `dir` (a run's staging directory); its failure fails the run's publication. */
export function addPendingWrite(dir: string, write: Promise<unknown>): void {
  const key = resolve(dir);
  // Handled here so a failure waits for settlePendingWrites instead of crashing the process.
  write.catch(() => undefined);
  const writes = PENDING.get(key);
  if (writes) writes.push(write);
  else PENDING.set(key, [write]);
}

/**
 * Waits for every pending write into `dir`, those registered meanwhile included; then throws the first
 * failure. The directory is then settled: nothing writes into it any more, so the caller may remove it (a
 * failure thrown at the first failed batch let later writes recreate files in a removed staging directory:
 * a full disk left 2 MB of snapshots behind, and every retry failed on them).
 */
export async function settlePendingWrites(dir: string): Promise<void> {
  const key = resolve(dir);
  let failure: { reason: unknown } | null = null;
  for (let writes = PENDING.get(key); writes; writes = PENDING.get(key)) {
    PENDING.delete(key);
    const results = await Promise.allSettled(writes);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed && !failure) failure = { reason: failed.reason };
  }
  if (failure) throw failure.reason;
}
