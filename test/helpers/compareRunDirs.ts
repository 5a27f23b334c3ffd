// Two published runs (SPEC §5 layout) compared file by file, apart from what names the run or times it:
// json with generated_at, duration_ms, timings_ms, idempotency_key (and the manifest's checksums of those
// files) removed; gzip snapshots unpacked; xlsx by cell values; Parquet by sorted rows; other files by bytes.
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import ExcelJS from 'exceljs';

const VOLATILE = new Set(['generated_at', 'duration_ms', 'timings_ms', 'idempotency_key', 'files']);

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.push(relative(dir, join(e.parentPath, e.name)));
  }
  return out.sort();
}

function strip(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(strip);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([k]) => !VOLATILE.has(k)).map(([k, x]) => [k, strip(x)]));
  return v;
}

/** Cell values of every sheet; the About sheet's run timings (generated at, duration) are volatile. */
async function xlsxCells(path: string): Promise<string[]> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(path);
  const cells: string[] = [];
  wb.eachSheet((ws) => ws.eachRow((row, r) => row.eachCell((cell, c) => {
    const label = String(row.getCell(1).value ?? '');
    if (ws.name === 'About' && /generated|duration|took/i.test(label) && c > 1) return;
    cells.push(`${ws.name}!${r}:${c}=${JSON.stringify(cell.value)}`);
  })));
  return cells;
}

async function parquetRows(path: string): Promise<string[]> {
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  try {
    const r = await con.runAndReadAll('SELECT * FROM read_parquet($p)', { p: path });
    return r.getRowObjectsJson().map((x) => JSON.stringify(x)).sort();
  } finally {
    con.closeSync();
    db.closeSync();
  }
}

/** Differences between two run directories (empty when they publish the same thing). */
export async function compareRunDirs(a: string, b: string): Promise<{ files: string[]; differences: string[] }> {
  const [fa, fb] = [await listFiles(a), await listFiles(b)];
  const differences: string[] = [];
  if (JSON.stringify(fa) !== JSON.stringify(fb)) differences.push(`file lists differ: ${JSON.stringify(fa)} vs ${JSON.stringify(fb)}`);
  for (const f of fa.filter((x) => fb.includes(x))) {
    const [pa, pb] = [join(a, f), join(b, f)];
    const [ba, bb] = [await readFile(pa), await readFile(pb)];
    let same: boolean;
    // Equal bytes are equal whatever the format: only files that differ are parsed and normalised (the
    // snapshots of the example run are 60 MB of JSON, whose parsing took 10 s of a comparison's 12 s).
    if (ba.equals(bb)) same = true;
    else if (f.endsWith('.json')) same = JSON.stringify(strip(JSON.parse(ba.toString()))) === JSON.stringify(strip(JSON.parse(bb.toString())));
    else if (f.endsWith('.json.gz')) {
      const [ua, ub] = [gunzipSync(ba), gunzipSync(bb)];
      same = ua.equals(ub) || JSON.stringify(strip(JSON.parse(ua.toString()))) === JSON.stringify(strip(JSON.parse(ub.toString())));
    } else if (f.endsWith('.xlsx')) same = JSON.stringify(await xlsxCells(pa)) === JSON.stringify(await xlsxCells(pb));
    else if (f.endsWith('.parquet')) same = JSON.stringify(await parquetRows(pa)) === JSON.stringify(await parquetRows(pb));
    else if (f.endsWith('.html')) same = volatileHtml(ba.toString()) === volatileHtml(bb.toString());
    else same = false;
    if (!same) differences.push(f);
  }
  return { files: fa, differences };
}

/** report.html embeds the report's json: its timings are volatile there too. */
function volatileHtml(html: string): string {
  return html.replace(/"(generated_at|duration_ms)":\s*("[^"]*"|\d+)/g, '"$1":_');
}
