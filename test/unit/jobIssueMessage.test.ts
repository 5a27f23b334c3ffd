// A job file's mistakes in words its author acts on (src/config/jobIssueMessage.ts), not zod's.
import { describe, expect, it } from 'vitest';
import { parseJob } from '../../src/config/loadJob.js';

const input = { path: 'e.csv' };
const refusal = (raw: Record<string, unknown>): string => {
  try {
    parseJob(raw, 'job', '/tmp', 'job.json');
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('accepted');
};

describe('job file messages', () => {
  it('names an unknown field, the field it is likely a slip for, and the fields there are', () => {
    expect(refusal({ inputs: [input], tenent: 'shop' })).toBe('job.json: the job: unknown field tenent (did you mean "tenant"?); the fields here are description, tenant, inputs, timezone, currency, '
      + 'rates, as_of, min_event_time, matrices, formats, max_bad_row_share, retention, reports_dir, schedule, email, alert_after, max_run_time, duckdb, forecast, shards');
    expect(refusal({ inputs: [{ ...input, Preset: 'stripe', colour: 1 }] })).toBe('job.json: inputs[0]: unknown fields Preset, colour (did you mean "preset" for Preset?); '
      + 'the fields here are path, query, connection, ssl, ssl_ca, format, preset, map, delimiter, time_format');
    expect(refusal({ inputs: [input], schedule: { cron: '0 3 * * *', tz: 'UTC' } })).toBe('job.json: schedule: unknown field tz; the fields here are cron, timezone');
    // An input's map: its keys are the canonical columns (it said "the fields here are" and listed none).
    // Two letters swapped are one slip (Levenshtein counted two and suggested nothing), and the field it
    // stands for is not also said to be missing (a second error in the same line).
    expect(refusal({ inputs: [{ paht: 'e.csv' }] })).toBe('job.json: inputs[0]: unknown field paht (did you mean "path"?); the fields here are path, query, connection, ssl, ssl_ca, format, preset, map, delimiter, time_format');
    expect(refusal({ inputs: [input], timzeone: 'UTC' })).toMatch(/^job\.json: the job: unknown field timzeone \(did you mean "timezone"\?\); /);
    // A name too far from every field still gets the missing field's own message (the file named once).
    expect(refusal({ inputs: [{ file: 'e.csv' }] })).toBe('job.json: inputs[0]: unknown field file; the fields here are path, query, connection, ssl, ssl_ca, format, preset, map, delimiter, time_format; '
      + 'inputs[0].path: give either "path" (a file or glob) or "query" with "connection": "env:NAME"');
    expect(refusal({ inputs: [{ ...input, map: { amout: 'Total' } }] })).toMatch(/^job\.json: inputs\[0\]\.map: unknown field amout \(did you mean "amount"\?\); the fields here are customer_id, event_time, amount, transaction_id, currency, .*, attribution_creative$/);
  });

  it('says what a field must hold and what the file gave', () => {
    expect(refusal({ inputs: [] })).toBe('job.json: inputs: must list at least 1 entry');
    expect(refusal({ inputs: [input], formats: 'json' })).toBe('job.json: formats: must be a list, e.g. ["json", "csv", "xlsx"], not the text "json"');
    // Each list's example is of its own entries: inputs' was ["…"], which is refused next (an input is an object).
    expect(refusal({ tenant: 'x' })).toBe('job.json: inputs: is required: a list of inputs, e.g. [{"path": "transactions.csv"}]');
    expect(refusal({ inputs: [input], matrices: { period_type: 'days' } })).toBe('job.json: matrices: must be a list of matrices, e.g. [{"period_type": "days", "period_unit": "month"}], not an object');
    expect(refusal({ inputs: [input], email: { to: 'a@example.com' } })).toBe('job.json: email.to: must be a list of addresses, e.g. ["finance@example.com"], not the text "a@example.com"');
    expect(refusal({ inputs: [input], matrices: [{ period_type: 'days', period_unit: 'fortnight' }] }))
      .toBe('job.json: matrices[0].period_unit: must be one of "day", "week", "month", "quarter", "year", not the text "fortnight"');
    expect(refusal({ inputs: [input], retention: 0 })).toBe('job.json: retention: must be at least 1, not the number 0');
    // No report file at all (it published snapshots only).
    expect(refusal({ inputs: [input], formats: [] })).toBe('job.json: formats: list at least one of "json", "csv", "xlsx" (leave the field out for all three)');
    expect(refusal({ inputs: [input], schedule: {} })).toBe('job.json: schedule.cron: is required: text in double quotes');
    expect(refusal({ inputs: [input], retention: 2.5 })).toBe('job.json: retention: must be a whole number, not the number 2.5');
  });

  it('keeps the schema\'s own words where it has them', () => {
    expect(refusal({ inputs: [input], schedule: { cron: '' } })).toMatch(/^job\.json: schedule\.cron: empty: give a cron expression/);
    // zod's own were "Invalid string: must match pattern /^\d+(\.\d+)?…/i" and "Invalid email address".
    expect(refusal({ inputs: [input], duckdb: { memory_limit: 'lots' } })).toBe('job.json: duckdb.memory_limit: a size such as "2GB" or "512MiB", or a share of memory such as "50%"');
    // None at all: "0s" stopped every run at its start, "0GB" failed it in DuckDB, "150%" asked for more than there is.
    expect(refusal({ inputs: [input], max_run_time: '0s' })).toBe('job.json: max_run_time: a duration longer than 0, such as "2h", "90m" or "45s"');
    expect(refusal({ inputs: [input], alert_after: '0.0h' })).toBe('job.json: alert_after: a duration longer than 0, such as "36h", "90m" or "2d"');
    expect(refusal({ inputs: [input], duckdb: { memory_limit: '0GB' } })).toBe('job.json: duckdb.memory_limit: "0GB" leaves DuckDB no memory: give a size such as "2GB" or "512MiB", or a share of memory such as "50%"');
    expect(refusal({ inputs: [input], duckdb: { memory_limit: '150%' } })).toBe('job.json: duckdb.memory_limit: "150%" is more than all the memory: give a share up to 100%');
    expect(() => parseJob({ inputs: [input], max_run_time: '0.5s', duckdb: { memory_limit: '100%' } }, 'job', '/tmp', 'job.json')).not.toThrow();
    // Longer than a timer can wait: it fired at once and stopped every run in its ingest stage.
    expect(refusal({ inputs: [input], max_run_time: '30d' })).toBe('job.json: max_run_time: at most 596h (24.8 days, the longest a timer can wait): give a shorter one, or leave the field out for no limit');
    expect(() => parseJob({ inputs: [input], max_run_time: '596h' }, 'job', '/tmp', 'job.json')).not.toThrow();
    // A tenant id as long as a row's may be (it was refused over 128 characters).
    expect(() => parseJob({ inputs: [input], tenant: 'a'.repeat(200) }, 'job', '/tmp', 'job.json')).not.toThrow();
    const tooLong = 'job.json: tenant: a tenant id is 1 to 1,024 characters (one beyond U+FFFF counts two): shorten it';
    expect(refusal({ inputs: [input], tenant: 'a'.repeat(1025) })).toBe(tooLong);
    // Counted as the endpoint and a row's tenant_id count it: 600 emoji are 1,200 (they passed, then every row was quarantined).
    expect(refusal({ inputs: [input], tenant: '\u{1F600}'.repeat(600) })).toBe(tooLong);
    expect(() => parseJob({ inputs: [input], tenant: '\u{1F600}'.repeat(512) }, 'job', '/tmp', 'job.json')).not.toThrow();
    // White space around it: rows' tenant ids are trimmed, so "acme " split one tenant's rows into two reports.
    for (const tenant of ['acme ', ' acme', '\tacme', 'acme\u00a0', '\u3000acme']) {
      expect(refusal({ inputs: [input], tenant })).toBe('job.json: tenant: has white space at its start or end, which a row\'s tenant_id never keeps: remove it');
    }
    expect(() => parseJob({ inputs: [input], tenant: 'a cme' }, 'job', '/tmp', 'job.json')).not.toThrow();
    expect(refusal({ inputs: [input], email: { to: ['finance'] } })).toBe('job.json: email.to[0]: not an email address: give one such as "finance@example.com"');
  });
});
