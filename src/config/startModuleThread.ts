// A module of ours on a thread of its own (the chart thread, src/report/svgToPngOffThread.ts; the forecast
// thread, src/forecast/forecastThread.ts). The entry is TypeScript when the caller is (tsx, vitest), and
// then the thread registers tsx itself: a worker sees neither vitest's transform nor a loader registered
// through the API. An eval'd worker script runs as CommonJS and leaves `exports` and `module` on the
// thread's global object, where a UMD build (fmin's, src/forecast/minimize.ts) would register itself
// instead of on globalThis: they are removed first.
import { Worker } from 'node:worker_threads';

/**
 * Starts `./<name>.ts` or `./<name>.js` beside the module at `callerUrl` (its import.meta.url) on a new
 * thread (the caller unrefs it once its listeners are on, and refs it while it has work); null when no
 * thread can start.
 */
export function startModuleThread(callerUrl: string, name: string): Worker | null {
  const ts = callerUrl.endsWith('.ts');
  const entry = new URL(`./${name}.${ts ? 'ts' : 'js'}`, callerUrl).href;
  const load = `import(${JSON.stringify(entry)})`;
  const code = `delete globalThis.exports; delete globalThis.module; ${ts
    ? `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return ${load}; })`
    : load}`;
  try {
    return new Worker(code, { eval: true });
  } catch {
    return null;
  }
}
