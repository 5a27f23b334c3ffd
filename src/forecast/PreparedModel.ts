// The common shape of a forecast model prepared on one cutoff's data (sbgModel.ts, bgNbdModel.ts): fitted
// on the data or on a bootstrap replicate of it, and asked for its customers' expected revenue after the
// cutoff. Both work on sufficient statistics, not on customers: a fit reads counts of customers with equal
// summaries (sBG: last renewal and churned or not per group; BG/NBD: equal (x, t_x, T), and repeat buyers
// with equal (x, m_x) for Gamma-Gamma), and a projection reads counts of customers with equal futures.
import type { ForecastFit, ForecastModel } from '../ltv/model.js';
import type { UniformInt } from './seededRandom.js';

export interface Fitted {
  /** False when no usable fit came out (then `message` says why). */
  usable: boolean;
  /**
   * Not usable as a forecast of its own, but a limit of the model that the data pushed it to (BG/NBD at the
   * edge of its space, fitBgNbd's `atEdge`): a bootstrap replicate that ends there is one of the draws, and
   * projects as the limit.
   */
  limit?: boolean;
  message: string;
  fits: ForecastFit[];
  /** Per customer: which fit predicts it (ForecastFit.group) and, for sBG, why not its own group's. */
  groupOf(i: number): string;
  /** Why a cohort is predicted by another fit than its own group's, when it is (sBG: its fit did not converge). */
  noteOf?(cohort: string): string | undefined;
}

/** Customers whose expected revenue after the cutoff is added up, to each of their period ends. */
export interface FutureQuery {
  members: ArrayLike<number> & Iterable<number>;
  /** How many ends `ends` gives (the length of the query's output, members or not). */
  periods: number;
  /**
   * The period ends (naive local ms, ascending) of a customer whose months of life count from `anchorMs`:
   * a function of the anchor alone (customers with equal anchors share their ends).
   */
  ends(anchorMs: number): readonly number[];
  /**
   * Whether what falls due at an end itself counts (the backtest's end T: a payment at T is realized, SPEC
   * §2); else an end is the start of the next period, and what falls due then lies in it (SPEC §4).
   */
  inclusive?: boolean;
  /**
   * Whether the ends are the same instants for every customer (the backtest's T), whatever its anchor;
   * else they count from each customer's first payment (a model anchored at its first day shifts them by
   * the first payment's time of day).
   */
  absolute?: boolean;
}

export interface PreparedModel<F extends Fitted = Fitted> {
  model: ForecastModel;
  /**
   * What the preparation computed from every customer's money (sBG: each duration's renewal value; BG/NBD:
   * the refund factor): published with the fits (servingFile.ts), so that the endpoint prepares the model
   * on customers without their money columns and projects as the run did.
   */
  populationStats: FittedState;
  /** How many fits one replicate costs, in customer-fits (the bootstrap's cost rule). */
  replicateCost: number;
  /**
   * Fits on the data (draw null) or on a bootstrap replicate: customers drawn with replacement within their
   * stratum (sBG: the fit group; BG/NBD: the monthly cohort) with `draw`, in a fixed order, each draw
   * adding one to the count of its customer's summary row (a multinomial over the rows, as resampling
   * customers is). Starts from `warm` when given, and then stops at a looser tolerance (a replicate). `from`:
   * a fit of the same model on other data to start from, fitted to the full tolerance (the backtest's refit
   * starts at the forecast's fit; BG/NBD only: sBG's groups at another cutoff are not the same groups).
   */
  fit(draw: UniformInt | null, warm: F | null, from?: F): F;
  /** Summarises the queries' customers once: what does not depend on the parameters. */
  project(queries: readonly FutureQuery[]): Projection<F>;
  /**
   * A fitted state as plain JSON: the parameters its projections read (servingFile.ts publishes the main
   * fit's and every replicate's, so the endpoint projects any subset of the customers with them).
   */
  saveState(f: F): FittedState;
  /**
   * The state saveState gave, as a fitted state of this model prepared on the same data (its projections
   * only: its `fits` are empty). Throws when the state is not of this preparation (another model, other
   * fit groups).
   */
  restoreState(state: FittedState): F;
}

/** A fitted state's parameters (PreparedModel.saveState). */
export type FittedState = Record<string, unknown>;

export interface Projection<F extends Fitted = Fitted> {
  /** For a fitted state: out[q][j] = Σ over query q's members of the expected revenue after the cutoff and before end j. */
  of(f: F): Float64Array[];
}
