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
    // Names other than plain ones are quoted (a comma or a line break cannot blur the list) and cut to 32 characters.
    expect(errors({ filters: { date: ALL, 'a, b': [], ['x'.repeat(40)]: [], 'l\u2028s': [] } })).toEqual({
      filters: [`filters has unknown field(s): "a, b", "${'x'.repeat(32)}…", "l\\u2028s" (filters: date and the MetricsFilters keys such as country, store, product)`],
    });
    const all = JSON.stringify([errors({}), errors({ filters: { date: 5 } }), errors({ filters: { date: ALL, store: [null] } }), errors({ filters: { date: ALL }, format: 'xml' })]);
    expect(all).not.toMatch(/Invalid input|expected \w+, received/);
  });

  it('prediction_months: one sentence naming the field and the whole numbers allowed, whatever is wrong', () => {
    const allowed = "prediction_months must be a whole number of months from 1 to the run's forecast horizon (24 unless its job sets another)";
    // null is no prediction_months at all (an optional field sent as null is one not sent).
    for (const bad of [0, -3, 1.5, 1e20, 121, '3', true, [6], {}]) {
      expect(errors({ filters: { date: ALL }, prediction_months: bad }), JSON.stringify(bad)).toEqual({ prediction_months: [allowed] });
    }
  });

  it('a body that is not a JSON object says so, with an example', () => {
    const notObject = 'the body must be a JSON object, e.g. {"filters": {"date": ["2026-01-01", "2026-03-31"]}}';
    for (const body of [[], null, 5, 'x', true, [{ filters: { date: ALL } }]]) {
      expect(errors(body), JSON.stringify(body)).toEqual({ non_field_errors: [notObject] });
    }
  });

  it('one sentence per field, in plain words, for lists, dates and compare_date', () => {
    expect(errors({ filters: { date: ALL, compare_date: 'garbage' } })).toEqual({ 'filters.compare_date': ['filters.compare_date must be [from, to] as YYYY-MM-DD, as date is (it is checked, then ignored: the answer compares no periods)'] });
    expect(errors({ filters: { date: ALL, compare_date: ['a', 'b', 'c'] } })).toEqual({ 'filters.compare_date': ['filters.compare_date must be [from, to] as YYYY-MM-DD, as date is (it is checked, then ignored: the answer compares no periods)'] });
    expect(errors({ filters: { date: ['2026-1-1', '2026-01-01'] } })).toEqual({ 'filters.date': ['filters.date must be [from, to] as YYYY-MM-DD'] });
    expect(errors({ filters: { date: ['2026-01-01', '2026-01-01', '2026-01-02'] } })).toEqual({ 'filters.date': ['filters.date must be [from, to] as YYYY-MM-DD'] });
    // A value as long as a run may publish it (the explorer offers it) is a filter like any other.
    expect(() => parseAdaptyRequest({ filters: { date: ALL, country: ['x'.repeat(3000)] } })).not.toThrow();
    expect(errors({ filters: { date: ALL, country: Array.from({ length: 1001 }, () => 'us') } })).toEqual({ 'filters.country': ['filters.country must be a list of at most 1000 values'] });
    expect(errors({ filters: null })).toEqual({ filters: ['filters must be an object with date: [from, to] as YYYY-MM-DD, and optional filter lists such as country: ["US"]'] });
    expect(errors({ filters: { date: ALL }, segmentation: 5 })).toEqual({ segmentation: ['segmentation must be one of: day, week, month, year, country, product, store_product_id, paywall, paywalls_group, audience, placement, duration, store'] });
  });

  it('compare_date: checked as date is (Adapty types both alike), then ignored; its message says that check', () => {
    const shape = ['filters.compare_date must be [from, to] as YYYY-MM-DD, as date is (it is checked, then ignored: the answer compares no periods)'];
    // Each of these was answered 200 (the first five) or refused under a message naming a check not made.
    for (const bad of [['foo', 'bar'], [''], ['2025-01-01'], '2023-01-01', [1, 2], [null, null], ['2025-01-01', '2025-01-02', '2025-01-03'], ['2025-1-1', '2025-01-02'], {}]) {
      expect(errors({ filters: { date: ALL, compare_date: bad } }), JSON.stringify(bad)).toEqual({ 'filters.compare_date': shape });
    }
    expect(errors({ filters: { date: ALL, compare_date: ['2025-03-01', '2025-01-01'] } })).toEqual({ 'filters.compare_date': ['filters.compare_date must be [from, to] with from on or before to'] });
    expect(errors({ filters: { date: ALL, compare_date: ['2025-02-29', '2025-03-01'] } })).toEqual({ 'filters.compare_date': ['filters.compare_date is not a calendar date'] });
    // A period of calendar dates (one day, a leap day), or none (absent, null), is accepted and changes nothing.
    const plain = parseAdaptyRequest({ filters: { date: ALL, country: ['us'] } });
    for (const ok of [['2025-01-01', '2025-02-01'], ['2025-01-01', '2025-01-01'], ['2024-02-29', '2024-03-01'], null]) {
      expect(parseAdaptyRequest({ filters: { date: ALL, country: ['us'], compare_date: ok } }), JSON.stringify(ok)).toEqual(plain);
    }
  });

  it('no message anywhere carries zod\'s words, a bare type name or a number bound', () => {
    const bodies: unknown[] = [
      [], null, {}, { filters: 1 }, { filters: { date: [1, 2] } }, { filters: { date: ALL, compare_date: 5 } }, { filters: { date: ALL, compare_date: [7] } },
      { filters: { date: ALL }, prediction_months: 'x' }, { filters: { date: ALL }, period_type: 1 }, { filters: { date: ALL, product: [['a']] } },
      { filters: { date: ALL }, format: 5 }, { filters: { date: ALL }, segmentation: [] }, { filters: { date: null } },
    ];
    for (const b of bodies) {
      const text = JSON.stringify(errors(b));
      expect(text, JSON.stringify(b)).not.toMatch(/Invalid|expected|received|must be (int|number|string|object|array|tuple)"|9007199254740991|non_field_errors must|takes at/);
    }
  });
});
