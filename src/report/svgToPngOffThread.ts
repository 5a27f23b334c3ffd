// The charts of a run drawn on a thread of their own (issue 13: rasterising and encoding ltv.png and
// forecast.png was the largest part of a small tenant's render time, ~0.1–0.15 s of the run's one busy
// thread, while the machine's other core waited). The render stage asks for a tenant's charts first and
// writes its snapshots, json, csv and report.html meanwhile; the workbook, which embeds them, comes last.
// Same renderer, same bytes (chartThreadMain.ts calls svgToPng). One thread per process, started by
// warmUpChartThread while DuckDB computes; it keeps the process alive only while it has work. Where the
// thread cannot start or dies, the charts are drawn in process as before.
import { RequestThread, type Waiting } from '../config/startModuleThread.js';
import type { ChartReply, ChartRequest } from './chartThreadMain.js';
import { svgToPng, warmUpRenderer } from './renderChart.js';

interface Pending extends Waiting<Buffer> {
  svg: string;
  scale: number;
}

let thread: RequestThread<Buffer, Pending> | null | undefined;

/**
 * The thread with its replies handled. One that fails to start or dies: what it had not answered is drawn
 * in process, and so is every later chart of this process.
 */
function startThread(): RequestThread<Buffer, Pending> | null {
  const t: RequestThread<Buffer, Pending> | null = RequestThread.start<Buffer, ChartReply, Pending>(import.meta.url, 'chartThreadMain',
    (reply) => Buffer.from(reply.png.buffer, reply.png.byteOffset, reply.png.byteLength),
    (_why, left) => {
      if (thread === t) thread = null;
      warmUpRenderer();
      for (const p of left) svgToPng(p.svg, p.scale).then(p.resolve, p.reject);
    });
  return t;
}

/** Starts the chart thread (and its renderer's warm-up) if it is not running. */
export function warmUpChartThread(): void {
  if (thread === undefined) thread = startThread();
  if (thread === null) warmUpRenderer();
}

/** svgToPng on the chart thread: the same PNG bytes, drawn while this thread does other work. */
export function svgToPngOffThread(svg: string, scale: number): Promise<Buffer> {
  warmUpChartThread();
  const t = thread;
  if (!t) return svgToPng(svg, scale);
  return new Promise<Buffer>((resolve, reject) => {
    const id = t.add({ resolve, reject, svg, scale });
    t.worker.postMessage({ id, svg, scale } satisfies ChartRequest);
  });
}

/** Whether the chart thread is running (charts are drawn in process otherwise). */
export function chartThreadRunning(): boolean {
  return Boolean(thread);
}
