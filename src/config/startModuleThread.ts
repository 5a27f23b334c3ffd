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
 * thread can start. `limits.heapMb` caps its heap: a thread that reaches it stops ('exit').
 */
export function startModuleThread(callerUrl: string, name: string, limits: { heapMb?: number | undefined } = {}): Worker | null {
  const ts = callerUrl.endsWith('.ts');
  const entry = new URL(`./${name}.${ts ? 'ts' : 'js'}`, callerUrl).href;
  const load = `import(${JSON.stringify(entry)})`;
  const code = `delete globalThis.exports; delete globalThis.module; ${ts
    ? `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return ${load}; })`
    : load}`;
  try {
    return new Worker(code, { eval: true, ...(limits.heapMb ? { resourceLimits: { maxOldGenerationSizeMb: limits.heapMb } } : {}) });
  } catch {
    return null;
  }
}

/**
 * A reply's error as an Error: a message, or a message with the error code, path and system call a
 * thread kept (a full disk met on a thread reads as one met here: the pipeline's storageError reads them).
 */
function replyError(e: unknown): Error {
  if (typeof e !== 'object' || e === null) return new Error(String(e));
  const { message, ...rest } = e as { message?: unknown };
  return Object.assign(new Error(String(message)), rest);
}

/** A request waiting for its reply. */
export interface Waiting<T> {
  resolve(value: T): void;
  reject(error: Error): void;
}

/**
 * The requests of a module thread (startModuleThread), each answered by one reply `{id, error}` or
 * `{id, …value}`: their ids, the ones waiting, the thread referenced only while one waits (it never keeps
 * the process alive on its own), and, when the thread fails to start or dies, the ones left handed to
 * `onStop` (which then decides: fail them, or do them in process).
 */
export class RequestThread<T, W extends Waiting<T> = Waiting<T>> {
  private readonly waiting = new Map<number, W>();
  private nextId = 1;

  private constructor(readonly worker: Worker) {}

  /** The thread, or null when none can start. `valueOf` turns a reply into its request's value. */
  static start<T, R extends { id: number }, W extends Waiting<T> = Waiting<T>>(callerUrl: string, name: string,
    valueOf: (reply: Exclude<R, { error: string }>) => T, onStop: (why: string, left: W[]) => void,
    limits: { heapMb?: number | undefined } = {}): RequestThread<T, W> | null {
    const w = startModuleThread(callerUrl, name, limits);
    if (!w) return null;
    const t = new RequestThread<T, W>(w);
    w.on('message', (reply: R) => {
      const p = t.waiting.get(reply.id);
      if (!p) return;
      t.forget(reply.id);
      if ('error' in reply) p.reject(replyError(reply.error));
      else p.resolve(valueOf(reply as Exclude<R, { error: string }>));
    });
    const stop = (why: string): void => {
      const left = [...t.waiting.values()];
      t.waiting.clear();
      onStop(why, left);
    };
    w.on('error', (e) => stop(e.message.split('\n')[0]!));
    w.on('exit', (code) => stop(`exit code ${code}`));
    // After the listeners: adding a 'message' listener refs the thread again.
    w.unref();
    return t;
  }

  /** Registers a request (the thread is referenced until it is answered or forgotten) and gives its id. */
  add(waiting: W): number {
    const id = this.nextId++;
    this.waiting.set(id, waiting);
    this.worker.ref();
    return id;
  }

  /** A request that will get no reply (it could not be posted). */
  forget(id: number): void {
    this.waiting.delete(id);
    if (this.waiting.size === 0) this.worker.unref();
  }
}
