// `ltv run <job-file>` and `ltv run --input …` (SPEC §8): the pipeline in-process, no Redis.
// The pipeline (DuckDB, exceljs, the chart, nodemailer) is imported when the command runs, so that
// `ltv --help` and the other commands never load it.
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { AppError } from '../config/AppError.js';
import { memoryLimitProblem } from '../config/memoryLimit.js';
import { parseAsOf } from '../config/parseAsOf.js';
import { tierUpLater } from '../config/shortRunTiering.js';
import { closest } from '../format/closest.js';
import { listed } from '../format/listed.js';
import { formatCountOf } from '../format/money.js';
import { visibleLine } from '../format/text.js';
import { emailLine } from './emailLine.js';
import type { CanonicalColumn, InputDef, Job, JobInput } from '../config/jobSchema.js';
import type { NotifyOutcome } from '../notify/deliverOnce.js';
import type { Progress, SwitchEvent } from '../pipeline.js';
import { wholeNumberOf } from '../config/wholeNumber.js';
import { MAX_DUCKDB_THREADS } from '../config/duckdbThreads.js';
import { refuseEmpty } from './refuseEmpty.js';
import { signalMode } from './signalMode.js';

interface RunFlags {
  input?: string[];
  preset?: InputDef['preset'];
  map?: string[];
  tenant?: string;
  asOf?: string;
  timezone?: string;
  currency?: string;
  rates?: string;
  out?: string;
  delimiter?: string;
  timeFormat?: string;
  memoryLimit?: string;
  threads?: string;
  forecast?: string;
  maxBadRowShare?: string;
  verbose?: boolean;
  /** false with --no-email */
  email?: boolean;
  emailDryRun?: boolean;
  shards?: string;
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('run a job now, in-process (DuckDB embedded, no Redis)')
    .argument('[job-file]', 'a job definition, e.g. jobs/example.json')
    .option('--input <path>', 'an export file or glob (repeatable)', collect)
    .addOption(new Option('--preset <name>', 'column preset').choices(['canonical', 'revenuecat', 'stripe', 'shopify', 'adapty', 'paddle']))
    .option('--map <col=source,…>', 'canonical column ← source column (repeatable)', collect)
    .option('--tenant <id>', 'tenant of rows without tenant_id')
    .option('--as-of <ISO time>', "cut-off time T (default: the job's as_of, else now)")
    .option('--timezone <IANA>', 'report time zone (default UTC)')
    .option('--currency <ISO>', 'report currency (default USD)')
    .option('--rates <file>', 'exchange rates CSV: date,currency,rate')
    .option('--out <dir>', 'reports directory (default: LTV_REPORTS_DIR, else the job\'s reports_dir, else ./reports)')
    .option('--delimiter <char>', 'CSV delimiter: one character, "tab" or "whitespace" (default: sniffed)')
    .option('--max-bad-row-share <share>', 'the share of bad rows (0 to 1) above which a run publishes nothing (default 0.01)')
    .option('--time-format <strptime>', 'format of the times (event_time, refunded_at, updated_at) when not ISO 8601, e.g. %d/%m/%Y')
    .option('--memory-limit <size>', "DuckDB's memory limit, e.g. 4GB (default 1GB; beyond it DuckDB spills to disk)")
    .option('--threads <n>', 'DuckDB threads, 1 to 1024 (default: every core; one below 100,000 rows)')
    .option('--forecast <model>', "forecasts (SPEC §9): auto, sbg, bgnbd or off (default: the job's forecast.model, auto)")
    .option('--verbose', 'log every stage as JSON on stderr')
    .option('--shards <n>', 'run the job file on the workers sharing Redis, split into n shards, and follow it (as ltv enqueue <job> --shards <n> --wait)')
    .option('--no-email', "do not send the job's email (nor a failure notice)")
    .option('--email-dry-run', 'write the email as an .eml file in <reports>/<tenant>/notify/ instead of sending it')
    .action(async (jobFile: string | undefined, flags: RunFlags) => {
      refuseEmptyFlags(flags);
      // Which email the run handles: both said at once named nothing it could do (--no-email won silently).
      if (flags.email === false && flags.emailDryRun) throw new AppError('CONFIG', '--no-email and --email-dry-run: give one (no email at all, or the email written as an .eml file instead of sent)');
      // SPEC §12: shards are jobs for workers sharing Redis. Without --shards a run is one process here (and a
      // job's own `shards` is ignored: the numbers are the same either way); with it, the job file's run goes
      // to the workers exactly as `ltv enqueue <job> --shards N --wait` sends it, and is followed to its end.
      if (flags.shards !== undefined) {
        // The count first: the advice below ends in a command to run, and `--shards 0` there was refused too.
        const [{ MAX_SHARDS }, { enqueueAction, parseShards }] = await Promise.all([import('../config/jobSchema.js'), import('./enqueueCommand.js')]);
        const shards = parseShards(flags.shards, MAX_SHARDS);
        const local = (['input', 'preset', 'map', 'tenant', 'timezone', 'currency', 'rates', 'out', 'delimiter', 'timeFormat', 'maxBadRowShare', 'memoryLimit', 'threads', 'forecast'] as const)
          .filter((k) => flags[k] !== undefined);
        // What acts on a run in this process: the workers email as the job says and log their own stages
        // (these were ignored: --no-email let the workers send the job's email).
        const here = (['verbose', 'emailDryRun'] as const).filter((k) => flags[k]).map(flagName).concat(flags.email === false ? ['--no-email'] : []);
        if (jobFile && !local.length && here.length) {
          throw new AppError('CONFIG', `--shards runs ${jobFile} on the workers, which email as the job says and log their own stages: ${here.join(', ')} ${here.length === 1 ? 'acts' : 'act'} on a run in this process; leave them out (or the job's "email" block, for no email), or run without --shards`);
        }
        if (!jobFile || local.length) {
          const fields = local.map((k) => `"${SHARDED_JOB_FIELDS[k]}"`).join(', ');
          const put = local.length ? `put ${fields} in ${jobFile ?? 'it'} instead of ${local.map(flagName).join(', ')}` : '';
          throw new AppError('CONFIG', `--shards runs a job file on the workers, which read everything from it: ${jobFile ? put : `give a job file${put ? ` and ${put}` : ''}`} (ltv run ${jobFile ?? 'jobs/<job>.json'} --shards ${shards})`);
        }
        return enqueueAction(resolve(jobFile), { wait: true, shards: flags.shards, ...(flags.asOf ? { asOf: flags.asOf } : {}) });
      }
      // One run in this process: V8 optimises later until ingest shows the run is not small (shortRunTiering.ts).
      tierUpLater();
      // Before the imports and the job's loading (about a second): a Ctrl-C then ended the process through
      // Node's default, exit 130 without the line the README promises. Caught here, the run sees it at its start.
      const interrupt = stopOnSignals();
      if (jobFile && flags.input) throw new AppError('CONFIG', 'give either a job file or --input, not both');
      if (jobFile) refuseInputOnlyFlags(jobFile, flags);
      const [{ pino }, { CANONICAL_COLUMNS }, { jobFromFlags, loadJob }, { runPipeline, EmailInterrupted }, { createProgressReporter }, { envValue }, { withDuckdbDefaults }] = await Promise.all([
        import('pino'), import('../config/jobSchema.js'), import('../config/loadJob.js'), import('../pipeline.js'), import('./progressReporter.js'),
        import('../config/env.js'), import('../config/withDuckdbDefaults.js'),
      ]);
      const loaded = jobFile ? await loadJob(jobFile) : jobFromFlags(flagsToJob(flags, CANONICAL_COLUMNS), process.cwd());
      // As the worker does: LTV_DUCKDB_THREADS / LTV_DUCKDB_MEMORY_LIMIT fill what the job leaves out (they were
      // ignored by ltv run, even malformed); the flags win over both.
      const withEnv = withDuckdbDefaults(loaded, { LTV_DUCKDB_THREADS: envValue('LTV_DUCKDB_THREADS'), LTV_DUCKDB_MEMORY_LIMIT: envValue('LTV_DUCKDB_MEMORY_LIMIT') });
      const job = withForecastFlag(flags.memoryLimit || flags.threads ? withDuckdbFlags(withEnv, flags) : withEnv, flags);
      // Otherwise the run would write nothing and say nothing about it (issue 16).
      if (flags.emailDryRun && flags.email !== false && !job.email) {
        throw new AppError('CONFIG', `--email-dry-run: ${jobFile ?? 'a run from --input'} has no "email" block, so there is no email to write; add one with at least "to" (src/notify/README.md), or drop the flag`);
      }
      // As the worker does at start: a malformed SMTP variable is refused before the run (it was found only after
      // publishing, and the run again it advised published a second copy). Parsed once, for the run's email.
      const mail = job.email && flags.email !== false ? { settings: (await import('../notify/smtpSettings.js')).loadSmtpSettings() } : undefined;
      const asOf = flags.asOf ? parseAsOf(flags.asOf) : undefined;
      const out = flags.out ?? envValue('LTV_REPORTS_DIR');
      // Without --verbose nothing is logged: what the user must know (warnings, the email's and the failure
      // notice's outcome, the error) is said once, in the plain lines below. At 'error', a failed email printed
      // a JSON line beside its own line.
      // LOG_LEVEL=debug (or trace) with --verbose adds each DuckDB statement's time (openWarehouse.ts).
      const deep = envValue('LOG_LEVEL');
      const logger = pino({ level: flags.verbose ? (deep === 'debug' || deep === 'trace' ? deep : 'info') : 'silent' }, pino.destination(2));
      // Progress goes to stdout: stderr carries only the one line of an error.
      const reporter = createProgressReporter(process.stdout);
      let result: Awaited<ReturnType<typeof runPipeline>>;
      try {
        result = await runPipeline(job, {
          logger,
          ...(asOf ? { asOf } : {}),
          // --out, else LTV_REPORTS_DIR (as the worker reads it: the container's /data/reports), else the job's.
          ...(out ? { reportsDir: resolve(out), reportsDirFrom: flags.out ? '--out' as const : 'LTV_REPORTS_DIR' as const } : {}),
          onProgress: (p: Progress) => reporter.update(p),
          ...(flags.email === false ? { email: 'off' as const } : flags.emailDryRun ? { email: 'dry-run' as const } : {}),
          ...(mail ? { mail } : {}),
          signal: interrupt.signal,
          onSwitch: (event: SwitchEvent) => interrupt.switching(event),
          // Before the run's error line: the ops recipients were told, or why not.
          onNotify: (n: NotifyOutcome) => process.stdout.write(`${noticeLine(n)}\n`),
        }).finally(() => reporter.stop());
        interrupt.published();
      } catch (e) {
        if (!interrupt.signal.aborted) throw e;
        const sig = String((interrupt.signal.reason as Error).message);
        // A run of several tenants whose switch failed after the signal (a publish lock never freed): some
        // are live. Said as such, with the error, not as "nothing was published".
        const live = interrupt.live();
        const what = e instanceof EmailInterrupted ? `the run is published; ${interruptedEmails(e.notify)}`
          : live.length > 0 ? `the run of ${live.map(visibleLine).join(', ')} is published, the others' not: ${visibleLine(e instanceof Error ? e.message : String(e))}; run it again to publish them`
            : 'nothing was published; the last published run is unchanged';
        interrupt.stopped(`ltv: interrupted (${sig}): ${what}\n`);
        return;
      } finally {
        interrupt.dispose();
      }
      // The signal came once the run had begun switching its tenants' runs live (pipeline.ts): stopped there,
      // some would be published and others not. It finished instead; exit 0, as scripts check for a published run.
      if (interrupt.signal.aborted) {
        process.stderr.write(`ltv: interrupted (${String((interrupt.signal.reason as Error).message)}) while publishing: too late to stop without half a report; the run is published\n`);
      }
      for (const t of result.tenants) {
        const s = t.summary;
        process.stdout.write(
          `${visibleLine(t.tenant)}: run ${t.runId} published to ${t.dir}${t.latestStays ? ` (latest stays at the later run ${t.latestStays})` : ''}\n` +
            `  ${formatCountOf(s.customers, 'customer')} in ${formatCountOf(s.cohorts, 'monthly cohort')}, revenue ${s.revenue.toFixed(2)} ${job.currency}, ` +
            `LTV 30d ${fmt(s.average_ltv_30d)}, 90d ${fmt(s.average_ltv_90d)}\n`,
        );
      }
      for (const n of result.notify ?? []) {
        process.stdout.write(`${visibleLine(String(n.key.tenant))}: ${emailLine(n, 'run')}\n`);
      }
      const st = result.stats;
      process.stdout.write(
        // Every bucket, so the line adds up to the rows read (README "How the row counts add up").
        `rows read ${st.rows_read}, quarantined ${st.rows_quarantined}, duplicates ${st.duplicates}, sandbox ${st.sandbox_rows}, after as-of ${st.after_as_of_rows}, ` +
          `transactions ${st.transactions}, refund rows ${st.refund_rows}, zero amount ${st.zero_amount_rows}` +
          // Read, not quarantined, yet in no cohort: said where the counts are read (README "The numbers"). A
          // count of refunds (movements), not of customers: two refunds of one such customer are 2.
          `${st.movements_without_customer ? `, refunds of customers without a payment ${st.movements_without_customer} (in no cohort)` : ''}\n`,
      );
      // Last, where the eye lands; on stderr, so scripts reading stdout see no change.
      for (const w of result.warnings) process.stderr.write(`warning: ${visibleLine(w.message)}\n`);
      // Said where only the log (--verbose) said it: the run published without this forecast.
      for (const f of result.forecastErrors ?? []) process.stderr.write(`warning: ${visibleLine(f.tenant)}: no forecast: it failed (${visibleLine(f.error)}); the run is published without it, and its data/forecast.json says why\n`);
      for (const w of result.cleanupWarnings ?? []) process.stderr.write(`warning: ${visibleLine(w)}\n`);
    });
}

