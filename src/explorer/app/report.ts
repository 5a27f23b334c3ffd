// The report view shared by the served explorer and the static report.html: headline figures, the
// controls, the LTV curves and the heatmap. Where the data comes from is the caller's (`ReportSource`).
import { ACCOUNTING_TYPES, PERIOD_TYPES, PERIOD_UNITS, SEGMENTATIONS, type AccountingType, type PeriodType, type PeriodUnit, type Segmentation, type Summary } from '../../ltv/model.js';
import { clearCurves, renderCurves } from './curves.js';
import { clear, h, option } from './dom.js';
import { formatCell, formatCount, formatMoney } from './format.js';
import { renderHeatmap } from './heatmap.js';
import type { ForecastBrief } from '../explorerApi.js';
import { forecastTrust } from '../../report/forecastTrust.js';
import type { ViewMatrix, ViewRow } from './view.js';

export interface Choice {
  period_type: PeriodType;
  period_unit: PeriodUnit;
  segmentation: Segmentation;
  accounting: AccountingType;
}

export const DEFAULT_CHOICE: Choice = { period_type: 'days', period_unit: 'month', segmentation: 'cohort', accounting: 'revenue' };

export const ACCOUNTING_LABEL: Record<AccountingType, string> = { revenue: 'Revenue', proceeds: 'Proceeds', net_revenue: 'Net revenue' };
const SEGMENTATION_LABEL: Record<string, string> = {
  cohort: 'none (cohorts by unit)', day: 'day cohorts', week: 'week cohorts', month: 'month cohorts', year: 'year cohorts',
  country: 'country', product: 'product', store_product_id: 'store product id', paywall: 'paywall', paywalls_group: 'paywalls group',
  audience: 'audience', placement: 'placement', duration: 'duration', store: 'store',
};

export interface ReportParts {
  root: HTMLElement;
  controls: HTMLFormElement;
  /** Where a source puts its own controls (run, dates, filters). */
  extraControls: HTMLElement;
  headline: HTMLElement;
  status: HTMLElement;
  chart: HTMLElement;
  heatmap: HTMLElement;
  selection: HTMLElement;
}

export function selectField(label: string, name: string, values: readonly string[], selected: string, labels: Record<string, string> = {}, disabled: ReadonlySet<string> = new Set()): HTMLElement {
  const id = `ctl-${name}`;
  const sel = h('select', { id, name });
  for (const v of values) {
    const o = option(v, labels[v] ?? v.replace(/_/g, ' '), v === selected);
    if (disabled.has(v)) o.disabled = true;
    sel.appendChild(o);
  }
  return h('div', { class: 'field' }, h('label', { for: id }, label), sel);
}

/** The common controls: everything that needs no server. */
export function commonControls(choice: Choice, disabledUnits: ReadonlySet<string> = new Set(), disabledSegs: ReadonlySet<string> = new Set()): HTMLElement[] {
  return [
    selectField('Period type', 'period_type', PERIOD_TYPES, choice.period_type, { renewals: 'renewals', days: 'days since first payment' }),
    selectField('Unit', 'period_unit', PERIOD_UNITS, choice.period_unit, {}, disabledUnits),
    selectField('Segmentation', 'segmentation', SEGMENTATIONS, choice.segmentation, SEGMENTATION_LABEL, disabledSegs),
    selectField('Accounting', 'accounting', ACCOUNTING_TYPES, choice.accounting, ACCOUNTING_LABEL),
  ];
}

export function readChoice(form: HTMLFormElement): Choice {
  const v = (n: string): string => (form.elements.namedItem(n) as HTMLSelectElement | null)?.value ?? '';
  return {
    period_type: v('period_type') as PeriodType,
    period_unit: v('period_unit') as PeriodUnit,
    segmentation: v('segmentation') as Segmentation,
    accounting: v('accounting') as AccountingType,
  };
}

export function buildReport(host: HTMLElement, title: string, subtitle: string, toolbar: HTMLElement | null): ReportParts {
  clear(host);
  const controls = h('form', { class: 'controls', 'aria-label': 'Report controls' });
  const extraControls = h('div', { class: 'extra-controls' });
  const headline = h('section', { class: 'headline', 'aria-label': 'Headline figures' });
  const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  const selection = h('p', { class: 'selection' });
  const chart = h('div', { class: 'chart' });
  const heatmap = h('div', { class: 'heatmap-host' });
  // The page's main landmark; its title takes the focus when what had it is gone (sign-in, "Show it").
  const root = h('main', { class: 'report' },
    h('header', { class: 'top' }, h('div', { class: 'titles' }, h('h1', { tabindex: '-1' }, title), h('p', { class: 'sub' }, subtitle)), toolbar),
    headline,
    h('section', { class: 'panel', 'aria-label': 'Controls' }, controls, extraControls),
    status,
    selection,
    h('section', { class: 'panel', 'aria-label': 'LTV curves' }, h('h2', {}, 'LTV curves'), chart),
    h('section', { class: 'panel', 'aria-label': 'Cohort heatmap' }, h('h2', {}, 'Cohort heatmap'), heatmap),
  );
  host.appendChild(root);
  return { root, controls, extraControls, headline, status, chart, heatmap, selection };
}

