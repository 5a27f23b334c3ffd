// `--as-of` of `ltv run` and `ltv enqueue`: an ISO 8601 instant, as a job file's "as_of" must be. A date or
// a time without a UTC offset is refused rather than guessed: JavaScript would read it as UTC, not in the
// report time zone, and move T by hours.
import { AppError, type ErrorCode } from './AppError.js';

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;

export function parseAsOf(text: string, code: ErrorCode = 'CONFIG'): Date {
  const d = new Date(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(d.getTime())) {
    throw new AppError(code, `--as-of: "${text}" is not an ISO 8601 time (e.g. 2026-03-16T15:00:00Z)`);
  }
  if (!INSTANT.test(text)) {
    throw new AppError(code,
      `--as-of: "${text}" has no UTC offset: give one, e.g. ${text.slice(0, 10)}T00:00:00Z or ${text.slice(0, 10)}T00:00:00+01:00 (without it the time would be read in UTC, not in the report time zone)`);
  }
  return d;
}
