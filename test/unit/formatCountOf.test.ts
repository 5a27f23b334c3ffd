// Counts with their noun, as the command line writes them ("1 customer in 1 monthly cohort", "1 of 1 row").
import { describe, expect, it } from 'vitest';
import { formatCountOf, formatGroupedCountOf } from '../../src/format/money.js';

describe('formatCountOf', () => {
  it('uses the singular for exactly one and the plural otherwise; the number as plain digits', () => {
    expect(formatCountOf(1, 'customer')).toBe('1 customer');
    expect(formatCountOf(0, 'customer')).toBe('0 customers');
    expect(formatCountOf(2, 'monthly cohort')).toBe('2 monthly cohorts');
    expect(formatCountOf(1450, 'customer')).toBe('1450 customers');
  });

  it('takes an irregular plural', () => {
    expect(formatCountOf(1, 'query', 'queries')).toBe('1 query');
    expect(formatCountOf(3, 'query', 'queries')).toBe('3 queries');
  });

  it('groups thousands for a reader (the email), with the same singular and plural', () => {
    expect(formatGroupedCountOf(1, 'monthly cohort')).toBe('1 monthly cohort');
    expect(formatGroupedCountOf(5742, 'row')).toBe('5,742 rows');
    expect(formatGroupedCountOf(0, 'query', 'queries')).toBe('0 queries');
  });
});
