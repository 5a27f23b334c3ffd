// ltv.xlsx written on the workbook thread (src/report/writeXlsxOffThread.ts), as the render stage does:
// the same workbook as writeXlsx in process (every cell and both pictures), and a failure met on the thread
// reads as one met here (its error code and path reach the run's storageError).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storageError } from '../../src/pipeline.js';
import { chartSvg, svgToPng } from '../../src/report/renderChart.js';
import { pngSize } from '../../src/report/addStreamingPicture.js';
import { writeXlsx } from '../../src/report/writeXlsx.js';
import { writeXlsxOffThread, xlsxThreadRunning } from '../../src/report/writeXlsxOffThread.js';
import type { XlsxReply, XlsxRequest } from '../../src/report/xlsxThreadMain.js';
import { bundleEntry } from '../helpers/bundleEntry.js';
import { sampleReport } from '../helpers/sampleReport.js';

async function contents(path: string): Promise<{ cells: string[]; media: string[] }> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(path);
  const cells: string[] = [];
  wb.eachSheet((ws) => ws.eachRow((row, r) => row.eachCell((cell, c) => {
    cells.push(`${ws.name}!${r}:${c}=${JSON.stringify(cell.value)}/${cell.numFmt ?? ''}/${JSON.stringify(cell.font ?? null)}`);
  })));
  const media = (wb.model as unknown as { media: { buffer: Buffer }[] }).media.map((m) => m.buffer.toString('base64'));
  return { cells, media };
}

