import { Warehouse } from '/work/main/src/warehouse/openWarehouse.js';
import { installMacros } from '/work/main/src/warehouse/installMacros.js';
import { matrixQuery } from '/work/main/src/ltv/computeMatrix.js';
import { SEGMENTATIONS } from '/work/main/src/ltv/model.js';
import { DIMENSIONS } from '/work/main/src/ingest/readInputs.js';
const dir = process.argv[2]!;
const wh = await Warehouse.open({ timezone: 'UTC', threads: Number(process.argv[3] ?? 2) });
await installMacros(wh, 'UTC');
const dims = DIMENSIONS.map((d) => `"${d}"`);
await wh.run(`CREATE TABLE attr_sets AS SELECT *, row_number() OVER () AS attr_id FROM (SELECT ${dims.join(', ')} FROM read_parquet('${dir}/data/customers.parquet') UNION SELECT ${dims.join(', ')} FROM read_parquet('${dir}/data/facts.parquet'))`);
const same = dims.map((d) => `x.${d} IS NOT DISTINCT FROM a.${d}`).join(' AND ');
await wh.run(`CREATE TABLE facts AS SELECT x.* EXCLUDE (${dims.join(', ')}) REPLACE (CAST(x.revenue AS HUGEINT) AS revenue, CAST(x.proceeds AS HUGEINT) AS proceeds, CAST(x.net_revenue AS HUGEINT) AS net_revenue), a.attr_id FROM read_parquet('${dir}/data/facts.parquet') x JOIN attr_sets a ON ${same}`);
await wh.run(`CREATE TABLE customers AS SELECT x.* EXCLUDE (${dims.join(', ')}), a.attr_id FROM read_parquet('${dir}/data/customers.parquet') x JOIN attr_sets a ON ${same}`);
for (const unit of ['day', 'month'] as const) {
  const q = matrixQuery('days', unit, SEGMENTATIONS, '2026-03-16 00:00:00');
  for (let i = 0; i < 3; i++) {
    let t = performance.now();
    await wh.all(`EXPLAIN ${q.sql}`, q.params);
    const plan = performance.now() - t;
    t = performance.now();
    const rows = await wh.all(q.sql, q.params);
    console.log(unit, 'explain', plan.toFixed(0), 'run', (performance.now() - t).toFixed(0), rows.length);
  }
}
wh.close();
