// The charts of a run drawn on a thread of their own (issue 13: rasterising and encoding ltv.png and
// forecast.png was the largest part of a small tenant's render time, ~0.1–0.15 s of the run's one busy
// thread, while the machine's other core waited). The render stage asks for a tenant's charts first and
// writes its snapshots, json, csv and report.html meanwhile; the workbook, which embeds them, is written
// meanwhile too and takes them when it is zipped up (lateChart).
// Same renderer, same bytes (chartThreadMain.ts calls svgToPng). One thread per process, started by
// warmUpChartThread while DuckDB computes (OffThread, src/config/startModuleThread.ts); where the thread
// cannot start or dies, the charts are drawn in process as before.
import { OffThread } from '../config/startModuleThread.js';
import type { ChartReply, ChartRequest } from './chartThreadMain.js';
import type { LatePng } from './addStreamingPicture.js';
import { svgPixelSize, svgToPng, warmUpRenderer } from './renderChart.js';

const charts = new OffThread<Omit<ChartRequest, 'id'>, Buffer, ChartReply>(import.meta.url, 'chartThreadMain',
  (reply) => Buffer.from(reply.png.buffer, reply.png.byteOffset, reply.png.byteLength),
  (req) => svgToPng(req.svg, req.scale),
  warmUpRenderer);

/** Starts the chart thread (and its renderer's warm-up) if it is not running. */
export function warmUpChartThread(): void {
  charts.warmUp();
}

/** svgToPng on the chart thread: the same PNG bytes, drawn while this thread does other work. */
export function svgToPngOffThread(svg: string, scale: number): Promise<Buffer> {
  return charts.run({ svg, scale });
}

/** A chart being drawn on the chart thread, with the size it will have (a workbook is laid out meanwhile). */
export function lateChart(svg: string, scale: number): LatePng {
  return { ...svgPixelSize(svg, scale), png: svgToPngOffThread(svg, scale) };
}

/** Whether the chart thread is running (charts are drawn in process otherwise). */
export function chartThreadRunning(): boolean {
  return charts.running();
}
