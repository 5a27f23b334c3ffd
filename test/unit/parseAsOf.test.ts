// `--as-of` (ltv run, ltv enqueue): an instant with its offset, as a job file's as_of; nothing guessed.
import { describe, expect, it } from 'vitest';
import { asOfText } from '../../src/config/jobSchema.js';
import { parseAsOf } from '../../src/config/parseAsOf.js';

describe('parseAsOf', () => {
  it.each([
    ['2026-03-01T00:00:00Z', '2026-03-01T00:00:00.000Z'],
    ['2026-03-01T00:00-03:00', '2026-03-01T03:00:00.000Z'],
    ['2026-03-01T10:30:15.5+05:30', '2026-03-01T05:00:15.500Z'],
    ['2026-03-01t10:00z', '2026-03-01T10:00:00.000Z'],
    // RFC 3339 lets a space stand for the T, as the rows' own times may (ltv_iso_shape, 02_macros.sql): it was
    // told it had "no UTC offset" though it ended in Z, with an example at midnight instead of its 15:00.
    ['2026-03-16 15:00:00Z', '2026-03-16T15:00:00.000Z'],
    ['2026-03-16 15:00+01:00', '2026-03-16T14:00:00.000Z'],
  ])('reads %s', (text, iso) => {
    expect(parseAsOf(text).toISOString()).toBe(iso);
    expect(asOfText.safeParse(text).success).toBe(true);
  });

  it.each([
    ['2026-03-01', '2026-03-01T00:00:00'], ['2026-03-01T00:00:00', '2026-03-01T00:00:00'], ['2026-03-01 00:00:00', '2026-03-01T00:00:00'],
    // The example keeps the time given (it suggested midnight, dropping 15:00).
    ['2026-03-16T15:00:00', '2026-03-16T15:00:00'], ['2026-03-16 15:00', '2026-03-16T15:00'], ['2026-03-16T15:00:00.250', '2026-03-16T15:00:00.250'],
  ])('refuses %s, which has no UTC offset, suggesting %s with one', (text, base) => {
    expect(() => parseAsOf(text)).toThrow(`--as-of: "${text}" has no UTC offset: give one, e.g. ${base}Z or ${base}+01:00 (without it the time would be read in UTC, not in the report time zone)`);
  });

  it.each([
    ['2026-02-29T00:00:00Z', '2026-02 has days 01 to 28'],
    ['2026-02-30T00:00:00Z', '2026-02 has days 01 to 28'],
    ['2026-04-31T00:00:00+02:00', '2026-04 has days 01 to 30'],
    ['2026-01-01T24:00:00Z', 'hours run 00 to 23, minutes and seconds 00 to 59'],
  ])('refuses %s, which no calendar or clock shows (JavaScript would roll it over)', (text, why) => {
    expect(() => parseAsOf(text)).toThrow(`--as-of: "${text}" is no calendar time: ${why} (JavaScript would roll it over into the next month or day)`);
  });

  it.each([
    ['2026-03-01T10:00:00+0100', '+01:00', '2026-03-01T10:00:00+01:00'], ['2026-03-01T10:00+01', '+01:00', '2026-03-01T10:00+01:00'],
    ['2026-03-01 10:00:00-0530', '-05:30', '2026-03-01T10:00:00-05:30'],
  ])('refuses %s, an offset without its colon, saying how to write it', (text, offset, example) => {
    // It said "has no UTC offset" of a time that has one, and suggested midnight for it.
    expect(() => parseAsOf(text)).toThrow(`--as-of: "${text}": write its UTC offset as ${offset} (e.g. ${example})`);
  });

  it.each([
    ['2026-03-16 15:00:00 Z', 'it as 2026-03-16T15:00:00Z'], ['2026-03-16  15:00+01:00', 'it as 2026-03-16T15:00+01:00'],
  ])('refuses %s, whose offset JavaScript reads apart from its time, keeping its date and time in the example', (text, example) => {
    expect(() => parseAsOf(text)).toThrow(`--as-of: "${text}" is not an ISO 8601 time: write ${example} (one T or space between date and time, the UTC offset right after the time)`);
  });

  it.each(['2026-03-16T15:00:00+15:00', '2026-03-16T15:00-14:30', '2026-03-16T15:00+23:59'])('refuses %s, whose UTC offset no time zone has (beyond ±14:00; +15:00 was taken)', (text) => {
    const offset = text.slice(-6);
    expect(() => parseAsOf(text)).toThrow(`--as-of: "${text}" has the UTC offset ${offset}, beyond ±14:00, the widest any time zone has (Pacific/Kiritimati's +14:00): give the offset of the zone the time was written in`);
    expect(asOfText.safeParse(text).success).toBe(false);
  });

  it('reads the offsets real zones have, to ±14:00', () => {
    expect(parseAsOf('2026-03-16T15:00:00+14:00').toISOString()).toBe('2026-03-16T01:00:00.000Z');
    expect(parseAsOf('2026-03-16T15:00:00-12:00').toISOString()).toBe('2026-03-17T03:00:00.000Z');
  });

  it('reads the 29th of February of a leap year', () => {
    expect(parseAsOf('2024-02-29T23:59:59Z').toISOString()).toBe('2024-02-29T23:59:59.000Z');
  });

  it.each(['yesterday', '2026-13-01T00:00:00Z', '1772323200', '2026-01-01T23:59:60Z', '2026-01-01T10:00+24:00'])('refuses %s, which is no ISO 8601 time', (text) => {
    expect(() => parseAsOf(text)).toThrow(`--as-of: "${text}" is not an ISO 8601 time (e.g. 2026-03-16T15:00:00Z)`);
  });
});

