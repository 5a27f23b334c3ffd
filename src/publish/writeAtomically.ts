// The one way a single file is replaced (notify records, .eml files, the keys file): like a run is published (STYLE habit 8): a temporary file, fsynced,
// renamed over the target, the folder fsynced. A reader (or a crashed writer's successor) sees the old
// record or the new one, never half of one.
import { randomBytes } from 'node:crypto';
import { lstat, open, readlink, rename, rm } from 'node:fs/promises';
import { makeDirs } from '../publish/makeDirs.js';
import { basename, dirname, join, resolve } from 'node:path';

/**
 * `mode`: the new file's permissions (the keys file: 0600, its hashes are nobody else's to read), set as
 * given (the umask does not narrow it). `owner`: its owner and group (the one it replaces, when root writes it).
 * `sync: false`: whole or absent to a reader, but not flushed to the disk (a marker that needs no
 * durability, such as a staging directory's owner file: two fsyncs per tenant of a run for nothing).
 * `mkdir: false`: a missing folder is the caller's ENOENT, not made (the worker's heartbeat file).
 */
export async function writeAtomically(path: string, data: string | Buffer, opts: { mode?: number; owner?: { uid: number; gid: number }; sync?: boolean; mkdir?: boolean } = {}): Promise<void> {
  const sync = opts.sync ?? true;
  const dir = dirname(path);
  if (opts.mkdir !== false) await makeDirs(dir);
  const tmp = join(dir, `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fh = await open(tmp, 'wx', opts.mode ?? 0o666);
    try {
      await fh.writeFile(data);
      if (opts.mode !== undefined) await fh.chmod(opts.mode);
      if (opts.owner) await fh.chown(opts.owner.uid, opts.owner.gid);
      if (sync) await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  if (!sync) return;
  const d = await open(dir, 'r');
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}

/**
 * The worker's heartbeat (LTV_HEARTBEAT_FILE): the time, replaced whole so a probe never reads it half
 * written. A symbolic link is followed to the file it names, which is replaced there (replacing the link
 * itself left its target, the file a probe watched, stale for good); a missing folder is an ENOENT.
 */
export async function writeHeartbeat(file: string): Promise<void> {
  await writeAtomically(await linkTarget(file), new Date().toISOString(), { sync: false, mkdir: false });
}

/** The file a chain of symbolic links names (itself when it is none), whether or not that file exists yet. */
async function linkTarget(file: string): Promise<string> {
  let path = file;
  // As the kernel does, at most 40 links (a loop then fails at the write, with its own error).
  for (let hops = 0; hops < 40; hops++) {
    const st = await lstat(path).catch(() => null);
    if (!st?.isSymbolicLink()) return path;
    path = resolve(dirname(path), await readlink(path));
  }
  return path;
}