/**
 * What the run's emails did before `ltv run` was interrupted while sending them, in one clause: an email
 * stopped while retrying recipients the SMTP server refused for now has reached the others (nothing sends
 * this run's email again: a new `ltv run` publishes a new run and emails it to everyone).
 */
export function interruptedEmails(outcomes: readonly NotifyOutcome[]): string {
  const one = (n: NotifyOutcome): string => {
    if (n.status === 'sent' || n.status === 'dry-run') return `its email ${n.status === 'sent' ? 'was sent' : 'was written (dry run)'}`;
    const reached = n.delivered?.accepted ?? [];
    // Stopped while the SMTP server was taking the message: it may have it for them (its reply never came).
    const maybe = n.inFlight ?? [];
    const not = [...(n.delivered?.retry ?? []), ...(n.delivered?.rejected ?? [])].filter((a) => !maybe.includes(a));
    const parts = [
      ...(reached.length ? [`its email reached ${listed(reached)}${not.length ? ` but not ${listed(not)}` : ''}`] : []),
      ...(maybe.length ? [`${reached.length ? 'it' : 'its email'} may have reached ${listed(maybe)} (the SMTP server had not answered when the run stopped)`] : []),
    ];
    return parts.length ? parts.join('; ') : 'its email was not sent';
  };
  if (outcomes.length === 0) return 'its email was not sent';
  if (outcomes.length === 1) return one(outcomes[0]!);
  return outcomes.map((n) => `${visibleLine(String(n.key.tenant))}: ${one(n)}`).join('; ');
}

