// Job fields checked when the job is loaded (SPEC §7), so that a mistake fails at once with one line:
// schedule.cron with fields missing (cron-parser would right-align them: "0 3 * *" would fire every
// minute of 00:xx on the 3rd), an email.subject placeholder that does not exist.
import { describe, expect, it } from 'vitest';
import { CRON_ALIASES, type JobInput } from '../../src/config/jobSchema.js';
import { jobFromFlags } from '../../src/config/loadJob.js';
import { startRun } from '../../src/pipeline.js';
import { silentLogger } from '../helpers/runFixture.js';

const load = (cron: string): unknown => jobFromFlags({ inputs: [{ path: 'x.csv' }], schedule: { cron } }, '/tmp');

describe('schedule.cron', () => {
  it.each(['0 3 * * *', '*/10 0 3 * * *', '@daily'])('takes %s', (cron) => {
    expect(() => load(cron)).not.toThrow();
  });

  it.each([
    ['0 3 * *', 4],
    ['0', 1],
    ['0 3 * * * * *', 7],
  ])('refuses %s, which has %i fields', (cron, n) => {
    expect(() => load(cron)).toThrow(`command line: schedule.cron: "${cron}" is not a cron expression: it has ${n} field${n === 1 ? '' : 's'}, a cron expression has 5 (minute hour day-of-month month day-of-week; 6 with seconds first); e.g. "0 3 * * *" (03:00 daily)`);
  });
});

describe('schedule.cron, empty or an alias', () => {
  it.each(CRON_ALIASES)('takes the alias %s (each one cron-parser, and so BullMQ, reads)', (alias) => {
    expect(() => load(alias)).not.toThrow();
  });

  it.each(['', '   '])('refuses %j in one message that says what to give', (cron) => {
    expect(() => load(cron)).toThrow(/^command line: schedule\.cron: empty: give a cron expression, e\.g\. "0 3 \* \* \*" \(03:00 daily\), or leave "schedule" out \(no scheduled runs\)$/);
  });

  it.each(['@foo', '@Daily', '@every 5m', '@'])('refuses %s, naming the aliases (cron-parser said "cannot resolve alias \"dai\"")', (cron) => {
    expect(() => load(cron)).toThrow(`command line: schedule.cron: "${cron}" is not a cron alias: use one of @yearly @annually @monthly @weekly @daily @hourly @minutely @secondly @weekdays @weekends (lower case), or a cron expression, e.g. "0 3 * * *" (03:00 daily)`);
  });
});

describe('schedule.cron that would never fire, or fire at random', () => {
  // No month it names has that day: BullMQ kept the previous schedule in force while the worker logged
  // "schedule updated" at every rescan.
  it.each(['0 3 31 4,6,9,11 *', '0 3 31 2,4 *', '0 0 3 31 2,4 *'])('refuses %s, which matches no date', (cron) => {
    expect(() => load(cron)).toThrow(`command line: schedule.cron: "${cron}" matches no date (none of the months it names has that day), so it would never fire; e.g. "0 3 * * *" (03:00 daily)`);
  });

  // cron-parser draws H anew at each reading, and BullMQ reads the pattern at each firing: `H 3 * * *` fired
  // several times a day at random minutes.
  it.each(['H 3 * * *', 'H * * * * *', '0 H/2 * * *', '5,H 3 * * *'])('refuses %s (H, a hashed time)', (cron) => {
    expect(() => load(cron)).toThrow(`command line: schedule.cron: "${cron}" uses H (a hashed time cron-parser draws anew at every reading, so it would fire at random times): give the minute and hour, e.g. "0 3 * * *" (03:00 daily)`);
  });

  // cron-parser reads 7 (and SUN) as 0 and then refused "duplicate values found: 0", naming no Sunday.
  it.each(['0 12 * * 0,7', '0 12 * * 7,0', '0 12 * * 5-7,0', '0 12 * * SUN,7', '0 0 12 * * 0,7'])('refuses %s, saying 0 and 7 both mean Sunday', (cron) => {
    expect(() => load(cron)).toThrow(`command line: schedule.cron: "${cron}" names Sunday twice in its day-of-week field (0 and 7 both mean Sunday, as does SUN): name it once`);
  });

  it.each(['0 12 * * 0-7', '0 12 * * 7', '0 12 * * 6,7'])('takes %s (Sunday once, as 0 or 7)', (cron) => {
    expect(() => load(cron)).not.toThrow();
  });

  it.each(['0 0 29 2 *', '0 3 L * *', '0 3 * * THU', '0 3 * * 1#5'])('takes %s, which fires (Feb 29 every fourth year, the last day, Thursdays, a fifth Monday)', (cron) => {
    expect(() => load(cron)).not.toThrow();
  });
});

