// Puts a row preset's statement (src/sql/presets/<name>.sql) between a file's reader and the check
// statement (06_check_rows.sql). The rows are numbered before the preset may turn one into two, so every
// row it returns keeps its source line: the reader's physical line where it knows it, else the row's
// position (corrected later for rows DuckDB rejected, as for any CSV).
import { loadSql, quoteIdent, quoteLiteral } from '../../warehouse/loadSql.js';
import type { Warehouse } from '../../warehouse/openWarehouse.js';
import { TIME_COLUMNS, type RowPreset } from './RowPreset.js';

/** What readInputs.ts knows of a file's reader (the subset a preset needs). */
export interface PresetReader {
  reader: string;
  line: string;
  lineKnown?: string;
  where: string;
  columns: Map<string, string>;
  /** Why the reader cannot read a row (SQL over `src`, NULL when it can). */
  parseError: string;
}

export async function wrapRowPreset<R extends PresetReader>(wh: Warehouse, base: R, preset: RowPreset, headerLines: number): Promise<R> {
  await wh.run(loadSql('presets/00_preset_macros'));
  const byLower = new Map([...base.columns.keys()].map((k) => [k.toLowerCase(), k]));
  // {{name_<input>}}: the header name an input was found under (else its first candidate), as a quoted literal,
  // for reasons that name the file's column as the file writes it (Paddle's total is grand_total or total);
  // {{has_<input>}}: whether the file has that column (TRUE/FALSE), for reasons that tell a column left out of
  // the export from an empty cell (both read as NULL).
  const names: Record<string, string> = {};
  const inputs = Object.entries(preset.inputs).map(([input, candidates]) => {
    const found = candidates.map((c) => byLower.get(c.toLowerCase())).find((c) => c !== undefined);
    names[`name_${input}`] = quoteLiteral(found ?? candidates[0] ?? input);
    names[`has_${input}`] = found === undefined ? 'FALSE' : 'TRUE';
    const expr = found === undefined ? 'CAST(NULL AS VARCHAR)' : `nullif(ltv_trim(${base.columns.get(found)!}), '')`;
    return `${expr} AS ${quoteIdent(`ltv__in_${input}`)}`;
  });
  const positional = base.line === 'NULL';
  const line = positional ? `row_number() OVER () + ${headerLines}` : base.line;
  const rows = `(SELECT src.*, ${line} AS ltv__line, ${inputs.join(', ')} FROM ${base.reader} AS src ${base.where})`;
  const columns = new Map(base.columns);
  for (const c of preset.outputs) columns.set(`ltv__${c}`, `src.${quoteIdent(`ltv__${c}`)}`);
  // Each time output's source, for its reasons (RowPreset `outputs`): the file's column and cell it came from.
  for (const c of preset.outputs.filter((o) => TIME_COLUMNS.includes(o))) {
    for (const part of ['column', 'text']) columns.set(`ltv__${c}__${part}`, `src.${quoteIdent(`ltv__${c}__${part}`)}`);
  }
  return {
    ...base,
    reader: `(${loadSql(`presets/${preset.name}`, { ...names, rows })})`,
    line: 'src.ltv__line',
    lineKnown: positional ? 'FALSE' : 'TRUE',
    // The reader's own reason first (a line it could not read); then the preset's. Both are over src: the
    // statement returns the reader's columns with its own.
    ...(preset.reasons ? { parseError: `coalesce(${base.parseError}, src.ltv__reason)` } : {}),
    where: '',
    columns,
  };
}
