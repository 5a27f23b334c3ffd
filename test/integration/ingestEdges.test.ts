// SPEC §3 input rules at their edges: the largest amounts the rules allow, numbers and keys in JSON Lines,
// impossible UTC offsets, inputs of the wrong format, and a failed run's evidence kept per attempt.
import { readFile, readdir, readlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../../src/config/AppError.js';
import { isValidTenantId, TENANT_ID_MAX } from '../../src/config/tenantId.js';
import { csv, grid, makeFixture, readLatest, runJob } from '../helpers/runFixture.js';
import { tenantDirName } from '../../src/publish/publishRun.js';

const T = '2026-02-15T00:00:00Z';
const MONTHLY = [{ period_type: 'days' as const, period_unit: 'month' as const }];

async function quarantine(dir: string): Promise<string[]> {
  return (await readFile(join(dir, 'quarantine.csv'), 'utf8')).trim().split('\n').slice(1);
}

describe('large amounts', () => {
  it('sums amounts of 11 integer digits exactly, with commission and tax', async () => {
    // a: 10,000,000,000.0001 at commission 30 %, tax 10 %; b: 5. Revenue 10,000,000,005.0001 → 10000000005.00;
    // proceeds 7,000,000,000.00007 + 5; net 6,300,000,000.000063 + 5. Month 0 per customer: ÷ 2.
    const fx = await makeFixture({
      'e.csv': csv('customer_id,event_time,amount,commission_percentage,tax_percentage', [
        ['a', '2026-01-10T08:00:00Z', '10000000000.0001', '30', '10'],
        ['b', '2026-01-11T08:00:00Z', '5', '', ''],
      ]),
    });
    try {
      await runJob(fx, { inputs: [{ path: 'e.csv' }], matrices: MONTHLY }, T);
      const { report } = await readLatest(fx);
      expect(report.summary).toMatchObject({ revenue: 10000000005, proceeds: 7000000005, net_revenue: 6300000005 });
      expect(grid(report.matrices[0]!)['2026-01-01']).toEqual([5000000002.5, 5000000002.5]);
      expect(grid(report.matrices[0]!, 'net_revenue')['2026-01-01']).toEqual([3150000002.5, 3150000002.5]);
    } finally {
      await fx.cleanup();
    }
  });

  it('fails with one line naming the limit when a tenant\'s money is beyond what is summed exactly, keeping the last run', async () => {
    const fx = await makeFixture({ 'e.csv': csv('customer_id,event_time,amount', [['a', '2026-01-10', '10']]) });
    try {
      await runJob(fx, { inputs: [{ path: 'e.csv' }], matrices: MONTHLY }, T);
      const before = await readlink(join(fx.reportsDir, 'default', 'latest'));
      // 14 integer digits are a valid amount, but 2 × 10¹³ of net revenue is beyond the limit (about 4.2 × 10¹¹).
      const { writeFile } = await import('node:fs/promises');
      await writeFile(join(fx.dir, 'e.csv'), csv('customer_id,event_time,amount', [['a', '2026-01-10', '10'], ['b', '2026-01-11', '20000000000000']]));
      const err = await runJob(fx, { inputs: [{ path: 'e.csv' }], matrices: MONTHLY }, '2026-02-16T00:00:00Z').catch((e: unknown) => e);
      expect(isAppError(err) && err.code).toBe('DATA');
      expect((err as Error).message).toMatch(/^the money of tenant "default" \(\S*e\.csv\), amounts of about 2\.0 × 10¹³ report-currency units, is too large to sum exactly: .*about 4\.2 × 10¹¹ report-currency units of net revenue per tenant/);
      expect((err as Error).message).not.toMatch(/\n|Out of Range|HUGEINT/);
      expect(await readlink(join(fx.reportsDir, 'default', 'latest'))).toBe(before);
    } finally {
      await fx.cleanup();
    }
  });
});

describe('money beyond the exact sums', () => {
  // The limit holds per tenant, but DuckDB's overflow names none: a run of many tenants failed without saying whose.
  it('names the tenant whose sum overflows, and its file', async () => {
    // small: 10; huge: 2 × 300,000,000,000 = 6.0 × 10¹¹, above about 4.2 × 10¹¹ (the matrix's sums overflow).
    const rows = [['small', 'c1', '2025-01-05T10:00:00Z', '10'], ['huge', 'c1', '2025-01-05T10:00:00Z', '300000000000'], ['huge', 'c2', '2025-01-05T10:00:00Z', '300000000000']];
    const fx = await makeFixture({ 't.csv': csv('tenant_id,customer_id,event_time,amount', rows) });
    try {
      const err = await runJob(fx, { inputs: [{ path: 't.csv' }], matrices: MONTHLY, forecast: { model: 'off' } }, '2025-06-01T00:00:00Z').catch((e: unknown) => e);
      expect(isAppError(err) && err.code).toBe('DATA');
      expect((err as Error).message).toBe(`the money of tenant "huge" (${join(fx.dir, 't.csv')}), amounts of about 6.0 × 10¹¹ report-currency units, is too large to sum exactly: `
        + 'ltv sums each tenant\'s money to the 10⁻²⁶ of a unit and holds at most about 4.2 × 10¹¹ report-currency units of net revenue per tenant (README "Money is exact"); '
        + 'check the amount column for cents read as units or a wrong rate, or report in a currency with a larger unit');
    } finally {
      await fx.cleanup();
    }
  });

  it('names the file of the tenant\'s largest amount when the run reads several', async () => {
    // One amount of 99,999,999,999,999 (10¹⁴) in b.csv: its net revenue overflows a row's own product.
    const fx = await makeFixture({
      'a.csv': csv('tenant_id,customer_id,event_time,amount', [['x', 'c1', '2025-01-05T10:00:00Z', '10'], ['y', 'c1', '2025-01-05T10:00:00Z', '10']]),
      'b.csv': csv('tenant_id,customer_id,event_time,amount', [['y', 'c2', '2025-01-06T10:00:00Z', '99999999999999']]),
    });
    try {
      const err = await runJob(fx, { inputs: [{ path: 'a.csv' }, { path: 'b.csv' }], matrices: MONTHLY, forecast: { model: 'off' } }, '2025-06-01T00:00:00Z').catch((e: unknown) => e);
      expect((err as Error).message).toMatch(/^the money of tenant "y" \(\S*\/b\.csv\), amounts of about 1\.0 × 10¹⁴ report-currency units, is too large to sum exactly: /);
    } finally {
      await fx.cleanup();
    }
  });
});

describe('JSON Lines', () => {
  it('holds the limit the README gives: 425,300,000,000 of net revenue is read, 425,400,000,000 fails', async () => {
    // The README said 1.7 × 10¹² (what 128 bits hold at 10⁻²⁶); a sum of the matrix statement holds four times
    // a tenant's total, so the limit is a quarter of that. Monthly matrix, one payment on the as-of day.
    const fx = await makeFixture({ 'ok.csv': csv('customer_id,event_time,amount', [['a', '2026-01-10', '425300000000']]), 'over.csv': csv('customer_id,event_time,amount', [['a', '2026-01-10', '425400000000']]) });
    try {
      const ok = await runJob(fx, { inputs: [{ path: 'ok.csv' }], matrices: MONTHLY, forecast: { model: 'off' } }, '2026-01-11T00:00:00Z');
      expect(ok.tenants[0]!.summary.net_revenue).toBe(425300000000);
      const over = await runJob(fx, { inputs: [{ path: 'over.csv' }], matrices: MONTHLY, forecast: { model: 'off' } }, '2026-01-11T00:00:00Z').catch((e: unknown) => e);
      expect((over as Error).message).toMatch(/^the money of tenant "default" \(\S*over\.csv\), amounts of about 4\.3 × 10¹¹ report-currency units, is too large to sum exactly: .*about 4\.2 × 10¹¹ report-currency units/);
    } finally {
      await fx.cleanup();
    }
  });

  it('reads a number as the text the export wrote: exact decimals, and an exponent quarantined like quoted text', async () => {
    const lines = [
      '{"customer_id":"a","event_time":"2026-01-10T08:00:00Z","amount":12345678901.5678}',
      '{"customer_id":"b","event_time":"2026-01-10T08:00:00Z","amount":1e3}', // line 2
      '{"customer_id":"c","event_time":"2026-01-10T08:00:00Z","amount":1.5E+1}', // line 3
      '{"customer_id":"d","event_time":"2026-01-10T08:00:00Z","amount":"1e3"}', // line 4
      '{"customer_id":17,"event_time":"2026-01-11T08:00:00Z","amount":10.50,"tags":[1,{"x":"a\\"1"}]}',
    ];
    const fx = await makeFixture({ 'e.jsonl': `${lines.join('\n')}\n` });
    try {
      await runJob(fx, { inputs: [{ path: 'e.jsonl' }], max_bad_row_share: 0.9, matrices: MONTHLY }, T);
      const { report, dir } = await readLatest(fx);
      // A double would read 12345678901.5678 as 12345678901.567799…; exact: (12345678901.5678 + 10.50) / 2.
      expect(report.summary).toMatchObject({ customers: 2, revenue: 12345678912.07 });
      expect(grid(report.matrices[0]!)['2026-01-01']).toEqual([6172839456.03, 6172839456.03]);
      const q = await quarantine(dir);
      expect(q.map((l) => l.split(',')[1])).toEqual(['2', '3', '4']);
      expect(q[0]).toContain('amount is not a decimal number (digits, a dot, at most 4 decimals; no separators or exponent): ""1e3""');
      expect(q[1]).toContain('""1.5E+1""');
    } finally {
      await fx.cleanup();
    }
  });

  it('matches keys case-insensitively line by line, and quarantines a line that holds one key twice', async () => {
    const lines = [
      '{"customer_id":"a","event_time":"2026-01-10T08:00:00Z","amount":"10"}',
      '{"Customer_ID":"b","EVENT_TIME":"2026-01-10T08:00:00Z","Amount":"20"}',
      '{"customer_id":"c","event_time":"2026-01-10T08:00:00Z","amount":"5","AMOUNT":"6"}', // line 3
      '{"customer_id":"d","event_time":"2026-01-10T08:00:00Z","amount":"30","note":"x","Note":"y"}', // unread key: fine
      '{"customer_id":"e","event_time":"2026-01-10T08:00:00Z","amount":"10","amount":"99"}', // line 5: a key twice
    ];
    const fx = await makeFixture({ 'e.jsonl': `${lines.join('\n')}\n` });
    try {
      await runJob(fx, { inputs: [{ path: 'e.jsonl' }], max_bad_row_share: 0.9, matrices: MONTHLY }, T);
      const { report, dir } = await readLatest(fx);
      expect(grid(report.matrices[0]!)['2026-01-01']).toEqual([20, 20]); // (10 + 20 + 30) / 3
      const q = await quarantine(dir);
      expect(q).toHaveLength(2);
      expect(q[0]).toMatch(/^.*e\.jsonl,3,"has the key ""amount"" twice, in different cases \(keys match case-insensitively; the file spells it ""AMOUNT"", ""Amount"", ""amount""\): keep one"/);
      expect(q[1]).toMatch(/^.*e\.jsonl,5,"has the key ""amount"" twice \(a JSON object names each key once\): keep one"/);
    } finally {
      await fx.cleanup();
    }
  });

  it('says a CSV file named .jsonl is no JSON Lines, and reads an empty one as no rows', async () => {
    const fx = await makeFixture({
      'e.jsonl': csv('customer_id,event_time,amount', [['a', '2026-01-10', '10']]),
      'empty.jsonl': '\n\n',
    });
    try {
      const err = await runJob(fx, { inputs: [{ path: 'e.jsonl' }], matrices: MONTHLY }, T).catch((e: unknown) => e);
      expect(isAppError(err) && err.code).toBe('INPUT');
      expect((err as Error).message).toMatch(/e\.jsonl: is read as JSON Lines .*but no line is a JSON object \(line 1: "customer_id,event_time,amount"\): give a CSV file "format": "csv"/);
      // Read as no rows, which a run refuses to publish (the last good report stays).
      const empty = await runJob(fx, { inputs: [{ path: 'empty.jsonl' }], matrices: MONTHLY }, T).catch((e: unknown) => e);
      expect(isAppError(empty) && empty.code).toBe('DATA');
      expect((empty as Error).message).toBe(`${join(fx.dir, 'empty.jsonl')} holds no row: nothing was published (the report would be empty, and the last published run stays); check the export`);
    } finally {
      await fx.cleanup();
    }
  });

  it('refuses a delimiter given for a file read as JSON Lines or Parquet (it was ignored without a word)', async () => {
    // runJob runs as from the command line: the flag is named (a job file's run names inputs[i].delimiter).
    const fx = await makeFixture({ 'e.jsonl': '{"customer_id":"a","event_time":"2026-01-10T10:00:00Z","amount":10}\n', 'e.csv': csv('customer_id,event_time,amount', [['a', '2026-01-10', '10']]), 't.txt': 'customer_id\tevent_time\tamount\na\t2026-01-10\t10\n' });
    try {
      const cases: [Record<string, string>, string][] = [
        [{ path: 'e.jsonl', delimiter: ';' }, `${join(fx.dir, 'e.jsonl')}: is read as JSON Lines (its name ends in .jsonl), which has no delimiter, but --delimiter gives one: remove --delimiter, or give the file's real format`],
        // "whitespace" read the file as whitespace-separated text whatever its name said.
        [{ path: 'e.jsonl', delimiter: 'whitespace' }, `${join(fx.dir, 'e.jsonl')}: is read as JSON Lines (its name ends in .jsonl), which has no delimiter, but --delimiter gives one: remove --delimiter, or give the file's real format`],
        [{ path: 'e.csv', format: 'jsonl', delimiter: ',' }, 'delimiter: "format": "jsonl" has no delimiter: remove "delimiter", or give the file\'s real format'],
        [{ path: 'e.csv', format: 'tsv', delimiter: ',' }, 'delimiter: "format": "tsv" is separated by tabs, but "delimiter" says ",": give "format": "csv" with that delimiter, or remove "delimiter"'],
      ];
      for (const [input, message] of cases) {
        const err = await runJob(fx, { inputs: [input], matrices: MONTHLY }, T).catch((e: unknown) => e);
        expect((err as Error).message, JSON.stringify(input)).toContain(message);
      }
      // Tab for "format": "tsv" says the same twice: taken.
      expect(await runJob(fx, { inputs: [{ path: 't.txt', format: 'tsv', delimiter: 'tab' }], matrices: MONTHLY }, T).then(() => 'ran', (e: Error) => e.message)).toBe('ran');
    } finally {
      await fx.cleanup();
    }
  });
});

describe('an export without a row', () => {
  it('fails the run in one line and leaves the last published report in place (a header-only CSV, as an export that failed upstream writes)', async () => {
    const fx = await makeFixture({ 'e.csv': csv('customer_id,event_time,amount', [['a', '2026-01-10', '10']]) });
    try {
      const first = await runJob(fx, { inputs: [{ path: 'e.csv' }], matrices: MONTHLY }, T);
      await writeFile(join(fx.dir, 'e.csv'), 'customer_id,event_time,amount\n');
      const err = await runJob(fx, { inputs: [{ path: 'e.csv' }], matrices: MONTHLY }, '2026-03-02T00:00:00Z').catch((e: unknown) => e);
      expect(isAppError(err) && err.code).toBe('DATA');
      expect((err as Error).message).toBe(`${join(fx.dir, 'e.csv')} holds no row: nothing was published (the report would be empty, and the last published run stays); check the export`);
      expect(await readlink(join(fx.reportsDir, 'default', 'latest'))).toBe(`runs/${first.tenants[0]!.runId}`);
      expect(await readdir(join(fx.reportsDir, 'default', 'runs'))).toEqual([first.tenants[0]!.runId]);
    } finally {
      await fx.cleanup();
    }
  });
});

describe('times and configuration', () => {
  it('quarantines a time whose UTC offset is out of range, and reads hh:mm with an offset', async () => {
    const rows = [
      ['a', '2026-01-10T08:00:00+99:99', '1'], // line 2
      ['b', '2026-01-10T08:00:00-25:00', '1'], // line 3
      ['c', '2026-01-10T08:00:00+05:60', '1'], // line 4
      // 2026-01-31T23:30 at −01:00 is Feb 1, 00:30 UTC: February's cohort. 2026-02-01T00:30+01:00 is January's.
      ['d', '2026-01-31T23:30-01:00', '10'],
      ['e', '2026-02-01T00:30:00+01:00', '20'],
    ];
    const fx = await makeFixture({ 'e.csv': csv('customer_id,event_time,amount', rows) });
    try {
      await runJob(fx, { inputs: [{ path: 'e.csv' }], max_bad_row_share: 0.9, matrices: MONTHLY }, T);
      const { report, dir } = await readLatest(fx);
      expect(grid(report.matrices[0]!)).toMatchObject({ '2026-01-01': [20, 20], '2026-02-01': [10] });
      const q = await quarantine(dir);
      expect(q.map((l) => l.split(',')[1])).toEqual(['2', '3', '4']);
      expect(q[0]).toContain('event_time is not an ISO 8601 time: ""2026-01-10T08:00:00+99:99"" (its UTC offset is out of range: hours 00-23, minutes 00-59)');
    } finally {
      await fx.cleanup();
    }
  });

  it('says a time that is a number of 9 to 13 digits is an epoch time no time_format reads (its advice was to give one)', async () => {
    const fx = await makeFixture({ 'e.csv': csv('customer_id,event_time,amount', [['a', '1767607200', '1'], ['b', '1767607200000', '1'], ['c', '1767607200.5', '1'], ['d', '12345678', '1'], ['e', '2026-01-10T10:00:00Z', '1']]) });
    try {
      const err = await runJob(fx, { inputs: [{ path: 'e.csv' }], matrices: MONTHLY }, T).catch((e: Error) => e.message);
      expect(err).toMatch(/; most often \(3 rows\): event_time is a number, not an ISO 8601 time \(a Unix epoch time\?\); write epoch times as ISO 8601 in the export \(no time_format reads them\)$/);
      const q = (await readFile(join(fx.reportsDir, '.failed', 'adhoc-20260215T000000Z', 'quarantine.csv'), 'utf8')).trim().split('\n').slice(1);
      ['1767607200', '1767607200000', '1767607200.5'].forEach((t, i) => expect(q[i]).toContain(`event_time is a number, not an ISO 8601 time (a Unix epoch time?): ""${t}"": write it as ISO 8601 (e.g. 2026-03-16T15:00:00Z) in the export or its query; no time_format reads epoch numbers`));
      // Eight digits are no epoch time of these years: a basic date's form (YYYYMMDD), and 12345678 no date.
      expect(q[3]).toContain('event_time is no calendar time: ""12345678"" has ISO 8601\'s form, but that day or hour does not exist');
    } finally {
      await fx.cleanup();
    }
  });

  it('reads RFC 3339\'s lowercase t and z (they were bad rows), z as UTC and a naive time on the report\'s clock', async () => {
    // Europe/Berlin: 23:30z on Jan 31 is 00:30 on Feb 1 there (February); 23:30 without a zone is January.
    const fx = await makeFixture({ 'e.csv': csv('customer_id,event_time,amount', [['a', '2026-01-05t10:00:00Z', '1'], ['b', '2026-01-05T10:00:00z', '2'], ['c', '2026-01-31t23:30:00z', '4'], ['d', '2026-01-31t23:30', '8'], ['e', '2026-01-05t10:00+01:00', '16']]) });
    try {
      await runJob(fx, { inputs: [{ path: 'e.csv' }], timezone: 'Europe/Berlin', matrices: MONTHLY }, T);
      const { report } = await readLatest(fx);
      expect(report.stats).toMatchObject({ rows_read: 5, rows_quarantined: 0 });
      // January: a, b, d, e (1 + 2 + 8 + 16 = 27 over 4 = 6.75); February: c (4).
      expect(grid(report.matrices[0]!)).toMatchObject({ '2026-01-01': [6.75, 6.75], '2026-02-01': [4] });
    } finally {
      await fx.cleanup();
    }
  });

  it('quarantines times DuckDB would read by a guess, and reads the unambiguous zones', async () => {
    // Not ISO 8601 (lines 2-8): DuckDB's cast reads each of them, as June 3 or as 1970 or as New York's time.
    // ICU reads the zone Etc/Unknown as UTC: a guess too.
    const bad = ['2026-1-10', '2026/01/10', '2026-01-10 10:00:00.Z', '2026-01-10T1:2:3', 'infinity', '2026-01-10 10:00:00 EST', '2026-01-10T24:30:00', '2026-01-10 10:00:00 Etc/Unknown'];
    // Read (lines 10-13): BigQuery's "… UTC", an IANA zone (10:00 in Berlin is 09:00 UTC), 24:00 (the next day's
    // midnight: a February customer), the basic date. January: x, y, w (9 + 3 + 5); February: z (4).
    const good = [['x', '2026-01-10 10:00:00 UTC', '9'], ['y', '2026-01-31 23:30:00 Europe/Berlin', '3'], ['z', '2026-01-31T24:00:00Z', '4'], ['w', '20260110', '5']];
    const fx = await makeFixture({ 'e.csv': csv('customer_id,event_time,amount', [...bad.map((t, i) => [`b${i}`, t, '1']), ...good]) });
    try {
      await runJob(fx, { inputs: [{ path: 'e.csv' }], max_bad_row_share: 0.9, matrices: MONTHLY }, T);
      const { report, dir } = await readLatest(fx);
      // January: x 9, y 3 (23:30 Berlin is 22:30 UTC, still January 31 in UTC), w 5 → 17 / 3 = 5.67; February: z 4.
      expect(grid(report.matrices[0]!)).toMatchObject({ '2026-01-01': [5.67, 5.67], '2026-02-01': [4] });
      const q = await quarantine(dir);
      expect(q.map((l) => l.split(',')[1])).toEqual(['2', '3', '4', '5', '6', '7', '8', '9']);
      bad.forEach((t, i) => expect(q[i]).toContain(`event_time is not an ISO 8601 time: ""${t}""`));
    } finally {
      await fx.cleanup();
    }
  });

  it('reads a naive time on the report\'s clock after a time that names its zone (DuckDB\'s cast kept that zone for the rest of its rows)', async () => {
    // Europe/Berlin: 23:30 on Jan 31 is January there. Read in UTC (after `… UTC`, `… GMT`) it is 00:30 on
    // Feb 1 in Berlin, read in New York's zone 05:30: February. Every naive time here is January's.
    const rows = [
      ['z', '2026-01-10 10:00:00 UTC', '1'], ['a', '2026-01-31 23:30:00', '2'], ['n', '2026-01-15 10:00:00 America/New_York', '4'],
      ['b', '2026-01-31 23:30', '8'], ['g', '2026-01-12 09:00:00 GMT', '16'], ['c', '2026-01-31t23:30:00', '32'],
    ];
    const fx = await makeFixture({ 'e.csv': csv('customer_id,event_time,amount', rows), 'e.jsonl': rows.map(([c, t, a]) => JSON.stringify({ customer_id: c, event_time: t, amount: a })).join('\n') + '\n' });
    try {
      for (const path of ['e.csv', 'e.jsonl']) {
        await runJob(fx, { inputs: [{ path }], timezone: 'Europe/Berlin', matrices: MONTHLY }, T);
        const { report } = await readLatest(fx);
        expect(report.stats).toMatchObject({ rows_read: 6, rows_quarantined: 0 });
        // January: all six, (1 + 2 + 4 + 8 + 16 + 32) / 6 = 10.5; no February cohort.
        const g = grid(report.matrices[0]!);
        expect(Object.keys(g).filter((k) => k !== 'Total')).toEqual(['2026-01-01']);
        expect(g['2026-01-01']).toEqual([10.5, 10.5]);
      }
    } finally {
      await fx.cleanup();
    }
  });

  it('says a time of ISO 8601\'s form that names no day, hour or zone is no calendar time, naming the file\'s column', async () => {
    // "is not an ISO 8601 time: write it as ISO 8601" told the user to write what the file already wrote. The
    // column is mapped (when → event_time): the reasons name the file's column, as a preset's do.
    const bad = ['2026-02-30T10:00:00Z', '2025-02-29', '2026-04-31 10:00', '2026-01-10 10:00:00 Europe/Berln', '20261301'];
    const fx = await makeFixture({ 'e.csv': csv('who,when,amount', [...bad.map((t, i) => [`b${i}`, t, '1']), ['ok', '2026-01-10T10:00:00Z', '3'], ['x', '2026-1-10', '1']]) });
    try {
      await runJob(fx, { inputs: [{ path: 'e.csv', map: { customer_id: 'who', event_time: 'when' } }], max_bad_row_share: 0.9, matrices: MONTHLY }, T);
      const { dir } = await readLatest(fx);
      const q = await quarantine(dir);
      expect(q.map((l) => l.split(',')[1])).toEqual(['2', '3', '4', '5', '6', '8']);
      bad.forEach((t, i) => expect(q[i]).toContain(`,"when is no calendar time: ""${t}"" has ISO 8601's form, but that day or hour does not exist or its zone is no time zone name: correct it in the export",default,b${i}`));
      // A text of another form is still no ISO 8601 time, with the advice to write it so.
      expect(q[5]).toContain(`,"when is not an ISO 8601 time: ""2026-1-10"": write it as ISO 8601 (e.g. 2026-03-16T15:00:00Z), or give the input its time_format",default,x`);
    } finally {
      await fx.cleanup();
    }
  });

  it('says a leap second is one (it was "not an ISO 8601 time: write it as ISO 8601", which allows :60)', async () => {
    const leap = ['2016-12-31T23:59:60Z', '2016-12-31 23:59:60.5+00:00', '2017-01-01T00:59:60+01:00', '2016-12-31 23:59:60 Europe/London'];
    // Minute 60 is no leap second: not a time of ISO 8601's form.
    const fx = await makeFixture({ 'e.csv': csv('customer_id,event_time,amount', [...leap.map((t, i) => [`l${i}`, t, '1']), ['m', '2026-01-05T10:60:60Z', '1'], ['ok', '2026-01-10T10:00:00Z', '3']]) });
    try {
      await runJob(fx, { inputs: [{ path: 'e.csv' }], max_bad_row_share: 0.9, matrices: MONTHLY }, T);
      const q = await quarantine((await readLatest(fx)).dir);
      expect(q).toHaveLength(5);
      leap.forEach((t, i) => expect(q[i]).toContain(`,"event_time has second 60 (a leap second): ""${t}"": ltv reads no second 60; write the second before it (:59) in the export",default,l${i}`));
      expect(q[4]).toContain('event_time is not an ISO 8601 time: ""2026-01-05T10:60:60Z""');
    } finally {
      await fx.cleanup();
    }
  });

  it('reads UTC or GMT written right after the time, which the shape allows and DuckDB\'s cast refused', async () => {
    // Tokyo is UTC+9: 14:00:00 UTC on Jan 31 is 23:00 there (January); 16:30 GMT is 01:30 on Feb 1 (February);
    // read as Tokyo's own time, both would be January. 10:00:00.5UTC is January either way.
    const rows = [['j', '2026-01-31T14:00:00UTC', '6'], ['f', '2026-01-31T16:30GMT', '4'], ['k', '2026-01-10 10:00:00.5UTC', '2'], ['bad', '2026-01-10T10:00:00XUTC', '1']];
    const fx = await makeFixture({ 'e.csv': csv('customer_id,event_time,amount', rows) });
    try {
      await runJob(fx, { inputs: [{ path: 'e.csv' }], max_bad_row_share: 0.9, matrices: MONTHLY, timezone: 'Asia/Tokyo' }, T);
      const { report, dir } = await readLatest(fx);
      // January: j 6, k 2 → 8 / 2 = 4; February: f 4.
      expect(grid(report.matrices[0]!)).toMatchObject({ '2026-01-01': [4, 4], '2026-02-01': [4] });
      const q = await quarantine(dir);
      expect(q).toHaveLength(1);
      expect(q[0]).toContain('event_time is not an ISO 8601 time: ""2026-01-10T10:00:00XUTC""');
    } finally {
      await fx.cleanup();
    }
  });

  it('quarantines proceeds or net revenue above the payment\'s amount, and keeps a fee above a small amount', async () => {
    const fx = await makeFixture({
      'e.csv': csv('customer_id,event_time,amount,proceeds,net_revenue', [
        ['a', '2026-01-10T08:00:00Z', '10', '15', ''], // line 2: the price before a discount mapped to proceeds?
        ['b', '2026-01-10T08:00:00Z', '10', '', '12.5'], // line 3
        ['c', '2026-01-10T08:00:00Z', '10', '10', '10'], // kept: nothing taken
        ['d', '2026-01-10T08:00:00Z', '0.50', '-0.10', '-0.10'], // kept: a fixed fee above the amount
        ['e', '2026-01-10T08:00:00Z', '6', '4', '3'],
      ]),
    });
    try {
      await runJob(fx, { inputs: [{ path: 'e.csv' }], max_bad_row_share: 0.9, matrices: MONTHLY }, T);
      const { report, dir } = await readLatest(fx);
      // c, d, e: revenue (10 + 0.5 + 6) / 3 = 5.50; proceeds (10 − 0.1 + 4) / 3 = 4.633 → 4.63; net (10 − 0.1 + 3) / 3 = 4.30.
      expect(grid(report.matrices[0]!)['2026-01-01']![0]).toBe(5.5);
      expect(grid(report.matrices[0]!, 'proceeds')['2026-01-01']![0]).toBe(4.63);
      expect(grid(report.matrices[0]!, 'net_revenue')['2026-01-01']![0]).toBe(4.3);
      const q = await quarantine(dir);
      expect(q.map((l) => l.split(',')[1])).toEqual(['2', '3']);
      expect(q[0]).toContain('proceeds ""15"" is more than the amount ""10"": proceeds are what is left of the amount after the store\'s commission');
      expect(q[1]).toContain('net_revenue ""12.5"" is more than the amount ""10""');
    } finally {
      await fx.cleanup();
    }
  });

  it('says a time matches neither the input\'s time_format nor ISO 8601', async () => {
    const fx = await makeFixture({ 'e.csv': csv('customer_id,event_time,amount', [['a', '31/02/2026', '5'], ['b', '01/02/2026', '5']]) });
    try {
      await runJob(fx, { inputs: [{ path: 'e.csv', time_format: '%d/%m/%Y' }], max_bad_row_share: 0.9, matrices: MONTHLY }, T);
      const { report, dir } = await readLatest(fx);
      expect(grid(report.matrices[0]!)['2026-02-01']).toEqual([5]);
      expect(await quarantine(dir)).toEqual([`${join(fx.dir, 'e.csv')},2,"event_time ""31/02/2026"" matches neither the time_format %d/%m/%Y (or is no real date in it) nor ISO 8601",default,a`]);
    } finally {
      await fx.cleanup();
    }
  });

  it.each([
    [{ rates: 'rates.csv' }, /rates\.csv: line 1 \(the header\) has no column "rate" \(it has: date, currency, price\); a rates file has the header date,currency,rate$/],
    [{ inputs: [{ path: 'e.csv', time_format: '%Q' }] }, /^--time-format: "%Q" is not a strptime format: Unrecognized format for strftime\/strptime: %Q; use specifiers such as/],
    [{ rates: 'conflict.csv' }, /conflict\.csv: line 4: a second rate for EUR on 2026-01-02 \(1\.25; line 2 gives 1\.2\): keep one$/],
    [{ rates: 'fine.csv' }, /fine\.csv: line 2: rate "1\.00000000005" has 11 decimals: ltv reads rates to 10 decimals exactly and rounds none; round it to 10 in the file$/],
  ])('names the setting when a rates file or a time format cannot be used (%#)', async (job, message) => {
    const fx = await makeFixture({
      'e.csv': csv('customer_id,event_time,amount', [['a', '2026-01-10', '10']]),
      'rates.csv': csv('date,currency,price', [['2026-01-01', 'EUR', '1.1']]),
      // The same rate twice is one rate; two different ones for a day are refused.
      'conflict.csv': csv('date,currency,rate', [['2026-01-02', 'EUR', '1.2'], ['2026-01-02', 'EUR', '1.20'], ['2026-01-02', 'EUR', '1.25']]),
      'fine.csv': csv('date,currency,rate', [['2026-01-02', 'EUR', '1.00000000005'], ['2026-01-03', 'EUR', '1.1000000000000']]),
    });
    try {
      const err = await runJob(fx, { inputs: [{ path: 'e.csv' }], matrices: MONTHLY, ...job }, T).catch((e: unknown) => e);
      expect(isAppError(err) && err.code).toBe('CONFIG');
      expect((err as Error).message).toMatch(message);
      expect((err as Error).message).not.toMatch(/Binder Error|Invalid Input Error|\n/);
    } finally {
      await fx.cleanup();
    }
  });

  it('refuses a file that two inputs both read, whose rows would count twice', async () => {
    const fx = await makeFixture({ 'ex/one.csv': csv('customer_id,event_time,amount', [['a', '2026-01-10', '10']]) });
    try {
      const err = await runJob(fx, { inputs: [{ path: 'ex/one.csv' }, { path: 'ex/*.csv' }], matrices: MONTHLY }, T).catch((e: unknown) => e);
      expect(isAppError(err) && err.code).toBe('INPUT');
      expect((err as Error).message).toBe(`--input: "ex/*.csv" matches ${join(fx.dir, 'ex/one.csv')}, which is the file --input number 1 reads already as ${join(fx.dir, 'ex/one.csv')}: each file is read once (its rows would count twice); remove the overlap`);
    } finally {
      await fx.cleanup();
    }
  });

  it('keeps each failed attempt\'s quarantine: a retry at the same as-of time writes beside it', async () => {
    const fx = await makeFixture({ 'e.csv': csv('customer_id,event_time,amount', [['a', '2026-01-10', '10'], ['b', 'never', '1']]) });
    try {
      const paths: string[] = [];
      for (let i = 0; i < 2; i++) {
        const err = await runJob(fx, { inputs: [{ path: 'e.csv' }], matrices: MONTHLY }, T).catch((e: unknown) => e as Error);
        paths.push(/see (\S+quarantine\.csv)/.exec((err as Error).message)![1]!);
        if (i === 0) {
          const { writeFile } = await import('node:fs/promises');
          await writeFile(join(fx.dir, 'e.csv'), csv('customer_id,event_time,amount', [['a', '2026-01-10', '10'], ['c', 'later', '1']]));
        }
      }
      expect(paths.map((p) => p.split('/').slice(-2, -1)[0])).toEqual(['adhoc-20260215T000000Z', 'adhoc-20260215T000000Z-2']);
      expect(await readFile(paths[0]!, 'utf8')).toContain('""never""');
      expect(await readFile(paths[1]!, 'utf8')).toContain('""later""');
      expect((await readdir(join(fx.reportsDir, '.failed'))).sort()).toEqual(['adhoc-20260215T000000Z', 'adhoc-20260215T000000Z-2']);
    } finally {
      await fx.cleanup();
    }
  });
});

describe('tenant ids', () => {
  it('quarantines a row whose tenant_id is longer than the endpoint and keys take, counting as JavaScript does, and publishes the other tenants', async () => {
    // 1,024 is the limit (TENANT_ID_MAX). 😀 is two UTF-16 units (four bytes): 512 of them are 1,024, 513 are
    // 1,026; 1,000 é are 2,000 bytes but 1,000 characters, within it.
    expect(TENANT_ID_MAX).toBe(1024);
    const ids = ['b'.repeat(1024), 'a'.repeat(1025), '😀'.repeat(512), '😀'.repeat(513), 'é'.repeat(1000)];
    const tooLong = [ids[1]!, ids[3]!];
    expect(ids.filter((id) => !isValidTenantId(id))).toEqual(tooLong);
    const fx = await makeFixture({ 'e.csv': csv('tenant_id,customer_id,event_time,amount', ids.map((id, i) => [id, 'c', '2026-01-10T12:00:00Z', String(i + 1)])) });
    try {
      // Each too-long id's one row is bad, and the others publish: such an id has no report a run could
      // replace (it was "tenant aaa…: its only row is bad: nothing was published" for every tenant, whatever
      // the limit). Its bad row is in its own quarantine.csv, as any tenant's.
      const result = await runJob(fx, { inputs: [{ path: 'e.csv' }], matrices: MONTHLY, tenant: 'x', max_bad_row_share: 1 }, T);
      expect(result.stats).toMatchObject({ rows_read: 5, rows_quarantined: 2 });
      for (const id of [ids[0]!, ids[2]!, ids[4]!]) {
        const { report } = await readLatest(fx, tenantDirName(id));
        expect(report.summary.customers).toBe(1);
      }
      const reason = '"tenant_id is longer than 1,024 characters, the most the endpoint serves and a key can name: shorten it (or leave it empty for the job\'s tenant)"';
      for (const [id, line] of [[ids[1]!, 3], [ids[3]!, 5]] as const) {
        expect(await quarantine(join(fx.reportsDir, tenantDirName(id), 'latest'))).toEqual([`${join(fx.dir, 'e.csv')},${line},${reason},${id},c`]);
      }
    } finally {
      await fx.cleanup();
    }
  });
});

describe('failed runs\' evidence', () => {
  it('keeps the job\'s retention newest failures in .failed/, never another job\'s or a folder an operator made', async () => {
    const fx = await makeFixture({ 'e.csv': csv('customer_id,event_time,amount', [['a', '2026-01-10', '10'], ['b', 'never', '1']]) });
    try {
      const failed = join(fx.reportsDir, '.failed');
      const { mkdir } = await import('node:fs/promises');
      // Earlier failures of this job and of another ("adhoc-x" shares the prefix), and an operator's folder.
      for (const d of ['adhoc-20260101T000000Z', 'adhoc-20260201T000000Z', 'adhoc-20260201T000000Z-2', 'adhoc-x-20260101T000000Z', 'adhoc-notes']) await mkdir(join(failed, d), { recursive: true });
      const err = await runJob(fx, { inputs: [{ path: 'e.csv' }], matrices: MONTHLY, retention: 2 }, T).catch((e: unknown) => e as Error);
      expect((err as Error).message).toMatch(/adhoc-20260215T000000Z\/quarantine\.csv/);
      // Kept: this failure and the newest before it (-2); gone: the two older ones of this job.
      expect((await readdir(failed)).sort()).toEqual(['adhoc-20260201T000000Z-2', 'adhoc-20260215T000000Z', 'adhoc-notes', 'adhoc-x-20260101T000000Z']);
    } finally {
      await fx.cleanup();
    }
  });
});

describe('runs that would publish a wrong report', () => {
  it('applies the bad-row limit to each tenant: a shop whose rows are all bad fails the run, its last report stays', async () => {
    const good = Array.from({ length: 200 }, (_, i) => ['A', `a${i}`, '2026-01-05T10:00:00Z', '10']);
    const fx = await makeFixture({ 'e.csv': csv('tenant_id,customer_id,event_time,amount', [...good, ['B', 'b1', '2026-01-05T10:00:00Z', '10']]) });
    try {
      await runJob(fx, { inputs: [{ path: 'e.csv' }], matrices: MONTHLY }, T);
      const before = await readlink(join(fx.reportsDir, 'B', 'latest'));
      const { writeFile } = await import('node:fs/promises');
      // 1 bad row of 201 (0.5 %) is under the run's 1 % limit, but it is all of B's rows.
      await writeFile(join(fx.dir, 'e.csv'), csv('tenant_id,customer_id,event_time,amount', [...good, ['B', 'b1', '05/01/2026', '10']]));
      const err = await runJob(fx, { inputs: [{ path: 'e.csv' }], matrices: MONTHLY }, '2026-02-16T00:00:00Z').catch((e: unknown) => e);
      expect(isAppError(err) && err.code).toBe('DATA');
      // No row of B is good, so no limit would pass it: the message does not say to raise it.
      expect((err as Error).message).toMatch(/^tenant B: its only row is bad: nothing was published \(a report of no rows would replace the last good one\); see \S+quarantine\.csv/);
      expect(await readlink(join(fx.reportsDir, 'B', 'latest'))).toBe(before);
      expect(await readdir(join(fx.reportsDir, 'A', 'runs'))).toHaveLength(1);
    } finally {
      await fx.cleanup();
    }
  });

  it('fails a run whose rows are all bad under max_bad_row_share 1 too, the whole run\'s or one tenant\'s: the last report stays', async () => {
    const header = 'tenant_id,customer_id,event_time,amount';
    const fx = await makeFixture({ 'e.csv': csv(header, [['A', 'a1', '2026-01-05T10:00:00Z', '10'], ['B', 'b1', '2026-01-05T10:00:00Z', '10']]) });
    const job = { inputs: [{ path: 'e.csv' }], matrices: MONTHLY, max_bad_row_share: 1 };
    try {
      await runJob(fx, job, T);
      const before = { A: await readlink(join(fx.reportsDir, 'A', 'latest')), B: await readlink(join(fx.reportsDir, 'B', 'latest')) };
      const { writeFile } = await import('node:fs/promises');
      const later = '2026-03-02T00:00:00Z';
      // Every row bad (amounts that are no numbers): 2 of 2, within a limit of 100 %, but no row is good.
      await writeFile(join(fx.dir, 'e.csv'), csv(header, [['A', 'a1', '2026-01-05T10:00:00Z', 'abc'], ['B', 'b1', '2026-01-05T10:00:00Z', 'abc']]));
      const all = await runJob(fx, job, later).catch((e: unknown) => e);
      expect(isAppError(all) && all.code).toBe('DATA');
      expect((all as Error).message).toMatch(/^all 2 rows are bad: nothing was published \(a report of no rows would replace the last good one\); see \S+quarantine\.csv for each row's file, line and reason; most often \(2 rows\): amount is not a decimal number \(digits, a dot, at most 4 decimals; no separators or exponent\)$/);
      // B's only row bad, A's good: B fails the run.
      await writeFile(join(fx.dir, 'e.csv'), csv(header, [['A', 'a1', '2026-01-05T10:00:00Z', '10'], ['B', 'b1', '2026-01-05T10:00:00Z', 'abc']]));
      const one = await runJob(fx, job, later).catch((e: unknown) => e);
      expect((one as Error).message).toMatch(/^tenant B: its only row is bad: nothing was published/);
      expect({ A: await readlink(join(fx.reportsDir, 'A', 'latest')), B: await readlink(join(fx.reportsDir, 'B', 'latest')) }).toEqual(before);
    } finally {
      await fx.cleanup();
    }
  });

  it('counts a linked refund set aside after ingest (09_refund_checks.sql) toward the limit and in its file\'s count', async () => {
    // b pays 20 and a refund of 50 is linked to it: that refund is quarantined (line 3), 1 of 2 rows.
    const rows = [['b', '2026-01-05T10:00:00Z', '20', 't2', ''], ['b', '2026-01-06T10:00:00Z', '-50', 'r1', 't2']];
    const fx = await makeFixture({ 'e.csv': csv('customer_id,event_time,amount,transaction_id,refund_of', rows) });
    try {
      const err = await runJob(fx, { inputs: [{ path: 'e.csv' }], matrices: MONTHLY }, T).catch((e: unknown) => e);
      expect((err as Error).message).toMatch(/^1 of 2 rows \(50\.00 %\) is bad, above the 1\.00 % limit: nothing was published; see (\S+quarantine\.csv)/);
      const path = /see (\S+quarantine\.csv)/.exec((err as Error).message)![1]!;
      expect((await readFile(path, 'utf8')).trim().split('\n').slice(1).map((l) => l.split(',')[1])).toEqual(['3']);
      await runJob(fx, { inputs: [{ path: 'e.csv' }], max_bad_row_share: 0.9, matrices: MONTHLY }, T);
      const { report } = await readLatest(fx);
      expect(report.inputs[0]).toMatchObject({ rows: 2, quarantined: 1 });
      expect(report.stats).toMatchObject({ rows_read: 2, rows_quarantined: 1 });
      expect(grid(report.matrices[0]!)['2026-01-01']).toEqual([20, 20]);
    } finally {
      await fx.cleanup();
    }
  });

  it('allows a tenant the few bad rows a small shop has by chance, but not an export mostly bad', async () => {
    // C: 2 bad of 199 rows (1.01 %) is within 1 % × 199 + 5; D: 7 bad of 20 (35 %) is beyond 1 % × 20 + 5.
    const ok = (t: string, n: number): string[][] => Array.from({ length: n }, (_, i) => [t, `${t}${i}`, '2026-01-05T10:00:00Z', '10']);
    const bad = (t: string, n: number): string[][] => Array.from({ length: n }, (_, i) => [t, `${t}x${i}`, 'never', '10']);
    const header = 'tenant_id,customer_id,event_time,amount';
    const fx = await makeFixture({ 'small.csv': csv(header, [...ok('C', 197), ...bad('C', 2), ...ok('E', 800)]), 'broken.csv': csv(header, [...ok('C', 197), ...ok('E', 800), ...ok('D', 13), ...bad('D', 7)]) });
    try {
      await runJob(fx, { inputs: [{ path: 'small.csv' }], matrices: MONTHLY }, T);
      expect((await readLatest(fx, 'C')).report.stats).toMatchObject({ rows_read: 199, rows_quarantined: 2 });
      const err = await runJob(fx, { inputs: [{ path: 'broken.csv' }], matrices: MONTHLY }, T).catch((e: unknown) => e);
      expect((err as Error).message).toMatch(/^tenant D: 7 of 20 rows \(35\.00 %\) are bad, above the 1\.00 % limit by more than the 5 rows a tenant may have besides: nothing was published/);
    } finally {
      await fx.cleanup();
    }
  });

  it('refuses an as-of time before every row instead of publishing an empty report', async () => {
    const fx = await makeFixture({ 'e.csv': csv('customer_id,event_time,amount', [['a', '2026-01-05T10:00:00Z', '10'], ['b', '2026-02-10T10:00:00Z', '20']]) });
    try {
      const err = await runJob(fx, { inputs: [{ path: 'e.csv' }], matrices: MONTHLY }, '2025-03-01T00:00:00Z').catch((e: unknown) => e);
      expect(isAppError(err) && err.code).toBe('DATA');
      expect((err as Error).message).toBe('every one of the 2 rows is after the as-of time 2025-03-01T00:00:00.000Z: nothing was published (the report would be empty); check --as-of: the data starts later');
      await expect(readdir(fx.reportsDir)).rejects.toThrow(/ENOENT/); // nothing written, not even the directory
    } finally {
      await fx.cleanup();
    }
  });

  it('says which rows it counts when rows were set aside before the as-of check (it said "every one of the 2 rows" of 6 read)', async () => {
    // 6 rows: t1 twice (one duplicate), a bad amount, a sandbox row, one of amount 0 (before T), and t2: 2 rows
    // left, both after T.
    const fx = await makeFixture({ 'e.csv': csv('customer_id,event_time,amount,transaction_id,is_sandbox', [
      ['a', '2026-01-05T10:00:00Z', '10', 't1', 'false'], ['a', '2026-01-05T10:00:00Z', '10', 't1', 'false'], ['b', '2026-02-10T10:00:00Z', 'ten', 't3', 'false'],
      ['z', '2025-01-05T10:00:00Z', '0', 't0', 'false'],
      ['c', '2026-02-10T10:00:00Z', '5', 't4', 'true'], ['d', '2026-02-11T10:00:00Z', '20', 't2', 'false'],
    ]) });
    try {
      const err = await runJob(fx, { inputs: [{ path: 'e.csv' }], matrices: MONTHLY, max_bad_row_share: 0.5 }, '2025-03-01T00:00:00Z').catch((e: unknown) => e);
      expect((err as Error).message).toBe('every one of the 2 rows left of the 6 read (besides 1 duplicate, 1 bad, 1 sandbox, 1 of amount 0) is after the as-of time 2025-03-01T00:00:00.000Z: nothing was published (the report would be empty); check --as-of: the data starts later');
    } finally {
      await fx.cleanup();
    }
  });

  it('says the memory limit is too small, naming the setting, instead of blaming the input', async () => {
    const fx = await makeFixture({ 'e.csv': csv('customer_id,event_time,amount', [['a', '2026-01-05T10:00:00Z', '10']]) });
    try {
      const err = await runJob(fx, { inputs: [{ path: 'e.csv' }], matrices: MONTHLY, duckdb: { memory_limit: '1MB' } }, T).catch((e: unknown) => e);
      expect(isAppError(err) && err.code).toBe('CONFIG');
      expect((err as Error).message).toMatch(/^DuckDB ran out of the run's memory limit \(1MB\) \(.*\): raise --memory-limit \(or "duckdb\.memory_limit" in the job file, or LTV_DUCKDB_MEMORY_LIMIT; default 1GB\), or give fewer --threads$/);
      expect((err as Error).message).not.toMatch(/e\.csv|SET threads|\n/);
    } finally {
      await fx.cleanup();
    }
  });

  it('refuses to publish where latest is a directory (a copy made with cp -rL), leaving no run behind', async () => {
    const fx = await makeFixture({ 'e.csv': csv('customer_id,event_time,amount', [['a', '2026-01-05T10:00:00Z', '10']]) });
    try {
      const { mkdir } = await import('node:fs/promises');
      await mkdir(join(fx.reportsDir, 'default', 'latest'), { recursive: true });
      const err = await runJob(fx, { inputs: [{ path: 'e.csv' }], matrices: MONTHLY }, T).catch((e: unknown) => e);
      expect(isAppError(err) && err.code).toBe('PUBLISH');
      expect((err as Error).message).toBe(`${join(fx.reportsDir, 'default', 'latest')} is a directory, not the symlink ltv keeps pointing at the last run (copied with cp -rL or rsync -L?): move it away, and the next run makes the link again`);
      expect(await readdir(join(fx.reportsDir, 'default', 'runs'))).toEqual([]);
      expect(await readdir(join(fx.reportsDir, 'default'))).toEqual(['latest', 'runs']);
    } finally {
      await fx.cleanup();
    }
  });
});

describe('white space around text values', () => {
  it('is trimmed when it is a tab or a line end too: a tab-only value is missing, "c1\\t" is c1', async () => {
    // Before: DuckDB's trim() left tabs, so a tenant_id of a tab published a second tenant, two rows whose
    // transaction_id was a tab were one transaction (c2 a duplicate), and a tab-only customer was a customer.
    const fx = await makeFixture({
      'e.csv': csv('customer_id,event_time,amount,transaction_id,tenant_id,country', [
        ['c1', '2026-01-05', '7', '"\t"', '', 'DE'],
        ['c2', '2026-01-05', '7', '"\t"', '', '"\tDE\r"'],
        ['c3', '2026-01-05', '7', 't3', '"\t"', 'FR'],
        ['"\t"', '2026-01-05', '7', 't4', '', ''],
        ['"c1\t"', '2026-01-20', '3', 't5', '', ''],
      ]),
    });
    try {
      await runJob(fx, { inputs: [{ path: 'e.csv' }], matrices: [...MONTHLY, { ...MONTHLY[0]!, segmentation: 'country' as const }], max_bad_row_share: 0.5 }, T);
      expect(await readdir(fx.reportsDir)).toEqual(['default']);
      const { report, dir } = await readLatest(fx);
      expect(report.stats).toMatchObject({ rows_read: 5, rows_quarantined: 1, duplicates: 0, transactions: 4, customer_ids: 3 });
      // c1 paid 7 + 3 (its "c1\t" row), c2 and c3 7 each: 3 customers, 24 in all, LTV 8 in January's months 0 and 1.
      expect(report.summary).toMatchObject({ customers: 3, revenue: 24 });
      expect(grid(report.matrices[0]!)['2026-01-01']).toEqual([8, 8]);
      // Physical line 6: c2's quoted "\tDE\r" ends a line (a lone CR is a line end, as in old Mac files).
      expect(await quarantine(dir)).toEqual([`${join(fx.dir, 'e.csv')},6,customer_id is missing: give the row its customer (or map the column that holds it),default,`]);
      // "\tDE\r" is DE: two customers of DE, one of FR.
      const country = report.matrices.find((m) => m.segmentation === 'country')!;
      expect(country.rows.filter((r) => r.type === 'segment').map((r) => [r.title, r.customers])).toEqual([['DE', 2], ['FR', 1]]);
    } finally {
      await fx.cleanup();
    }
  });
});
