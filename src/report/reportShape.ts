// Reports that adapt to the data (issue 16): which matrices get a sheet of their own and whether proceeds
// and net revenue mean anything. Every matrix stays in ltv.json, ltv.csv and the Data sheet; only the
// heatmap sheets a reader pages through are left out, each with its reason on the About sheet.
import { SEGMENT_COLUMNS, type AttributeSegmentation, type Matrix, type TenantReport } from '../ltv/model.js';

export interface OmittedMatrix {
  matrix: Matrix;
  reason: string;
}

export interface ReportShape {
  /** Matrices shown as heatmap sheets, in report order. */
  shown: Matrix[];
  omitted: OmittedMatrix[];
  /**
   * Some input has commission, tax, proceeds or net revenue: otherwise proceeds and net revenue simply
   * equal revenue and are not presented as if they were after commission and taxes.
   */
  feesKnown: boolean;
}

/** Whether some input had the canonical column; true when the report predates recorded mappings. */
export function inputHasColumn(report: TenantReport, column: string): boolean {
  if (report.inputs.length === 0 || report.inputs.some((i) => i.columns === undefined)) return true;
  return report.inputs.some((i) => i.columns?.[column] !== undefined);
}

export function reportShape(report: TenantReport): ReportShape {
  const has = (c: string): boolean => inputHasColumn(report, c);
  const feesKnown = ['commission_percentage', 'tax_percentage', 'proceeds', 'net_revenue'].some(has);
  // Without renewal numbers or a subscription duration, derived "renewals" count repeat purchases (a shop's
  // 200th order becomes renewal 199): hundreds of columns that say nothing about subscriptions.
  const renewalsKnown = has('renewal_number') || has('duration');
  const shown: Matrix[] = [];
  const omitted: OmittedMatrix[] = [];
  for (const m of report.matrices) {
    const reason = omissionReason(m, renewalsKnown);
    if (reason === null) shown.push(m);
    else omitted.push({ matrix: m, reason });
  }
  return { shown, omitted, feesKnown };
}

function omissionReason(m: Matrix, renewalsKnown: boolean): string | null {
  if (m.period_type === 'renewals' && !renewalsKnown) {
    return 'the inputs have no renewal_number or duration column, so these would be repeat purchases, not subscription renewals';
  }
  if (m.segmentation in SEGMENT_COLUMNS) {
    const segments = m.rows.filter((r) => r.type === 'segment');
    if (segments.every((r) => r.title === 'unknown')) {
      return `no input records ${SEGMENT_COLUMNS[m.segmentation as AttributeSegmentation]}: every customer is "unknown"`;
    }
  }
  return null;
}
