// `npm run bench -- --rows N [--dimensions 8] [--tenants T] [--memory-limit 4GB] [--keep] [--repeat R]`:
// generates N canonical transactions (with --dimensions 8, four more attribute columns: placement,
// audience, attribution source and channel; with --tenants T, T shops in one input, ~210 rows each unless
// --rows says otherwise), then measures in separate processes the bare floor (one DuckDB statement: read
// the CSV, monthly matrix only) and the full default run (every matrix, snapshot and file), and prints
// stage times, rows/s, peak RSS, the size published and the ratio of the full run to the floor.
// `--cdnow K` measures a web shop instead (repeat purchases: BG/NBD forecasts): the CDNOW purchases the
// repository carries, K times over, copy k shifted k weeks with its own customers (K = 15: 1.04 M rows,
// 353,000 customers), as of the day after the last copy's end. What forecasts add (SPEC §9, at most 20 %)
// is measured against the same run without them; `--repeat R` alternates R pairs and prints the median,
// since run-to-run noise on a shared machine is larger than the difference.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { RATES, cdnowTimes, generate, lineCount } from './generate.js';

const OPTIONS = {
  rows: { type: 'string' }, dimensions: { type: 'string', default: '4' }, tenants: { type: 'string', default: '1' },
  'memory-limit': { type: 'string' }, dir: { type: 'string' }, keep: { type: 'boolean' },
  shards: { type: 'string' }, workers: { type: 'string', default: '2' }, cdnow: { type: 'string' }, repeat: { type: 'string', default: '1' },
  help: { type: 'boolean', short: 'h' },
} as const;
const parsed = (() => {
  try {
    return parseArgs({ options: OPTIONS });
  } catch (err) {
    // One line, as the command line's own errors are (an unknown option printed parseArgs' stack).
    console.error(`bench: ${err instanceof Error ? err.message : String(err)} (npm run bench -- --help lists the options)`);
    process.exit(2);
  }
})();
const { values } = parsed;
if (values.help) {
  console.log(`npm run bench -- [--rows N] [--dimensions 4|8] [--tenants T] [--memory-limit 4GB] [--repeat R] [--keep] [--dir D]
npm run bench -- --cdnow K [--repeat R]          a web shop: CDNOW's purchases K times over (BG/NBD forecasts)
npm run bench -- --rows N --shards S [--workers W]   a sharded run (SPEC §12) against the single-process run
Prints the floor (one DuckDB statement), the full run's stage times, rows/s, peak RSS, the size published
and what forecasts add; --repeat alternates R pairs with and without forecasts and prints the median.`);
  process.exit(0);
}
const cdnow = values.cdnow ? Number(values.cdnow) : 0;
if (values.cdnow && !(Number.isInteger(cdnow) && cdnow >= 1)) throw new Error('--cdnow: a whole number of copies, e.g. 15');
const repeat = Number(values.repeat);
if (!(Number.isInteger(repeat) && repeat >= 1)) throw new Error('--repeat: a whole number of pairs, e.g. 3');
const tenants = Number(values.tenants);
const dimensions = Number(values.dimensions);
if (dimensions !== 4 && dimensions !== 8) throw new Error('--dimensions: 4 or 8');
const dir = values.dir ?? join(tmpdir(), 'ltv-bench');
mkdirSync(dir, { recursive: true });
// CDNOW ends 1998-06-30: the last copy, K − 1 weeks later.
const asOf = cdnow ? new Date(Date.UTC(1998, 6, 1) + (cdnow - 1) * 7 * 86_400_000).toISOString() : '2026-03-16T15:00:00Z';
const csvPath = cdnow ? join(dir, `cdnow-x${cdnow}.csv`) : join(dir, `tx-${Number(values.rows ?? (tenants > 1 ? tenants * 210 : 1_000_000))}${dimensions === 8 ? '-d8' : ''}${tenants > 1 ? `-t${tenants}` : ''}.csv`);
const ratesPath = join(dir, 'rates.csv');
writeFileSync(ratesPath, RATES);
if (cdnow && !existsSync(csvPath)) {
  const g = cdnowTimes(cdnow, csvPath);
  console.log(`generated ${g.toLocaleString('en')} rows (CDNOW × ${cdnow}) → ${csvPath}`);
}
const rows = cdnow ? lineCount(csvPath) - 1 : Number(values.rows ?? (tenants > 1 ? tenants * 210 : 1_000_000));
if (!existsSync(csvPath)) {
  const t = performance.now();
  const g = await generate({ rows, path: csvPath, end: new Date(asOf), dimensions, tenants });
  console.log(`generated ${g.rows} rows, ${(g.bytes / 2 ** 20).toFixed(0)} MiB in ${((performance.now() - t) / 1000).toFixed(1)} s → ${csvPath}`);
}
const sizeMiB = statSync(csvPath).size / 2 ** 20;
const run = (mode: string): Record<string, any> => {
  const reportsDir = join(dir, 'reports');
  rmSync(reportsDir, { recursive: true, force: true });
  const out = execFileSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'benchRun.ts'), mode, csvPath, ratesPath, reportsDir, asOf, values['memory-limit'] ?? ''], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return JSON.parse(out.trim().split('\n').pop()!);
};
if (values.shards) {
  // SPEC §12: `--shards S --workers W` compares the single-process run with the sharded one (forecasts off in both).
  const { shardedRun } = await import('./shardBench.js');
  const single = run('full-noforecast');
  const sh = await shardedRun({ csvPath, ratesPath, dir, asOf, shards: Number(values.shards), workers: Number(values.workers), ...(values['memory-limit'] ? { memoryLimit: values['memory-limit'] } : {}) });
  const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
  console.log(`\ninput: ${rows.toLocaleString('en')} rows, ${sizeMiB.toFixed(0)} MiB CSV; forecasts off`);
  console.log(`single process: ${s(single.ms)} (${Object.entries(single.timings as Record<string, number>).map(([k, v]) => `${k} ${s(v)}`).join(', ')})`);
  console.log(`sharded, ${values.shards} shards over ${values.workers} worker processes: ${s(sh.ms)} = ${(sh.ms / single.ms).toFixed(2)}× the single process`);
  console.log(`  split  ${s(sh.splitMs)} (enqueue to the shards added: read, check, dedup, write the parts)`);
  console.log(`  shards ${s(sh.shardsMs)} (split's end to the last shard's; each: ${sh.shardMs.map(s).join(', ')}; on ${sh.shardWorkers} workers)`);
  console.log(`  merge  ${s(sh.mergeMs)} (last shard to published: ${Object.entries(sh.stages).filter(([k]) => k !== 'ingest').map(([k, v]) => `${k} ${s(v)}`).join(', ')})`);
  rmSync(join(dir, 'reports'), { recursive: true, force: true });
  process.exit(0);
}
const floor = run('floor');
const full = run('full');
const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
console.log(`\ninput: ${rows.toLocaleString('en')} rows, ${sizeMiB.toFixed(0)} MiB CSV`);
console.log(`floor (one statement, monthly matrix only): ${s(floor.ms)}, ${Math.round(rows / (floor.ms / 1000)).toLocaleString('en')} rows/s, peak RSS ${floor.maxRssMiB} MiB`);
console.log(`full run (${full.code === 'dist' ? 'the build in dist/' : 'src/ through tsx: dist/ is missing or older than src/'}): ${s(full.ms)}, ${Math.round(rows / (full.ms / 1000)).toLocaleString('en')} rows/s, peak RSS ${full.maxRssMiB} MiB`);
for (const [stage, ms] of Object.entries(full.timings as Record<string, number>)) console.log(`  ${stage.padEnd(8)} ${s(ms)}`);
console.log(`  rows: read ${full.stats.rows_read}, quarantined ${full.stats.rows_quarantined}, duplicates ${full.stats.duplicates}, payments ${full.stats.transactions}`);
console.log(`  published: ${full.tenants} tenant run(s), ${(Number(execFileSync('du', ['-sb', join(dir, 'reports')], { encoding: 'utf8' }).split('\t')[0]) / 1e6).toFixed(1)} MB on disk (du -sb)`);
console.log(`ratio full / floor: ${(full.ms / floor.ms).toFixed(2)}×`);
const bare = run('full-noforecast');
const added = (on: number, off: number): number => ((on - off) / off) * 100;
console.log(`full run without forecasts: ${s(bare.ms)}, peak RSS ${bare.maxRssMiB} MiB; forecasts add ${s(full.ms - bare.ms)} (${added(full.ms, bare.ms).toFixed(1)} %)`);
if (repeat > 1) {
  // More pairs, alternated (off first, then on: the first pair ran on first), and the median of all.
  const pairs = [added(full.ms, bare.ms)];
  for (let r = 1; r < repeat; r++) {
    const off = run('full-noforecast');
    const on = run('full');
    pairs.push(added(on.ms, off.ms));
    console.log(`pair ${r + 1}: ${s(on.ms)} with forecasts, ${s(off.ms)} without: ${pairs[r]!.toFixed(1)} %`);
  }
  const sorted = [...pairs].sort((a, b) => a - b);
  const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2]! : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
  console.log(`forecasts add, median of ${repeat} pairs: ${median.toFixed(1)} % (${pairs.map((p) => `${p.toFixed(1)} %`).join(', ')})`);
}
if (!values.keep) rmSync(join(dir, 'reports'), { recursive: true, force: true });
