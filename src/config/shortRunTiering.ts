// V8 compiles a function with its optimising compiler (TurboFan) once the function has run an "interrupt
// budget" of bytecode. A run of a few thousand rows does most of its JavaScript once, so much of what
// TurboFan compiles on V8's background threads (0.46–0.70 of the example's 5.6–5.9 CPU-s under `perf`)
// never pays back. `ltv run` starts with eight times the budget (tierUpLater) and goes back to V8's own
// once ingest has shown the run is not small (tierUpAsUsual, called by pipeline.ts fitRunToSize). A run of
// 200 small shops repeats the same code for every shop and was slower with a raised budget (60.4 and 61.5 s
// against 53.2 and 56.5 s at 4×, 51.3 and 58.2 s against 48.8 and 53.0 s at 8×, alternated); the 1 M-row
// bench and CDNOW ×15 ran as fast either way. The example, 6 runs each alternated: median 3.45 s at V8's
// budget, 3.44 s at 2×, 3.35 s at 4×, 3.26 s at 8×. Only V8 11.3 (Node 20), whose default budget this is; a
// worker, which runs many jobs in one process, keeps V8's default.
import { setFlagsFromString } from 'node:v8';

/** V8 11.3's `--interrupt-budget` (`node --v8-options`). */
const V8_BUDGET = 67_584;
const SHORT_RUN_BUDGET = 8 * V8_BUDGET;
let raised = false;

/** A short run's budget, from here on in every thread (V8's flags are the process's). */
export function tierUpLater(): void {
  if (!/^11\.3\./.test(process.versions.v8)) return;
  setFlagsFromString(`--interrupt-budget=${SHORT_RUN_BUDGET}`);
  raised = true;
}

/** V8's own budget again, if tierUpLater raised it. */
export function tierUpAsUsual(): void {
  if (!raised) return;
  setFlagsFromString(`--interrupt-budget=${V8_BUDGET}`);
  raised = false;
}
