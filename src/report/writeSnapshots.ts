// SPEC §5 API snapshots: Zenovay's response for every range × granularity and Adapty's for every
// unfiltered combination, as files the endpoint serves as they are. Each body is stored gzip-compressed
// as `<name>.json.gz`; identical bodies are stored once, the other names being hard links to that file
// (a hard link is an ordinary file to every reader: a static server serves each name, the endpoint's
// "must resolve inside the run" rule holds, and `du` counts the bytes once). Every combination is stored,
// the day-unit ones too: the §5 layout is a contract that any static server must be able to serve.
// The bodies are made here; their compression and writing go on in the background (pendingWrites.ts)
// while the other writers run, and publishing waits for them.
import { link, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setImmediate } from 'node:timers/promises';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { SNAPSHOT_GZIP_SUFFIX, adaptySnapshotPath, zenovaySnapshotPath } from '../ltv/runFiles.js';
import type { MatrixSpec, Summary } from '../ltv/model.js';
import { matrixId } from '../ltv/model.js';
import { ZENOVAY_GRANULARITIES, ZENOVAY_RANGES } from './apiTypes.js';
import { adaptyJson } from './toAdapty.js';
import { expandRuns, type RunMatrix } from '../ltv/cellRuns.js';
import { GRANULARITY_MATRIX, toZenovayResponse } from './toZenovay.js';
import { addPendingWrite } from './pendingWrites.js';
import { AppError, isAppError } from '../config/AppError.js';
import { visibleLine } from '../format/text.js';

const gzipAsync = promisify(gzip);
/** Measured on the example's 98 distinct bodies (34.6 MB): level 5 gives 3.08 MB in 0.32 s, the default 6
 *  3.05 MB in 0.60 s, 7 3.00 MB in 0.9–1.1 s, 4 3.57 MB. */
const GZIP_LEVEL = 5;

export interface SnapshotInput {
  dir: string;
  /** As compute returns them (runs of equal cells): the Adapty bodies are written from the runs, and only
   *  the two Zenovay matrices (cohorts by week and month) are expanded cell by cell. */
  matrices: ReadonlyMap<string, RunMatrix>;
  adaptySpecs: readonly MatrixSpec[];
  summary: Summary;
  currency: string;
  asOf: string;
  asOfLocal: string;
  /** Named in the one line of a body past the limit on one body (toAdapty.ts). */
  tenant: string;
}

/**
 * Makes the snapshot bodies and starts writing them; returns how many names will be published (files and
 * hard links). The writes finish in the background: settlePendingWrites(dir) waits for them.
 */
export async function writeSnapshots(input: SnapshotInput): Promise<number> {
  await mkdir(join(input.dir, 'api', 'zenovay'), { recursive: true });
  await mkdir(join(input.dir, 'api', 'adapty'), { recursive: true });
  // The bodies stored so far by length, each with its first file (a promise, so its links wait for it).
  // Bodies of one length are compared byte for byte (memcmp): cheaper than hashing every body, since most
  // lengths occur once.
  const stored = new Map<number, { body: Buffer; file: Promise<string> }[]>();
  let names = 0;
  // Each write is a pending write of the run's directory as soon as it starts (pendingWrites.ts: its
  // failure is held for settlePendingWrites, which waits for every write before the directory is published
  // or removed), also while storeAll lets the event loop run between bodies.
  const store = (rel: string, body: Buffer): void => {
    const path = join(input.dir, rel + SNAPSHOT_GZIP_SUFFIX);
    names++;
    const same = stored.get(body.length);
    const first = same?.find((s) => s.body === body || s.body.equals(body));
    if (first) {
      addPendingWrite(input.dir, first.file.then((target) => link(target, path)));
      return;
    }
    // zlib's gzip header carries no time or name, so the same body always gives the same file.
    const file = gzipAsync(body, { level: GZIP_LEVEL }).then((gz) => writeFile(path, gz)).then(() => path);
    if (same) same.push({ body, file });
    else stored.set(body.length, [{ body, file }]);
    addPendingWrite(input.dir, file);
  };
  await storeAll(input, store);
  return names;
}

/**
 * Every snapshot body of the run, handed to `store` with its path. It lets the event loop run after each
 * Adapty body: the example's bodies take 0.4–0.9 s of this thread, and meanwhile the charts come back
 * from their thread and the workbook that embeds them should start (pipeline.ts), and the gzips done are
 * written.
 */
async function storeAll(input: SnapshotInput, store: (rel: string, body: Buffer) => void): Promise<void> {
  for (const granularity of ZENOVAY_GRANULARITIES) {
    const runs = input.matrices.get(GRANULARITY_MATRIX[granularity]);
    if (!runs) throw new Error(`snapshot needs matrix ${GRANULARITY_MATRIX[granularity]}`);
    const matrix = expandRuns(runs);
    for (const range of ZENOVAY_RANGES) {
      const body = toZenovayResponse(matrix, range, input.summary, input.asOf, input.asOfLocal);
      store(zenovaySnapshotPath(range, granularity), Buffer.from(JSON.stringify(body)));
    }
  }
  // Matrices that share their rows (computeMatrix.ts: product and store_product_id, …) are rendered once.
  const bodies = new Map<RunMatrix['rows'], Buffer>();
  for (const spec of input.adaptySpecs) {
    const matrix = input.matrices.get(matrixId(spec));
    if (!matrix) throw new Error(`snapshot needs matrix ${matrixId(spec)}`);
    let body = bodies.get(matrix.rows);
    if (body === undefined) {
      bodies.set(matrix.rows, (body = namedBody(input.tenant, adaptySnapshotPath(spec), () => adaptyJson(matrix, input.currency))));
      store(adaptySnapshotPath(spec), body);
      await setImmediate();
    } else {
      store(adaptySnapshotPath(spec), body);
    }
  }
}

/**
 * A body past the limit on one body (a DATA error of adaptyJson), said with the tenant and the snapshot: the
 * check after ingest counts the least bytes a cell takes, and longer values can still pass it.
 */
function namedBody(tenant: string, path: string, make: () => Buffer): Buffer {
  try {
    return make();
  } catch (e) {
    if (!isAppError(e) || e.code !== 'DATA') throw e;
    throw new AppError('DATA', `tenant "${visibleLine(tenant)}": ${path}: ${e.message}`, { cause: e });
  }
}
