// The charts of a run drawn on a thread of their own (issue 13: rasterising and encoding ltv.png and
// forecast.png was the largest part of a small tenant's render time, ~0.1–0.15 s of the run's one busy
// thread, while the machine's other core waited). The render stage asks for a tenant's charts first and
// writes its snapshots, json, csv and report.html meanwhile; the workbook, which embeds them, comes last.
// Same renderer, same bytes (chartThreadMain.ts calls svgToPng). One thread per process, started by
// warmUpChartThread while DuckDB computes; it keeps the process alive only while it has work. Where the
// thread cannot start or dies, the charts are drawn in process as before.
import type { Worker } from 'node:worker_threads';
import { startModuleThread } from '../config/startModuleThread.js';
import type { ChartReply, ChartRequest } from './chartThreadMain.js';
import { svgToPng, warmUpRenderer } from './renderChart.js';

interface Pending {
  resolve: (png: Buffer) => void;
  reject: (e: Error) => void;
  svg: string;
  scale: number;
}

let thread: Worker | null | undefined;
const pending = new Map<number, Pending>();
let nextId = 1;

/** The thread (src/config/startModuleThread.ts) with its replies and failures handled. */
function startThread(): Worker | null {
  const w = startModuleThread(import.meta.url, 'chartThreadMain');
  if (!w) return null;
  w.on('message', (reply: ChartReply) => {
    const p = pending.get(reply.id);
    if (!p) return;
    pending.delete(reply.id);
    if (pending.size === 0) w.unref();
    if ('error' in reply) p.reject(new Error(reply.error));
    else p.resolve(Buffer.from(reply.png.buffer, reply.png.byteOffset, reply.png.byteLength));
  });
  // A thread that fails to start or dies: what it had not answered is drawn in process, and so is every
  // later chart of this process.
  const fail = (): void => {
    if (thread === w) thread = null;
    const left = [...pending.values()];
    pending.clear();
    warmUpRenderer();
    for (const p of left) svgToPng(p.svg, p.scale).then(p.resolve, p.reject);
  };
  w.on('error', fail);
  w.on('exit', fail);
  // After the listeners: adding a 'message' listener refs the thread again.
  w.unref();
  return w;
}

/** Starts the chart thread (and its renderer's warm-up) if it is not running. */
export function warmUpChartThread(): void {
  if (thread === undefined) thread = startThread();
  if (thread === null) warmUpRenderer();
}

/** svgToPng on the chart thread: the same PNG bytes, drawn while this thread does other work. */
export function svgToPngOffThread(svg: string, scale: number): Promise<Buffer> {
  warmUpChartThread();
  const w = thread;
  if (!w) return svgToPng(svg, scale);
  return new Promise<Buffer>((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve, reject, svg, scale });
    w.ref();
    w.postMessage({ id, svg, scale } satisfies ChartRequest);
  });
}

/** Whether the chart thread is running (charts are drawn in process otherwise). */
export function chartThreadRunning(): boolean {
  return Boolean(thread);
}
