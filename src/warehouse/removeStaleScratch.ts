// A run's scratch database (`ltv-run-<pid>-<hex>.duckdb`, its `.wal`, its spill directory `.tmp`, the
// splitter's clean inputs `.in` and the tenants' data files `.out`) is removed when the run ends; a process killed mid-run (SIGKILL, out of
// memory) leaves them behind, gigabytes each at 10 M rows. At the start of every run and worker, the
// leftovers of dead processes are removed: only names this program makes, only when their process is gone
// (so workers sharing the directory never remove each other's live files).
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';

const SCRATCH = /^ltv-run-(\d+)-[0-9a-f]{8}\.duckdb(\.wal|\.tmp|\.in|\.out)?$/;

/** Whether a process of this id exists on this machine (EPERM: it exists, owned by another user). */
export function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the scratch files of dead processes in `dir`; returns their names. Never throws. */
export async function removeStaleScratch(dir: string, logger?: Logger): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names) {
    const m = SCRATCH.exec(name);
    if (!m || pidAlive(Number(m[1]))) continue;
    await rm(join(dir, name), { recursive: true, force: true }).then(() => removed.push(name), () => undefined);
  }
  if (removed.length) logger?.info({ dir, removed }, 'removed scratch files of runs whose process died');
  return removed;
}
