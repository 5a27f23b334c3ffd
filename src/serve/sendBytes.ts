// Writes a cacheable body: ETag, If-None-Match → 304, gzip when the client accepts it. Snapshot files
// are served as their bytes; the gzipped bytes are computed once per file and kept with it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';

export interface Cacheable {
  bytes: Buffer;
  etag: string;
  contentType: string;
  /** Returns the gzipped bytes (cached by the caller). */
  gzip?: () => Buffer;
}

const MIN_GZIP_BYTES = 256;

function acceptsGzip(req: IncomingMessage): boolean {
  const ae = req.headers['accept-encoding'];
  if (typeof ae !== 'string') return false;
  // `gzip;q=0` is an explicit refusal.
  return ae.split(',').some((part) => {
    const [name, ...params] = part.trim().split(';');
    if (name?.trim().toLowerCase() !== 'gzip' && name?.trim() !== '*') return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

function etagMatches(header: string | undefined, etag: string, gzEtag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === '*') return true;
  return header.split(',').some((t) => {
    const tag = t.trim().replace(/^W\//, '');
    return tag === etag || tag === gzEtag;
  });
}

export function sendBytes(req: IncomingMessage, res: ServerResponse, body: Cacheable): void {
  const gzEtag = body.etag.replace(/"$/, '-gzip"');
  const gzip = body.bytes.length >= MIN_GZIP_BYTES && acceptsGzip(req);
  res.setHeader('vary', 'Accept-Encoding');
  res.setHeader('cache-control', 'private, no-cache');
  res.setHeader('etag', gzip ? gzEtag : body.etag);
  if (etagMatches(req.headers['if-none-match'], body.etag, gzEtag)) {
    res.statusCode = 304;
    res.end();
    return;
  }
  res.statusCode = 200;
  res.setHeader('content-type', body.contentType);
  const bytes = gzip ? (body.gzip ? body.gzip() : gzipSync(body.bytes)) : body.bytes;
  if (gzip) res.setHeader('content-encoding', 'gzip');
  res.setHeader('content-length', bytes.length);
  res.end(bytes);
}
