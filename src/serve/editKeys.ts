// `ltv keys list | remove <id> | rotate <id>`: the keys file's entries without hand-editing JSON. A key is
// named by its id, the first 12 hex digits of its SHA-256 (the plain key is never stored, so never shown);
// any unique prefix of 6 or more digits names it too. Removal and rotation replace the file as `keys add`
// does: atomically, under `<file>.lock` (beside the file a symbolic link leads to), keeping its mode and
// owner; the server rereads it on change.
import { AppError } from '../config/AppError.js';
import { withFileLock } from '../publish/withFileLock.js';
import { writeAtomically } from '../publish/writeAtomically.js';
import { keepAccess, keysFilePath, newPlainKey, readKeysFile } from './addKey.js';
import { hashKey } from './KeyStore.js';

/** How a key is shown and named: the start of its hash. */
const ID_LENGTH = 12;

export interface ListedKey {
  id: string;
  tenants: string[];
  plan: string;
  requests_per_minute: number | null;
  admin: boolean;
  note?: string;
}

function hashOf(entry: unknown): string | null {
  const h = (entry as { key_sha256?: unknown } | null)?.key_sha256;
  return typeof h === 'string' ? h.toLowerCase() : null;
}

/** Every entry of the file; one the server would skip (no hash) is listed with id `(invalid #n)`. */
export function listKeys(file: string): ListedKey[] {
  return listed(readKeysFile(file, 'list').keys);
}

function listed(keys: unknown[]): ListedKey[] {
  return keys.map((e, i) => {
    const o = (e ?? {}) as Record<string, unknown>;
    const hash = hashOf(e);
    return {
      id: hash ? hash.slice(0, ID_LENGTH) : `(invalid #${i})`,
      tenants: Array.isArray(o.tenants) ? o.tenants.map(String) : [],
      plan: typeof o.plan === 'string' ? o.plan : 'pro',
      requests_per_minute: typeof o.requests_per_minute === 'number' ? o.requests_per_minute : null,
      admin: o.admin === true,
      ...(typeof o.note === 'string' ? { note: o.note } : {}),
    };
  });
}

/** The index of the one entry `id` names, or a one-line error saying what to give. */
function findOne(file: string, keys: unknown[], id: string): number {
  const want = id.trim().toLowerCase();
  if (!/^[0-9a-f]{6,64}$/.test(want)) throw new AppError('VALIDATION', `keys: "${id.slice(0, 70)}" is no key id: give the id \`ltv keys list --keys ${file}\` shows (6 to 64 hex digits)`);
  const hits = keys.flatMap((e, i) => (hashOf(e)?.startsWith(want) ? [i] : []));
  if (hits.length === 0) throw new AppError('NOT_FOUND', `keys: no key ${want} in ${file}: \`ltv keys list --keys ${file}\` shows the ids`);
  if (hits.length > 1) throw new AppError('VALIDATION', `keys: ${want} names ${hits.length} keys in ${file}: give more of the id`);
  return hits[0]!;
}

/** Removes the key `id` names; returns what it was (for the confirmation line). */
export async function removeKey(file: string, id: string): Promise<ListedKey> {
  const path = keysFilePath(file, 'remove');
  return withFileLock(path, async () => {
    const { keys } = readKeysFile(file, 'remove', path);
    const i = findOne(file, keys, id);
    const removed = listed(keys)[i]!;
    await writeAtomically(path, JSON.stringify({ keys: keys.filter((_, j) => j !== i) }, null, 2) + '\n', await keepAccess(path));
    return removed;
  });
}

/** Replaces the key `id` names by a new random one with the same tenants, plan, limit, admin and note; returns the new plain key. */
export async function rotateKey(file: string, id: string): Promise<{ key: string; id: string; was: ListedKey }> {
  const path = keysFilePath(file, 'rotate');
  return withFileLock(path, async () => {
    const { keys } = readKeysFile(file, 'rotate', path);
    const i = findOne(file, keys, id);
    const was = listed(keys)[i]!;
    const plain = newPlainKey();
    const hash = hashKey(plain);
    const next = keys.map((e, j) => (j === i ? { ...(e as Record<string, unknown>), key_sha256: hash } : e));
    await writeAtomically(path, JSON.stringify({ keys: next }, null, 2) + '\n', await keepAccess(path));
    return { key: plain, id: hash.slice(0, ID_LENGTH), was };
  });
}
