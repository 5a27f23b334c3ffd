// Filtered Adapty requests (SPEC §6): computed read-only from the data the run published, with the
// engine's own SQL (queryRunMatrix) and the same renderers the snapshots were written with.
import type { LtvFilters, MatrixSpec } from '../ltv/model.js';
import { expandRuns } from '../ltv/cellRuns.js';
import { queryRunMatrix, type QueryOptions } from '../ltv/queryRun.js';
import type { RunRef } from '../ltv/runFiles.js';
import { adaptyToCsv } from '../report/adaptyCsv.js';
import { adaptyJson, toAdaptyResponse } from '../report/toAdapty.js';

export async function computeAdapty(
  run: RunRef, spec: MatrixSpec, filters: LtvFilters, currency: string, format: 'json' | 'csv', opts: QueryOptions = {},
): Promise<Buffer> {
  const matrix = await queryRunMatrix(run, spec, filters, opts);
  return format === 'csv' ? Buffer.from(adaptyToCsv(toAdaptyResponse(expandRuns(matrix), currency)), 'utf8') : adaptyJson(matrix, currency);
}