/**
 * Ctrl-C (SIGINT), SIGTERM or SIGHUP stops the run as the worker's shutdown does: the statement in progress is
 * interrupted, the staging directory and the scratch database (possibly gigabytes in the temporary
 * directory) are removed, and the command exits 130 (143, 129) with one line. A second signal, or cleanup that
 * takes longer than STOP_GRACE_MS, exits at once; what is left is removed by the next run's start.
 */
function stopOnSignals(): { signal: AbortSignal; stopped(line: string): void; switching(event: SwitchEvent): void; live(): string[]; published(): void; dispose(): void } {
  const stop = new AbortController();
  let exitCode = 130;
  let done = false;
  let grace: NodeJS.Timeout | undefined;
  let switchingNow = false;
  const liveTenants: string[] = [];
  const quit = (line: string): never => {
    process.stderr.write(line);
    process.exit(exitCode);
  };
  const on = (sig: NodeJS.Signals): void => {
    // The run is published and its lines are being printed, or the process winds down (threads ending): the
    // signal ends it as it was about to end, with the run's own exit code. Node's default (the handlers
    // removed) made it 143 and no line, the code of "interrupted, nothing was published", for a published run.
    if (done) process.exit(process.exitCode ?? 0);
    // The terminal is gone (SIGHUP): a write to it would fail, and an unhandled stream error end the cleanup.
    if (sig === 'SIGHUP') for (const s of [process.stdout, process.stderr]) s.on('error', () => {});
    if (stop.signal.aborted) {
      quit(switchingNow
        ? `ltv: interrupted (${sig} again) while publishing: stopped at once; ${liveTenants.length ? `the run of ${liveTenants.map(visibleLine).join(', ')} is published, ` : ''}other tenants' runs may not be (each tenant's run is whole or absent): run it again to publish them all\n`
        : `ltv: interrupted (${sig} again): stopped at once; nothing was published (the next run removes the scratch files)\n`);
    }
    exitCode = 128 + (sig === 'SIGINT' ? 2 : sig === 'SIGHUP' ? 1 : 15);
    stop.abort(new Error(sig));
    // Switching the tenants' runs live: no grace timer (ending there left some tenants live, others not);
    // the switch ends by itself (a publish lock is waited for at most 40 s).
    if (switchingNow) return;
    grace = setTimeout(() => quit(`ltv: interrupted (${sig}): the run did not stop within ${STOP_GRACE_MS / 1000} s; stopped at once (the next run removes the scratch files)\n`), STOP_GRACE_MS).unref();
  };
  const onInt = (): void => on('SIGINT');
  const onTerm = (): void => on('SIGTERM');
  // A closed terminal or SSH session: Node's default ended the process on the spot, leaving the staging
  // directory and the scratch database (gigabytes) behind until the next run.
  const onHup = (): void => on('SIGHUP');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  process.on('SIGHUP', onHup);
  signalMode('owned');
  return {
    signal: stop.signal,
    stopped(line) {
      process.stderr.write(line);
      process.exitCode = exitCode;
    },
    switching(event) {
      // Once every tenant's run is live (`done`), a signal during the email has its grace timer again.
      switchingNow = event.kind !== 'done';
      if (event.kind === 'start') clearTimeout(grace);
      if (event.kind === 'live') liveTenants.push(event.tenant);
      // A signal that came while they were switched: the rest (the email's stop) has its 10 s from now.
      if (event.kind === 'done' && stop.signal.aborted && grace === undefined) {
        grace = setTimeout(() => quit(`ltv: interrupted (${String((stop.signal.reason as Error).message)}): the run is published; it did not stop within ${STOP_GRACE_MS / 1000} s after that; stopped at once\n`), STOP_GRACE_MS).unref();
      }
    },
    live: () => [...liveTenants],
    published() {
      // Also after a signal already came (too late to stop the publish): its grace timer would end the
      // published run with 130 and "did not stop"; a second signal exits at once with the run's code.
      done = true;
      clearTimeout(grace);
    },
    dispose() {
      // After an interrupt, or once the run is published, the handlers stay: a signal while the process
      // winds down exits at once.
      if (stop.signal.aborted || done) return;
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      process.off('SIGHUP', onHup);
      signalMode('default');
    },
  };
}

