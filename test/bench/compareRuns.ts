// `npx tsx test/bench/compareRuns.ts <reference run dir> <run dir>`: checks that a run publishes the same
// numbers as a reference run (e.g. one made by an earlier commit): ltv.csv, quarantine.csv and every API
// snapshot body, byte for byte. Given two reports directories instead (`--tenants 200`), every tenant's
// latest run is compared, and both must have the same tenants. A snapshot is read as `<name>.json` or `<name>.json.gz` (decompressed) on
// either side; one the run does not store is computed as the endpoint answers it (computeAdapty over the
// run's data/*.parquet). Exits 1 on the first difference set.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { PERIOD_TYPES, PERIOD_UNITS, SEGMENTATIONS, type MatrixSpec } from '../../src/ltv/model.js';
import { adaptySnapshotPath, runRef, zenovaySnapshotPath, type Manifest } from '../../src/ltv/runFiles.js';
import { ZENOVAY_GRANULARITIES, ZENOVAY_RANGES } from '../../src/report/apiTypes.js';
import { computeAdapty } from '../../src/serve/computeAdapty.js';

const [refArg, runArg] = process.argv.slice(2) as [string, string];
if (!refArg || !runArg) throw new Error('usage: compareRuns.ts <reference run dir> <run dir> (or two reports directories)');

function snapshot(dir: string, rel: string): Buffer | null {
  if (existsSync(join(dir, `${rel}.gz`))) return gunzipSync(readFileSync(join(dir, `${rel}.gz`)));
  if (existsSync(join(dir, rel))) return readFileSync(join(dir, rel));
  return null;
}

async function compareRun(refDir: string, runDir: string): Promise<{ same: number; computed: number; stored: number; differ: string[] }> {
  const differ: string[] = [];
  let same = 0;
  let computed = 0;
  for (const f of ['ltv.csv', 'quarantine.csv']) {
    if (readFileSync(join(refDir, f)).equals(readFileSync(join(runDir, f)))) same++;
    else differ.push(f);
  }
  const manifest = JSON.parse(readFileSync(join(runDir, 'manifest.json'), 'utf8')) as Manifest;
  const names: { rel: string; spec?: MatrixSpec }[] = [];
  for (const r of ZENOVAY_RANGES) for (const g of ZENOVAY_GRANULARITIES) names.push({ rel: zenovaySnapshotPath(r, g) });
  for (const period_type of PERIOD_TYPES) {
    for (const period_unit of PERIOD_UNITS) {
      for (const segmentation of SEGMENTATIONS) {
        const spec = { period_type, period_unit, segmentation };
        names.push({ rel: adaptySnapshotPath(spec), spec });
      }
    }
  }
  for (const { rel, spec } of names) {
    const ref = snapshot(refDir, rel);
    if (!ref) throw new Error(`${refDir}: no snapshot ${rel}`);
    let body = snapshot(runDir, rel);
    if (!body && spec) {
      body = await computeAdapty(await runRef(runDir), spec, { date: ['0001-01-01', '9999-12-31'] }, manifest.currency, 'json');
      computed++;
    }
    if (body?.equals(ref)) same++;
    else differ.push(rel);
  }
  const stored = readdirSync(join(runDir, 'api', 'adapty')).length + readdirSync(join(runDir, 'api', 'zenovay')).length;
  return { same, computed, stored, differ };
}

/** Run directories to compare: the two given, or each tenant's latest run of two reports directories. */
function pairs(): [string, string][] {
  if (existsSync(join(refArg, 'manifest.json'))) return [[refArg, runArg]];
  const tenants = (dir: string): string[] => readdirSync(dir).filter((t) => !t.startsWith('.') && existsSync(join(dir, t, 'latest'))).sort();
  const [ref, run] = [tenants(refArg), tenants(runArg)];
  if (JSON.stringify(ref) !== JSON.stringify(run)) throw new Error(`the reports directories publish different tenants: ${ref.length} vs ${run.length}`);
  return ref.map((t) => [join(refArg, t, 'latest'), join(runArg, t, 'latest')]);
}

let failed = 0;
const all = pairs();
const totals = { same: 0, computed: 0, stored: 0 };
for (const [refDir, runDir] of all) {
  const r = await compareRun(refDir, runDir);
  totals.same += r.same;
  totals.computed += r.computed;
  totals.stored += r.stored;
  if (r.differ.length) {
    failed++;
    console.log(`${runDir}: ${r.differ.length} different: ${r.differ.join(', ')}`);
  }
}
console.log(`${all.length} run(s): ${totals.same} identical (${totals.computed} snapshots computed on request, ${totals.stored} stored names), ${failed} run(s) with differences`);
process.exitCode = failed ? 1 : 0;
