// The values each §6 filter can take in a published run, with their customers (SPEC §10: the explorer
// offers the run's own values). Read-only from the run's data/customers.parquet; a run never changes once
// published, so each answer is kept (a few runs).
import { literalPath } from '../warehouse/literalPath.js';
import { loadSql } from '../warehouse/loadSql.js';
import { Warehouse } from '../warehouse/openWarehouse.js';
import { FILTER_COLUMNS, type FilterKey } from './model.js';
import { publishedFile } from './publishedFile.js';
import { RUN_FILES, runKey, type Manifest, type RunRef } from './runFiles.js';

export interface AttributeCount {
  value: string;
  customers: number;
}
export type AttributeValues = Partial<Record<FilterKey, AttributeCount[]>>;

const KEEP = 16;
const kept = new Map<string, Promise<AttributeValues>>();

async function read(runDir: string, manifest: Manifest): Promise<AttributeValues> {
  const customers = await publishedFile(runDir, RUN_FILES.customers, manifest);
  const wh = await Warehouse.open({ timezone: manifest.timezone, memoryLimit: '256MB', threads: 1 });
  try {
    const rows = await wh.json<{ name: string; value: string; customers: number }>(loadSql('30_attribute_values'), { customers: literalPath(customers) });
    const byColumn = new Map<string, AttributeCount[]>();
    for (const r of rows) {
      let list = byColumn.get(r.name);
      if (!list) byColumn.set(r.name, (list = []));
      list.push({ value: r.value, customers: Number(r.customers) });
    }
    const out: AttributeValues = {};
    for (const [key, column] of Object.entries(FILTER_COLUMNS) as [FilterKey, string][]) out[key] = byColumn.get(column) ?? [];
    return out;
  } finally {
    wh.close();
  }
}

/**
 * `run.dir` must be a resolved run directory inside the reports directory (the caller checks), `manifest`
 * its manifest (of `run.identity`): its data/customers.parquet is read only as the manifest lists it (publishedFile.ts).
 */
export function attributeValues(run: RunRef, manifest: Manifest): Promise<AttributeValues> {
  // By identity too: a run id published again holds other values (runFiles.ts RunRef).
  const key = runKey(run);
  let p = kept.get(key);
  if (!p) {
    p = read(run.dir, manifest);
    kept.set(key, p);
    p.catch(() => kept.delete(key));
    while (kept.size > KEEP) kept.delete(kept.keys().next().value as string);
  }
  return p;
}
