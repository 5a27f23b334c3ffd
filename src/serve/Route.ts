// The contract between the server and a route, including routes mounted from outside (the worker's
// admin routes of SPEC §7 come in through `extraRoutes`, so serve never imports the queue).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { QueryOptions } from '../ltv/queryRun.js';
import type { ErrorFamily } from './HttpError.js';
import type { KeyRecord } from './KeyStore.js';

/** Where a route accepts its key from. */
export type AuthScheme = 'x-api-key' | 'bearer' | 'api-key' | 'x-admin-key';

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  /** Decoded path parameters (`:websiteId` → params.websiteId). Untrusted text: validate before use. */
  params: Record<string, string>;
  /** The same parameters as the request wrote them, still percent-encoded (what a client meant by an escape). */
  rawParams: Record<string, string>;
  query: URLSearchParams;
  /** The authenticated key; null only on routes with `auth: null`. */
  key: KeyRecord | null;
  requestId: string;
  logger: Logger;
  /** Reads and parses the JSON body (at most 64 KiB; throws HttpError 400/413). */
  readJson(): Promise<unknown>;
  /** Names the tenant in the access log. */
  setTenant(tenant: string): void;
  /**
   * For the filtered (DuckDB) queries the answer needs (queryRunMatrix, computeAdapty): the request's signal,
   * aborted when nobody waits for the answer any more (its deadline passed, its client left), its deadline
   * and the server's bound on waiting queries. A wait on them past the deadline rejects with the deadline's 503.
   */
  queries: Required<QueryOptions>;
}

export interface Route {
  method: 'GET' | 'POST';
  /** A template: literal segments and `:name` parameters, e.g. `/api/v1/runs/:id`. */
  path: string;
  /** Which API's error body this route answers with. */
  family: ErrorFamily;
  /**
   * null: no key needed. Otherwise the accepted schemes; `admin` requires an admin key (else 403): a keys-file
   * key with `admin: true`, or the key whose SHA-256 is `adminKeySha256` (the operator's LTV_ADMIN_KEY_SHA256).
   */
  /**
   * Who may call it: the key schemes read, and whether it takes an admin key or a paid plan (`paid`: a free
   * plan's key is refused 403 before anything of the request is read, as seeds/003 says of Zenovay's route).
   */
  auth: { schemes: readonly AuthScheme[]; admin?: boolean; paid?: boolean; adminKeySha256?: string } | null;
  handle(ctx: RouteContext): Promise<void>;
}

/**
 * A prefix mounted as a whole (bull-board's UI and API): every method and sub-path under `prefix` goes to
 * `handle`, which authenticates by itself; the server still adds the request id, access log and metrics.
 */
export interface Mount {
  /** e.g. `/admin/queues` (no trailing slash). */
  prefix: string;
  /** A key whose SHA-256 is this is an admin key under this prefix (besides keys-file keys with `admin: true`). */
  adminKeySha256?: string;
  /** `subPath` is the path after the prefix, starting with `/`. */
  handle(req: IncomingMessage, res: ServerResponse, subPath: string, auth: MountAuth): Promise<void>;
}

/**
 * The server's key check for a mount, under the same failed-authentication throttle as every route: both
 * throw the 429 (HttpError, rendered by the server) while the client's address is throttled.
 */
export interface MountAuth {
  /** Throws the 429 when this address has used up its failed attempts; else nothing. */
  guard(): void;
  /** The presented key's record (null: wrong key, counted against the address). Guards first. */
  authenticate(plain: string): KeyRecord | null;
  /**
   * Whether the key whose SHA-256 is `digest` is an admin key still (the keys file as it is now, or the
   * operator's): a session signed in with a key lasts only as long as the key (`ltv keys remove`).
   */
  stillAdmin(digest: Buffer): boolean;
}

/** What the server reports about each answered request (SPEC §11 metrics). */
export interface RequestRecord {
  /** The route template, `<prefix>/*` for a mount, or `unmatched`: never the raw URL. */
  route: string;
  method: string;
  status: number;
  /** null: not known (a request Node's parser refused: when it began is not known). */
  seconds: number | null;
}
