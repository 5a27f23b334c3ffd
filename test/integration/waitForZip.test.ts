import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitForZip } from '../../src/report/waitForZip.js';

// writeXlsx stays in bounded memory only if waitForZip sees exceljs's zip entry filling up. This pins
// the exceljs internals it reads: an upgrade that changes them fails here, not silently in production.
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ltv-zip-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const needsDrain = (ws: ExcelJS.Worksheet): boolean =>
  ((ws as unknown as { stream: { pipes?: { _writableState?: { needDrain?: boolean } }[] } }).stream.pipes ?? []).some(
    (p) => p._writableState?.needDrain === true,
  );

describe('waitForZip', () => {
  it('sees the zip entry fill up and waits until it has drained', async () => {
    const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: join(dir, 'x.xlsx'), useStyles: true, useSharedStrings: true });
    const ws = wb.addWorksheet('S');
    let rows = 0;
    while (!needsDrain(ws) && rows < 50_000) ws.addRow([`row ${++rows}`, 'x'.repeat(200), rows]).commit();
    expect(needsDrain(ws)).toBe(true);
    expect(rows).toBeLessThan(50_000);
    // Far more than one turn of the event loop compresses: only waiting for 'drain' empties it.
    for (let i = 0; i < 20_000; i++) ws.addRow([`row ${++rows}`, 'x'.repeat(200), rows]).commit();
    await waitForZip(ws);
    expect(needsDrain(ws)).toBe(false);
    ws.commit();
    await wb.commit();
  });
});
