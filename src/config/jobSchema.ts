// Job definitions (SPEC §7): one JSON file per job in jobs/, validated once at load with messages that
// name the file and the field, then frozen. `ltv run --input …` builds the same object from flags.
import { z } from './zod.js';
import { CronExpressionParser } from 'cron-parser';
import { formatCountOf } from '../format/money.js';
import { quotedName } from '../format/listed.js';
import { TENANT_ID_MAX } from './tenantId.js';
import { asOfProblem, INSTANT } from './parseAsOf.js';
import { parseDuration } from './parseDuration.js';
import { MEMORY_LIMIT, MEMORY_LIMIT_TEXT, memoryLimitAmountProblem } from './memoryLimit.js';
import { MAX_DUCKDB_THREADS } from './duckdbThreads.js';

/** SPEC §7: the schedule is checked when the job is loaded (by `ltv run` too), with the parser BullMQ uses. */
export function isCron(text: string): boolean {
  return cronError(text) === '';
}
/** cron-parser's aliases (its PredefinedExpressions, not exported), lower case only, as it reads them. */
export const CRON_ALIASES = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@hourly', '@minutely', '@secondly', '@weekdays', '@weekends'];
const EXAMPLE = 'e.g. "0 3 * * *" (03:00 daily)';
const CRON_EMPTY = `empty: give a cron expression, ${EXAMPLE}, or leave "schedule" out (no scheduled runs)`;
function cronError(text: string): string {
  // "" is said by the schema's min(1) (kept, so editors reading jobs/job.schema.json flag it too).
  if (text.trim() === '') return CRON_EMPTY;
  // cron-parser read "@Daily" and "@foo" as a month alias ("cannot resolve alias \"dai\""): said plainly.
  if (text.trim().startsWith('@') && !CRON_ALIASES.includes(text.trim())) {
    return `"${text}" is not a cron alias: use one of ${CRON_ALIASES.join(' ')} (lower case), or a cron expression, ${EXAMPLE}`;
  }
  // cron-parser right-aligns fewer fields ("0 3 * *" would fire every minute of 00:xx on the 3rd): refused.
  const fields = text.trim().split(/\s+/).length;
  if (!text.trim().startsWith('@') && fields !== 5 && fields !== 6) {
    return `"${text}" is not a cron expression: it has ${formatCountOf(fields, 'field')}, a cron expression has 5 (minute hour day-of-month month day-of-week; 6 with seconds first); ${EXAMPLE}`;
  }
  // cron-parser's H is a hashed minute or hour drawn anew at every reading (no seed): BullMQ reads the pattern
  // at each firing, so `H 3 * * *` fired at a random minute, several times a day. Not ltv's cron: refused.
  if (!text.trim().startsWith('@') && text.trim().split(/\s+/).some((f) => /(^|[,/(-])H(?![A-Za-z])/i.test(f))) {
    return `"${text}" uses H (a hashed time cron-parser draws anew at every reading, so it would fire at random times): give the minute and hour, ${EXAMPLE}`;
  }
  let parsed: ReturnType<typeof CronExpressionParser.parse>;
  try {
    parsed = CronExpressionParser.parse(text.trim(), { tz: 'UTC' });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    // cron-parser reads 7 and SUN as 0, then finds 0 twice in `0,7`: its words named no Sunday.
    if (/^CronDayOfWeek .*duplicate values found: 0$/.test(message)) {
      return `"${text}" names Sunday twice in its day-of-week field (0 and 7 both mean Sunday, as does SUN): name it once`;
    }
    return `"${text}" is not a cron expression (${message}); ${EXAMPLE}`;
  }
  // A pattern no date matches (the 31st of 30-day months: cron-parser refuses a day a single month lacks,
  // not one every month it names lacks) never fires: BullMQ kept the job's previous schedule in force while
  // the worker logged it "updated".
  try {
    parsed.next();
    return '';
  } catch {
    return `"${text}" matches no date (none of the months it names has that day), so it would never fire; ${EXAMPLE}`;
  }
}
import { PERIOD_TYPES, PERIOD_UNITS, SEGMENTATIONS, type Segmentation } from '../ltv/model.js';

/** The placeholders of `email.subject` (src/notify/formatSubject.ts). */
/** White space at either end, as ltv_trim (02_macros.sql) removes it from the text values of rows. */
/** The white space a row's text is trimmed of (ltv_trim, 02_macros.sql), as a regex class (jobJsonSchema.ts takes it too). */
export const EDGE_SPACE_CLASS = '[\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
export const EDGE_SPACE = new RegExp(`^${EDGE_SPACE_CLASS}|${EDGE_SPACE_CLASS}$`);
export const SUBJECT_PLACEHOLDERS = ['{tenant}', '{date}', '{ltv}', '{currency}', '{horizon}', '{job}'];

export const CANONICAL_COLUMNS = [
  'customer_id', 'event_time', 'amount', 'transaction_id', 'currency', 'tenant_id',
  'commission_percentage', 'tax_percentage', 'proceeds', 'net_revenue', 'renewal_number',
  'refunded_at', 'refund_of', 'is_sandbox', 'is_trial', 'updated_at',
  'product_id', 'duration', 'store', 'country', 'paywall', 'paywalls_group', 'audience', 'placement',
  'offer_category', 'offer_type', 'offer_id', 'attribution_source', 'attribution_status',
  'attribution_channel', 'attribution_campaign', 'attribution_adgroup', 'attribution_adset',
  'attribution_creative',
] as const;
export type CanonicalColumn = (typeof CANONICAL_COLUMNS)[number];

/**
 * Names ICU takes as time zones that are no IANA zone: Java's old three-letter ids, which read abbreviations
 * as one zone of the several each means (BST as Asia/Dhaka, not British Summer Time; AST as
 * America/Anchorage; NST as Pacific/Auckland; CST as America/Chicago, not China), and SystemV's. IANA's own
 * short names (EST, MST, HST: fixed offsets; CET, EET, WET, MET, EST5EDT …) are zones and stay.
 */
const ICU_ONLY_ZONES = new Set(['ACT', 'AET', 'AGT', 'ART', 'AST', 'BET', 'BST', 'CAT', 'CNT', 'CST', 'CTT', 'EAT', 'ECT', 'IET', 'IST', 'JST', 'MIT', 'NET', 'NST', 'PLT', 'PNT', 'PRT', 'PST', 'SST', 'VST']);

function icuOnlyZone(tz: string): string | null {
  if (!ICU_ONLY_ZONES.has(tz.toUpperCase()) && !/^systemv\//i.test(tz)) return null;
  let read = '';
  try {
    read = new Intl.DateTimeFormat('en-US', { timeZone: tz }).resolvedOptions().timeZone;
  } catch {
    read = '';
  }
  return `"${tz}" is no IANA time zone${read ? ` (ICU reads it as ${read})` : ''}: an abbreviation means several zones; give the zone's name, e.g. "Europe/London", "America/New_York", "Asia/Kolkata"`;
}

const ianaZone = z.string().superRefine((tz, ctx) => {
  const why = icuOnlyZone(tz);
  if (why) ctx.addIssue({ code: 'custom', message: why });
}).refine((tz) => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, { message: 'not an IANA time zone (e.g. "UTC", "Europe/Berlin")' }).overwrite((tz) => {
  // Names match case-insensitively ("europe/berlin"): the report says the zone's own spelling, not the typed one.
  // (Checks run on after a failed refine: a name that is no zone stays as it is, refused above.)
  try {
    const own = new Intl.DateTimeFormat('en-US', { timeZone: tz }).resolvedOptions().timeZone;
    return own.toLowerCase() === tz.toLowerCase() ? own : tz;
  } catch {
    return tz;
  }
});

/**
 * The codes the report may be in: ISO 4217's current ones as ICU knows them (162 in Node 20's, among them
 * ZWG of 2024; not metals, funds or test codes such as XAU, XXX, XTS). Three letters alone let a typo (`USX`)
 * through, to be printed on every figure of the report.
 */
export const ISO_4217: ReadonlySet<string> = new Set(Intl.supportedValuesOf('currency'));
// A code padded with white space (`"KWD "`) is named as such: a row's currency is trimmed, so only the reason
// told the operator what to remove.
const currency = z.string()
  .regex(/^[A-Za-z]{3}$/, { error: (issue) => (EDGE_SPACE.test(String(issue.input)) && /^[A-Za-z]{3}$/.test(String(issue.input).trim()) ? `${JSON.stringify(issue.input)} has white space at its start or end: remove it` : 'an ISO 4217 code such as "USD"') })
  .transform((s) => s.toUpperCase())
  .refine((s) => ISO_4217.has(s), { error: (issue) => `"${String(issue.input)}" is not an ISO 4217 currency code (e.g. "USD", "EUR", "GBP")` });

export const InputSchema = z.strictObject({
  /** A local path or glob, relative to the job file's folder; `.gz` is read transparently. */
  path: z.string().min(1).optional(),
  /** Instead of a file: a query on PostgreSQL or MySQL/MariaDB, read as a stream (src/ingest/readQuery.ts). */
  query: z.string().min(1).optional(),
  /** "env:NAME": the environment variable NAME holds the database URL; credentials never live in a job file. */
  connection: z.string().regex(/^env:[A-Za-z_][A-Za-z0-9_]*$/, 'must be "env:NAME", NAME being an environment variable that holds the database URL').optional(),
  /** TLS to the database (default: what the URL says, e.g. ?sslmode=require); `ssl_ca` a CA file. */
  ssl: z.enum(['disable', 'require', 'verify-ca', 'verify-full']).optional(),
  ssl_ca: z.string().min(1).optional(),
  format: z.enum(['auto', 'csv', 'tsv', 'jsonl', 'parquet']).default('auto'),
  preset: z.enum(['canonical', 'revenuecat', 'stripe', 'shopify', 'adapty', 'paddle']).default('canonical'),
  /** canonical column → source column (overrides the preset). */
  map: z.partialRecord(z.enum(CANONICAL_COLUMNS), z.string().min(1)).default({}),
  /**
   * CSV delimiter; sniffed when absent. `whitespace` reads runs of spaces (e.g. CDNOW). A tab cannot be typed
   * on a command line: `\t` (backslash, t) and `tab` mean one.
   */
  delimiter: z.string().min(1).max(10).transform((d) => (/^(\\t|tab)$/i.test(d) ? '\t' : d)).superRefine((d, ctx) => {
    // Checked when the job is read (it was only when the file was opened, after the run had started): DuckDB
    // separates by one byte, and the quote and line ends cannot be it.
    const why = d === 'whitespace' ? undefined : Buffer.byteLength(d) !== 1 ? 'is not one single-byte character' : /["\r\n]/.test(d) ? 'quotes fields or ends lines, it cannot separate them' : undefined;
    if (why) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(d)} ${why} (use e.g. "," ";" "|", "tab", or "whitespace" for runs of spaces)` });
  }).optional(),
  /** Time format of the times (event_time, refunded_at, updated_at) when not ISO 8601, in strptime syntax, e.g. "%Y%m%d". */
  time_format: z.string().min(1).optional(),
}).superRefine((input, ctx) => {
  // SPEC §3: an input is a file (path) or a database query (query + connection), never both.
  if ((input.path === undefined) === (input.query === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['path'], message: 'give either "path" (a file or glob) or "query" with "connection": "env:NAME"' });
  } else if (input.query !== undefined && input.connection === undefined) {
    ctx.addIssue({ code: 'custom', path: ['connection'], message: '"query" needs "connection": "env:NAME", NAME being an environment variable that holds a postgres:// or mysql:// URL' });
  } else if (input.path !== undefined && (input.connection ?? input.ssl ?? input.ssl_ca) !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['connection'], message: '"connection", "ssl" and "ssl_ca" belong to a "query" input, not to a file' });
  } else if (input.format === 'tsv' && input.delimiter !== undefined && input.delimiter !== '\t') {
    // Tab-separated by its name: which of the two separated the file was left to a rule no one reads.
    ctx.addIssue({ code: 'custom', path: ['delimiter'], message: `"format": "tsv" is separated by tabs, but "delimiter" says ${JSON.stringify(input.delimiter)}: give "format": "csv" with that delimiter, or remove "delimiter"` });
  } else if (input.path !== undefined && (input.format === 'parquet' || input.format === 'jsonl') && input.delimiter !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['delimiter'], message: `"format": "${input.format}" has no delimiter: remove "delimiter", or give the file's real format` });
  } else if (input.query !== undefined && (input.format !== 'auto' || input.delimiter !== undefined)) {
    // A query's rows come typed from the database: a file's layout said of it was ignored without a word.
    // (time_format applies: a text column of times is read with it.)
    const field = input.format !== 'auto' ? 'format' : 'delimiter';
    ctx.addIssue({ code: 'custom', path: [field], message: `"${field}" belongs to a file input: a query's rows are read as the database types them; remove it` });
  }
});
export type InputDef = z.infer<typeof InputSchema>;

export const MatrixSpecSchema = z.strictObject({
  period_type: z.enum(PERIOD_TYPES),
  period_unit: z.enum(PERIOD_UNITS),
  segmentation: z.enum(SEGMENTATIONS as [Segmentation, ...Segmentation[]]).default('cohort'),
});

/** Native matrices published in ltv.json/csv/xlsx when a job does not choose: SPEC §5 "every configured matrix". */
export const DEFAULT_MATRICES = [
  { period_type: 'days', period_unit: 'month', segmentation: 'cohort' },
  { period_type: 'days', period_unit: 'week', segmentation: 'cohort' },
  { period_type: 'renewals', period_unit: 'month', segmentation: 'cohort' },
  { period_type: 'days', period_unit: 'month', segmentation: 'country' },
  { period_type: 'days', period_unit: 'month', segmentation: 'product' },
  { period_type: 'days', period_unit: 'month', segmentation: 'store' },
] as const;

const emailAddress = z.string().email('not an email address: give one such as "finance@example.com"');

export const EmailSchema = z.strictObject({
  to: z.array(emailAddress).min(1),
  cc: z.array(emailAddress).default([]),
  /** Recipients of failure notices. */
  ops: z.array(emailAddress).default([]),
  /**
   * Placeholders: {tenant}, {date} (as-of, report time zone), {ltv} (the headline LTV: 90 days, else 30
   * days, else the latest Total value), {horizon} (what {ltv} is: "90 days", "30 days", "month 2"),
   * {currency}, {job}. src/notify/README.md.
   */
  // An unknown placeholder is refused at load (a typo would otherwise reach every inbox as written).
  subject: z.string().min(1).superRefine((text, ctx) => {
    const unknown = [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[0]).filter((p) => !SUBJECT_PLACEHOLDERS.includes(p));
    if (unknown.length) ctx.addIssue({ code: 'custom', message: `${unknown.join(', ')} ${unknown.length === 1 ? 'is no placeholder' : 'are no placeholders'}: use ${SUBJECT_PLACEHOLDERS.join(' ')}` });
  }).default('LTV report {tenant} {date}: {ltv} {currency} at {horizon}'),
  attach_csv: z.boolean().default(false),
  /** Attachments (ltv.xlsx, then ltv.csv) are attached while their total stays within this; the rest is linked. */
  max_attachment_bytes: z.number().int().positive().default(10 * 1024 * 1024),
  /**
   * Public base URL where the reports directory is served statically (`ltv serve` answers API snapshots
   * only): a file too large to attach is linked as <link_base_url>/<tenant>/runs/<run-id>/ltv.xlsx.
   */
  // Becomes the href of the email's download links: any other scheme (javascript:, file:, data:) was taken
  // and reached every inbox as a link. The pattern is case-blind without a flag (jobJsonSchema.ts refuseFlags).
  link_base_url: z.string().regex(/^[Hh][Tt][Tt][Pp][Ss]?:\/\//, { error: (issue) => webAddressProblem(String(issue.input)), abort: true })
    .refine((text) => URL.canParse(text), { error: (issue) => webAddressProblem(String(issue.input)) }).optional(),
});

function webAddressProblem(text: string): string {
  return `${quotedName(text, 80)} is no http:// or https:// address (every link in the email starts with it): give the web address the reports directory is served at, e.g. "https://reports.example.com/ltv"`;
}

/** SPEC §9 forecasts (src/forecast/README.md). */
export const ForecastSchema = z.strictObject({
  /**
   * `auto` (the default), tenant by tenant: sBG when some of its payments carry a renewal number or a duration,
   * else BG/NBD + Gamma-Gamma.
   * `off` turns forecasts off (README, Forecasts, has what they cost).
   */
  model: z.enum(['auto', 'sbg', 'bgnbd', 'off']).default('auto'),
  horizon_months: z.number().int().min(1).max(120).default(24),
  /** Central probability of the bootstrap interval. */
  interval: z.number().gt(0).lt(1).default(0.8),
  /** Bootstrap replicates wanted (fewer when a fit costs too much; the report says so). 0: no interval. */
  replicates: z.number().int().min(0).max(1000).default(100),
  /** Seed of the bootstrap's Mersenne Twister: the same run gives the same intervals. */
  seed: z.number().int().min(0).max(4294967295).default(17),
  /**
   * The backtest's holdout h in days (default: the newest quarter of the observed history). At most a
   * century: T − h must stay a date (a billion days failed the whole forecast with "Invalid time value").
   */
  holdout_days: z.number().int().min(1).max(36_525).optional(),
  /** A cohort with fewer customers gets no forecast. */
  min_cohort_customers: z.number().int().min(1).default(20),
  /** An sBG group (cohort, cohort × duration) with fewer customers uses the pooled fit. */
  min_group_customers: z.number().int().min(1).default(100),
});
export type ForecastSettings = z.infer<typeof ForecastSchema>;

/** What a job's fixed times must be (zod said only "Invalid ISO datetime"). */
const ISO_TIME = 'not an ISO 8601 time with its UTC offset, e.g. "2026-03-16T15:00:00Z" or "2026-03-16T16:00:00+01:00"';

/**
 * An as-of time, by the rule of --as-of (parseAsOf.ts), for a job file's "as_of" and the run route's body:
 * they took only what zod calls a datetime (seconds required, T and Z upper case), so a time the command
 * line ran was refused there.
 */
export const asOfText = z.string({ error: ISO_TIME })
  .regex(INSTANT, { error: (issue) => asOfProblem(String(issue.input)) ?? ISO_TIME, abort: true })
  .refine((v) => asOfProblem(v) === null, { error: (issue) => asOfProblem(String(issue.input)) ?? ISO_TIME });

/** The default of `min_event_time`: before any digital transaction export a report could be asked for. */
export const DEFAULT_MIN_EVENT_TIME = '1990-01-01T00:00:00Z';

/** Shards of one run at most: each is a Parquet part and a BullMQ job, and the merge reads them all. */
export const MAX_SHARDS = 64;

/**
 * A duration as a job file writes it (seconds to days, parseDuration reads it, in either case), with examples
 * for the message. Patterns here carry no flag: jobs/job.schema.json takes them as they are (jobJsonSchema.ts).
 */
const duration = (examples: string) => z.string().regex(/^\s*\d+(\.\d+)?\s*[SsMmHhDd]\s*$/, { error: `a duration such as ${examples}`, abort: true })
  // "0s" stopped every run at its start (max_run_time) and alerted on every check (alert_after).
  .refine((text) => (parseDuration(text) ?? 0) > 0, `a duration longer than 0, such as ${examples}`);


export const JobSchema = z.strictObject({
  $schema: z.string().optional(),
  description: z.string().optional(),
  /** Rows without tenant_id belong to this tenant. */
  // As long as a row's tenant_id and a key's tenant may be (README "Outputs": a long id gets a safe directory name).
  tenant: z.string().min(1, `a tenant id is 1 to ${TENANT_ID_MAX.toLocaleString('en-US')} characters: give one, or leave the field out for "default"`)
    // Counted as the endpoint, the keys and a row's tenant_id count it (tenantId.ts: UTF-16 units, a character
    // beyond U+FFFF two); zod's max counts code points, and 600 emoji passed here, then quarantined every row.
    .refine((t) => t.length <= TENANT_ID_MAX, `a tenant id is 1 to ${TENANT_ID_MAX.toLocaleString('en-US')} characters (one beyond U+FFFF counts two): shorten it`)
    // A row's tenant_id is read without the white space around it (ltv_trim, 02_macros.sql): "acme " named a
    // tenant no row can carry, and one tenant's rows were published as two tenants.
    .refine((t) => !EDGE_SPACE.test(t), 'has white space at its start or end, which a row\'s tenant_id never keeps: remove it')
    .default('default'),
  inputs: z.array(InputSchema).min(1),
  timezone: ianaZone.default('UTC'),
  currency: currency.default('USD'),
  /** CSV `date,currency,rate`: one unit of `currency` is `rate` units of the report currency. */
  rates: z.string().min(1).optional(),
  /** Fixed as-of time (ISO 8601); normally the run's start or its scheduled slot. */
  as_of: asOfText.optional(),
  /**
   * Payments before this time are bad rows (quarantined with the reason), not history: a placeholder date
   * (0001-01-01, the 1970 epoch of a NULL turned into 0) would otherwise open a cohort decades before the
   * data and make every day-unit matrix, snapshot and workbook thousands of periods long.
   */
  min_event_time: z.string().datetime({ offset: true, error: ISO_TIME }).default(DEFAULT_MIN_EVENT_TIME),
  // A matrix listed twice was published twice: twice its lines in ltv.csv (a script summing them doubled
  // them), two entries with one id in ltv.json, and sheets "Monthly cohorts" and "Monthly cohorts (2)".
  matrices: z.array(MatrixSpecSchema).min(1).superRefine((list, ctx) => {
    const first = new Map<string, number>();
    list.forEach((m, i) => {
      const id = `${m.period_type}-${m.period_unit}-${m.segmentation}`;
      const earlier = first.get(id);
      if (earlier === undefined) first.set(id, i);
      else ctx.addIssue({ code: 'custom', path: [i], message: `repeats matrices[${earlier}] (${id}): list each matrix once` });
    });
  }).default(DEFAULT_MATRICES.map((m) => ({ ...m }))),
  // At least one: an empty list published a run without a report file, only its snapshots.
  // A format listed twice was taken without a word (its file written once): refused as a repeated matrix is.
  formats: z.array(z.enum(['json', 'csv', 'xlsx'])).min(1, 'list at least one of "json", "csv", "xlsx" (leave the field out for all three)').superRefine((list, ctx) => {
    list.forEach((f, i) => {
      const earlier = list.indexOf(f);
      if (earlier < i) ctx.addIssue({ code: 'custom', path: [i], message: `repeats formats[${earlier}] ("${f}"): list each format once` });
    });
  }).default(['json', 'csv', 'xlsx']),
  /** A run whose share of bad rows exceeds this fails without publishing (SPEC §3). */
  max_bad_row_share: z.number().min(0).max(1).default(0.01),
  retention: z.number().int().min(1).default(30),
  /** Where runs are published, relative to the job file's folder unless absolute. */
  reports_dir: z.string().min(1).optional(),
  schedule: z
    .strictObject({ cron: z.string().min(1, { error: CRON_EMPTY }).refine((text) => text === '' || isCron(text), { error: (i) => cronError(String(i.input)) }), timezone: ianaZone.default('UTC') })
    .optional(),
  email: EmailSchema.optional(),
  /** SPEC §11: the worker emails `email.ops` once when no run was published for this long, and once when one is. */
  alert_after: duration('"36h", "90m" or "2d"').optional(),
  /**
   * A run still going after this long (from its start to publishing) is stopped: nothing is published, the
   * last report stays, and the failure is not retried (a retry would take as long). Absent: no limit.
   */
  // A timer waits at most 2³¹ − 1 ms: a longer one fired at once and stopped every run in its ingest stage.
  max_run_time: duration('"2h", "90m" or "45s"')
    .refine((text) => (parseDuration(text) ?? 0) <= 2 ** 31 - 1, 'at most 596h (24.8 days, the longest a timer can wait): give a shorter one, or leave the field out for no limit')
    .optional(),
  duckdb: z
    .strictObject({
      threads: z.number().int().min(1).max(MAX_DUCKDB_THREADS).optional(),
      memory_limit: z.string().regex(MEMORY_LIMIT, { error: MEMORY_LIMIT_TEXT, abort: true })
        .refine((text) => memoryLimitAmountProblem(text) === null, { error: (issue) => memoryLimitAmountProblem(String(issue.input)) ?? MEMORY_LIMIT_TEXT }).optional(),
      temp_directory: z.string().optional(),
    })
    .default({}),
  forecast: ForecastSchema.prefault({}),
  /**
   * SPEC §12: a worker's run of this job is split into this many shards (a BullMQ flow: any worker takes
   * any shard). 1 = one process. `ltv run` (no Redis) always runs in one process.
   */
  shards: z.number().int().min(1).max(MAX_SHARDS).default(1),
}).superRefine((job, ctx) => {
  // Rows before min_event_time are bad and rows after T are left out: a min_event_time not before the job's
  // as_of left no row to read, and the run failed after its whole ingest with "all rows are bad".
  if (job.as_of !== undefined) {
    const why = minEventTimeProblem(job.min_event_time, new Date(job.as_of), `"as_of" (${job.as_of})`);
    if (why) ctx.addIssue({ code: 'custom', path: ['min_event_time'], message: `${why}; give an earlier min_event_time` });
  }
});

/** Why min_event_time leaves no row before the as-of time `asOf` (named as `asOfName`), or null. */
export function minEventTimeProblem(minEventTime: string, asOf: Date, asOfName: string): string | null {
  if (new Date(minEventTime).getTime() < asOf.getTime()) return null;
  return `${minEventTime} is not earlier than ${asOfName}: every row would be before the one or after the other`;
}
export type JobInput = z.input<typeof JobSchema>;
export type Job = z.infer<typeof JobSchema> & {
  /** File name without extension (or "adhoc" for `ltv run --input`). */
  name: string;
  /** Folder relative paths in the job resolve against. */
  baseDir: string;
  /** How messages name the job: its file as given (`jobs/nightly.json`), or "command line". */
  file: string;
};