describe('email.subject', () => {
  const withSubject = (subject: string): unknown => jobFromFlags({ inputs: [{ path: 'x.csv' }], email: { to: ['ops@example.com'], subject } }, '/tmp');

  it('takes the documented placeholders', () => {
    expect(() => withSubject('LTV {tenant} {date}: {ltv} {currency} at {horizon} ({job})')).not.toThrow();
  });

  it('refuses an unknown one, naming it and the known ones', () => {
    expect(() => withSubject('{foo} {tenant} {Date}')).toThrow('command line: email.subject: {foo}, {Date} are no placeholders: use {tenant} {date} {ltv} {currency} {horizon} {job}');
  });
});

describe('forecast.holdout_days', () => {
  const withHoldout = (holdout_days: number): unknown => jobFromFlags({ inputs: [{ path: 'x.csv' }], forecast: { holdout_days } }, '/tmp');

  it('takes up to a century, and refuses more in one line at load (a billion days failed the forecast with "Invalid time value")', () => {
    expect(() => withHoldout(36_525)).not.toThrow();
    expect(() => withHoldout(1_000_000_000)).toThrow('command line: forecast.holdout_days: must be at most 36525, not the number 1000000000');
  });
});

describe('matrices', () => {
  const withMatrices = (matrices: NonNullable<JobInput['matrices']>): unknown => jobFromFlags({ inputs: [{ path: 'x.csv' }], matrices }, '/tmp');

  it('refuses a matrix listed twice (it was published twice: doubled lines in ltv.csv, one id twice in ltv.json)', () => {
    expect(() => withMatrices([
      { period_type: 'days', period_unit: 'month' },
      { period_type: 'days', period_unit: 'week', segmentation: 'country' },
      { period_type: 'days', period_unit: 'month', segmentation: 'cohort' },
    ])).toThrow('command line: matrices[2]: repeats matrices[0] (days-month-cohort): list each matrix once');
  });

  it('takes the same units with another segmentation or period type', () => {
    expect(() => withMatrices([
      { period_type: 'days', period_unit: 'month' },
      { period_type: 'days', period_unit: 'month', segmentation: 'month' },
      { period_type: 'renewals', period_unit: 'month' },
    ])).not.toThrow();
  });
});

describe('currency', () => {
  const withCurrency = (currency: string): { currency: string } => jobFromFlags({ inputs: [{ path: 'x.csv' }], currency }, '/tmp') as { currency: string };

  it.each([['usd', 'USD'], ['EUR', 'EUR'], ['jpy', 'JPY'], ['ZWG', 'ZWG'], ['XOF', 'XOF']])('takes %s as %s', (given, code) => {
    expect(withCurrency(given).currency).toBe(code);
  });

  it.each(['XYZ', 'usx', 'ABC', 'XXX', 'XTS'])('refuses %s, three letters that are no currency', (given) => {
    expect(() => withCurrency(given)).toThrow(`--currency: "${given.toUpperCase()}" is not an ISO 4217 currency code (e.g. "USD", "EUR", "GBP")`);
  });

  it('refuses what is not three letters as before', () => {
    expect(() => withCurrency('US')).toThrow('--currency: an ISO 4217 code such as "USD"');
  });

  // A row's currency is trimmed; the job's is not, and the reason said nothing of the space to remove.
  it.each([['KWD ', '"KWD "'], ['\tusd', '"\\tusd"'], ['EUR\n', '"EUR\\n"']])('names the white space around %j', (given, shown) => {
    expect(() => withCurrency(given)).toThrow(`--currency: ${shown} has white space at its start or end: remove it`);
  });
});

describe('inputs[]: a query input', () => {
  const query = (extra: Record<string, string>): unknown => jobFromFlags({ inputs: [{ query: 'SELECT 1', connection: 'env:DB', ...extra } as JobInput['inputs'][number]] }, '/tmp');

  it.each([['format', 'parquet'], ['format', 'csv'], ['delimiter', ';']])('refuses a file\'s %s (%s), which it ignored without a word', (field, value) => {
    expect(() => query({ [field]: value })).toThrow(`command line: inputs[0].${field}: "${field}" belongs to a file input: a query's rows are read as the database types them; remove it`);
  });

  it('takes format "auto" and a time_format (a text column of times is read with it)', () => {
    expect(() => query({ format: 'auto', time_format: '%d/%m/%Y' })).not.toThrow();
  });
});

