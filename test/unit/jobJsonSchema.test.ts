// jobs/job.schema.json must be exactly what the zod schema generates: editors and `ltv` agree.
// Regenerate deliberately with: LTV_WRITE_SCHEMA=1 npx vitest run --config test/vitest.config.ts test/unit/jobJsonSchema.test.ts
import { readFile, writeFile } from 'node:fs/promises';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { expect, test } from 'vitest';
import { jobJsonSchema } from '../../src/config/jobJsonSchema.js';
import { parseJob } from '../../src/config/loadJob.js';

const FILE = new URL('../../jobs/job.schema.json', import.meta.url);

test('jobs/job.schema.json is the JSON Schema generated from the job schema', async () => {
  const generated = `${JSON.stringify(jobJsonSchema(), null, 2)}\n`;
  if (process.env.LTV_WRITE_SCHEMA === '1') await writeFile(FILE, generated);
  expect(await readFile(FILE, 'utf8')).toBe(generated);
});

test('every top-level field is described for editors', () => {
  const schema = jobJsonSchema() as { properties: Record<string, { description?: string }> };
  const undocumented = Object.entries(schema.properties).filter(([k, v]) => k !== '$schema' && !v.description).map(([k]) => k);
  expect(undocumented).toEqual([]);
});

test('the committed schema takes a pattern field\'s value exactly when ltv does, in any case (it refused "4gb" and "2H", which ltv reads)', async () => {
  // Each field with a pattern in the schema: [field, value, accepted by both].
  const cases: [string, unknown, boolean][] = [
    ['max_run_time', '2H', true], ['max_run_time', '2h', true], ['max_run_time', ' 1.5 D ', true], ['max_run_time', '45S', true],
    ['max_run_time', '2ms', false], ['max_run_time', '2', false], ['max_run_time', '2w', false],
    ['alert_after', '36H', true], ['alert_after', '90m', true], ['alert_after', '90M', true], ['alert_after', 'h', false],
    ['duckdb', { memory_limit: '4gb' }, true], ['duckdb', { memory_limit: '4GB' }, true], ['duckdb', { memory_limit: '4 Gb' }, true],
    ['duckdb', { memory_limit: '512mib' }, true], ['duckdb', { memory_limit: '512MIB' }, true], ['duckdb', { memory_limit: '1.5tB' }, true],
    ['duckdb', { memory_limit: '100b' }, true], ['duckdb', { memory_limit: '50%' }, true],
    ['duckdb', { memory_limit: '4g' }, false], ['duckdb', { memory_limit: '4ib' }, false], ['duckdb', { memory_limit: '4PB' }, false], ['duckdb', { memory_limit: ' 4GB' }, false],
    ['currency', 'usd', true], ['currency', 'Eur', true], ['currency', 'US', false],
    ['inputs', [{ query: 'SELECT 1', connection: 'env:DB_URL' }], true], ['inputs', [{ query: 'SELECT 1', connection: 'ENV:DB_URL' }], false],
    // as_of by --as-of's rule: seconds optional, T (or a space for it) and Z in either case, the offset with its colon.
    ['as_of', '2024-01-01T00:00:00Z', true], ['as_of', '2024-01-01t00:00:00z', true], ['as_of', '2024-01-01T00:00Z', true], ['as_of', '2024-01-01 00:00:00Z', true], ['as_of', '2024-01-01 00:00:00 Z', false],
    ['as_of', '2024-01-01T00:00:00.123000Z', true], ['as_of', '2024-01-01T00:00:00.123456Z', false], ['as_of', '2024-01-01T00:00:00+0100', false], ['as_of', '2024-01-01T00:00:00', false],
    ['as_of', '2024-01-01', false], ['min_event_time', '2000-01-01T00:00:00+01:00', true],
    ['email', { to: ['Finance@Example.COM'] }, true], ['email', { to: ['finance'] }, false],
    // The loader's refinements the schema says too (an editor took them all, ltv refused them).
    ['inputs', [{}], false], ['inputs', [{ path: 'a.csv', query: 'SELECT 1', connection: 'env:DB' }], false], ['inputs', [{ query: 'SELECT 1' }], false],
    ['inputs', [{ query: 'SELECT 1', connection: 'env:DB', format: 'csv' }], false], ['inputs', [{ query: 'SELECT 1', connection: 'env:DB', format: 'auto' }], true],
    ['inputs', [{ query: 'SELECT 1', connection: 'env:DB', delimiter: ';' }], false], ['inputs', [{ query: 'SELECT 1', connection: 'env:DB', ssl: 'require', time_format: '%Y' }], true],
    // One ASCII byte other than the quote and the line ends, or a keyword (ltv refused the rest only once the run read the file).
    ...[',', ';', '|', ' ', '\t', '\\t', 'TAB', 'whitespace'].map((d): [string, unknown, boolean] => ['inputs', [{ path: 'a.csv', delimiter: d }], true]),
    ...[';;', '"', '\n', '\r', '§', 'Whitespace'].map((d): [string, unknown, boolean] => ['inputs', [{ path: 'a.csv', delimiter: d }], false]),
    ['inputs', [{ path: 'a.csv', ssl: 'require' }], false], ['inputs', [{ path: 'a.csv', connection: 'env:DB' }], false], ['inputs', [{ path: 'a.csv', delimiter: ';' }], true],
    ['currency', 'XYZ', false], ['currency', 'chf', true], ['currency', 'XAU', false],
    ['tenant', 'acme ', false], ['tenant', '\u3000acme', false], ['tenant', 'a cme', true], ['tenant', 'a', true],
    ['matrices', [{ period_type: 'days', period_unit: 'week' }, { period_type: 'days', period_unit: 'week' }], false],
    ['matrices', [{ period_type: 'days', period_unit: 'week' }, { period_type: 'days', period_unit: 'month' }], true],
    ['formats', ['json', 'json'], false], ['formats', ['json', 'xlsx'], true],
    ['email', { to: ['a@example.com'], subject: '{foo} report' }, false], ['email', { to: ['a@example.com'], subject: '{tenant}: {ltv} {currency} {x' }, true],
    ['email', { to: ['a@example.com'], subject: 'LTV {date} {job} at {horizon}' }, true],
    ['email', { to: ['a@example.com'], link_base_url: 'HTTPS://reports.example.com' }, true], ['email', { to: ['a@example.com'], link_base_url: 'javascript:alert(1)' }, false],
  ];
  // Formats are not what is compared here (ltv checks them itself); patterns are.
  const validate = new Ajv2020({ strict: false, validateFormats: false }).compile(JSON.parse(await readFile(FILE, 'utf8')) as object);
  const loads = (job: unknown): boolean => {
    try {
      parseJob(job, 'case', '/tmp', 'case.json');
      return true;
    } catch {
      return false;
    }
  };
  const seen = cases.map(([field, value]) => {
    const job = { tenant: 't', inputs: [{ path: 'a.csv' }], [field]: value };
    return [field, value, { schema: validate(job), ltv: loads(job) }];
  });
  expect(seen).toEqual(cases.map(([field, value, ok]) => [field, value, { schema: ok, ltv: ok }]));
});
