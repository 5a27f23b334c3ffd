// SPEC §5 API snapshots: Zenovay's response for every range × granularity and Adapty's for every
// unfiltered combination, as files the endpoint serves as they are.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { adaptySnapshotPath, zenovaySnapshotPath } from '../ltv/runFiles.js';
import type { Matrix, MatrixSpec, Summary } from '../ltv/model.js';
import { matrixId } from '../ltv/model.js';
import { ZENOVAY_GRANULARITIES, ZENOVAY_RANGES } from './apiTypes.js';
import { adaptyJson } from './toAdapty.js';
import { runsOf } from '../ltv/cellRuns.js';
import { GRANULARITY_MATRIX, toZenovayResponse } from './toZenovay.js';

export interface SnapshotInput {
  dir: string;
  matrices: ReadonlyMap<string, Matrix>;
  adaptySpecs: readonly MatrixSpec[];
  summary: Summary;
  currency: string;
  asOf: string;
  asOfLocal: string;
}

export async function writeSnapshots(input: SnapshotInput): Promise<number> {
  await mkdir(join(input.dir, 'api', 'zenovay'), { recursive: true });
  await mkdir(join(input.dir, 'api', 'adapty'), { recursive: true });
  const writes: Promise<void>[] = [];
  for (const granularity of ZENOVAY_GRANULARITIES) {
    const matrix = input.matrices.get(GRANULARITY_MATRIX[granularity]);
    if (!matrix) throw new Error(`snapshot needs matrix ${GRANULARITY_MATRIX[granularity]}`);
    for (const range of ZENOVAY_RANGES) {
      const body = toZenovayResponse(matrix, range, input.summary, input.asOf, input.asOfLocal);
      writes.push(writeFile(join(input.dir, zenovaySnapshotPath(range, granularity)), JSON.stringify(body)));
    }
  }
  // Matrices that share their rows (computeMatrix.ts: product and store_product_id, …) have one body.
  const bodies = new Map<Matrix['rows'], Buffer>();
  for (const spec of input.adaptySpecs) {
    const matrix = input.matrices.get(matrixId(spec));
    if (!matrix) throw new Error(`snapshot needs matrix ${matrixId(spec)}`);
    const path = join(input.dir, adaptySnapshotPath(spec));
    let body = bodies.get(matrix.rows);
    if (body === undefined) bodies.set(matrix.rows, (body = adaptyJson(runsOf(matrix), input.currency)));
    writes.push(mkdir(dirname(path), { recursive: true }).then(() => writeFile(path, body)));
  }
  await Promise.all(writes);
  return writes.length;
}
