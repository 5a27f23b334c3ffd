// Typed errors with a code (STYLE habit 5): the CLI prints `message` on one line, the HTTP layer maps
// `status`, the worker turns non-retryable ones into BullMQ's UnrecoverableError.

export type ErrorCode =
  | 'CONFIG'          // a job file, flag or environment variable is wrong
  | 'INPUT'           // an input file is missing, unreadable or malformed
  | 'DATA'            // the data itself fails a rule (bad-row threshold exceeded, …)
  | 'PUBLISH'         // the reports directory cannot be written
  | 'TRANSIENT'       // worth retrying: Redis, SMTP 4xx, a locked or still-growing file
  | 'STALLED'         // the worker running the run kept stopping (killed, out of memory) past LTV_MAX_STALLED
  | 'NOT_FOUND'
  | 'VALIDATION'
  | 'INTERNAL';

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryable: boolean;
  /** When to try again, in seconds, where the error knows (a 503's Retry-After). */
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, message: string, opts: { status?: number; retryable?: boolean; retryAfterSeconds?: number; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = opts.status ?? (code === 'NOT_FOUND' ? 404 : code === 'VALIDATION' ? 400 : 500);
    this.retryable = opts.retryable ?? code === 'TRANSIENT';
    this.retryAfterSeconds = opts.retryAfterSeconds;
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}