/** How long an interrupted run may take to stop and clean up before the command exits regardless. */
const STOP_GRACE_MS = 10_000;

/** The flags that describe a run from --input, and the job file field each stands for. */
const INPUT_RUN_FLAGS = {
  preset: 'inputs[].preset', map: 'inputs[].map', tenant: 'tenant', timezone: 'timezone', currency: 'currency',
  rates: 'rates', delimiter: 'inputs[].delimiter', timeFormat: 'inputs[].time_format', maxBadRowShare: 'max_bad_row_share',
} as const;

/** The job file field a run flag stands for, where --shards sends the job file alone to the workers. */
const SHARDED_JOB_FIELDS = {
  ...INPUT_RUN_FLAGS, input: 'inputs[].path', out: 'reports_dir', memoryLimit: 'duckdb.memory_limit', threads: 'duckdb.threads', forecast: 'forecast.model',
} as const;

const flagName = (k: string): string => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/**
 * What each flag takes, for one given empty. Given empty (`--as-of ''`, an unset shell variable), such a
 * flag was dropped for its default: `--as-of ''` published a run as of now and moved `latest`, `--out ''`
 * published to ./reports. The flags whose job field checks its value (--tenant, --timezone, --currency,
 * --forecast, --max-bad-row-share) say it their own way.
 */
