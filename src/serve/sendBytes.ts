// Writes a cacheable body: ETag, If-None-Match → 304 (412 to a POST), gzip when the client accepts it. Snapshot files
// are served as their bytes; the gzipped bytes are computed once per file and kept with it. A body
// stored gzipped only is sent as it is to clients that accept gzip and decompressed as a stream for the
// others (chunked: its length is not known without decompressing it first).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream';
import { promisify } from 'node:util';
import { createGunzip, gzip as gzipCallback, gzipSync } from 'node:zlib';
import { HttpError } from './HttpError.js';

const gzipAsync = promisify(gzipCallback);

export interface Cacheable {
  /** The body; absent when only `gzip` gives it. */
  bytes?: Buffer;
  etag: string;
  contentType: string;
  /** Returns the gzipped bytes (cached by the caller); required when `bytes` is absent. */
  gzip?: () => Buffer;
}

const MIN_GZIP_BYTES = 256;

/**
 * RFC 9110 §12.5.3: gzip's own entry (or x-gzip's) decides; `*` only speaks for codings not listed, so
 * `gzip;q=0, *` refuses gzip. The q parameter's name is case-insensitive (`gzip;Q=0` refuses too).
 */
function acceptsGzip(req: IncomingMessage): boolean {
  const ae = req.headers['accept-encoding'];
  if (typeof ae !== 'string') return false;
  let own: number | undefined;
  let star: number | undefined;
  for (const part of ae.split(',')) {
    const [name, ...params] = part.split(';').map((p) => p.trim().toLowerCase());
    const q = params.find((p) => /^q\s*=/.test(p));
    const weight = q === undefined ? 1 : Number(q.slice(q.indexOf('=') + 1).trim());
    const w = Number.isNaN(weight) ? 0 : weight;
    if (name === 'gzip' || name === 'x-gzip') own = Math.max(own ?? 0, w);
    else if (name === '*') star = w;
  }
  return (own ?? star ?? 0) > 0;
}

/** Where gzipped bodies are kept for reuse: a run's computed answers, or a snapshot file's derived bodies. */
export interface GzipMemo {
  get(key: string): Buffer | undefined;
  set(key: string, gz: Buffer): void;
}

/**
 * The `gzip` of a body computed per request (a filtered Adapty answer, a snapshot's csv), for a request
 * that will get it gzipped: compressed once, on zlib's thread pool, and kept in `memo` under `key`.
 * Compressing in sendBytes instead took ~0.5 s of the event loop for a 20 MB day-unit body on every
 * request that accepts gzip (every browser's), stalling every other request meanwhile.
 */
export async function gzipOnce(req: IncomingMessage, bytes: Buffer, memo: GzipMemo, key: string): Promise<Pick<Cacheable, 'gzip'>> {
  if (bytes.length < MIN_GZIP_BYTES || !acceptsGzip(req)) return {};
  let gz = memo.get(key);
  if (!gz) {
    gz = await gzipAsync(bytes);
    memo.set(key, gz);
  }
  const kept = gz;
  return { gzip: () => kept };
}

/**
 * RFC 9110 §13.1.2 (weak comparison) against the tag of the representation this request gets: the gzip and
 * the identity bodies have tags of their own, so a client that now refuses gzip is not told to reuse a gzip
 * body it kept (nor one that accepts it an identity body: harmless, but not what it would get).
 */
function etagMatches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((t) => t.trim().replace(/^W\//, '') === etag);
}

export function sendBytes(req: IncomingMessage, res: ServerResponse, body: Cacheable): void {
  const gzEtag = body.etag.replace(/"$/, '-gzip"');
  const gzip = (body.bytes === undefined || body.bytes.length >= MIN_GZIP_BYTES) && acceptsGzip(req);
  const etag = gzip ? gzEtag : body.etag;
  const notModified = etagMatches(req.headers['if-none-match'], etag);
  // RFC 9110 §13.1.2: when If-None-Match is false, 304 answers GET and HEAD only; any other method (Adapty's
  // POST) MUST get 412. No client of ours sends it on a POST (browsers never do; the explorer does not).
  if (notModified && req.method !== 'GET' && req.method !== 'HEAD') {
    throw new HttpError('PRECONDITION_FAILED', `If-None-Match matches this answer (${etag}): it has not changed; to get it again, send the POST without If-None-Match`);
  }
  res.setHeader('vary', 'Accept-Encoding');
  res.setHeader('cache-control', 'private, no-cache');
  res.setHeader('etag', etag);
  if (notModified) {
    res.statusCode = 304;
    res.end();
    return;
  }
  res.statusCode = 200;
  res.setHeader('content-type', body.contentType);
  if (body.bytes === undefined) {
    if (!body.gzip) throw new Error('sendBytes: a body needs bytes or gzip');
    if (!gzip) {
      const gunzip = createGunzip();
      // Headers are sent by now: a corrupt file can only cut the response short (the manifest's
      // sha256 was checked when the file was read, so this means the disk failed).
      pipeline(gunzip, res, () => undefined);
      gunzip.end(body.gzip());
      return;
    }
  }
  const bytes = gzip ? (body.gzip ? body.gzip() : gzipSync(body.bytes as Buffer)) : (body.bytes as Buffer);
  if (gzip) res.setHeader('content-encoding', 'gzip');
  res.setHeader('content-length', bytes.length);
  res.end(bytes);
}
