// report.html (SPEC §10): the same report with the data inlined by the render stage, no server. The
// matrices (and the run's predicted cells, SPEC §9) come gzip-compressed (base64) in a JSON block; the
// browser inflates them with DecompressionStream. Only the controls that need no server: period type,
// unit, segmentation, accounting type.
import { matrixId, SEGMENTATIONS, type Summary } from '../../ltv/model.js';
import { cohortCellCustomers, rowsAreCohorts } from './cellState.js';
import { h, setText } from './dom.js';
import { buildReport, commonControls, DEFAULT_CHOICE, forecastNote, noForecastNote, readChoice, renderHeadline, renderMatrix, type Choice } from './report.js';
import { inlineRowsOf, viewFromInline, type InlinePayload } from './view.js';

/** The JSON block report.html carries (writeReportHtml.ts). */
export interface InlineReport {
  tenant: string;
  run_id: string;
  as_of: string;
  timezone: string;
  currency: string;
  summary: Summary;
  /** Matrix ids left out (too large to inline), with the reason shown to the reader. */
  omitted: { ids: string[]; reason: string };
  /** base64 of gzip of JSON: InlinePayload. */
  matrices_gz: string;
}

async function inflate(b64: string): Promise<InlinePayload> {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  return JSON.parse(await new Response(stream).text()) as InlinePayload;
}

export async function startStatic(host: HTMLElement, block: HTMLElement): Promise<void> {
  const data = JSON.parse(block.textContent ?? '{}') as InlineReport;
  const { matrices, forecast } = await inflate(data.matrices_gz);
  const predicted = forecast ? new Map(forecast.rows) : null;
  const omitted = new Set(data.omitted.ids);
  const units = new Set(['day', 'week', 'month', 'quarter', 'year'].filter((u) => !Object.keys(matrices).some((id) => id.split('-')[1] === u)));
  const segs = new Set(SEGMENTATIONS.filter((s) => !Object.keys(matrices).some((id) => id.split('-')[2] === s)));
  let choice: Choice = { ...DEFAULT_CHOICE };
  const parts = buildReport(host, data.tenant, `Run ${data.run_id} · as of ${data.as_of.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')} · ${data.timezone} · ${data.currency} · static report`, null);
  renderHeadline(parts.headline, data.summary, data.currency);
  parts.controls.append(...commonControls(choice, units, segs));
  parts.extraControls.append(h('p', { class: 'note' }, `A static copy of the report: date range and filters need the explorer of \`ltv serve\`. ${data.omitted.reason}`));
  const draw = (): void => {
    const id = matrixId(choice);
    const rows = inlineRowsOf(matrices, id);
    if (!rows) {
      setText(parts.status, omitted.has(id) ? `${id} is not in this file: ${data.omitted.reason}` : `${id} is not in this file.`);
      return;
    }
    parts.status.textContent = '';
    // The forecast predicts the rows of one matrix (forecast.brief.matrix): the others say so.
    const own = forecast !== null && forecast.brief.model !== null && id === forecast.brief.matrix;
    const note = !forecast ? null
      : forecast.brief.model === null ? noForecastNote(forecast.brief.reason)
        : own ? (forecast.brief.none === null ? forecastNote(forecast.brief) : `No predicted cell: ${forecast.brief.none}.`) : `No predictions for this selection: the run's forecast predicts ${forecast.brief.matrix} (period type, unit and segmentation).`;
    const view = viewFromInline(rows, choice, data.currency, own ? predicted : null, note);
    // The Total's realized cells are the cohorts' that reach each period (said beside its predictions).
    if (rowsAreCohorts(choice.segmentation)) cohortCellCustomers(view);
    renderMatrix(parts, view, choice.accounting);
    parts.root.dataset.loaded = id;
  };
  parts.controls.addEventListener('change', () => {
    choice = readChoice(parts.controls);
    draw();
  });
  draw();
}