const EMPTY_FLAG_TAKES = {
  input: 'an export file or glob',
  map: '<canonical column>=<source column>',
  asOf: 'an ISO 8601 time such as 2026-03-16T15:00:00Z, or leave the flag out for now',
  rates: 'an exchange rates CSV (date,currency,rate)',
  out: "a reports directory, or leave the flag out (LTV_REPORTS_DIR, else the job's reports_dir, else ./reports)",
  delimiter: 'one character, "tab" or "whitespace", or leave the flag out to sniff it',
  timeFormat: 'a strptime format such as %d/%m/%Y, or leave the flag out for ISO 8601',
  memoryLimit: 'a size such as 4GB',
  threads: `a whole number from 1 to ${MAX_DUCKDB_THREADS}`,
  shards: 'a whole number from 1 to 64',
} as const satisfies Partial<Record<keyof RunFlags, string>>;

function refuseEmptyFlags(flags: RunFlags): void {
  // A flag given without its value takes the next word, another flag (`--tenant --input x.csv`: the tenant
  // "--input", then x.csv read as a job file and a message about --tenant beside a job file). Said as it is.
  for (const [k, given] of Object.entries(flags)) {
    const values: unknown[] = Array.isArray(given) ? given : [given];
    const flag = values.find((v): v is string => typeof v === 'string' && /^--[a-z][a-z-]*(=|$)/i.test(v));
    if (flag !== undefined) throw new AppError('CONFIG', `${flagName(k as keyof RunFlags)}: no value (the word after it is the flag ${flag.split('=')[0]}): give the value right after ${flagName(k as keyof RunFlags)}`);
  }
  refuseEmpty((Object.entries(EMPTY_FLAG_TAKES) as [keyof typeof EMPTY_FLAG_TAKES, string][]).flatMap(([k, takes]) => {
    const given = flags[k];
    const values: unknown[] = Array.isArray(given) ? given : [given];
    return values.map((v) => [flagName(k), typeof v === 'string' ? v : undefined, takes] as const);
  }));
}

