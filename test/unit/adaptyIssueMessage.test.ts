import { describe, expect, it } from 'vitest';
import { HttpError } from '../../src/serve/HttpError.js';
import { parseAdaptyRequest } from '../../src/serve/adaptyRequest.js';

/** The messages of a rejected body, field by field. */
function errors(body: unknown): Record<string, string[]> {
  try {
    parseAdaptyRequest(body);
  } catch (e) {
    expect(e).toBeInstanceOf(HttpError);
    const fields = (e as HttpError & { fields?: { source: string; errors: string[] }[] }).fields ?? [];
    return Object.fromEntries(fields.map((f) => [f.source, f.errors]));
  }
  throw new Error('accepted');
}

const ALL = ['2020-01-01', '2030-01-01'];

describe('Adapty validation errors in words (issue 16)', () => {
  it('names the field and what to send, never zod’s own wording', () => {
    expect(errors({ filters: {} })).toEqual({ 'filters.date': ['filters.date is required: [from, to] as YYYY-MM-DD'] });
    expect(errors({ filters: { date: ['2026-01-01'] } })).toEqual({ 'filters.date': ['filters.date must be [from, to] as YYYY-MM-DD'] });
    expect(errors({ filters: { date: ['2026-03-01', '2026-01-01'] } })).toEqual({ 'filters.date': ['filters.date must be [from, to] with from on or before to'] });
    expect(errors({ filters: { date: ['2026-02-30', '2026-03-01'] } })).toEqual({ 'filters.date': ['filters.date is not a calendar date'] });
    expect(errors({ filters: { date: ALL, country: 'us' } })).toEqual({ 'filters.country': ['filters.country must be a list of strings, e.g. ["US", "DE"]'] });
    expect(errors({ filters: { date: ALL, country: [1] } })).toEqual({ 'filters.country': ['filters.country must hold strings only, e.g. ["US", "DE"]'] });
    expect(errors({ filters: { date: ALL }, period_unit: 'fortnight' })).toEqual({ period_unit: ['period_unit must be one of: day, week, month, quarter, year'] });
    expect(errors({ filters: { date: ALL }, x: 1 })).toEqual({ non_field_errors: ['the body has unknown field(s): x'] });
    const all = JSON.stringify([errors({}), errors({ filters: { date: 5 } }), errors({ filters: { date: ALL, store: [null] } }), errors({ filters: { date: ALL }, format: 'xml' })]);
    expect(all).not.toMatch(/Invalid input|expected \w+, received/);
  });
});
