// SPEC §6: request bodies over 64 KiB get 413. We refuse on Content-Length before reading a byte, and
// for chunked bodies stop at the limit instead of buffering the rest.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { duplicateKey } from '../config/duplicateKey.js';
import { HttpError } from './HttpError.js';
import { headerValues } from './rawHeaders.js';

export const MAX_BODY_BYTES = 64 * 1024;
const UTF8 = new TextDecoder('utf-8', { fatal: true });


/** The client closed the connection before its body was complete: nobody to answer, nothing to log as an error. */
export class ClientGoneError extends Error {
  constructor(message = 'client closed the connection before the request body was complete') {
    super(message);
    this.name = 'ClientGoneError';
  }
}

export function bodyTooLarge(req: IncomingMessage): boolean {
  const len = req.headers['content-length'];
  return len !== undefined && Number(len) > MAX_BODY_BYTES;
}

/**
 * A body the routes read as JSON must say so or say nothing (a bare http.request sends none; curl -d sends
 * application/x-www-form-urlencoded, refused like any other type): any other media type, a charset other
 * than UTF-8, or a Content-Encoding or transfer coding (other than chunked) we do not decode gets 415 rather
 * than being parsed as something it is not.
 */
export function checkJsonContent(req: IncomingMessage): void {
  const encoding = req.headers['content-encoding']?.trim().toLowerCase();
  if (encoding !== undefined && encoding !== '' && encoding !== 'identity') {
    throw new HttpError('UNSUPPORTED_MEDIA_TYPE', `Content-Encoding ${encoding} is not supported: send the body uncompressed (no Content-Encoding)`);
  }
  // Node's parser takes the chunked framing off `Transfer-Encoding: gzip, chunked` and passes the gzip layer
  // on as the body: another coding is refused like a Content-Encoding, not parsed as JSON.
  const transfer = req.headers['transfer-encoding']?.split(',').map((c) => c.trim().toLowerCase()).filter((c) => c !== '' && c !== 'chunked');
  if (transfer !== undefined && transfer.length > 0) {
    throw new HttpError('UNSUPPORTED_MEDIA_TYPE', `Transfer-Encoding ${transfer.join(', ')} is not supported: send the body uncompressed (Transfer-Encoding: chunked alone, or Content-Length)`);
  }
  // Node keeps the first of several Content-Type headers: which type counted depended on their order.
  const types = new Set(headerValues(req, 'content-type').map((t) => t.trim().toLowerCase()));
  if (types.size > 1) throw new HttpError('VALIDATION_ERROR', 'Send one Content-Type header: this request carries several different ones');
  const type = req.headers['content-type'];
  if (type === undefined) return;
  const [media = '', ...params] = type.split(';').map((p) => p.trim().toLowerCase());
  if (media !== 'application/json' && !/^application\/[a-z0-9.+-]+\+json$/.test(media)) {
    throw new HttpError('UNSUPPORTED_MEDIA_TYPE', `Content-Type ${media || '(empty)'} is not supported: send the body as application/json`);
  }
  const charset = params.find((p) => p.startsWith('charset='))?.slice('charset='.length).replace(/^"|"$/g, '');
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw new HttpError('UNSUPPORTED_MEDIA_TYPE', `charset ${charset} is not supported: send the body as application/json in UTF-8`);
  }
}

/**
 * RFC 9110 §10.1.1: a client that sent `Expect: 100-continue` waits for 100 before sending its body. The
 * server (createServer.ts, its checkContinue listener) sends it only here, once a route reads the body: a
 * request refused first (401, 403, 413, 415, 429, …) gets its final answer instead, and its body is never sent.
 */
export function continueBody(req: IncomingMessage, res: ServerResponse): void {
  const expect = req.headers.expect;
  if (expect !== undefined && expect.trim().toLowerCase() === '100-continue' && !res.headersSent) res.writeContinue();
}

export function readJsonBody(req: IncomingMessage, res: ServerResponse, limit = MAX_BODY_BYTES): Promise<unknown> {
  return new Promise((resolve, reject) => {
    if (bodyTooLarge(req)) {
      reject(new HttpError('PAYLOAD_TOO_LARGE', `Request body is larger than ${limit} bytes`));
      return;
    }
    continueBody(req, res);
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer): void => {
      size += c.length;
      if (size > limit) {
        req.off('data', onData);
        req.pause();
        reject(new HttpError('PAYLOAD_TOO_LARGE', `Request body is larger than ${limit} bytes`));
        return;
      }
      chunks.push(c);
    };
    let ended = false;
    req.on('data', onData);
    // A connection reset mid-body is the client's doing (any client can cause it at will): not a server error.
    req.on('error', (e: NodeJS.ErrnoException) => reject(e.code === 'ECONNRESET' || e.message === 'aborted' ? new ClientGoneError() : e));
    req.on('close', () => {
      if (!ended) reject(new ClientGoneError());
    });
    req.on('end', () => {
      ended = true;
      if (size > limit) return;
      let text: string;
      try {
        // Fatal: a byte that is not UTF-8 (a Latin-1 `é` from a client that ignored the charset) must not
        // become U+FFFD and silently match nothing. A leading BOM is dropped (RFC 8259 §8.1 allows that).
        text = UTF8.decode(Buffer.concat(chunks));
      } catch {
        reject(new HttpError('VALIDATION_ERROR', 'the body is not valid UTF-8: send the JSON object encoded in UTF-8'));
        return;
      }
      if (text.trim() === '') {
        reject(new HttpError('VALIDATION_ERROR', 'the body is empty: send a JSON object'));
        return;
      }
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch (e) {
        reject(new HttpError('VALIDATION_ERROR', `the body is not valid JSON (${e instanceof Error ? e.message : String(e)}): send a JSON object`));
        return;
      }
      // JSON.parse keeps the last of a key given twice without a word: {"country": ["us"], "country": []}
      // was answered unfiltered. Strict as the rest of the validation: a typo must not widen the answer.
      const twice = duplicateKey(text);
      if (twice) {
        const message = `${twice.path} is given twice in the body: send it once`;
        reject(new HttpError('VALIDATION_ERROR', message, { fields: [{ source: twice.path, errors: [message] }] }));
        return;
      }
      // A lone surrogate escape (`"\ud800"`) is valid JSON but no Unicode text: like an invalid UTF-8 byte,
      // it would match nothing and silently empty the answer.
      const broken = /\\u[dD][89a-fA-F]/.test(text) ? illFormedAt(body) : null;
      if (broken) {
        const message = `${broken} holds a lone UTF-16 surrogate escape (\\ud800–\\udfff without its pair), which is no Unicode text: send the text itself`;
        reject(new HttpError('VALIDATION_ERROR', message, { fields: [{ source: broken, errors: [message] }] }));
        return;
      }
      resolve(body);
    });
  });
}

// In a `u` expression a pair is one code point: only a surrogate without its pair is of category Cs.
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * The field path (`filters.country[0]`, as duplicateKey names fields) of the first key or string value
 * in `value` that is not well-formed Unicode, or null. A loop with its own stack: the body may nest deep.
 */
function illFormedAt(value: unknown): string | null {
  const stack: [unknown, string][] = [[value, '']];
  while (stack.length > 0) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      if (LONE_SURROGATE.test(v)) return path || 'the body';
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${path}[${i}]`]);
    } else if (v !== null && typeof v === 'object') {
      const entries = Object.entries(v);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [k, item] = entries[i]!;
        const at = path ? `${path}.${k}` : k;
        if (LONE_SURROGATE.test(k)) return `a key of ${path || 'the body'}`;
        stack.push([item, at]);
      }
    }
  }
  return null;
}
