// `npx tsx test/bench/compareRuns.ts <reference run dir> <run dir>`: checks that a run publishes the same
// numbers as a reference run (e.g. one made by an earlier commit): ltv.csv, quarantine.csv and every API
// snapshot body, byte for byte. A snapshot is read as `<name>.json` or `<name>.json.gz` (decompressed) on
// either side; one the run does not store is computed as the endpoint answers it (computeAdapty over the
// run's data/*.parquet). Exits 1 on the first difference set.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { PERIOD_TYPES, PERIOD_UNITS, SEGMENTATIONS, type MatrixSpec } from '../../src/ltv/model.js';
import { adaptySnapshotPath, zenovaySnapshotPath, type Manifest } from '../../src/ltv/runFiles.js';
import { ZENOVAY_GRANULARITIES, ZENOVAY_RANGES } from '../../src/report/apiTypes.js';
import { computeAdapty } from '../../src/serve/computeAdapty.js';

const [refDir, runDir] = process.argv.slice(2) as [string, string];
if (!refDir || !runDir) throw new Error('usage: compareRuns.ts <reference run dir> <run dir>');

function snapshot(dir: string, rel: string): Buffer | null {
  if (existsSync(join(dir, `${rel}.gz`))) return gunzipSync(readFileSync(join(dir, `${rel}.gz`)));
  if (existsSync(join(dir, rel))) return readFileSync(join(dir, rel));
  return null;
}

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
    body = await computeAdapty(runDir, spec, { date: ['0001-01-01', '9999-12-31'] }, manifest.currency, 'json');
    computed++;
  }
  if (body?.equals(ref)) same++;
  else differ.push(rel);
}
const stored = readdirSync(join(runDir, 'api', 'adapty')).length + readdirSync(join(runDir, 'api', 'zenovay')).length;
console.log(`${same} identical (${computed} snapshots computed on request, ${stored} stored names), ${differ.length} different${differ.length ? `: ${differ.join(', ')}` : ''}`);
process.exitCode = differ.length ? 1 : 0;
