// The launcher (bin.mjs) listens for SIGINT, SIGTERM and SIGHUP from the process's first moment to its last.
// It used to stop listening when a command began, and a signal that had come but was not yet dispatched was
// then lost (libuv hands a caught signal to the handle that was listening when it came, and that handle was
// gone): a Ctrl-C in `ltv run`'s first few hundred milliseconds let the run publish and exit 0, and a worker
// given SIGTERM then kept running. Now its listener defers once a command runs: to the command's own handlers
// ('owned'), or to Node's default, the signal raised again ('default').

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Tells the launcher's listener who handles signals now (nothing when main.js runs without the launcher). */
export function signalMode(mode: 'default' | 'owned'): void {
  (process as unknown as Record<symbol, ((m: string) => void) | undefined>)[Symbol.for('ltv.signalMode')]?.(mode);
}

/**
 * For a command that installs its handlers only after it has loaded and checked its settings (the worker, the
 * server): until then a signal ends it with exit 0, nothing having started (Node's default ended it by the
 * signal, which a supervisor reads as a crash). `release()` once its own handlers are on.
 */
export function quitOnSignalsUntilHandled(): { release(): void } {
  const quit = (): never => process.exit(0);
  for (const s of SIGNALS) process.on(s, quit);
  signalMode('owned');
  return {
    release() {
      for (const s of SIGNALS) process.off(s, quit);
    },
  };
}
