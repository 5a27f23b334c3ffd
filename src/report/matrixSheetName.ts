// Tab names of the matrix sheets, shared by the workbook and its About sheet.
import { SEGMENT_COLUMNS, type Matrix } from '../ltv/model.js';

/** Rows are attribute values (country, product, …) rather than cohorts (SPEC §6 segmentation). */
export function isAttributeSegmentation(m: Matrix): boolean {
  return m.segmentation in SEGMENT_COLUMNS;
}

const ADJECTIVE = { day: 'Daily', week: 'Weekly', month: 'Monthly', quarter: 'Quarterly', year: 'Yearly' } as const;

/** The shorter tags of a cohort unit, for the tabs that have no room for its name. */
const SHORT = { day: 'd', week: 'wk', month: 'mo', quarter: 'qtr', year: 'yr' } as const;

/** Excel refuses longer sheet names. */
export const MAX_SHEET_NAME = 31;

/**
 * A tab name a reader understands: "Monthly cohorts", "Monthly cohorts · renewals", "Weekly cohorts ·
 * months" (periods differ from the cohort unit), "By country", "By country · weeks", "By paywall ·
 * renewals (quarter)".
 */
export function matrixSheetName(m: Matrix): string {
  const periods = m.period_type === 'renewals' ? 'renewals' : `${m.period_unit}s`;
  if (isAttributeSegmentation(m)) {
    const base = `By ${m.segmentation.replaceAll('_', ' ')}`;
    if (m.period_type === 'days') return m.period_unit === 'month' ? base : `${base} · ${periods}`;
    // Renewals of yearly cohorts differ from those of monthly ones (which customers a renewal has reached),
    // so the tab always names the cohort unit, in the longest form that fits: "By paywall · renewals
    // (quarter)" is 31 characters, "By audience · renewals (qtr)", "By store product id · rnw (qtr)".
    const unit = m.cohort_unit;
    const forms = [`${base} · renewals (${unit})`, `${base} · renewals (${SHORT[unit]})`, `${base} · rnw (${SHORT[unit]})`];
    return forms.find((f) => f.length <= MAX_SHEET_NAME) ?? forms[forms.length - 1]!;
  }
  const base = `${ADJECTIVE[m.cohort_unit]} cohorts`;
  return m.period_type === 'days' && m.period_unit === m.cohort_unit ? base : `${base} · ${periods}`;
}

/** The cohort unit as an adjective: "quarterly" (the Summary's guide to the sheets). */
export function cohortAdjective(m: Matrix): string {
  return ADJECTIVE[m.cohort_unit].toLowerCase();
}
