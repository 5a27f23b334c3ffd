import { describe, expect, it } from 'vitest';
import { matrixId, type Matrix, type MatrixRow } from '../../src/ltv/model.js';
import { expandRuns, runsOf } from '../../src/ltv/cellRuns.js';
import { adaptyJson, toAdaptyResponse } from '../../src/report/toAdapty.js';
import { cells, sampleReport } from '../helpers/sampleReport.js';

// The direct writer must give exactly JSON.stringify's bytes of the response object (the independent path).
// Runs of equal cells expand back to the same cells.
const same = (m: Matrix, currency: string): void => {
  const runs = runsOf(m);
  expect(expandRuns(runs)).toEqual(m);
  expect(adaptyJson(runs, currency).toString('utf8')).toBe(JSON.stringify(toAdaptyResponse(m, currency)));
};

describe('adaptyJson', () => {
  it('joins neighbouring equal cells into runs, and only those', () => {
    const spec = { period_type: 'days', period_unit: 'day', segmentation: 'cohort' } as const;
    const m: Matrix = { ...spec, id: matrixId(spec), cohort_unit: 'day', rows: [{ type: 'cohort', title: '2026-01-01', customers: 2, cells: cells([1, 1, 1, 2, 2, 1], 2, 2) }] };
    // Periods 0–2 hold 1 (complete), 3 holds 2 (complete), 4 holds 2 but is partial, 5 holds 1 (partial).
    expect(runsOf(m).rows[0]!.runs.map((r) => [r.from, r.to, r.revenue, r.state])).toEqual([
      [0, 2, 1, 'complete'], [3, 3, 2, 'complete'], [4, 4, 2, 'partial'], [5, 5, 1, 'partial'],
    ]);
  });

  it('writes values that share a slot of its value cache, 0 and −0, and non-finite values exactly as JSON.stringify', () => {
    // The cache of value bytes has one slot per value in cents modulo 65,536: 1 and 656.36 share one, as
    // 0.004 and 0 (by rounding) do; each must still be written as itself, whichever came last.
    const spec = { period_type: 'days', period_unit: 'day', segmentation: 'cohort' } as const;
    const values = [1, 656.36, 1, 656.36, 0.004, 0, -0, 1311.72, 1, Number.NaN, 2.5, Number.POSITIVE_INFINITY, 2.5, 1e21, 0.1 + 0.2];
    const m: Matrix = { ...spec, id: matrixId(spec), cohort_unit: 'day', rows: [{ type: 'cohort', title: '2026-01-01', customers: 3, cells: cells(values, 3, 1) }] };
    same(m, 'USD');
  });

  it('writes every matrix of the sample report exactly as JSON.stringify of toAdaptyResponse', () => {
    const report = sampleReport();
    expect(report.matrices.length).toBeGreaterThan(3);
    for (const m of report.matrices) same(m, report.currency);
  });

  it('matches on the awkward values: repeated and negative values, −0, no Total row, empty rows, escapes', () => {
    const spec = { period_type: 'days', period_unit: 'day', segmentation: 'country' } as const;
    const rows: MatrixRow[] = [
      // Repeated values (runs), a value that returns after a change, and −0 (JSON.stringify writes 0).
      { type: 'segment', title: 'quote " back\\slash \u2028 ü 日本', customers: 3, cells: cells([1.1, 1.1, 1.1, 2.25, 1.1, 1.1], 3, 2) },
      { type: 'segment', title: 'neg', customers: 1, cells: cells([-0, 0, -0.01, -0.01, 1e21, 0.1 + 0.2], 1, 0) },
      { type: 'segment', title: 'empty', customers: 0, cells: [] },
    ];
    const m: Matrix = { ...spec, id: matrixId(spec), cohort_unit: 'day', rows };
    same(m, 'EUR');
    same({ ...m, rows: [] }, 'USD');
    same({ ...m, rows: [{ type: 'total', title: 'Total', customers: 4, cells: cells([5, 5, 6], 4, 1) }, ...rows] }, 'JP"Y');
  });

  it('writes values it has written before and more distinct values than it keeps made (its cache is cleared), the same bytes', () => {
    // 70,000 distinct values (more than the 65,536 kept), then the first ones again, in three rows whose
    // values repeat each other's: every value's text is made, reused and, past the limit, made again.
    const distinct = Array.from({ length: 70_000 }, (_, k) => Math.round(k * 1.37 * 100) / 100 + 0.01);
    const spec = { period_type: 'days', period_unit: 'day', segmentation: 'cohort' } as const;
    same({
      ...spec, id: matrixId(spec), cohort_unit: 'day', rows: [
        { type: 'cohort', title: '1990-01-01', customers: 1, cells: cells(distinct, 1, 1) },
        { type: 'cohort', title: '1990-01-02', customers: 1, cells: cells(distinct.slice(0, 500), 1, 1) },
        { type: 'cohort', title: '1990-01-03', customers: 1, cells: cells([...distinct.slice(69_000), -0, 0, 0.1 + 0.2], 1, 1) },
      ],
    }, 'USD');
  });

  it('writes periods from a table below 100,000 and computes them beyond, the same bytes either way', () => {
    // A day-unit row 100,004 periods long whose value changes at 9, 99, 99,998 and 100,001: runs inside
    // the table, one that crosses its end, and one wholly beyond it.
    const values = Array.from({ length: 100_004 }, (_, k) => (k < 9 ? 1 : k < 99 ? 2.5 : k < 99_998 ? 3 : k < 100_001 ? 4 : 5));
    const spec = { period_type: 'days', period_unit: 'day', segmentation: 'cohort' } as const;
    same({ ...spec, id: matrixId(spec), cohort_unit: 'day', rows: [{ type: 'cohort', title: '1990-01-01', customers: 1, cells: cells(values, 1, 1) }] }, 'USD');
  });

  it('writes runs of every length from 1 to 13 across the periods\' 1/2, 2/3 and 3/4-digit boundaries, the same bytes', () => {
    // Runs of four cells or more of one digit count are written once and copied by doubling, shorter ones
    // cell by cell: run lengths 1, 2, …, 13, 1, 2, … over 1,200 periods start at every offset from a
    // boundary (9/10, 99/100, 999/1,000), so each boundary splits some run at every place, with values of
    // one to nine characters (a run's value bytes are what the copies carry).
    const values: number[] = [];
    const texts = [0, 7, 12.5, -3.25, 1234.56, 0.01, 98765.43, 5];
    for (let length = 1, v = 0; values.length < 1_200; length = (length % 13) + 1, v++) {
      for (let k = 0; k < length; k++) values.push(texts[v % texts.length]!);
    }
    const spec = { period_type: 'days', period_unit: 'day', segmentation: 'cohort' } as const;
    const row = (title: string, from: number): MatrixRow => ({ type: 'cohort', title, customers: 1, cells: cells(values.slice(from), 1, 1) });
    same({ ...spec, id: matrixId(spec), cohort_unit: 'day', rows: [row('1990-01-01', 0), row('1990-01-02', 5), row('1990-01-03', 11)] }, 'USD');
  });

  it('grows its digit table as longer rows come, the same bytes at every size', async () => {
    // The table is made as large as the periods asked for (1,024, then doubled): a module instance of its
    // own starts it empty, and rows of growing length cross its ends (1,023/1,024, 2,047/2,048, …).
    type ToAdapty = typeof import('../../src/report/toAdapty.js');
    const ownInstance = '../../src/report/toAdapty.ts?digit-table';
    const own = (await import(/* @vite-ignore */ ownInstance)) as ToAdapty;
    const spec = { period_type: 'days', period_unit: 'day', segmentation: 'cohort' } as const;
    for (const length of [700, 1_030, 2_050, 5_000, 12]) {
      const values = Array.from({ length }, (_, k) => (k < 5 ? 1 : k < 1_022 ? 2 : k < 1_025 ? 3 : k < 2_046 ? 4.5 : 6));
      const m: Matrix = { ...spec, id: matrixId(spec), cohort_unit: 'day', rows: [{ type: 'cohort', title: '1990-01-01', customers: 1, cells: cells(values, 1, 1) }] };
      expect(own.adaptyJson(runsOf(m), 'USD').toString('utf8'), `${length} periods`).toBe(JSON.stringify(own.toAdaptyResponse(m, 'USD')));
    }
  });
});
