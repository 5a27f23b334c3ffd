// The forecast thread (forecastThread.ts): fits, bootstraps, backtests and projects the forecasts a run's
// thread hands it, with the same code as in process (forecastFromRead), so the numbers are the same wherever
// they are computed. A tenant's report cohorts arrive in a second message, once the run has computed its
// matrices; a BG/NBD model does its fits before it needs them.
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import type { ForecastSettings } from '../config/jobSchema.js';
import type { Forecast } from '../ltv/model.js';
import type { CohortRow, ForecastRead } from './forecastData.js';
import { forecastWithServing } from './forecastFromRead.js';
import { tableBuffers, type ServingState } from './servingFile.js';

export type ForecastRequestMessage =
  | { type: 'start'; id: number; read: ForecastRead; settings: ForecastSettings; cancel: Int32Array }
  | { type: 'cohorts'; id: number; cohorts: CohortRow[] }
  | { type: 'drop'; id: number };

/**
 * `serving`: what the endpoint predicts filtered requests from (servingFile.ts), null when none; its
 * customers' typed arrays are moved back to the run's thread, which compresses and writes them.
 */
export type ForecastReply = { id: number; forecast: Forecast; serving: ServingState | null } | { id: number; error: string };

/** The run was cancelled: thrown between fits, when the run's thread has set the run's flag (one for all its tenants). */
const CANCELLED = 'the run was cancelled';

// The thread yields to the run's own work: nice +10 for this thread alone (Linux: setpriority on a thread
// id affects that thread; /proc/thread-self names it). The run's matrices are what it waits for, while
// the forecast, started earlier, has time to spare; where this is not possible the thread runs as is.
try {
  const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
  if (Number.isInteger(tid) && tid > 0) setPriority(tid, 10);
} catch {
  // not Linux, or not allowed: same priority as the run.
}

const waiting = new Map<number, { resolve: (c: CohortRow[]) => void; reject: (e: Error) => void }>();

parentPort!.on('message', (m: ForecastRequestMessage) => {
  if (m.type === 'start') {
    const cohorts = new Promise<CohortRow[]>((resolve, reject) => waiting.set(m.id, { resolve, reject }));
    const cancelled = (): void => {
      if (Atomics.load(m.cancel, 0) !== 0) throw new Error(CANCELLED);
    };
    forecastWithServing(m.read, m.settings, cohorts, cancelled).then(
      ({ forecast, serving }) => parentPort!.postMessage({ id: m.id, forecast, serving } satisfies ForecastReply, serving ? tableBuffers(serving.customers) : []),
      (e: unknown) => parentPort!.postMessage({ id: m.id, error: e instanceof Error ? e.message : String(e) } satisfies ForecastReply),
    ).finally(() => waiting.delete(m.id));
  } else {
    const w = waiting.get(m.id);
    waiting.delete(m.id);
    if (m.type === 'cohorts') w?.resolve(m.cohorts);
    else w?.reject(new Error('dropped: the run stopped before its matrices were computed'));
  }
});
