// The chart thread (svgToPngOffThread.ts): rasterises the SVGs the run's thread sends, with the same
// renderer and encoder as in process (svgToPng), so the PNG bytes are the same wherever they are drawn.
import { parentPort } from 'node:worker_threads';
import { threadError, type ThreadError } from '../config/startModuleThread.js';
import { svgToPng, warmUpRenderer } from './renderChart.js';

export interface ChartRequest {
  id: number;
  svg: string;
  scale: number;
}

export type ChartReply = { id: number; png: Uint8Array } | { id: number; error: ThreadError };

// resvg's loader asks whether the wasm it is given is a fetch Request or Response (`typeof Request`,
// `instanceof Response`); in Node, the first read of either global loads and compiles undici, ~0.1 s of
// this thread's CPU in every run (`perf` of a 2-row run). This thread never fetches: here they are plain
// undefined, and resvg takes the bytes it is given.
for (const name of ['Request', 'Response']) {
  Object.defineProperty(globalThis, name, { value: undefined, configurable: true, writable: true });
}
warmUpRenderer();
parentPort!.on('message', (req: ChartRequest) => {
  svgToPng(req.svg, req.scale).then(
    (png) => parentPort!.postMessage({ id: req.id, png } satisfies ChartReply),
    (e: unknown) => parentPort!.postMessage({ id: req.id, error: threadError(e) } satisfies ChartReply),
  );
});
