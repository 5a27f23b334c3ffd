// `ltv keys add` (SPEC §6): a new random key, of which only the SHA-256 is stored. The file is
// replaced atomically (temp file, fsync, rename) with mode 0600, so the server, which rereads it on
// change, never sees half a file, and under `<file>.lock` (withFileLock.ts), so that no two writers lose
// each other's key.
import { NotUtf8Error } from '../config/utf8Text.js';
import { randomBytes } from 'node:crypto';
import { lstatSync, readFileSync, readlinkSync, realpathSync, statSync, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { withFileLock } from '../publish/withFileLock.js';
import { writeAtomically } from '../publish/writeAtomically.js';
import { AppError } from '../config/AppError.js';
import { jsonErrorWhere } from '../config/jsonErrorWhere.js';
import { hashKey, keysListSchema, keysText, type KeyEntry, type Plan } from './KeyStore.js';
import { isValidTenantId, TENANT_ID_MAX } from '../config/tenantId.js';
import { EDGE_SPACE } from '../config/jobSchema.js';
import { quotedName } from '../format/listed.js';

export interface AddKeyOptions {
  tenants: string[];
  plan?: Plan;
  requestsPerMinute?: number;
  admin?: boolean;
  note?: string;
}

/** The command reading the keys file, for the words of its messages. */
export type KeysCommand = 'add' | 'list' | 'remove' | 'rotate';

const FIX: Record<KeysCommand, string> = {
  add: 'fix it before adding a key',
  list: 'fix it to list its keys',
  remove: 'fix it before removing a key',
  rotate: 'fix it before rotating a key',
};

function missing(file: string, path: string): AppError {
  const link = path === file ? '' : ` (a link to ${path}, which is missing)`;
  return new AppError('CONFIG', `${file}: the keys file does not exist${link}: give its path with --keys, or make it with \`ltv keys add --tenant <id> --keys ${file}\``);
}

/** `file`, or the end of its chain of symbolic links when that is missing (realpath gives up there). */
function linkTarget(file: string): string {
  let path = file;
  for (let hops = 0; hops < 40; hops++) {
    try {
      return realpathSync(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    if (!lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink()) return path;
    path = resolve(realpathSync(dirname(path)), readlinkSync(path));
  }
  return realpathSync(path); // ELOOP
}

/**
 * The path the keys file's content is at: `file`, or the file its symbolic links lead to. The new file is
 * written (and locked) there: renamed over the link itself, it replaced the link by a file of its own, and
 * the file the link named (the one the server reads, or another link shares) never got the new key. A missing
 * file is `keys add`'s to make; to the other commands it is an error, as a directory or a FIFO is to all.
 */
export function keysFilePath(file: string, command: KeysCommand): string {
  let path: string;
  let st: Stats | undefined;
  try {
    path = linkTarget(file);
    st = statSync(path, { throwIfNoEntry: false });
  } catch (e) {
    throw new AppError('CONFIG', `${file}: cannot read the keys file (${(e as NodeJS.ErrnoException).code ?? String(e)}): give the path of a keys file this user may read`);
  }
  if (!st) {
    if (command !== 'add') throw missing(file, path);
    // Its folder is not made: a typo in --keys made folders and a keys file that serve never reads.
    if (!statSync(dirname(path), { throwIfNoEntry: false })) {
      throw new AppError('CONFIG', `${file}: its folder ${dirname(path)} does not exist: create it first, or give --keys a file in a folder that exists`);
    }
    return path;
  }
  if (st.isDirectory()) throw new AppError('CONFIG', `${file}: is a directory, not a keys file: give the keys file's path, e.g. ${join(file, 'keys.json')}`);
  // Reading a FIFO would wait for a writer forever.
  if (!st.isFile()) throw new AppError('CONFIG', `${file}: is not a regular file, so not a keys file: give the keys file's path`);
  return path;
}

/**
 * The file's entries as they are (an invalid entry is the server's to skip and log, not a reason to refuse a
 * new key). Messages name `file` as given; `path` is where it is (keysFilePath).
 */
export function readKeysFile(file: string, command: KeysCommand, path = keysFilePath(file, command)): { keys: unknown[] } {
  let text: string;
  try {
    text = keysText(readFileSync(path));
  } catch (e) {
    if (e instanceof NotUtf8Error) throw new AppError('CONFIG', `${file}: ${e.message}`);
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && command === 'add') return { keys: [] };
    if (code === 'ENOENT') throw missing(file, path);
    throw new AppError('CONFIG', `${file}: cannot read the keys file (${code ?? String(e)}): give the path of a keys file this user may read`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new AppError('CONFIG', `${file}: ${jsonErrorWhere(text, (e as Error).message)}: ${FIX[command]}`);
  }
  const r = keysListSchema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0];
    const where = i?.path.length ? `${i.path.join('.')}: ` : '';
    throw new AppError('CONFIG', `${file}: ${where}${i?.message ?? 'invalid'} (a keys file is {"keys": [...]}): ${FIX[command]}`);
  }
  return r.data;
}

/**
 * A new keys file is 0600; one that is replaced keeps its mode, and its owner when root replaces it: `ltv
 * keys add` run as root (docker exec, sudo) on the file of a server running as another user (or one the
 * operator made group-readable for it) turned it into root's 0600 file, and the server could no longer read
 * any key: the new key never worked, and every key was gone at its next start.
 */
export async function keepAccess(file: string): Promise<{ mode: number; owner?: { uid: number; gid: number } }> {
  const st = await stat(file).catch(() => null);
  if (!st) return { mode: 0o600 };
  const root = process.getuid?.() === 0;
  return { mode: st.mode & 0o777, ...(root && (st.uid !== 0 || st.gid !== 0) ? { owner: { uid: st.uid, gid: st.gid } } : {}) };
}

/** A new random key: 256 bits, printed once, never stored. */
export function newPlainKey(): string {
  return `ltv_${randomBytes(32).toString('base64url')}`;
}

/** Appends a new key to the keys file and returns the plain key (the only time it exists). */
export async function addKey(file: string, opts: AddKeyOptions): Promise<string> {
  if (opts.tenants.length === 0) throw new AppError('CONFIG', 'keys add: --tenant is required');
  for (const t of opts.tenants) {
    if (!isValidTenantId(t)) throw new AppError('CONFIG', `keys add: --tenant "${t.slice(0, 60)}": a tenant id is 1 to ${TENANT_ID_MAX} characters`);
    // As `ltv run --tenant` refuses it: a row's tenant_id is trimmed, so a key for "shop " read nothing.
    if (EDGE_SPACE.test(t)) throw new AppError('CONFIG', `keys add: --tenant ${quotedName(t, 60)}: has white space at its start or end, which a row's tenant_id never keeps: remove it`);
  }
  const path = keysFilePath(file, 'add');
  const plain = newPlainKey();
  const entry: KeyEntry = {
    key_sha256: hashKey(plain),
    // Each once: `--tenant a --tenant a` stored ["a","a"].
    tenants: [...new Set(opts.tenants)],
    plan: opts.plan ?? 'pro',
    requests_per_minute: opts.requestsPerMinute ?? 60,
    admin: opts.admin ?? false,
    ...(opts.note === undefined ? {} : { note: opts.note }),
  };
  // Read and replaced under the file's lock: two `keys add` at once both keep their key.
  await withFileLock(path, async () => {
    const current = readKeysFile(file, 'add', path);
    await writeAtomically(path, JSON.stringify({ keys: [...current.keys, entry] }, null, 2) + '\n', await keepAccess(path));
  });
  return plain;
}
