// One error type for the HTTP layer. Each carries both APIs' vocabulary so a route can throw it and the
// server renders it in the shape of the route's family (Zenovay or Adapty) in one place.
import { STATUS_CODES, type ServerResponse } from 'node:http';
import { isAppError } from '../config/AppError.js';

export type ErrorFamily = 'zenovay' | 'adapty';

/** Zenovay's documented codes, plus the few a real server needs beyond them. */
export type ZenovayCode =
  | 'VALIDATION_ERROR'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'PLAN_REQUIRED'
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'RATE_LIMIT_EXCEEDED'
  | 'INTERNAL_ERROR'
  /** Requests Node's HTTP parser refuses before any route sees them (createServer.ts clientError). */
  | 'HEADERS_TOO_LARGE'
  /** A request target over Node's header-size limit (createServer.ts clientError, requestTarget.ts). */
  | 'URI_TOO_LONG'
  | 'REQUEST_TIMEOUT'
  /** An Expect header other than 100-continue (createServer.ts checkExpectation). */
  | 'EXPECTATION_FAILED'
  /** A POST whose If-None-Match matches its answer (RFC 9110 §13.1.2: 304 is for GET and HEAD; sendBytes.ts). */
  | 'PRECONDITION_FAILED'
  /** A connection over the server's or the client's connection cap (ConnectionLimit.ts); as the runs routes' 503. */
  | 'UNAVAILABLE'
  /** A request line of an HTTP version other than 1.x (Node's parser takes `HTTP/2.0`; createServer.ts). */
  | 'HTTP_VERSION_NOT_SUPPORTED';

const ADAPTY_CODES: Record<ZenovayCode, string> = {
  VALIDATION_ERROR: 'validation_error',
  UNAUTHORIZED: 'not_authenticated',
  FORBIDDEN: 'permission_denied',
  PLAN_REQUIRED: 'permission_denied',
  NOT_FOUND: 'not_found',
  METHOD_NOT_ALLOWED: 'method_not_allowed',
  PAYLOAD_TOO_LARGE: 'request_too_large',
  UNSUPPORTED_MEDIA_TYPE: 'unsupported_media_type',
  RATE_LIMIT_EXCEEDED: 'throttled',
  INTERNAL_ERROR: 'server_error',
  HEADERS_TOO_LARGE: 'request_header_fields_too_large',
  URI_TOO_LONG: 'uri_too_long',
  REQUEST_TIMEOUT: 'request_timeout',
  EXPECTATION_FAILED: 'expectation_failed',
  PRECONDITION_FAILED: 'precondition_failed',
  UNAVAILABLE: 'service_unavailable',
  HTTP_VERSION_NOT_SUPPORTED: 'http_version_not_supported',
};

/** Every error code, with its HTTP status (openapi.json lists the same codes: a test checks). */
export const STATUS: Record<ZenovayCode, number> = {
  VALIDATION_ERROR: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  PLAN_REQUIRED: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMIT_EXCEEDED: 429,
  INTERNAL_ERROR: 500,
  HEADERS_TOO_LARGE: 431,
  URI_TOO_LONG: 414,
  REQUEST_TIMEOUT: 408,
  EXPECTATION_FAILED: 417,
  PRECONDITION_FAILED: 412,
  UNAVAILABLE: 503,
  HTTP_VERSION_NOT_SUPPORTED: 505,
};

/**
 * A whole HTTP/1.1 response as bytes, for a socket that has no ServerResponse (the parser refused the
 * request, or a CONNECT): the error in the family's shape, its headers, a request id, and Connection: close.
 * It carries what every answer of the pipeline carries (createServer.ts `answer`, README "Security"):
 * nosniff, no Referer, and the Date Node adds to its own responses.
 */
export function rawErrorResponse(family: ErrorFamily, err: HttpError, requestId: string, now: Date): string {
  const body = errorBody(family, err, now);
  return [
    `HTTP/1.1 ${err.status} ${STATUS_CODES[err.status] ?? 'Error'}`,
    `date: ${now.toUTCString()}`,
    'content-type: application/json; charset=utf-8',
    `content-length: ${Buffer.byteLength(body)}`,
    'cache-control: no-store',
    ...Object.entries(err.headers).map(([k, v]) => `${k}: ${v}`),
    `x-request-id: ${requestId}`,
    'x-content-type-options: nosniff',
    'referrer-policy: no-referrer',
    'connection: close',
    '',
    body,
  ].join('\r\n');
}

/** Adapty reports field errors grouped by `source` (Django REST framework style, as its docs show). */
export interface FieldErrors {
  source: string;
  errors: string[];
}

export class HttpError extends Error {
  readonly code: ZenovayCode;
  readonly status: number;
  readonly fields: FieldErrors[];
  readonly headers: Record<string, string>;

  constructor(code: ZenovayCode, message: string, opts: { fields?: FieldErrors[]; headers?: Record<string, string> } = {}) {
    super(message);
    this.name = 'HttpError';
    this.code = code;
    this.status = STATUS[code];
    this.fields = opts.fields ?? [{ source: 'non_field_errors', errors: [message] }];
    this.headers = opts.headers ?? {};
  }
}

/** Anything thrown below a route becomes an HttpError here; engine errors keep their meaning, the rest is a 500. */
export function toHttpError(e: unknown): HttpError {
  if (e instanceof HttpError) return e;
  if (isAppError(e)) {
    if (e.code === 'VALIDATION') return new HttpError('VALIDATION_ERROR', e.message);
    if (e.code === 'NOT_FOUND') return new HttpError('NOT_FOUND', e.message);
    // Overload (too many filtered queries waiting: src/ltv/queryRun.ts): said as such, with when to retry.
    if (e.status === 503) return new HttpError('UNAVAILABLE', e.message, { headers: { 'retry-after': String(e.retryAfterSeconds ?? 1) } });
  }
  // Never leak internals (paths, SQL) to a client: the log has them.
  return new HttpError('INTERNAL_ERROR', 'Internal server error');
}

export function errorBody(family: ErrorFamily, err: HttpError, now: Date): string {
  if (family === 'adapty') {
    return JSON.stringify({ errors: err.fields, error_code: ADAPTY_CODES[err.code], status_code: err.status });
  }
  return JSON.stringify({
    success: false,
    error: { message: err.message, code: err.code, timestamp: now.toISOString() },
  });
}

export function sendError(res: ServerResponse, family: ErrorFamily, err: HttpError): void {
  // Answered already (a timeout answered it while the route ran): one answer per request.
  if (res.writableEnded) return;
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = errorBody(family, err, new Date());
  for (const [k, v] of Object.entries(err.headers)) res.setHeader(k, v);
  res.statusCode = err.status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('content-length', Buffer.byteLength(body));
  res.setHeader('cache-control', 'no-store');
  res.end(body);
}
