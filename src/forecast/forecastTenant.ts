// SPEC §9: one tenant's forecast in process: its reads (forecastData.ts), then the model
// (forecastFromRead.ts). A run forecasts through forecastThread.ts, which reads the same way and runs the
// same model on a thread of its own.
import type { Forecast, Matrix } from '../ltv/model.js';
import type { Warehouse } from '../warehouse/openWarehouse.js';
import { failedForecast } from './failedForecast.js';
import { monthlyCohorts, readForecast, type ForecastRequest } from './forecastData.js';
import { forecastFromRead } from './forecastFromRead.js';

export interface ForecastInputs extends ForecastRequest {
  /** The run's `days-month-cohort` matrix: its cohorts, sizes and complete periods. */
  monthly: Matrix;
  /** The run's cancellation: looked for between fits, so a worker shutting down hands its run back in time. */
  signal?: AbortSignal;
}

/**
 * A tenant's forecast, in process. A forecast adds to the realized report, which is the run's product: when
 * it fails on the data with an error (a series that does not converge, a read that runs out of memory, a
 * defect), the run still publishes, and the forecast says why it is missing (SPEC §9: the report says why)
 * in its `reason` and every cohort's note; `error` is that error's first line for the run's log. A
 * cancelled run is not one of these: its error goes on. The pipeline runs the same code through
 * forecastThread.ts (a BG/NBD forecast fits beside the matrices there).
 */
export async function forecastTenant(wh: Warehouse, inputs: ForecastInputs): Promise<{ forecast: Forecast; error: string | null }> {
  const cohorts = monthlyCohorts(inputs.monthly);
  const cancelled = (): void => inputs.signal?.throwIfAborted();
  try {
    const read = await readForecast(wh, inputs);
    return { forecast: await forecastFromRead(read, inputs.settings, Promise.resolve(cohorts), cancelled), error: null };
  } catch (err) {
    if (inputs.signal?.aborted) throw err;
    return failedForecast(inputs, cohorts, err);
  }
}
