// Tab names of the matrix sheets, shared by the workbook and its About sheet.
import { SEGMENT_COLUMNS, type Matrix } from '../ltv/model.js';

/** Rows are attribute values (country, product, …) rather than cohorts (SPEC §6 segmentation). */
export function isAttributeSegmentation(m: Matrix): boolean {
  return m.segmentation in SEGMENT_COLUMNS;
}

const ADJECTIVE = { day: 'Daily', week: 'Weekly', month: 'Monthly', quarter: 'Quarterly', year: 'Yearly' } as const;

/**
 * A tab name a reader understands: "Monthly cohorts", "Monthly cohorts · renewals", "Weekly cohorts ·
 * months" (periods differ from the cohort unit), "By country", "By country · weeks", "By paywall · renewals
 * (yearly)".
 */
export function matrixSheetName(m: Matrix): string {
  const periods = m.period_type === 'renewals' ? 'renewals' : `${m.period_unit}s`;
  if (isAttributeSegmentation(m)) {
    const base = `By ${m.segmentation.replaceAll('_', ' ')}`;
    if (m.period_type === 'days' && m.period_unit === 'month') return base;
    // Renewals of yearly cohorts differ from those of monthly ones (which customers a renewal has reached):
    // the unit is named where the tab has room for it (31 characters); the sheet's title names the matrix.
    const unit = m.period_type === 'renewals' && m.period_unit !== 'month' ? `${base} · renewals (${ADJECTIVE[m.period_unit].toLowerCase()})` : '';
    return unit && unit.length <= 31 ? unit : `${base} · ${periods}`;
  }
  const base = `${ADJECTIVE[m.cohort_unit]} cohorts`;
  return m.period_type === 'days' && m.period_unit === m.cohort_unit ? base : `${base} · ${periods}`;
}

