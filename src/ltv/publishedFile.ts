// A published run's data file (data/facts.parquet, data/customers.parquet), checked before DuckDB reads it
// by path for the endpoint's filtered queries and the explorer's attribute values: the run's own file, not
// a symlink (one leading out of the run, to another tenant's run or elsewhere, is never followed), with the
// sha256 the run's manifest lists for it. The snapshots are checked the same way (src/serve/RunStore.ts):
// the server answers from what the run published, or not at all.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { join, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../config/AppError.js';
import { absentOrUnreadable } from '../config/UnreadablePath.js';
import type { Manifest } from './runFiles.js';

/**
 * The real path of `rel` (a RUN_FILES path) in the run at `runDir`, after checking it: NOT_FOUND when it
 * is missing or is not the run's own file (a symlink anywhere on its path inside the run; the message is
 * the client's, the reason its cause), an UnreadablePath when it is there but cannot be read, INTERNAL when
 * the manifest does not list it or lists another sha256 (the run was changed after it was published).
 */
export async function publishedFile(runDir: string, rel: string, manifest: Manifest): Promise<string> {
  const dir = await realpath(runDir);
  const own = join(dir, rel);
  let real: string;
  try {
    real = await realpath(own);
  } catch (e) {
    // There but unreadable (EACCES, ELOOP): an UnreadablePath, a 500; absent: 404.
    absentOrUnreadable(e, own);
    throw notFound(`${own}: missing from the run`);
  }
  if (real !== own) throw notFound(`${own}: a symlink (to ${real}), not the run's own file: not read`);
  const listed = manifest.files?.[rel.split(sep).join('/')]?.sha256;
  if (listed === undefined) throw new AppError('INTERNAL', `${own}: not listed in the run's manifest: not read`);
  const sha = await sha256Of(createReadStream(real));
  if (sha !== listed) throw new AppError('INTERNAL', `${own}: sha256 ${sha} differs from the manifest's ${listed}: not read`);
  return real;
}

/** The sha256 of what `stream` reads, in hex. */
export async function sha256Of(stream: Readable): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(stream, hash);
  return hash.digest('hex');
}

/** A 404 whose message a client may see (no path: HttpError.ts passes a NOT_FOUND's message on), the reason in its cause. */
function notFound(reason: string): AppError {
  return new AppError('NOT_FOUND', 'Run data not found', { cause: new Error(reason) });
}
