// A run's forecasts computed on a thread of their own (SPEC §9, issue 17: a forecast may add at most 20 %
// to a run). A forecast is a few DuckDB statements, then seconds of arithmetic (fits, bootstrap,
// projections, backtest) on one core. The pipeline runs every tenant's forecast statements before the
// matrices (startForecasts; one pass per statement); their results are read into typed arrays while the
// matrices are computed and handed to this thread, which fits, bootstraps, backtests and projects
// meanwhile; the report's cohorts (finish) then pick their predicted months (sBG takes its fit groups from
// its data and fits again in the rare case the report's cohorts differ: forecastFromRead).
//
// One thread per process, started by warmUpForecastThread when a run that forecasts begins computing; it
// keeps the process alive only while it has work. The data is moved to it (its typed arrays are
// transferred, not copied). Where the thread cannot start, forecasts are computed in process after the
// matrices, as before. A thread that dies fails the forecasts it held (they publish without a model and
// say why); the next run starts a new one. Cancellation: each request has a flag in shared memory that
// the thread looks at between fits.
import { RequestThread } from '../config/startModuleThread.js';
import { envValue } from '../config/env.js';
import type { Forecast } from '../ltv/model.js';
import type { Warehouse } from '../warehouse/openWarehouse.js';
import { failedForecast } from './failedForecast.js';
import { queryForecasts, type CohortRow, type ForecastRead, type ForecastRequest } from './forecastData.js';
import type { ForecastReply, ForecastRequestMessage } from './forecastThreadMain.js';
import type { ServingState } from './servingFile.js';

/** A tenant's forecast under way: its data is read; the report's cohorts complete it. */
export interface TenantForecast {
  /**
   * How long the run's forecast reads took, every tenant's together (the statements, then their results
   * read into typed arrays beside the matrices), once finish has resolved.
   */
  readMs: number;
  /**
   * Resolves once the forecast's data is read out of the warehouse (which may be closed then); it never
   * rejects (a failed read is a forecast without a model, given by finish).
   */
  loaded: Promise<void>;
  /**
   * The forecast, given the report's monthly cohorts (monthlyCohorts); `error` as forecastTenant's;
   * `serving` what data/forecast_inputs.bin.gz holds (servingFile.ts), absent when it has none.
   */
  finish(cohorts: readonly CohortRow[]): Promise<ForecastOutcome>;
  /**
   * The run stopped (before its matrices, or while its report was written): the thread lets the forecast
   * go, and stops the run's forecasts it is still computing at their next fit (one flag for the run's
   * tenants: a run abandons all of them). Resolves once nothing reads the run's warehouse for it any more
   * (it may be closed then).
   */
  abandon(): Promise<void>;
}

/** A tenant's forecast as a run publishes it. */
export interface ForecastOutcome {
  forecast: Forecast;
  error: string | null;
  serving?: ServingState | null;
}

let thread: RequestThread<Computed> | null | undefined;

type Computed = { forecast: Forecast; serving: ServingState | null };

/**
 * The thread with its replies handled; one that dies (LTV_FORECAST_HEAP_MB reached, a crash) fails the
 * forecasts it held, and the next forecast starts another.
 */
function startThread(): RequestThread<Computed> | null {
  const t: RequestThread<Computed> | null = RequestThread.start<Computed, ForecastReply>(import.meta.url, 'forecastThreadMain', (reply) => ({ forecast: reply.forecast, serving: reply.serving }), (why, left) => {
    if (thread === t) thread = undefined;
    for (const p of left) p.reject(new Error(`the forecast thread stopped: ${why}`));
  }, { heapMb: envValue('LTV_FORECAST_HEAP_MB') });
  return t;
}

/** Starts the forecast thread (it loads the models meanwhile) if it is not running. */
export function warmUpForecastThread(): void {
  if (thread === undefined) thread = startThread();
}

/**
 * The typed arrays' buffers of a read, each once: moved to the thread, not copied. Empty ones stay (a
 * column the model does not read is one shared empty array, forecastData.ts).
 */
function buffers(read: ForecastRead): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const data of [read.atT, read.atC]) {
    for (const v of Object.values(data.customers)) {
      if (ArrayBuffer.isView(v) && v.buffer instanceof ArrayBuffer && v.buffer.byteLength > 0) out.add(v.buffer);
    }
  }
  return [...out];
}

/**
 * Runs the forecast statements of a run's tenants, every tenant in one pass per statement (queryForecasts;
 * the warehouse's connection is busy until this resolves); their results are then read and each tenant's
 * model started on the forecast thread while the run goes on. Reads that fail make every tenant's forecast
 * one without a model, as forecastTenant's failures do; a cancelled run's error goes on.
 */
