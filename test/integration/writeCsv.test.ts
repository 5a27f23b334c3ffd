import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACCOUNTING_TYPES, type TenantReport } from '../../src/ltv/model.js';
import { writeCsv } from '../../src/report/writeCsv.js';
import { dailyReport } from '../helpers/dailyReport.js';
import { parseCsv } from '../helpers/parseCsv.js';
import { INJECTION_SEGMENT, leadingColumnsReport, sampleReport } from '../helpers/sampleReport.js';

// The documented header: a contract for people who script against ltv.csv. Changing it breaks them;
// columns are only ever added at the end (complete_customers: issue 16).
const HEADER =
  'tenant,matrix,period_type,period_unit,segmentation,row_type,row_title,cohort_date,segment,cohort_size,period,accounting_type,value,customers,state,complete_customers,lower,upper';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ltv-csv-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function written(report: TenantReport): Promise<{ text: string; records: string[][] }> {
  const path = join(dir, 'ltv.csv');
  await writeCsv(report, path);
  const text = await readFile(path, 'utf8');
  return { text, records: parseCsv(text) };
}

describe('writeCsv', () => {
  it('writes the documented header, CRLF line ends, UTF-8 without a byte-order mark', async () => {
    const { text, records } = await written(sampleReport());
    expect(text.startsWith(`${HEADER}\r\n`)).toBe(true);
    expect(text.charCodeAt(0)).not.toBe(0xfeff);
    expect(text.replaceAll('\r\n', '')).not.toMatch(/[\r\n]/);
    expect(records[0]?.join(',')).toBe(HEADER);
  });

  it('has one line per matrix row × period × accounting type, equal to the model', async () => {
    const report = sampleReport();
    const { records } = await written(report);
    expectModelLines(report, records);
  });

  it('writes each line whole where consecutive rows differ in one leading column only (the writer formats those once per row)', async () => {
    const report = leadingColumnsReport();
    const { records } = await written(report);
    expectModelLines(report, records);
  });

  it('neutralises formula-like text but keeps negative numbers as numbers', async () => {
    const { text, records } = await written(sampleReport());
    expect(text).toContain(`"'=HYPERLINK(""http://x"",""y"")"`);
    expect(records.some((r) => r[6] === INJECTION_SEGMENT)).toBe(false);
    const negative = records.find((r) => r[1] === 'days-month-cohort' && r[6] === '2026-03-01' && r[11] === 'revenue');
    expect(negative?.[12]).toBe('-1.25');
    expect(records.some((r) => r.includes('Österreich — 日本'))).toBe(true);
    expect(records.every((r) => r[0] === 'Bäckerei Müller · Zürich' || r[0] === 'tenant')).toBe(true);
  });

  it('pads values to 2 decimals and quotes fields with commas', async () => {
    const report = sampleReport();
    report.tenant = 'Acme, Inc.';
    const { text, records } = await written(report);
    expect(text).toContain('\r\n"Acme, Inc.",days-month-cohort,');
    expect(records[1]?.[0]).toBe('Acme, Inc.');
    // 9.5 in the model is written 9.50
    expect(records.find((r) => r[6] === '2025-10-01' && r[10] === '0' && r[11] === 'revenue')?.[12]).toBe('9.50');
  });

  it('streams a large matrix (120 daily cohorts) completely', async () => {
    const report = dailyReport(120);
    const cells = report.matrices.reduce((n, m) => n + m.rows.reduce((k, r) => k + r.cells.length, 0), 0);
    const { records } = await written(report);
    expect(records).toHaveLength(1 + cells * 3);
    expect(records.at(-1)?.[6]).toBe('2026-03-16');
  });
});

/** Every line of `records` (header first) against the report's model, column by column. */
function expectModelLines(report: TenantReport, records: string[][]): void {
  const header = records[0] ?? [];
  const lines = records.slice(1).map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])));
  const expected = report.matrices.flatMap((m) =>
    m.rows.flatMap((row) =>
      row.cells.flatMap((cell) =>
        ACCOUNTING_TYPES.map((at) => ({ m, row, cell, at })),
      ),
    ),
  );
  expect(lines).toHaveLength(expected.length);
  expected.forEach(({ m, row, cell, at }, i) => {
    const line = lines[i] ?? {};
    const title = row.title === INJECTION_SEGMENT ? `'${row.title}` : row.title;
    expect(line).toEqual({
      tenant: report.tenant,
      matrix: m.id,
      period_type: m.period_type,
      period_unit: m.period_unit,
      segmentation: m.segmentation,
      row_type: row.type,
      row_title: title,
      cohort_date: row.type === 'cohort' ? row.title : '',
      segment: row.type === 'segment' ? title : '',
      cohort_size: String(row.customers),
      period: String(cell.period),
      accounting_type: at,
      value: line.value,
      customers: String(cell.customers),
      state: cell.state,
      complete_customers: String(cell.complete_customers),
      lower: '',
      upper: '',
    });
    // Plain numbers with a dot and exactly 2 decimals, equal to the model's value.
    expect(line.value).toMatch(/^-?\d+\.\d\d$/);
    expect(Number(line.value)).toBe(cell[at]);
  });
}