/**
 * A job file carries its own inputs, tenant, zone, currency and rates: such a flag beside it was ignored
 * without a word (`ltv run jobs/x.json --currency EUR` published in the job's USD). Refused, naming the
 * job file field to set instead.
 */
function refuseInputOnlyFlags(jobFile: string, flags: RunFlags): void {
  const given = (Object.keys(INPUT_RUN_FLAGS) as (keyof typeof INPUT_RUN_FLAGS)[]).filter((k) => flags[k] !== undefined);
  if (!given.length) return;
  const names = given.map(flagName);
  throw new AppError('CONFIG', `${names.join(', ')} ${given.length === 1 ? 'applies' : 'apply'} to a run from --input only, and a job file sets ${given.length === 1 ? 'it' : 'them'} itself: put ${given.map((k) => `"${INPUT_RUN_FLAGS[k]}"`).join(', ')} in ${jobFile} (or run with --input instead of the job file)`);
}

const FORECAST_MODELS = ['auto', 'sbg', 'bgnbd', 'off'] as const;

/** `--forecast <model>`: this run's forecast model, over the job's (its other forecast settings stay). */
function withForecastFlag(job: Job, flags: RunFlags): Job {
  if (flags.forecast === undefined) return job;
  const model = FORECAST_MODELS.find((m) => m === flags.forecast);
  if (!model) throw new AppError('CONFIG', `--forecast: "${flags.forecast}" is not a forecast model; use ${FORECAST_MODELS.join(', ')}`);
  return { ...job, forecast: { ...job.forecast, model } };
}

function withDuckdbFlags(job: Job, flags: RunFlags): Job {
  const threads = flags.threads === undefined ? undefined : wholeNumberOf(flags.threads);
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 1)) throw new AppError('CONFIG', `--threads: "${flags.threads}" is not a whole number from 1 to ${MAX_DUCKDB_THREADS}`);
  if (threads !== undefined && threads > MAX_DUCKDB_THREADS) {
    throw new AppError('CONFIG', `--threads: "${flags.threads}" is more threads than ltv gives DuckDB (${MAX_DUCKDB_THREADS}): give a whole number from 1 to ${MAX_DUCKDB_THREADS}`);
  }
  const memoryProblem = flags.memoryLimit ? memoryLimitProblem(flags.memoryLimit) : null;
  if (memoryProblem) throw new AppError('CONFIG', `--memory-limit: ${memoryProblem}`);
  return {
    ...job,
    duckdb: { ...job.duckdb, ...(flags.memoryLimit ? { memory_limit: flags.memoryLimit } : {}), ...(threads ? { threads } : {}) },
  };
}

/** The failure notice to the job's ops recipients (the run itself failed: its error line follows). */
function noticeLine(n: NotifyOutcome): string {
  switch (n.status) {
    case 'dry-run':
      return `failure notice written to ${n.eml} (dry run, not sent)`;
    case 'sent':
      return n.previously ? 'failure notice already sent for this failure; not sent again' : `failure notice sent to the ops recipients (${n.messageId})`;
    case 'rejected':
      return `failure notice rejected by the SMTP server${n.previously ? ' earlier' : ''}: ${n.error?.message ?? ''}`;
    case 'failed':
      return `failure notice not sent: ${n.error?.message ?? ''}`;
  }
}

