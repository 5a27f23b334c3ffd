// `--as-of` (ltv run, ltv enqueue): an instant with its offset, as a job file's as_of; nothing guessed.
import { describe, expect, it } from 'vitest';
import { parseAsOf } from '../../src/config/parseAsOf.js';

describe('parseAsOf', () => {
  it.each([
    ['2026-03-01T00:00:00Z', '2026-03-01T00:00:00.000Z'],
    ['2026-03-01T00:00-03:00', '2026-03-01T03:00:00.000Z'],
    ['2026-03-01T10:30:15.5+05:30', '2026-03-01T05:00:15.500Z'],
  ])('reads %s', (text, iso) => {
    expect(parseAsOf(text).toISOString()).toBe(iso);
  });

  it.each(['2026-03-01', '2026-03-01T00:00:00', '2026-03-01 00:00:00'])('refuses %s, which has no UTC offset', (text) => {
    expect(() => parseAsOf(text)).toThrow(`--as-of: "${text}" has no UTC offset: give one, e.g. 2026-03-01T00:00:00Z or 2026-03-01T00:00:00+01:00 (without it the time would be read in UTC, not in the report time zone)`);
  });

  it.each(['yesterday', '2026-13-01T00:00:00Z', '1772323200'])('refuses %s, which is no ISO 8601 time', (text) => {
    expect(() => parseAsOf(text)).toThrow(`--as-of: "${text}" is not an ISO 8601 time (e.g. 2026-03-16T15:00:00Z)`);
  });
});
