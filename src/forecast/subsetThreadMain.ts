// The endpoint's forecast thread (src/serve/servedForecast.ts): predicts the customers a filtered request
// keeps (subsetForecast.ts) off the server's own thread, which a run of a million transactions would block
// for ~0.1 s a request and ~0.5 s at its first (decoding and preparing its inputs).
import { parentPort } from 'node:worker_threads';
import { threadError, type ThreadError } from '../config/startModuleThread.js';
import type { ForecastRow } from '../ltv/model.js';
import { checkServed, servedOf, subsetRows, type ServingExpected, type SubsetRequest } from './subsetForecast.js';

export interface SubsetThreadRequest {
  id: number;
  /** The run's identity (its directory and manifest hash: runFiles.ts runKey) and its inputs' checked path. */
  key: string;
  path: string;
  /** The file's sha256 as the run's manifest lists it: checked whenever the file is read. */
  sha256: string;
  /** What the run says its inputs must be: checked before they are used. */
  expected: ServingExpected;
  request: SubsetRequest;
}

export type SubsetReply = { id: number; rows: ForecastRow[] } | { id: number; error: ThreadError };

parentPort!.on('message', (m: SubsetThreadRequest) => {
  servedOf(m.key, m.path, m.sha256).then((served) => {
    checkServed(served, m.expected);
    return subsetRows(served, m.request);
  }).then(
    (rows) => parentPort!.postMessage({ id: m.id, rows } satisfies SubsetReply),
    (e: unknown) => parentPort!.postMessage({ id: m.id, error: threadError(e) } satisfies SubsetReply),
  );
});
