// The compute stage (SPEC §4, §5): from the warehouse's tables (buildFacts.ts, or a sharded run's merge)
// to the run model, every tenant at once: each statement groups by tenant_id, so a run of 200 small shops
// costs a dozen statements, not 200 dozens. The model holds all the render, publish and notify stages
// read but the forecast (src/forecast/), whose data is read from the warehouse before it is closed and which
// the pipeline completes with each tenant's monthly cohorts.
import { copyFile, mkdir } from 'node:fs/promises';
import type { DuckDBVector } from '@duckdb/node-api';
import { dirname, join } from 'node:path';
import { eachOnWorkers } from '../config/eachLimited.js';
import { loadSql } from '../warehouse/loadSql.js';
import { vectorNumbers } from '../warehouse/vectorNumbers.js';
import type { Warehouse } from '../warehouse/openWarehouse.js';
import type { RunMatrix } from './cellRuns.js';
import {
  assembleMatrices, matrixQuery, type KindRanges, type RunColumns,
} from './computeMatrix.js';
import {
  ADAPTY_SNAPSHOT_SPECS, TIME_SEGMENTATIONS, matrixId,
  type InputStats, type MatrixSpec, type PeriodType, type PeriodUnit, type RatesFile, type RunStats, type RunWarning,
  type Segmentation, type Summary,
} from './model.js';
import { runLevelWarnings, staleAsOfWarning } from './runWarnings.js';
import type { TenantFacts } from './tenantFacts.js';

/** What the stages before compute leave besides the warehouse's tables (customers_all, facts_all, attr_sets, bad_rows, input_files). */
export interface RunFacts {
  /** The run's totals (the CLI's summary, the worker's metrics); each tenant's report shows its own. */
  stats: RunStats;
  /** A tenant's statistics, inputs[] counts and newest transaction (tenantFacts.ts); zeros for a tenant without rows. */
  tenantFacts: (tenant: string) => TenantFacts;
  /** Every tenant id of the inputs (checkRows), sorted. */
  tenants: string[];
  /** T on the wall clock (asOfWall.ts). */
  local: string;
  /** The tenants whose payments carry renewal numbers or durations (the forecast's model choice, chooseModel.ts). */
  subscriptionTenants: string[];
  /** The rates file ingest read (null: none); absent for a sharded run whose split an older release made. */
  rates?: RatesFile | null;
}

/** A tenant's files the endpoint reads (RUN_FILES facts, customers; and its quarantine.csv), written by compute: render moves them into the run. */
export interface TenantFiles {
  facts: string;
  customers: string;
  quarantine: string;
}

export interface TenantModel {
  tenant: string;
  summary: Summary;
  /** Of this tenant's rows only: its report's statistics, inputs[] counts, newest transaction and warnings. */
  stats: RunStats;
  inputs: InputStats[];
  newestTransactionAt: string | null;
  warnings: RunWarning[];
  /** First/last first-payment local dates; null without customers. */
  firstPaymentDates: { min: string; max: string } | null;
  /**
   * Every matrix by id (the configured ones and every unfiltered Adapty combination), as runs of equal
   * cells, assembled from the run's packed result on each call: call it once where the tenant is rendered.
   */
  matrices(): Map<string, RunMatrix>;
  /** One matrix by id (e.g. `days-month-cohort`); throws when the run did not compute it. */
  matrix(id: string): RunMatrix;
  files: TenantFiles;
}

export interface RunModel {
  asOf: string;
  /** T on the report time zone's wall clock. */
  asOfLocal: string;
  /** The run's totals, every tenant's rows (RunFacts.stats). */
  stats: RunStats;
  /** Every tenant's warnings (runWarnings.ts), named by tenant when the run has several: for the terminal and the log. */
  warnings: RunWarning[];
  /** The job's configured matrices, in its order (the report's matrices). */
  configured: readonly MatrixSpec[];
  /** Every tenant of the inputs, sorted (the job's tenant when the inputs name none). */
  tenants: TenantModel[];
  /** RunFacts.rates: every tenant's report records it. */
  rates?: RatesFile | null;
}