// T is kept to the millisecond (a Date) while rows keep microseconds: a finer as-of was cut, and a row at
// .9995 before a T of .999999 was left out as after it.
describe('an as-of time finer than a millisecond', () => {
  const said = (text: string, example: string): string =>
    `"${text}" has a fraction of a second finer than a millisecond, which ltv does not keep: give at most 3 fraction digits (e.g. ${example})`;

  it.each([
    ['2025-01-05T09:59:59.999999Z', '2025-01-05T09:59:59.999Z'],
    ['2025-01-05T09:59:59.0001+01:00', '2025-01-05T09:59:59.000+01:00'],
    // Ten digits or more were told they had no UTC offset, with an example that dropped the time.
    ['2026-03-16T15:00:00.123456789012Z', '2026-03-16T15:00:00.123Z'],
  ])('is refused by --as-of: %s', (text, example) => {
    expect(() => parseAsOf(text)).toThrow(`--as-of: ${said(text, example)}`);
  });

  it('without an offset, or with one written without its colon, its example keeps the time given, cut to milliseconds (one ltv reads)', () => {
    expect(() => parseAsOf('2026-03-16T15:00:00.123456789012')).toThrow('--as-of: "2026-03-16T15:00:00.123456789012" has no UTC offset: give one, e.g. 2026-03-16T15:00:00.123Z or 2026-03-16T15:00:00.123+01:00 (without it the time would be read in UTC, not in the report time zone)');
    expect(() => parseAsOf('2026-03-20T15:00:00.1234567890+0100')).toThrow('--as-of: "2026-03-20T15:00:00.1234567890+0100": write its UTC offset as +01:00 (e.g. 2026-03-20T15:00:00.123+01:00)');
  });

  it('is read with trailing zeros beyond the milliseconds', () => {
    expect(parseAsOf('2025-01-05T09:59:59.999000000Z').toISOString()).toBe('2025-01-05T09:59:59.999Z');
    expect(parseAsOf('2025-01-05T09:59:59.5Z').toISOString()).toBe('2025-01-05T09:59:59.500Z');
    expect(parseAsOf('2025-01-05T09:59:59.999000000000Z').toISOString()).toBe('2025-01-05T09:59:59.999Z');
    expect(asOfText.safeParse('2025-01-05T09:59:59.999000000000Z').success).toBe(true);
  });

  it('is refused in a job file\'s "as_of" and the run route\'s body, which share the rule (asOfText)', () => {
    const text = '2025-01-05T09:59:59.999999Z';
    const r = asOfText.safeParse(text);
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.message)).toEqual([said(text, '2025-01-05T09:59:59.999Z')]);
    expect(asOfText.safeParse('2025-01-05T09:59:59.999000Z').success).toBe(true);
  });
});
