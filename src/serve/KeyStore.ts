// API keys (SPEC §6): a JSON file of SHA-256 hashes, reread when it changes. The plain key is never
// stored; a presented key is hashed and compared with every entry in constant time, so neither the
// position of a match nor a near miss shows in the response time.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Logger } from 'pino';
import { jsonErrorWhere } from '../config/jsonErrorWhere.js';
import { z } from '../config/zod.js';
import { NotUtf8Error, utf8Text } from '../config/utf8Text.js';
import { isValidTenantId, TENANT_ID_MAX } from '../config/tenantId.js';

export const PLANS = ['free', 'pro', 'scale'] as const;
export type Plan = (typeof PLANS)[number];

/** The most requests a minute a key may allow: `keys add --rpm` refuses more, as the server skips such an entry. */
export const MAX_REQUESTS_PER_MINUTE = 1_000_000;

export const keyEntrySchema = z
  .object({
    // Hex in either case (`sha256sum` writes lowercase, other tools uppercase): the same digest.
    key_sha256: z
      .string({ error: 'give the key\'s SHA-256 as 64 hex digits (`ltv keys add` writes it)' })
      .regex(/^[0-9a-f]{64}$/i, 'must be the key\'s SHA-256 as 64 hex digits (`ltv keys add` writes it)')
      .transform((h) => h.toLowerCase()),
    tenants: z
      .array(z.string().refine(isValidTenantId, `a tenant id is 1 to ${TENANT_ID_MAX} characters`), { error: 'give the tenant ids the key may read as a list, e.g. ["acme"]' })
      .min(1, 'give at least one tenant id the key may read, e.g. ["acme"]'),
    plan: z.enum(PLANS, { error: `must be one of ${PLANS.map((p) => `"${p}"`).join(', ')}` }).default('pro'),
    requests_per_minute: z
      .number({ error: 'must be a whole number of requests a minute, e.g. 60' })
      .int('must be a whole number of requests a minute, e.g. 60')
      .positive('must be at least 1, e.g. 60')
      .max(MAX_REQUESTS_PER_MINUTE, `must be at most ${MAX_REQUESTS_PER_MINUTE}`)
      .default(60),
    admin: z.boolean({ error: 'must be true or false' }).default(false),
    /** Free text for operators ("CI dashboard"); never used for auth. */
    note: z.string().optional(),
  })
  .strict();
export const keysFileSchema = z.object({ keys: z.array(keyEntrySchema) }).strict();
/** The file's outer shape: its entries are validated one by one (a bad entry does not void the others). */
export const keysListSchema = z.object({ keys: z.array(z.unknown()) }).strict();
export type KeyEntry = z.infer<typeof keyEntrySchema>;
export type KeysFile = z.infer<typeof keysFileSchema>;

/** What a route learns about the caller. `id` is the hash's first 12 hex digits: safe to log, never the key. */
export interface KeyRecord {
  id: string;
  tenants: readonly string[];
  plan: Plan;
  requestsPerMinute: number;
  admin: boolean;
}

export function hashKey(plain: string): string {
  return createHash('sha256').update(plain, 'utf8').digest('hex');
}

interface LoadedKey {
  digest: Buffer;
  record: KeyRecord;
}

/**
 * A keys file's text without the byte-order mark an editor may save first (as a job file's, loadJob.ts):
 * JSON.parse refused it at line 1, column 1, and the server answered every key 401.
 */
export function keysText(raw: Buffer): string {
  // Bytes that are not UTF-8 (a Latin-1 editor) would rename a tenant without a word: refused (utf8Text.ts).
  return utf8Text(raw);
}

/**
 * Valid keys in the file (an invalid entry is skipped, and logged by KeyStore); 0 when it is missing; what
 * is wrong with it when it cannot be read as a keys file at all (`ltv serve` refuses to start then).
 */
export function keysFileCount(file: string): number | string {
  let text: string;
  try {
    text = keysText(readFileSync(file));
  } catch (e) {
    if (e instanceof NotUtf8Error) return e.message;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 0;
    return code === 'EISDIR' ? 'is a directory, not a keys file' : `cannot be read (${code ?? String(e)})`;
  }
  try {
    JSON.parse(text);
  } catch (e) {
    // By line and column, as `ltv keys` says it (V8's "position 10" before).
    return `is not valid JSON at ${jsonErrorWhere(text, (e as Error).message).replace(/: not valid JSON /, ' ')}`;
  }
  try {
    return parseKeyEntries(text).keys.length;
  } catch {
    return 'is not a keys file ({"keys": [...]})';
  }
}

