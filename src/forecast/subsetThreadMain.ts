// The endpoint's forecast thread (src/serve/servedForecast.ts): predicts the customers a filtered request
// keeps (subsetForecast.ts) off the server's own thread, which a run of a million transactions would block
// for ~0.1 s a request and ~0.5 s at its first (decoding and preparing its inputs).
import { parentPort } from 'node:worker_threads';
import { threadError, type ThreadError } from '../config/startModuleThread.js';
import type { ForecastRow } from '../ltv/model.js';
import { answerSubset, type SubsetAsk } from './subsetForecast.js';

export interface SubsetThreadRequest extends SubsetAsk {
  id: number;
}

export type SubsetReply = { id: number; rows: ForecastRow[] } | { id: number; error: ThreadError };

parentPort!.on('message', (m: SubsetThreadRequest) => {
  answerSubset(m).then(
    (rows) => parentPort!.postMessage({ id: m.id, rows } satisfies SubsetReply),
    (e: unknown) => parentPort!.postMessage({ id: m.id, error: threadError(e) } satisfies SubsetReply),
  );
});
