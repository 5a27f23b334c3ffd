// The as-of time T a run is asked for. `--as-of` of `ltv run` and `ltv enqueue`, and a job file's "as_of":
// an ISO 8601 instant, one rule for all three (asOfProblem). A date or a time without a UTC offset is
// refused rather than guessed: JavaScript would read it as UTC, not in the report time zone, and move T by
// hours. And T may not be more than a day ahead (futureAsOfError), checked by the run and wherever a run
// is added.
import { AppError, type ErrorCode } from './AppError.js';
import { quotedName } from '../format/listed.js';

/**
 * The shape of an as-of time: date, T, hours and minutes, seconds and a fraction optional (at most
 * milliseconds, then any zeros: T is a Date), then Z or an offset ±hh:mm (RFC 3339's); T and Z in either case,
 * or a space for the T, as RFC 3339 allows and the rows' own times are read (ltv_iso_shape, 02_macros.sql).
 * Written without flags: jobs/job.schema.json takes it as its pattern (jobJsonSchema.ts).
 */
export const INSTANT = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,3}0*)?)?([Zz]|[+-]\d{2}:\d{2})$/;
/**
 * INSTANT with a fraction of any length: a finer one is refused as such, not as a missing offset (10 digits
 * or more were told to "give" the offset they had).
 */
const INSTANT_ANY_FRACTION = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * The text as given, quoted on one line and at most 80 characters: a queued run's as-of comes from a queue's
 * data, where a line break or a page of text made the run's failure reason as long (the CLI's and a job
 * file's one-line messages flattened theirs).
 */
const shown = (text: string): string => quotedName(text, 80);

/** A time in an example, its fraction cut to milliseconds: the example is then one ltv reads. */
const millis = (time: string): string => time.replace(/(\.\d{3})\d+/, '$1');

/** Why `text` is no as-of time (what to write instead), or null: the rule of --as-of and a job's "as_of". */
export function asOfProblem(text: string): string | null {
  // An offset written without its colon (+0100, +01) is an offset all the same: say how to write it.
  const basic = /^(\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)([+-])(\d{2})(\d{2})?$/.exec(text);
  if (basic) {
    const offset = `${basic[2]}${basic[3]}:${basic[4] ?? '00'}`;
    return `${shown(text)}: write its UTC offset as ${offset} (e.g. ${millis(basic[1]!.replace(' ', 'T'))}${offset})`;
  }
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(new Date(text).getTime())) {
    return `${shown(text)} is not an ISO 8601 time (e.g. 2026-03-16T15:00:00Z)`;
  }
  if (!INSTANT_ANY_FRACTION.test(text)) {
    // The example keeps the date and time given (a date alone: its midnight), with a T.
    const [, date, time, after = ''] = /^(\d{4}-\d{2}-\d{2})(?:[Tt ]+(\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?([\s\S]*)$/.exec(text) ?? [];
    const base = millis(`${date ?? text.slice(0, 10)}T${time ?? '00:00:00'}`);
    if (after === '') return `${shown(text)} has no UTC offset: give one, e.g. ${base}Z or ${base}+01:00 (without it the time would be read in UTC, not in the report time zone)`;
    // Something JavaScript reads, but not where RFC 3339 puts it ("2026-03-16 15:00:00 Z", two spaces for the T).
    const offset = /^\s*([Zz]|[+-]\d{2}:\d{2})$/.exec(after)?.[1];
    return `${shown(text)} is not an ISO 8601 time: write ${offset ? `it as ${base}${offset.toUpperCase()}` : `e.g. ${base}Z or ${base}+01:00`} (one T or space between date and time, the UTC offset right after the time)`;
  }
  const wrong = notOnTheCalendar(text);
  if (wrong) return `${shown(text)} is no calendar time: ${wrong} (JavaScript would roll it over into the next month or day)`;
  // RFC 3339 writes offsets to ±23:59, but no zone is further from UTC than 14 hours: +15:00 is a typo that
  // moved T by a day's worth of hours without a word.
  const offset = /[+-](\d{2}):(\d{2})$/.exec(text);
  if (offset && Number(offset[1]) * 60 + Number(offset[2]) > 14 * 60) {
    return `${shown(text)} has the UTC offset ${offset[0]}, beyond ±14:00, the widest any time zone has (Pacific/Kiritimati's +14:00): give the offset of the zone the time was written in`;
  }
  // T is a Date everywhere (milliseconds) while rows keep microseconds: a finer fraction was cut silently,
  // leaving out a row at .9995 before a T of .999999. Trailing zeros say nothing finer.
  const fraction = /\.(\d{4,})/.exec(text);
  if (fraction && /[1-9]/.test(fraction[1]!.slice(3))) {
    return `${shown(text)} has a fraction of a second finer than a millisecond, which ltv does not keep: give at most 3 fraction digits (e.g. ${text.replace(/\.(\d{3})\d+/, '.$1')})`;
  }
  return null;
}

export function parseAsOf(text: string, code: ErrorCode = 'CONFIG'): Date {
  const problem = asOfProblem(text);
  if (problem) throw new AppError(code, `--as-of: ${problem}`);
  return new Date(text);
}

/** What of an INSTANT-shaped text no clock or calendar shows (2026-02-30, 24:00, an offset of +25:00), or null. */
function notOnTheCalendar(text: string): string | null {
  const n = (from: number, to: number): number => Number(text.slice(from, to));
  const [year, month, day, hour, minute] = [n(0, 4), n(5, 7), n(8, 10), n(11, 13), n(14, 16)];
  const second = text[16] === ':' ? n(17, 19) : 0;
  if (month < 1 || month > 12) return `month ${text.slice(5, 7)} does not exist`;
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day < 1 || day > days) return `${text.slice(0, 7)} has days 01 to ${days}`;
  if (hour > 23 || minute > 59 || second > 59) return 'hours run 00 to 23, minutes and seconds 00 to 59';
  const offset = /([+-])(\d{2}):(\d{2})$/.exec(text);
  if (offset && (Number(offset[2]) > 23 || Number(offset[3]) > 59)) return `the UTC offset ${offset[0]} does not exist`;
  return null;
}

/**
 * Why an as-of time cannot be run, or null: more than a day after now (a typo such as 9999), which the run
 * would refuse in the worker (startRun, with this same line). Checked when the run is added, so whoever
 * asked gets the message instead of an id of a run bound to fail. `remedy` names where the time came from
 * as whoever asked can change it (the flag, the job file, the request's body).
 */
export function futureAsOfError(asOf: Date, remedy = 'give an earlier --as-of (or "as_of" in the job file)', now = Date.now()): string | null {
  if (asOf.getTime() <= now + 86_400_000) return null;
  return `as-of ${asOf.toISOString()} is more than a day after the current time (${new Date(now).toISOString()}): LTV is measured up to a time that has passed; ${remedy}`;
}