export interface ComputeOptions {
  asOf: Date;
  /** The job's matrices. */
  matrices: readonly MatrixSpec[];
  /** The job's tenant: the run's only one when the inputs name none. */
  defaultTenant: string;
  /** The report time zone (SPEC §2): warnings give dates on its calendar. */
  timeZone?: string;
  /** A fresh directory for the tenants' files (one sub-directory each). */
  filesDir: string;
  /** Connections the matrix statements run on (default: matrixLanes of the run's transactions). */
  lanes?: 1 | 2;
}

/**
 * Up to this many transactions, the matrix statements run on two connections at once. On small data a
 * statement is mostly DuckDB's fixed cost (binding, planning, setting up some 30 hash tables: 50–250 ms
 * each for the example's 6,000 rows) on one core; two at a time use the other one. Measured, alternated:
 * the example's compute stage 1.83–2.03 s → 1.71–1.93 s, a 5-row run's 1.04–1.15 s → 0.95–0.97 s, 200
 * small shops' 17.5 s → 16.1 s. Above it one statement already keeps both cores busy, and the copy of
 * the inputs (22_share_matrix_inputs.sql) would cost memory and disk.
 */
export const TWO_LANES_MAX_TRANSACTIONS = 250_000;

/** How many connections compute the matrices of a run of `transactions`. */
export function matrixLanes(transactions: number): 1 | 2 {
  return transactions <= TWO_LANES_MAX_TRANSACTIONS ? 2 : 1;
}

/** A second connection that sees the matrix statement's inputs (22_share_matrix_inputs.sql). */
async function secondLane(wh: Warehouse): Promise<Warehouse> {
  for (const statement of loadSql('22_share_matrix_inputs').split(/;\s*$/m).filter((x) => x.trim())) await wh.run(statement);
  return wh.fork();
}

/**
 * One statement's result (every tenant's matrices of one period type and unit) packed by column into
 * typed arrays as it streams in: ~50 bytes a run instead of an object of ~200 (200 small tenants have
 * about 2.7 million runs), and never the whole result as JS values at once.
 */
class PackedGroup {
  private cols: RunColumns | undefined;
  /** Per tenant, where each kind's runs lie. */
  private readonly tenants = new Map<string, KindRanges>();

  private constructor(
    readonly periodType: PeriodType,
    readonly periodUnit: PeriodUnit,
    readonly segmentations: readonly Segmentation[],
  ) {}

  static async read(wh: Warehouse, periodType: PeriodType, periodUnit: PeriodUnit, segmentations: readonly Segmentation[], asOfLocal: string): Promise<PackedGroup> {
    const group = new PackedGroup(periodType, periodUnit, segmentations);
    const { sql, params } = matrixQuery(periodType, periodUnit, segmentations, asOfLocal);
    const parts: { [K in Exclude<keyof RunColumns, 'row_key'>]: (Uint8Array | Int32Array | Float64Array)[] } = {
      is_total: [], period_from: [], period_to: [], customers: [], revenue: [], proceeds: [], net_revenue: [], partial: [], complete_customers: [],
    };
    const rowKeys: string[] = [];
    // Row titles repeat run after run (a cohort date, a country): one string each.
    const titles = new Map<string, string>();
    let tenant: string | undefined;
    let kinds = new Map<string, [number, number]>();
    let n = 0;
    for await (const c of wh.chunks(sql, params)) {
      parts.is_total.push(typedOf(Uint8Array, c.column('is_total'), c.rows));
      parts.period_from.push(typedOf(Int32Array, c.column('period_from'), c.rows));
      parts.period_to.push(typedOf(Int32Array, c.column('period_to'), c.rows));
      parts.customers.push(typedOf(Float64Array, c.column('customers'), c.rows));
      parts.revenue.push(typedOf(Float64Array, c.column('revenue'), c.rows));
      parts.proceeds.push(typedOf(Float64Array, c.column('proceeds'), c.rows));
      parts.net_revenue.push(typedOf(Float64Array, c.column('net_revenue'), c.rows));
      parts.partial.push(typedOf(Uint8Array, c.column('partial'), c.rows));
      parts.complete_customers.push(typedOf(Float64Array, c.column('complete_customers'), c.rows));
      const keys = c.column('row_key') as DuckDBVector<string>;
      const tenants = c.column('tenant_id') as DuckDBVector<string>;
      const kindsOf = c.column('kind') as DuckDBVector<string>;
      for (let i = 0; i < c.rows; i++, n++) {
        const key = keys.getItem(i)!;
        rowKeys.push(titles.get(key) ?? (titles.set(key, key), key));
        // The statement orders by tenant, then kind: each is one stretch of runs.
        const t = tenants.getItem(i)!;
        if (t !== tenant) {
          tenant = t;
          group.tenants.set(tenant, (kinds = new Map()));
        }
        const kind = kindsOf.getItem(i)!;
        const range = kinds.get(kind);
        if (range) range[1] = n + 1;
        else kinds.set(kind, [n, n + 1]);
      }
    }
    group.cols = {
      is_total: concat(Uint8Array, parts.is_total, n),
      row_key: rowKeys,
      period_from: concat(Int32Array, parts.period_from, n),
      period_to: concat(Int32Array, parts.period_to, n),
      customers: concat(Float64Array, parts.customers, n),
      revenue: concat(Float64Array, parts.revenue, n),
      proceeds: concat(Float64Array, parts.proceeds, n),
      net_revenue: concat(Float64Array, parts.net_revenue, n),
      partial: concat(Uint8Array, parts.partial, n),
      complete_customers: concat(Float64Array, parts.complete_customers, n),
    };
    return group;
  }

