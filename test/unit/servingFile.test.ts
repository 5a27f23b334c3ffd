// data/forecast_inputs.bin.gz (src/forecast/servingFile.ts): what the run's forecast read comes back from
// the file bit for bit, whatever the values (NaN, negative and fractional sums, times before 1970, views of
// larger arrays), and a file of another kind or cut short is refused, not read as numbers.
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { CustomerTable } from '../../src/forecast/forecastData.js';
import { decodeServing, encodeServing, type ServingState } from '../../src/forecast/servingFile.js';

function table(n: number): CustomerTable {
  const f = (g: (i: number) => number): Float64Array => Float64Array.from({ length: n }, (_, i) => g(i));
  const c = (g: (i: number) => number): Int32Array => Int32Array.from({ length: n }, (_, i) => g(i));
  // t0 from 1969 on (negative ms), with times of day; the last day a whole number of days later.
  const t0 = f((i) => Date.UTC(1969, 11, 1) + i * 37_003_117);
  const big = new Float64Array(n + 5).fill(7);
  return {
    n, cohortDayMs: f((i) => Math.floor(t0[i]! / 864e5) * 864e5), cohortOf: c((i) => i % 3), cohorts: ['1969-12-01', '1970-01-01', '1970-02-01'],
    t0Ms: t0, durationOf: c(() => 0), durations: [null], purchaseDays: c((i) => 1 + (i % 4)), lastDayMs: f((i) => (i % 5 === 0 ? Number.NaN : Math.floor(t0[i]! / 864e5) * 864e5 + (i % 9) * 864e5)),
    firstDayRevenue: f((i) => (i % 7) * 10.01 - 3.3), repeatRevenue: big.subarray(2, 2 + n), payments: new Int32Array(0), maxRenewal: new Int32Array(0),
    lastPaymentMs: new Float64Array(0), renewalRevenue: new Float64Array(0), renewalPayments: new Int32Array(0),
    revenue: f((i) => (i % 11 === 0 ? -0.01 : i * 1e-14 + 1 / 3)), attrOf: c((i) => i % 2), attrs: [Array(18).fill(null), ['p', ...Array(17).fill('x')]],
  };
}

describe('the forecast inputs file', () => {
  it('gives back every column the endpoint reads, header and state as written, to the bit; the money it does not read, empty', () => {
    const customers = table(1001);
    const state: ServingState = {
      model: 'bgnbd', cutoffMs: Date.UTC(1970, 5, 1), settings: { horizon_months: 24, interval: 0.8, min_cohort_customers: 20, min_group_customers: 100 },
      eligible: ['1970-01-01'], states: [{ bg: { r: 0.24, alpha: 4.4, a: 0.79, b: 2.4 }, gg: null, meanValue: 12.5 }], stats: { refundFactor: 0.97 }, customers,
    };
    const back = decodeServing(encodeServing(state));
    const { customers: got, ...rest } = back;
    const { customers: _, ...want } = state;
    expect(rest).toEqual(want);
    for (const [k, v] of Object.entries(customers)) {
      const w = (got as unknown as Record<string, unknown>)[k];
      if (ArrayBuffer.isView(v)) {
        expect(w?.constructor, k).toBe(v.constructor);
        // BG/NBD's projection reads neither the first day's nor the total revenue (its refund factor is in
        // `stats`): not stored.
        if (k === 'firstDayRevenue' || k === 'revenue') {
          expect((w as Float64Array).length, k).toBe(0);
          continue;
        }
        // Bit for bit: NaN where NaN, −0.01 as written.
        expect(Buffer.from((w as Float64Array).buffer, (w as Float64Array).byteOffset, (w as Float64Array).byteLength).equals(Buffer.from(v.buffer, v.byteOffset, v.byteLength)), k).toBe(true);
      } else expect(w, k).toEqual(v);
    }
  });

  it('refuses a file of another kind, and one cut short', () => {
    expect(() => decodeServing(gzipSync(Buffer.from('PAR1 not ours')))).toThrow(/^not an ltv forecast inputs file \(version 1\)$/);
    const state = { model: 'sbg', cutoffMs: 0, settings: { horizon_months: 12, interval: 0.8, min_cohort_customers: 20, min_group_customers: 100 }, eligible: [], states: [], stats: { renewalValues: [] }, customers: table(50) } as ServingState;
    const whole = gunzipSync(encodeServing(state));
    expect(() => decodeServing(gzipSync(whole.subarray(0, whole.length - 100)))).toThrow(/cut short/);
  });

  it('refuses a file whose header and columns do not hang together, naming what, in one line', () => {
    const base = { model: 'bgnbd', cutoffMs: 0, settings: { horizon_months: 12, interval: 0.8, min_cohort_customers: 20, min_group_customers: 100 }, eligible: [], states: [{}], stats: { refundFactor: 1 } } as const;
    // A customer's cohort index beyond the list of cohorts (a damaged file read as numbers gave a TypeError).
    const customers = table(50);
    customers.cohortOf[7] = 9;
    expect(() => decodeServing(encodeServing({ ...base, customers } as unknown as ServingState))).toThrow(/^the forecast inputs file is not a valid one: column cohortOf points outside its list$/);
    // A horizon beyond the job schema's 120 months.
    expect(() => decodeServing(encodeServing({ ...base, settings: { ...base.settings, horizon_months: 1_000_000 }, customers: table(5) } as unknown as ServingState))).toThrow(/its settings$/);
    expect(() => decodeServing(encodeServing({ ...base, states: [], customers: table(5) } as unknown as ServingState))).toThrow(/its lists$/);
  });
});
