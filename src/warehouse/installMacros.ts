// The shared macros (02_macros.sql) for a warehouse's time zone: outside UTC they need the days on which
// the zone changes its UTC offset (SPEC §4 DST, 01_transition_days.sql), looked up once here.
import { isUtcZone, loadSql, macrosSql } from './loadSql.js';
import type { Warehouse } from './openWarehouse.js';

export async function installMacros(wh: Warehouse, timezone: string): Promise<void> {
  let days: bigint[] = [];
  if (!isUtcZone(timezone)) {
    const [row] = await wh.all<{ days: bigint[] }>(loadSql('01_transition_days'));
    days = row?.days ?? [];
  }
  await wh.run(macrosSql(timezone, days));
}