  matrices(tenant: string, segmentations = this.segmentations): Map<Segmentation, RunMatrix> {
    return assembleMatrices(this.periodType, this.periodUnit, segmentations, this.cols!, this.tenants.get(tenant) ?? new Map());
  }
}

/**
 * A column of a chunk as numbers in a typed array (BIGINT → Number, BOOLEAN → 0/1, NULL → 0): DOUBLE and
 * INTEGER columns copied from the vector's memory (vectorNumbers), the others value by value (not
 * `Float64Array.from(values, Number)`, which walked the iterator protocol, several times slower).
 */
function typedOf<A extends Uint8Array | Int32Array | Float64Array>(make: new (n: number) => A, vector: DuckDBVector, rows: number): A {
  const out = new make(rows);
  const bulk = vectorNumbers(vector, rows, 0);
  if (bulk) out.set(bulk);
  else for (let i = 0; i < rows; i++) out[i] = Number(vector.getItem(i));
  return out;
}

function concat<A extends Uint8Array | Int32Array | Float64Array>(make: new (n: number) => A, parts: readonly ArrayLike<number>[], n: number): A {
  const out = new make(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

type SpecGroup = { type: PeriodType; unit: PeriodUnit; segs: Segmentation[] };

/** The matrix specs by period type and unit (one statement computes all of a group's segmentations). */
function groupSpecs(specs: readonly MatrixSpec[]): SpecGroup[] {
  const groups = new Map<string, SpecGroup>();
  for (const sp of specs) {
    const key = `${sp.period_type}-${sp.period_unit}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { type: sp.period_type, unit: sp.period_unit, segs: [] }));
    if (!g.segs.includes(sp.segmentation)) g.segs.push(sp.segmentation);
  }
  return [...groups.values()];
}

/**
 * Where a matrix's rows are computed. A renewals matrix whose rows are the cohorts of another unit
 * (renewals-month-week: week cohorts by renewal number) has the rows of that unit's own cohort matrix
 * (renewals-week-cohort): a renewal's period and a cohort's shown renewals (SPEC §4) do not depend on the
 * period unit. Each is computed once, not once per unit (on 200 small shops, 43 % of the renewals
 * statements' runs were such repeats), and the matrices share their rows (the snapshot writer then makes
 * their identical Adapty bodies once).
 */
function sourceOf(type: PeriodType, unit: PeriodUnit, seg: Segmentation): { unit: PeriodUnit; seg: Segmentation } {
  return type === 'renewals' && seg !== unit && (TIME_SEGMENTATIONS as readonly string[]).includes(seg)
    ? { unit: seg as PeriodUnit, seg: 'cohort' }
    : { unit, seg };
}

/** The statements that compute `groups`: each matrix's rows where sourceOf puts them. */
function statementGroups(groups: readonly SpecGroup[]): SpecGroup[] {
  const out = new Map<string, SpecGroup>();
  for (const g of groups) {
    for (const seg of g.segs) {
      const src = sourceOf(g.type, g.unit, seg);
      const key = `${g.type}-${src.unit}`;
      let s = out.get(key);
      if (!s) out.set(key, (s = { type: g.type, unit: src.unit, segs: [] }));
      if (!s.segs.includes(src.seg)) s.segs.push(src.seg);
    }
  }
  return [...out.values()];
}

interface SummaryRow {
  tenant_id: string; customers: bigint; cohort_days: bigint; revenue: number; proceeds: number; net_revenue: number;
  average_ltv_30d: number | null; average_ltv_90d: number | null; first_day: string | null; last_day: string | null;
}

/** The run's tenants: those the inputs name, or the job's tenant when they name none. */
export function runTenantIds(facts: RunFacts, defaultTenant: string): string[] {
  return facts.tenants.length ? [...facts.tenants] : [defaultTenant];
}

/** SPEC §4 and §5 for every tenant of the run: the run model. */
export async function computeRun(wh: Warehouse, facts: RunFacts, o: ComputeOptions): Promise<RunModel> {
  const tenantIds = runTenantIds(facts, o.defaultTenant);
  await wh.run(loadSql('20_customers'));
  await wh.run(loadSql('21_facts'));
  // The matrices a run has (the snapshots' and the job's), in their order, and the statements computing them.
  const wanted = groupSpecs([...ADAPTY_SNAPSHOT_SPECS, ...o.matrices]);
  const specs = statementGroups(wanted);
  // The groups keep the statements' order, whichever connection computed each.
  const groups: PackedGroup[] = new Array(specs.length);
  const lanes = (o.lanes ?? matrixLanes(facts.stats.transactions)) === 2 && specs.length > 1 ? [wh, await secondLane(wh)] : [wh];
  // Each tenant's data files (the endpoint's Parquet, 25_ and 26_published_*.sql; SPEC §6), in a directory of its own.
  const tenantFiles: TenantFiles[] = tenantIds.map((_, i) => {
    const dir = join(o.filesDir, String(i));
    return { facts: join(dir, 'facts.parquet'), customers: join(dir, 'customers.parquet'), quarantine: join(dir, 'quarantine.csv') };
  });
  try {
    // Each connection takes the next statement when free; one that fails stops the other before its next
    // one, and the error goes on once neither has one running (the warehouse is closed next).
    await eachOnWorkers(lanes, specs, async (lane, g, i) => {
      groups[i] = await PackedGroup.read(lane, g.type, g.unit, g.segs, facts.local);
    });
    // Spread over the lanes too: a small tenant's COPY is mostly DuckDB's fixed cost, on one core (200
    // small shops made 400 of them). attr_id is the run's own numbering: the files carry the attributes.
    await eachOnWorkers(lanes, tenantIds, async (lane, tenant, i) => {
      const files = tenantFiles[i]!;
      await mkdir(dirname(files.facts), { recursive: true });
      await lane.run(`COPY (${loadSql('25_published_facts')}) TO $path (FORMAT parquet, COMPRESSION zstd)`, { tenant, path: files.facts });
      await lane.run(`COPY (${loadSql('26_published_customers')}) TO $path (FORMAT parquet, COMPRESSION zstd)`, { tenant, path: files.customers });
    });
  } finally {
    for (const lane of lanes.slice(1)) lane.close();
  }
  await writeQuarantines(wh, tenantIds, tenantFiles);
  const summaries = new Map((await wh.all<SummaryRow>(loadSql('24_summary'))).map((s) => [s.tenant_id, s]));

  const tenants: TenantModel[] = [];
  for (const [i, tenant] of tenantIds.entries()) {
    const files = tenantFiles[i]!;
    const s = summaries.get(tenant);
    // A matrix from the statement that computed its rows (sourceOf), named and described as itself.
    const fromStatement = (type: PeriodType, unit: PeriodUnit, seg: Segmentation, done: Map<string, Map<Segmentation, RunMatrix>>): RunMatrix | undefined => {
      const src = sourceOf(type, unit, seg);
      const key = `${type}-${src.unit}`;
      let computed = done.get(key);
      if (!computed) {
        const g = groups.find((x) => x.periodType === type && x.periodUnit === src.unit);
        if (!g) return undefined;
        done.set(key, (computed = g.matrices(tenant)));
      }
      const m = computed.get(src.seg);
      if (!m || src.unit === unit) return m;
      const spec: MatrixSpec = { period_type: type, period_unit: unit, segmentation: seg };
      return { ...spec, id: matrixId(spec), cohort_unit: m.cohort_unit, rows: m.rows };
    };
    const matrix = (id: string): RunMatrix => {
      const g = wanted.find((x) => id.startsWith(`${x.type}-${x.unit}-`));
      const seg = id.slice(`${g?.type}-${g?.unit}-`.length) as Segmentation;
      const m = g?.segs.includes(seg) ? fromStatement(g.type, g.unit, seg, new Map()) : undefined;
      if (!m) throw new Error(`the run computed no matrix ${id}`);
      return m;
    };
    const own = facts.tenantFacts(tenant);
    const stale = staleAsOfWarning(own.newestTransactionAt, o.asOf, o.matrices, o.timeZone);
    tenants.push({
      tenant,
      ...own,
      warnings: stale ? [stale] : [],
      summary: {
        customers: Number(s?.customers ?? 0),
        // Every run computes the monthly matrix (an Adapty snapshot): its cohorts are the headline's.
        cohorts: matrix('days-month-cohort').rows.filter((r) => r.type === 'cohort').length,
        revenue: s?.revenue ?? 0,
        proceeds: s?.proceeds ?? 0,
        net_revenue: s?.net_revenue ?? 0,
        average_ltv_30d: s?.average_ltv_30d ?? null,
        average_ltv_90d: s?.average_ltv_90d ?? null,
      },
      firstPaymentDates: s?.first_day && s.last_day ? { min: s.first_day, max: s.last_day } : null,
      matrices() {
        const out = new Map<string, RunMatrix>();
        const done = new Map<string, Map<Segmentation, RunMatrix>>();
        for (const g of wanted) {
          for (const seg of g.segs) {
            const m = fromStatement(g.type, g.unit, seg, done)!;
            out.set(m.id, m);
          }
        }
        return out;
      },
      matrix,
      files,
    });
  }
  return {
    asOf: o.asOf.toISOString(),
    asOfLocal: facts.local,
    stats: facts.stats,
    warnings: tenants.flatMap((t) => runLevelWarnings(t.tenant, t.warnings, tenants.length)),
    configured: o.matrices,
    tenants,
    ...(facts.rates === undefined ? {} : { rates: facts.rates }),
  };
}

/**
 * Each tenant's quarantine.csv (SPEC §3). DuckDB writes those of the tenants with bad rows and the first
 * one without; every other tenant without bad rows gets a copy of that file (its header alone): 200 small
 * shops made 200 statements of DuckDB's fixed cost for the same line.
 */
async function writeQuarantines(wh: Warehouse, tenants: readonly string[], files: readonly TenantFiles[]): Promise<void> {
  const withBadRows = new Set((await wh.all<{ tenant_id: string }>('SELECT DISTINCT tenant_id FROM bad_rows WHERE tenant_id IS NOT NULL')).map((r) => r.tenant_id));
  let headerOnly: string | undefined;
  for (const [i, tenant] of tenants.entries()) {
    const path = files[i]!.quarantine;
    if (withBadRows.has(tenant)) {
      await copyQuarantine(wh, tenant, path);
    } else if (headerOnly === undefined) {
      await copyQuarantine(wh, tenant, path);
      headerOnly = path;
    } else {
      await copyFile(headerOnly, path);
    }
  }
}

/** SPEC §3 quarantine.csv of one tenant, or of every tenant (null: a run that fails before publishing). */
export async function copyQuarantine(wh: Warehouse, tenant: string | null, path: string): Promise<void> {
  await wh.run(`COPY (${loadSql('27_quarantine')}) TO $path (HEADER, DELIMITER ',')`, { tenant, path });
}

/** The report's configured matrices of a tenant, in the job's order. */
export function configuredMatrices<M>(model: RunModel, all: ReadonlyMap<string, M>): M[] {
  return model.configured.map((m) => all.get(matrixId(m))!);
}
