// SPEC §2 / README `as_of`: an as-of before every row of the inputs fails the run instead of publishing
// empty reports over good ones (a mistyped --as-of, a year off). A single-process run checks it after its
// facts (pipeline.ts buildRun), a sharded one after its merge (mergeShards.ts): that one published them.
import { AppError } from '../config/AppError.js';
import type { RunContext } from '../pipeline.js';
import type { RunStats } from './model.js';
import { formatCount, formatGroupedCountOf } from '../format/money.js';

export function refuseAllAfterAsOf(run: RunContext, stats: Pick<RunStats, 'rows_read' | 'rows_quarantined' | 'duplicates' | 'sandbox_rows' | 'zero_amount_rows' | 'after_as_of_rows' | 'transactions' | 'refunds_linked' | 'refunds_unlinked'>): void {
  if (stats.after_as_of_rows > 0 && stats.transactions === 0 && stats.refunds_linked + stats.refunds_unlinked === 0) {
    // The rows counted are those left after duplicates, bad, sandbox and zero-amount rows (README "Input rules"): said so
    // when some were set aside, as "every one of the 2 rows" of 3 read, one a duplicate, did not.
    const aside = [[stats.duplicates, 'duplicate', 'duplicates'], [stats.rows_quarantined, 'bad', 'bad'], [stats.sandbox_rows, 'sandbox', 'sandbox'], [stats.zero_amount_rows, 'of amount 0', 'of amount 0']] as const;
    const besides = aside.filter(([n]) => n > 0).map(([n, one, many]) => formatGroupedCountOf(n, one, many));
    const rows = stats.after_as_of_rows === 1 ? 'the only row' : `every one of the ${formatCount(stats.after_as_of_rows)} rows`;
    throw new AppError('DATA',
      `${rows}${besides.length ? ` left of the ${formatCount(stats.rows_read)} read (besides ${besides.join(', ')})` : ''} is after the as-of time ${run.asOf.toISOString()}: nothing was published (the report would be empty); ` +
      `check ${run.effects.asOfFrom ?? (run.job.name === 'adhoc' ? '--as-of' : `"as_of" in ${run.job.file} or the run's --as-of`)}: the data starts later`);
  }
}
