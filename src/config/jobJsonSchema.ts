// jobs/job.schema.json, for editors: generated from the zod schema (one source of truth) with the field
// descriptions editors show on hover. test/unit/jobJsonSchema.test.ts keeps the committed file equal to it.
import { z } from './zod.js';
import { EDGE_SPACE_CLASS, ISO_4217, JobSchema, SUBJECT_PLACEHOLDERS } from './jobSchema.js';

const DESCRIPTIONS: Record<string, string> = {
  '': 'An ltv job: which transaction exports to read and which LTV reports to publish (jobs/README.md).',
  description: 'Free text for people reading the file.',
  tenant: 'Tenant of the rows that have no tenant_id column value.',
  inputs: 'Transaction exports; every row of every input is read.',
  'inputs.path': 'Local path or glob, relative to this file\'s folder; .gz files are read transparently.',
  'inputs.query': 'Instead of "path": a SELECT on PostgreSQL or MySQL/MariaDB whose result is read as a stream (with "connection").',
  'inputs.connection': '"env:NAME": the environment variable NAME holds the database URL (postgres://… or mysql://…); never put credentials in this file.',
  'inputs.ssl': 'TLS to the database, libpq\'s meanings: disable, require (encrypted), verify-ca, verify-full (also the host name); absent: what the URL says.',
  'inputs.ssl_ca': 'CA certificate file (PEM) the database server\'s certificate is checked against, relative to this file\'s folder.',
  'inputs.format': 'File format; "auto" decides from the file name.',
  'inputs.preset': 'Column names and meaning of a known export: "canonical" (ltv\'s own), "revenuecat" (Scheduled Data Export v5), "stripe" (Dashboard payments export), "shopify" (orders export), "adapty" (event export to S3/GCS), "paddle" (Paddle Billing transactions or adjustments report).',
  'inputs.map': 'Canonical column -> column of this file, overriding the preset.',
  'inputs.delimiter': 'CSV delimiter; sniffed when absent. "whitespace" reads runs of spaces.',
  'inputs.time_format': 'strptime format of the times (event_time, refunded_at, updated_at) when they are not ISO 8601, e.g. "%Y%m%d"; ISO 8601 times are still read.',
  timezone: 'IANA time zone of cohorts and periods; times without an offset are read in it.',
  currency: 'ISO 4217 currency of the report.',
  rates: 'CSV file date,currency,rate converting other currencies into the report currency.',
  as_of: 'Fixed as-of time (ISO 8601 with offset). Normally absent: the run\'s start, or its scheduled slot.',
  matrices: 'The LTV matrices published in ltv.json, ltv.csv and ltv.xlsx.',
  formats: 'Report formats written besides the API snapshots.',
  min_event_time: 'Payments before this ISO 8601 time are quarantined as placeholder or damaged dates (default 1990-01-01T00:00:00Z).',
  max_bad_row_share: 'A run whose share of quarantined rows exceeds this (0..1) fails without publishing.',
  retention: 'Published runs kept per tenant.',
  reports_dir: 'Where runs are published, relative to this file\'s folder (absent: ./reports of the current directory); LTV_REPORTS_DIR overrides it, and ltv run --out both.',
  schedule: 'When `ltv worker` runs this job; absent = on demand only.',
  'schedule.cron': 'Cron pattern: 5 fields (minute hour day month weekday) or 6 with seconds first, e.g. "0 6 * * *".',
  'schedule.timezone': 'IANA time zone the cron pattern is read in (DST-aware).',
  email: 'Send the report by email after each published run (SMTP_URL in the environment).',
  'email.to': 'Recipients of the report email.',
  'email.cc': 'Copy recipients of the report email.',
  'email.ops': 'Recipients of the short notice sent when a run fails (once per failure).',
  'email.subject': 'Subject template; placeholders {tenant} {date} {ltv} {horizon} {currency} {job}.',
  'email.attach_csv': 'Attach ltv.csv as well as ltv.xlsx.',
  'email.max_attachment_bytes': 'Files are attached while their total stays within this; the rest is linked.',
  'email.link_base_url': 'http:// or https:// base URL where the reports directory is served statically; links are <base>/<tenant>/runs/<run-id>/ltv.xlsx.',
  alert_after: 'Stale-report alert: when no run was published for this long (e.g. "36h"), the worker emails email.ops once, and once more when a run is published again.',
  max_run_time: 'A run still going after this long (e.g. "2h") is stopped before it publishes: nothing is published, the last report stays, and it is not retried. Absent: no limit.',
  duckdb: 'Resources of each run; LTV_DUCKDB_THREADS and LTV_DUCKDB_MEMORY_LIMIT fill what is left out.',
  'duckdb.threads': 'DuckDB threads per run, 1 to 1024 (DuckDB starts each one when it opens).',
  'duckdb.memory_limit': 'DuckDB memory limit per run, e.g. "2GB" or "50%" (of the memory the process may use: its container\'s limit where there is one); DuckDB advises 50-60 % of RAM.',
  'duckdb.temp_directory': 'Where DuckDB spills when the memory limit is reached.',
  forecast: 'Predicted LTV (SPEC §9): model, horizon, interval and backtest of the forecast; model "off" turns it off.',
  shards: 'Split each worker run into this many shards (1..64), computed by any workers sharing Redis and the reports volume (SPEC §12); `ltv run` ignores it.',
  'forecast.model': '"auto" (sBG when renewal numbers or durations are present, else BG/NBD + Gamma-Gamma), "sbg", "bgnbd" or "off".',
  'forecast.horizon_months': 'Months of life to predict cumulative LTV for (1..120).',
  'forecast.interval': 'Central probability of the bootstrap interval, e.g. 0.8 for 10 %..90 %.',
  'forecast.replicates': 'Bootstrap replicates wanted; fits that cost too much use fewer and the report says so. 0: no interval.',
  'forecast.seed': 'Seed of the bootstrap\'s random numbers: the same run gives the same intervals.',
  'forecast.holdout_days': 'Backtest holdout in days: refit on the data up to T minus this and compare with T. Default: the newest quarter of the history.',
  'forecast.min_cohort_customers': 'A monthly cohort with fewer customers gets no forecast.',
  'forecast.min_group_customers': 'An sBG group (cohort, or cohort and duration) with fewer customers uses the pooled fit.',
};

