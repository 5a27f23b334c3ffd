// A workbook's charts as the workbook thread gets them (writeXlsxOffThread.ts, xlsxThreadMain.ts): a chart
// already drawn as its bytes, in the request; a chart still being drawn (LatePng) as its size in the
// request, and its bytes in a second message once drawn (OffThread's `later`: `{id, pictures}`, or
// `{id, laterError}` when it could not be drawn). The same turning back serves the thread and, where no
// thread runs, this process.
import type { LatePng, Picture } from './addStreamingPicture.js';
import { writeXlsx, type XlsxOptions } from './writeXlsx.js';
import type { XlsxRequest } from './xlsxThreadMain.js';

/** A chart's size in pixels, its PNG to come later. */
export interface PngSize {
  width: number;
  height: number;
}

/** The charts of a workbook. */
export type ChartName = 'chartPng' | 'forecastPng';

/** The late charts' bytes, as the second message carries them (a Buffer arrives as a Uint8Array). */
export interface LateCharts {
  pictures: Partial<Record<ChartName, Uint8Array>>;
}

const isLate = (p: Picture | undefined): p is LatePng => p !== undefined && !Buffer.isBuffer(p);

/** A chart as posted: its bytes, or a late one's size. */
function postedChart(p: Picture | undefined): Uint8Array | PngSize | undefined {
  return isLate(p) ? { width: p.width, height: p.height } : p;
}

/** A workbook's request as posted to the thread: its late charts as their sizes. */
export function postedRequest(report: XlsxRequest['report'], path: string, options: XlsxOptions): Omit<XlsxRequest, 'id'> {
  const { chartPng, forecastPng, ...rest } = options;
  const chart = postedChart(chartPng);
  const forecast = postedChart(forecastPng);
  return { report, path, options: { ...rest, ...(chart ? { chartPng: chart } : {}), ...(forecast ? { forecastPng: forecast } : {}) } };
}

/** The late charts' bytes once every one is drawn, or undefined when none is late. */
export function lateCharts(options: Pick<XlsxOptions, ChartName>): Promise<LateCharts> | undefined {
  const late = (['chartPng', 'forecastPng'] as const).map((name) => [name, options[name]] as const)
    .filter((e): e is readonly [ChartName, LatePng] => isLate(e[1]));
  if (late.length === 0) return undefined;
  const all = Promise.all(late.map(async ([name, p]) => [name, await p.png] as const)).then((drawn) => ({ pictures: Object.fromEntries(drawn) }));
  all.catch(() => undefined);
  return all;
}

/** A posted request written, on the thread or here: its late charts' bytes from `later` (the second message). */
export function writePostedRequest(req: Omit<XlsxRequest, 'id'>, later: () => Promise<LateCharts>): Promise<void> {
  const { chartPng, forecastPng, ...rest } = req.options;
  const chart = receivedChart(chartPng, 'chartPng', later);
  const forecast = receivedChart(forecastPng, 'forecastPng', later);
  return writeXlsx(req.report, req.path, { ...rest, ...(chart ? { chartPng: chart } : {}), ...(forecast ? { forecastPng: forecast } : {}) });
}

/** A posted chart turned back into a Picture; a late one's bytes from `later` (the second message). */
function receivedChart(posted: Uint8Array | PngSize | undefined, name: ChartName, later: () => Promise<LateCharts>): Picture | undefined {
  if (posted === undefined) return undefined;
  if (posted instanceof Uint8Array) return Buffer.from(posted.buffer, posted.byteOffset, posted.byteLength);
  const png = later().then(({ pictures }) => {
    const b = pictures[name];
    if (!b) throw new Error(`${name}: a chart announced by its size did not come`);
    return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  });
  return { width: posted.width, height: posted.height, png };
}