function fmt(v: number | null): string {
  return v === null ? 'n/a' : v.toFixed(2);
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/**
 * The pairs of one --map value: split at commas outside double quotes, so that a column whose name holds a
 * comma can be mapped (--map 'amount="Amount, USD"'); it could not be before.
 */
function mapPairs(value: string): string[] {
  return value.match(/(?:"(?:[^"]|"")*"|[^,"]+|")+/g) ?? [];
}

/** A source column written in double quotes ("Amount, USD", "" for a quote inside) is the text inside. */
function unquote(source: string): string {
  return /^"(?:[^"]|"")*"$/.test(source) ? source.slice(1, -1).replace(/""/g, '"') : source;
}

function flagsToJob(flags: RunFlags, CANONICAL_COLUMNS: readonly CanonicalColumn[]): JobInput {
  if (!flags.input?.length) throw new AppError('CONFIG', 'give a job file (ltv run jobs/example.json) or at least one --input <path>');
  // SPEC §3: credentials only from the environment. A URL on the command line would sit in the shell's
  // history and the process list: refused without echoing it.
  if (flags.input.some((i) => /^(postgres(ql)?|mysql|mariadb):\/\//i.test(i.trim()))) {
    throw new AppError('CONFIG', '--input: database URLs are not accepted on the command line (they would show in the process list and shell history); put the URL in an environment variable and give a job file input {"query": "SELECT …", "connection": "env:DATABASE_URL"}');
  }
  const map: Partial<Record<CanonicalColumn, string>> = {};
  for (const pair of (flags.map ?? []).flatMap(mapPairs)) {
    // Split at the first '=': the source column is the rest, whatever it holds ("a=b=c" read "a=b" before).
    const eq = pair.indexOf('=');
    const col = eq < 0 ? '' : pair.slice(0, eq).trim().toLowerCase();
    const source = eq < 0 ? '' : unquote(pair.slice(eq + 1).trim());
    if (!col || !source || !(CANONICAL_COLUMNS as readonly string[]).includes(col)) {
      const meant = col && source ? closest(col, CANONICAL_COLUMNS) : undefined;
      throw new AppError('CONFIG', `--map: "${pair}" is not <canonical column>=<source column>${meant ? ` (did you mean ${meant}=${source}?)` : ''}; columns: ${CANONICAL_COLUMNS.join(', ')}`);
    }
    const earlier = map[col as CanonicalColumn];
    // The later one silently won before: which column the user meant is theirs to say.
    if (earlier !== undefined) throw new AppError('CONFIG', `--map: ${col} is mapped twice ("${earlier}" and "${source}"); keep one`);
    map[col as CanonicalColumn] = source;
  }
  return {
    inputs: flags.input.map((path) => ({
      path,
      ...(flags.preset ? { preset: flags.preset } : {}),
      map,
      ...(flags.delimiter ? { delimiter: flags.delimiter } : {}),
      ...(flags.timeFormat ? { time_format: flags.timeFormat } : {}),
    })),
    // Given empty (--tenant ''), a flag is checked like the job file's field, not dropped for the default.
    ...(flags.tenant !== undefined ? { tenant: flags.tenant } : {}),
    ...(flags.timezone !== undefined ? { timezone: flags.timezone } : {}),
    ...(flags.currency !== undefined ? { currency: flags.currency } : {}),
    ...(flags.rates ? { rates: resolve(flags.rates) } : {}),
    // A number, then checked as the job file's field is (from 0 to 1).
    ...(flags.maxBadRowShare !== undefined ? { max_bad_row_share: shareFlag(flags.maxBadRowShare) } : {}),
  };
}

function shareFlag(text: string): number {
  // A decimal number (0.05, .05, 5e-2): Number() also read 0x1 and 0b1 as a share of 1.
  const n = /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/.test(text) ? Number(text) : Number.NaN;
  // A negative share is a number out of range, checked as the job's field is (not "is not a number").
  if (!Number.isFinite(n)) throw new AppError('CONFIG', `--max-bad-row-share: "${text}" is not a number: give a share from 0 to 1, e.g. 0.05 for 5 %`);
  return n;
}
