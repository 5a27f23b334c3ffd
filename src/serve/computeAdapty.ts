// Filtered Adapty requests (SPEC §6): computed read-only from the data the run published, with the
// engine's own SQL (queryRunMatrix) and the same renderer the snapshots were written with.
import type { LtvFilters, MatrixSpec } from '../ltv/model.js';
import { queryRunMatrix } from '../ltv/queryRun.js';
import type { AdaptyResponse } from '../report/apiTypes.js';
import { toAdaptyResponse } from '../report/toAdapty.js';

export async function computeAdapty(runDir: string, spec: MatrixSpec, filters: LtvFilters, currency: string): Promise<AdaptyResponse> {
  return toAdaptyResponse(await queryRunMatrix(runDir, spec, filters), currency);
}