export async function startForecasts(wh: Warehouse, requests: readonly ForecastRequest[], signal?: AbortSignal): Promise<TenantForecast[]> {
  const r0 = Date.now();
  let convert: () => Promise<Map<string, ForecastRead>>;
  try {
    convert = await queryForecasts(wh, requests);
  } catch (err) {
    if (signal?.aborted) throw err;
    const readMs = Date.now() - r0;
    return requests.map((request) => failedStart(request, readMs, err, signal));
  }
  // One cancellation flag and one abort listener for the run's tenants, not one each: 200 tenants' listeners
  // on one signal made Node print a MaxListenersExceededWarning (a "memory leak") on the user's terminal.
  const cancel = runCancel(requests.length, signal);
  // The statements are done; their results are read into typed arrays and handed to the thread while the
  // run goes on to its matrices (the connection runs their statements meanwhile).
  const handed = convert().then((reads) => {
    const readMs = Date.now() - r0;
    return requests.map((request) => startModel(reads.get(request.tenant)!, request, readMs, cancel, signal));
  }, (err: unknown) => {
    cancel.releaseAll();
    const readMs = Date.now() - r0;
    return requests.map((request) => failedStart(request, readMs, err, signal));
  });
  return requests.map((_, i) => later(handed.then((list) => list[i]!)));
}

/** A forecast whose start is still under way (its data being read): finish and abandon wait for it. */
function later(started: Promise<TenantForecast>): TenantForecast {
  const f: TenantForecast = {
    readMs: 0,
    loaded: started.then(() => undefined),
    finish: async (cohorts) => {
      const s = await started;
      f.readMs = s.readMs;
      return s.finish(cohorts);
    },
    abandon: () => started.then((s) => s.abandon()),
  };
  return f;
}

/** A forecast that could not start: its finish gives the forecast without a model (or the run's cancellation). */
function failedStart(request: ForecastRequest, readMs: number, err: unknown, signal?: AbortSignal): TenantForecast {
  return {
    readMs,
    loaded: Promise.resolve(),
    finish: async (cohorts) => {
      if (signal?.aborted) throw err;
      return failedForecast(request, cohorts, err);
    },
    abandon: async () => undefined,
  };
}

/** The flag the thread's models poll, set when the run is cancelled; its listener goes once every model let go of it. */
interface RunCancel {
  flag: Int32Array;
  /** Returns a function that lets go once (a second call does nothing). */
  hold(): () => void;
  releaseAll(): void;
  /** Sets the flag: the thread stops the run's forecasts at their next fit (the run was abandoned). */
  stop(): void;
}

function runCancel(models: number, signal?: AbortSignal): RunCancel {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const onAbort = (): void => void Atomics.store(flag, 0, 1);
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) onAbort();
  let open = models;
  const releaseAll = (): void => {
    open = 0;
    signal?.removeEventListener('abort', onAbort);
  };
  return {
    flag,
    hold: () => {
      let held = true;
      return () => {
        if (!held) return;
        held = false;
        if (--open <= 0) releaseAll();
      };
    },
    releaseAll,
    stop: onAbort,
  };
}

/** A tenant's model from its read: on the forecast thread, or in process where the thread cannot start. */
function startModel(read: ForecastRead, request: ForecastRequest, readMs: number, runCancel: RunCancel, signal?: AbortSignal): TenantForecast {
  warmUpForecastThread();
  const t = thread;
  const release = runCancel.hold();
  if (!t) {
    release();
    // In process, once the cohorts are known: the model's arithmetic would otherwise hold up the run's thread.
    return {
      readMs,
      loaded: Promise.resolve(),
      finish: async (cohorts) => {
        const { forecastWithServing } = await import('./forecastFromRead.js');
        try {
          const { forecast, serving } = await forecastWithServing(read, request.settings, Promise.resolve(cohorts), () => signal?.throwIfAborted());
          return { forecast, error: null, serving };
        } catch (err) {
          if (signal?.aborted) throw err;
          return failedForecast(request, cohorts, err);
        }
      },
      abandon: async () => undefined,
    };
  }
  const cancel = runCancel.flag;
  let id = 0;
  const result = new Promise<Computed>((resolve, reject) => {
    id = t.add({ resolve, reject });
  });
  result.catch(() => undefined);
  const w = t.worker;
  try {
    w.postMessage({ type: 'start', id, read, settings: request.settings, cancel } satisfies ForecastRequestMessage, buffers(read));
  } catch (err) {
    t.forget(id);
    release();
    return failedStart(request, readMs, err, signal);
  }
  const done = release;
  return {
    readMs,
    loaded: Promise.resolve(),
    finish: async (cohorts) => {
      w.postMessage({ type: 'cohorts', id, cohorts: [...cohorts] } satisfies ForecastRequestMessage);
      try {
        return { ...(await result), error: null };
      } catch (err) {
        if (signal?.aborted) throw err;
        return failedForecast(request, cohorts, err);
      } finally {
        done();
      }
    },
    abandon: async () => {
      runCancel.stop();
      done();
      w.postMessage({ type: 'drop', id } satisfies ForecastRequestMessage);
    },
  };
}
