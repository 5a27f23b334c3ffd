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

warmUpRenderer();
parentPort!.on('message', (req: ChartRequest) => {
  svgToPng(req.svg, req.scale).then(
    (png) => parentPort!.postMessage({ id: req.id, png } satisfies ChartReply),
    (e: unknown) => parentPort!.postMessage({ id: req.id, error: threadError(e) } satisfies ChartReply),
  );
});
