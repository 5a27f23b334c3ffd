// SPEC §4: the as-of time T on the report time zone's wall clock, as the statements compare boundaries
// with it (07_as_of_wall.sql: a T inside a repeated hour counts every wall time of that hour as passed).
import { loadSql } from '../warehouse/loadSql.js';
import type { Warehouse } from '../warehouse/openWarehouse.js';

/** `YYYY-MM-DD HH:MM:SS.ffffff`; needs the macros (installMacros). */
export async function asOfWall(wh: Warehouse, asOf: string): Promise<string> {
  const [row] = await wh.json<{ local: string }>(loadSql('07_as_of_wall'), { a: asOf });
  if (!row) throw new Error(`as-of time ${asOf}: no wall-clock time`);
  return row.local;
}