/** The valid entries of a keys file, and one message per invalid entry (its index, field and problem). */
export function parseKeyEntries(text: string): { keys: KeyEntry[]; problems: string[] } {
  const list = keysListSchema.parse(JSON.parse(text));
  const keys: KeyEntry[] = [];
  const problems: string[] = [];
  const firstOf = new Map<string, number>();
  list.keys.forEach((raw, i) => {
    const r = keyEntrySchema.safeParse(raw);
    const first = r.success ? firstOf.get(r.data.key_sha256) : undefined;
    // The same key twice (a hand edit) with other tenants or plans: which one counts must not be a surprise.
    if (first !== undefined) problems.push(`keys[${i}].key_sha256: the same key as keys[${first}], which counts: remove one of them`);
    else if (r.success) {
      firstOf.set(r.data.key_sha256, i);
      keys.push(r.data);
    } else problems.push(r.error.issues.map((x) => `keys[${i}]${x.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}: ${x.message}`).join('; '));
  });
  return { keys, problems };
}

export class KeyStore {
  private keys: LoadedKey[] = [];
  private signature = '';
  private watcher: FSWatcher | null = null;
  private poller: NodeJS.Timeout | null = null;

  constructor(
    private readonly file: string,
    private readonly logger: Logger,
  ) {}

  get size(): number {
    return this.keys.length;
  }

  /**
   * Loads now, then follows the file. fs.watch on the file itself goes deaf once the file is replaced by
   * rename (nodejs/node#22517), so we watch its directory and, as a backstop for file systems without
   * inotify, poll mtime/inode.
   */
  start(pollMs = 2000): void {
    this.reload();
    try {
      const name = basename(this.file);
      this.watcher = watch(dirname(this.file), { persistent: false }, (_event, changed) => {
        if (changed === null || changed === name) this.reload();
      });
      this.watcher.on('error', (e: NodeJS.ErrnoException) => this.logger.warn({ dir: dirname(this.file), error: e.code ?? e.message }, 'keys: directory watch failed; polling only'));
    } catch (e) {
      // A folder that is not there yet (ltv keys add makes it) or not readable: the reason, not a stack trace.
      this.logger.warn({ dir: dirname(this.file), error: (e as NodeJS.ErrnoException).code ?? (e as Error).message }, 'keys: cannot watch the directory; polling only');
    }
    this.poller = setInterval(() => this.reload(), pollMs);
    this.poller.unref();
  }

  stop(): void {
    this.watcher?.close();
    this.watcher = null;
    if (this.poller) clearInterval(this.poller);
    this.poller = null;
  }

  /** Rereads the file when its identity changed. A bad file keeps the last good keys (and says so). */
  reload(): void {
    let sig: string;
    try {
      const st = statSync(this.file);
      sig = `${st.ino}:${st.size}:${st.mtimeMs}`;
    } catch {
      sig = 'missing';
    }
    if (sig === this.signature) return;
    this.signature = sig;
    if (sig === 'missing') {
      // Deleting the file revokes every key: the safe reading of an operator's intent.
      if (this.keys.length > 0) this.logger.warn({ file: this.file }, 'keys: file is gone; no key is valid');
      this.keys = [];
      return;
    }
    try {
      // Entry by entry: one mistyped entry is logged and skipped, every other key keeps working.
      const parsed = parseKeyEntries(keysText(readFileSync(this.file)));
      for (const problem of parsed.problems) this.logger.error({ file: this.file, problem }, 'keys: entry is invalid and skipped');
      this.keys = parsed.keys.map((k) => ({
        digest: Buffer.from(k.key_sha256, 'hex'),
        record: Object.freeze({
          id: k.key_sha256.slice(0, 12),
          tenants: Object.freeze([...k.tenants]),
          plan: k.plan,
          requestsPerMinute: k.requests_per_minute,
          admin: k.admin,
        }),
      }));
      this.logger.info({ file: this.file, keys: this.keys.length, skipped: parsed.problems.length }, 'keys: loaded');
    } catch (e) {
      // A half-written file (not JSON, or not {"keys": […]}) must not lock everyone out (nor let anyone in).
      this.logger.error({ file: this.file, err: e instanceof Error ? e.message : String(e) }, 'keys: file is invalid; keeping the previous keys');
    }
  }

  /** The key's record, or null. Always compares against every entry. */
  authenticate(plain: string): KeyRecord | null {
    return this.byDigest(createHash('sha256').update(plain, 'utf8').digest());
  }

  /** The record of the key whose SHA-256 is `digest` (as the file has it now), or null. */
  byDigest(digest: Buffer): KeyRecord | null {
    let found: KeyRecord | null = null;
    for (const k of this.keys) {
      if (timingSafeEqual(digest, k.digest) && found === null) found = k.record;
    }
    return found;
  }
}