export function renderHeadline(host: HTMLElement, summary: Summary | null, currency: string): void {
  clear(host);
  const card = (label: string, value: string, key: string): HTMLElement => h('div', { class: 'card', 'data-figure': key }, h('span', { class: 'label' }, label), h('span', { class: 'value' }, value));
  if (!summary) {
    host.append(h('p', { class: 'note' }, 'This run published no ltv.json: no headline figures.'));
    return;
  }
  host.append(
    card('LTV 30 days', formatMoney(summary.average_ltv_30d, currency), 'average_ltv_30d'),
    card('LTV 90 days', formatMoney(summary.average_ltv_90d, currency), 'average_ltv_90d'),
    card('Customers', formatCount(summary.customers), 'customers'),
    card('Cohorts (months)', formatCount(summary.cohorts), 'cohorts'),
    card('Revenue', formatMoney(summary.revenue, currency), 'revenue'),
    card('Proceeds', formatMoney(summary.proceeds, currency), 'proceeds'),
    card('Net revenue', formatMoney(summary.net_revenue, currency), 'net_revenue'),
  );
}

/**
 * `whole`: where the matrix's every cell is, said after the heatmap's "Showing n of m rows…" when it shows
 * part of the matrix; null: nothing to say.
 */
export function renderMatrix(parts: ReportParts, m: ViewMatrix, acc: AccountingType, whole: string | null = null): void {
  const total = m.rows[acc].find((r) => r.type === 'total');
  clear(parts.selection);
  parts.selection.append(
    'Selection: ',
    h('strong', { 'data-figure': 'selection_customers' }, formatCount(total?.customers ?? 0)),
    ' customers, LTV ',
    h('strong', { 'data-figure': 'selection_ltv' }, total?.value === null || total?.value === undefined ? '—' : `${formatCell(total.value)} ${m.currency}`),
    ` (${ACCOUNTING_LABEL[acc].toLowerCase()}, ${lastPeriodWords(m.rows[acc], total)}).`,
  );
  renderCurves(parts.chart, m, acc);
  renderHeatmap(parts.heatmap, m, acc, whole);
}

/**
 * Which cell the selection's LTV is (SPEC §6: a row's value is its last shown period's): that period, and,
 * where the rows are cohorts, how many of the customers their cohorts' shown periods reach there. Beside
 * all the customers, "at the last period shown" read as every customer's LTV (the example's 1,450
 * customers beside 70.24 at period 24, which 33 of them reach).
 */
function lastPeriodWords(rows: readonly ViewRow[], total: ViewRow | undefined): string {
  const last = total?.cells.at(-1)?.period;
  if (!total || last === undefined) return 'at the last period shown';
  const cohorts = rows.filter((r) => r.type === 'cohort');
  const reached = cohorts.reduce((n, r) => n + (r.cells.some((c) => c.period === last) ? r.customers : 0), 0);
  return cohorts.length > 0 && reached < total.customers
    ? `at period ${last}, the last shown, which the cohorts of ${formatCount(reached)} of them reach`
    : `at period ${last}, the last shown`;
}

/** Takes down what a matrix drew (selection line, curves, heatmap): a view whose request failed shows none of another's numbers. */
export function clearMatrix(parts: ReportParts): void {
  clear(parts.selection);
  clearCurves(parts.chart);
  clear(parts.heatmap);
}

/** Where the predictions come from and how far to trust them (the Forecast sheet's words), in one line. */
export function forecastNote(f: ForecastBrief): string {
  const model = f.model === 'sbg' ? 'shifted-beta-geometric (sBG)' : f.model === 'bgnbd' ? 'BG/NBD + Gamma-Gamma' : String(f.model);
  return `Predicted cells (≈): ${model} forecast to ${f.horizon_months} months. ${forecastTrust(f).join(' ')}`;
}

/** Why a run has no predictions; the forecast's reason (`no forecast: …`) is not prefixed a second time. */
export function noForecastNote(reason: string): string {
  return `This run has no forecast: ${reason.replace(/^no forecast:\s*/i, '')}`;
}
