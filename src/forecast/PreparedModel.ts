// The common shape of a forecast model prepared on one cutoff's data (sbgModel.ts, bgNbdModel.ts): fitted
// on resampling weights for the bootstrap, and asked for each customer's expected revenue after the cutoff.
import type { ForecastFit, ForecastModel } from '../ltv/model.js';

export interface Fitted {
  /** False when no usable fit came out (then `message` says why). */
  usable: boolean;
  message: string;
  fits: ForecastFit[];
  /** Per customer: which fit predicts it (ForecastFit.group) and, for sBG, why not its own group's. */
  groupOf(i: number): string;
}

export interface PreparedModel<F extends Fitted = Fitted> {
  model: ForecastModel;
  /** Customers are resampled within these strata (the fit groups, or the cohorts). */
  strata: Int32Array[];
  /**
   * Per customer, the time its months of life are counted from (naive local ms): its first payment, or for
   * BG/NBD that day's midnight (customers of one day then share their period ends, and their predictions).
   */
  anchorMs: Float64Array;
  /** How many fits one replicate costs, in customer-fits (the bootstrap's cost rule). */
  replicateCost: number;
  /** Fits on resampling weights (null: every customer once), starting from `warm` when given. */
  fit(weights: Float64Array | null, warm: F | null): F;
  /** Adds customer i's expected revenue in (cutoff, ends[j]] to out[j]; ends ascending, naive local ms. */
  future(f: F, i: number, ends: readonly number[], out: Float64Array): void;
}
