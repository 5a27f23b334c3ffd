// A directory written under a temporary name, flushed, then renamed to its final name (STYLE habit 8): a
// reader on any host sees the whole directory or none of it. Shared storage must be POSIX with atomic rename.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { makeDirs } from '../publish/makeDirs.js';
import { fsyncPath } from '../publish/publishRun.js';

/** A fresh temporary directory beside `final`. */
export async function stagingDirFor(final: string): Promise<string> {
  // makeDirs: a file where a folder must be is ENOTDIR naming it (Node's recursive mkdir said EEXIST).
  await makeDirs(dirname(final));
  const dir = `${final}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  await mkdir(dir);
  return dir;
}

async function fsyncTree(dir: string): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) await fsyncTree(p);
    else await fsyncPath(p);
  }
  await fsyncPath(dir);
}

/** Moves `staging` to `final`, replacing an earlier attempt's copy (a retaken shard writes it again). */
export async function renameIntoPlace(staging: string, final: string): Promise<void> {
  await fsyncTree(staging);
  await rm(final, { recursive: true, force: true });
  await rename(staging, final);
  await fsyncPath(dirname(final));
}