describe('forecast.seed', () => {
  const withSeed = (seed: number): unknown => jobFromFlags({ inputs: [{ path: 'x.csv' }], forecast: { seed } }, '/tmp');

  it('refuses a seed beyond 2³² − 1 with its own limit alone (1e300 was told two limits, zod\'s safe-integer bound first)', () => {
    expect(() => withSeed(4294967295)).not.toThrow();
    expect(() => withSeed(1e300)).toThrow(/^command line: forecast\.seed: must be at most 4294967295, not the number 1e\+300$/);
    expect(() => withSeed(2 ** 60)).toThrow(/^command line: forecast\.seed: must be at most 4294967295, not the number 1152921504606847000$/);
  });

  it('names the file once before several mistakes (each was "file: field: …; file: field: …")', () => {
    expect(() => jobFromFlags({ inputs: [{ path: 'x.csv' }], retention: 0, forecast: { seed: 1e300 } }, '/tmp'))
      .toThrow(/^command line: retention: must be at least 1, not the number 0; forecast\.seed: must be at most 4294967295, not the number 1e\+300$/);
  });
});

describe('email.link_base_url', () => {
  const withLink = (link_base_url: string): unknown => jobFromFlags({ inputs: [{ path: 'x.csv' }], email: { to: ['a@example.com'], link_base_url } }, '/tmp');
  const HTTP_ONLY = (v: string): string => `command line: email.link_base_url: ${JSON.stringify(v)} is no http:// or https:// address (every link in the email starts with it): give the web address the reports directory is served at, e.g. "https://reports.example.com/ltv"`;

  it('takes an http or https address, in either case', () => {
    expect(() => withLink('https://reports.example.com/ltv')).not.toThrow();
    expect(() => withLink('HTTP://10.0.0.5:8080')).not.toThrow();
  });

  it('refuses any other scheme ("javascript:alert(1)" became the href of the email\'s download link)', () => {
    for (const v of ['javascript:alert(1)', 'file:///srv/reports', 'ftp://example.com/r', 'data:text/html,x', 'https:reports.example.com']) {
      expect(() => withLink(v), v).toThrow(new RegExp(`^${HTTP_ONLY(v).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`));
    }
  });

  it('refuses text that is no address, saying what to write (it said "Invalid URL")', () => {
    for (const v of ['not a url', 'https://', 'https://exa mple.com']) expect(() => withLink(v), v).toThrow(new RegExp(`^${HTTP_ONLY(v).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`));
  });
});

describe('formats', () => {
  it('refuses a format listed twice, as a matrix listed twice is (["json", "json"] was taken without a word)', () => {
    expect(() => jobFromFlags({ inputs: [{ path: 'x.csv' }], formats: ['json', 'csv', 'json'] }, '/tmp'))
      .toThrow(/^command line: formats\[2\]: repeats formats\[0\] \("json"\): list each format once$/);
    expect(() => jobFromFlags({ inputs: [{ path: 'x.csv' }], formats: ['csv', 'json'] }, '/tmp')).not.toThrow();
  });
});

describe('min_event_time and as_of', () => {
  const withTimes = (min_event_time: string, as_of: string): unknown => jobFromFlags({ inputs: [{ path: 'x.csv' }], min_event_time, as_of }, '/tmp');

  it('refuses a min_event_time not earlier than the job\'s as_of at load (the run failed after ingest: "all rows are bad")', () => {
    expect(() => withTimes('2026-04-01T00:00:00Z', '2026-03-16T15:00:00Z'))
      .toThrow(/^command line: min_event_time: 2026-04-01T00:00:00Z is not earlier than "as_of" \(2026-03-16T15:00:00Z\): every row would be before the one or after the other; give an earlier min_event_time$/);
    // The same instant written in another offset is not earlier either.
    expect(() => withTimes('2026-03-16T16:00:00+01:00', '2026-03-16T15:00:00Z')).toThrow(/is not earlier than "as_of"/);
    expect(() => withTimes('2026-03-16T14:59:59Z', '2026-03-16T15:00:00Z')).not.toThrow();
  });

  it('refuses it when the run starts for an as-of given with the run (--as-of, a slot), before any input is read', () => {
    const job = jobFromFlags({ inputs: [{ path: 'x.csv' }], min_event_time: '2026-04-01T00:00:00Z' }, '/tmp');
    expect(() => startRun(job, { logger: silentLogger, asOf: new Date('2026-03-16T15:00:00Z'), reportsDir: '/tmp/ltv-none' }))
      .toThrow(/^command line: min_event_time: 2026-04-01T00:00:00Z is not earlier than the as-of time 2026-03-16T15:00:00\.000Z: every row would be before the one or after the other; give an earlier min_event_time, or check --as-of$/);
  });
});