type Node = { description?: string; properties?: Record<string, Node>; items?: Node; [k: string]: unknown };

function describe(node: Node, path: string): void {
  const text = DESCRIPTIONS[path];
  if (text && node.description === undefined) node.description = text;
  const target = node.items ?? node;
  for (const [key, child] of Object.entries(target.properties ?? {})) describe(child, path ? `${path}.${key}` : key);
}

/**
 * A JSON Schema pattern is an ECMA-262 regex without flags, and zod writes a regex's source without its flags:
 * `/…(GB|MB)$/i` made editors refuse the "4gb" that ltv reads. Such a pattern is refused here, so that the
 * schema test fails until it is written with classes ([Gg][Bb]) that mean the same in both.
 */
function refuseFlags(ctx: { zodSchema: unknown; path: (string | number)[] }): void {
  type Def = { _zod: { def: { pattern?: unknown; checks?: Def[] } } };
  const own = (ctx.zodSchema as Def)._zod.def;
  for (const { _zod } of [ctx.zodSchema as Def, ...(own.checks ?? [])]) {
    const p = _zod.def.pattern;
    if (p instanceof RegExp && p.flags) {
      throw new Error(`job schema at ${ctx.path.join('/')}: /${p.source}/${p.flags}: a JSON Schema pattern has no flags: write it without them (e.g. [Gg][Bb] for /GB/i)`);
    }
  }
}

export function jobJsonSchema(): Record<string, unknown> {
  // The input side: what a person writes, where defaults are optional.
  const schema = z.toJSONSchema(JobSchema, { io: 'input', override: refuseFlags }) as Node;
  describe(schema, '');
  withRefinements(schema);
  return schema;
}

/** A pattern matching `code` in any case, as ltv reads a currency (`usd`): [Uu][Ss][Dd]. */
const anyCase = (code: string): string => [...code].map((c) => `[${c.toUpperCase()}${c.toLowerCase()}]`).join('');

/**
 * What the loader checks beyond zod's shapes (its refinements), said in JSON Schema where it can be, so that
 * an editor flags what `ltv` refuses: an input is a file (path) or a query with its connection, and each
 * refuses the other's fields; the report currency is one of ISO 4217's current codes; a tenant has no white
 * space at its ends; matrices and formats are not listed twice; a subject's {placeholder} is one ltv fills. Not said here
 * (ltv checks them when it loads the job, with a line naming the field): a cron pattern's ranges, a time
 * zone's existence, a duration or memory limit of zero, and two matrices equal only once defaults apply.
 */
function withRefinements(schema: Node): void {
  const props = schema.properties!;
  const has = (...names: string[]) => ({ anyOf: names.map((n) => ({ required: [n] })) });
  const input = props.inputs!.items!;
  input.oneOf = [
    { title: 'a file', required: ['path'], not: has('query', 'connection', 'ssl', 'ssl_ca') },
    { title: 'a database query', required: ['query', 'connection'], properties: { format: { const: 'auto' } }, not: has('path', 'delimiter') },
  ];
  // One ASCII byte other than the quote and the line ends (NUL is refused for every field), or a keyword.
  input.properties!.delimiter!.pattern = '^(?:\\\\[Tt]|[Tt][Aa][Bb]|whitespace|[\\x01-\\x09\\x0b\\x0c\\x0e-\\x21\\x23-\\x7f])$';
  props.currency!.pattern = `^(?:${[...ISO_4217].sort().map(anyCase).join('|')})$`;
  props.tenant!.pattern = `^(?!${EDGE_SPACE_CLASS})[\\s\\S]*(?<!${EDGE_SPACE_CLASS})$`;
  props.matrices!.uniqueItems = true;
  props.formats!.uniqueItems = true;
  const email = props.email!;
  email.properties!.subject!.pattern = `^(?:[^{]|\\{(?:${SUBJECT_PLACEHOLDERS.map((p) => p.slice(1, -1)).join('|')})\\}|\\{(?!\\w+\\}))*$`;
}