describe('the workbook thread', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ltv-xlsx-thread-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the workbook writeXlsx writes in process: every cell, its format, and the pictures', async () => {
    const report = sampleReport();
    const chartPng = await svgToPng(chartSvg(report), 1);
    const opts = { chartPng, quarantineFile: 'quarantine.csv' };
    await writeXlsx(report, join(dir, 'here.xlsx'), opts);
    await writeXlsxOffThread(report, join(dir, 'there.xlsx'), opts);
    expect(xlsxThreadRunning()).toBe(true);
    const [here, there] = [await contents(join(dir, 'here.xlsx')), await contents(join(dir, 'there.xlsx'))];
    expect(here.cells.length).toBeGreaterThan(100);
    expect(there.cells).toEqual(here.cells);
    // The chart as drawn, not re-encoded on the way.
    expect(there.media).toEqual(here.media);
    expect(there.media).toContain(chartPng.toString('base64'));
  });

  it('a failure on the thread keeps its code and path: a missing directory, and a full disk as one retryable line', async () => {
    const missing = join(dir, 'gone', 'ltv.xlsx');
    const err = await writeXlsxOffThread(sampleReport(), missing).catch((e: unknown) => e as NodeJS.ErrnoException);
    expect(err).toBeInstanceOf(Error);
    expect(err?.code).toBe('ENOENT');
    expect(err?.path).toBe(missing);
    const full = await writeXlsxOffThread(sampleReport(), '/dev/full').catch((e: unknown) => e as NodeJS.ErrnoException);
    expect(full?.code).toBe('ENOSPC');
    const mapped = storageError(full, '/srv/reports', '/tmp/ltv-run-1.duckdb');
    expect(mapped?.retryable).toBe(true);
    expect(mapped?.message).toMatch(/^no space left on the disk of the reports directory \/srv\/reports or the scratch space \/tmp; nothing was published/);
  });

  it('the one-file bundle `npm run build` makes of the thread\'s entry writes the same workbook', async () => {
    // The build bundles dist/report/xlsxThreadMain.js with exceljs inside (src/config/bundleEntries.mjs);
    // here the same options bundle the TypeScript entry, and the bundle runs as the thread does.
    const { file, packages } = await bundleEntry('report/xlsxThreadMain.js', dir);
    expect(packages).toEqual([]);
    const report = sampleReport();
    const chartPng = await svgToPng(chartSvg(report), 1);
    await writeXlsx(report, join(dir, 'in-process.xlsx'), { chartPng, quarantineFile: 'quarantine.csv' });
    // What the thread prints: nothing. (exceljs's zip writer calls the deprecated `new Buffer()`, which Node
    // warns about from code outside node_modules, as a bundle in dist/ is.)
    const worker = new Worker(file, { stderr: true });
    let printed = '';
    worker.stderr.on('data', (chunk: Buffer) => { printed += chunk.toString(); });
    try {
      const reply = new Promise<XlsxReply>((resolve) => worker.once('message', resolve));
      worker.postMessage({ id: 7, report, path: join(dir, 'bundled.xlsx'), options: { chartPng, quarantineFile: 'quarantine.csv' } } satisfies XlsxRequest);
      expect(await reply).toEqual({ id: 7 });
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      await worker.terminate();
    }
    expect(printed).toBe('');
    const [here, there] = [await contents(join(dir, 'in-process.xlsx')), await contents(join(dir, 'bundled.xlsx'))];
    expect(here.cells.length).toBeGreaterThan(100);
    expect(there.cells).toEqual(here.cells);
    expect(there.media).toEqual(here.media);
  });

  it('starts a workbook before its charts are drawn: laid out with their sizes, the same workbook once they come', async () => {
    // The render stage hands the workbook its charts as they are being drawn (LatePng); on the thread and,
    // where none runs, in process (writeXlsx itself), the workbook is the one written with the bytes.
    const report = sampleReport();
    const chartPng = await svgToPng(chartSvg(report), 1);
    const opts = { quarantineFile: 'quarantine.csv' };
    await writeXlsx(report, join(dir, 'drawn.xlsx'), { chartPng, ...opts });
    let draw!: (png: Buffer) => void;
    const late = { ...pngSize(chartPng), png: new Promise<Buffer>((resolve) => { draw = resolve; }) };
    const onThread = writeXlsxOffThread(report, join(dir, 'late-thread.xlsx'), { chartPng: late, ...opts });
    const inProcess = writeXlsx(report, join(dir, 'late-here.xlsx'), { chartPng: late, ...opts });
    // Neither finishes without its chart: each waits to zip it up.
    const settled = await Promise.race([Promise.all([onThread, inProcess]).then(() => 'done'), new Promise((resolve) => setTimeout(resolve, 500, 'waiting'))]);
    expect(settled).toBe('waiting');
    draw(chartPng);
    await Promise.all([onThread, inProcess]);
    const drawn = await contents(join(dir, 'drawn.xlsx'));
    for (const name of ['late-thread.xlsx', 'late-here.xlsx']) {
      const got = await contents(join(dir, name));
      expect(got.cells).toEqual(drawn.cells);
      expect(got.media).toEqual(drawn.media);
    }
  });

  it('a chart that cannot be drawn, or comes in another size, fails its workbook with why; the thread writes the next', async () => {
    const report = sampleReport();
    const chartPng = await svgToPng(chartSvg(report), 1);
    const failing = { ...pngSize(chartPng), png: Promise.reject(new Error('resvg: the chart could not be drawn')) };
    await expect(writeXlsxOffThread(report, join(dir, 'no-chart.xlsx'), { chartPng: failing })).rejects.toThrow('resvg: the chart could not be drawn');
    await expect(writeXlsx(report, join(dir, 'no-chart-here.xlsx'), { chartPng: failing })).rejects.toThrow('resvg: the chart could not be drawn');
    const wrong = { width: 100, height: 50, png: Promise.resolve(chartPng) };
    const { width, height } = pngSize(chartPng);
    await expect(writeXlsxOffThread(report, join(dir, 'wrong.xlsx'), { chartPng: wrong })).rejects.toThrow(`a chart came ${width} × ${height} pixels, announced as 100 × 50`);
    await writeXlsxOffThread(report, join(dir, 'next.xlsx'), { chartPng: { width, height, png: Promise.resolve(chartPng) } });
    expect(xlsxThreadRunning()).toBe(true);
    expect((await contents(join(dir, 'next.xlsx'))).media).toEqual([chartPng.toString('base64')]);
  });
});
