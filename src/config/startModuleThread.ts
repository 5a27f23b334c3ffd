// A module of ours on a thread of its own (the chart and workbook threads, OffThread below; the forecast
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

/** An error as a thread sends it: its message, and what the run's error handling reads of it (a full
 *  disk's code and path: the pipeline's storageError). */
export interface ThreadError {
  message: string;
  code?: string;
  path?: string;
  syscall?: string;
}

/** A thread's side: an error as a reply carries it (replyError turns it back into an Error). */
export function threadError(e: unknown): ThreadError {
  const err = e as NodeJS.ErrnoException | undefined;
  const out: ThreadError = { message: e instanceof Error ? e.message : String(e) };
  if (typeof err?.code === 'string') out.code = err.code;
  if (typeof err?.path === 'string') out.path = err.path;
  if (typeof err?.syscall === 'string') out.syscall = err.syscall;
  return out;
}

/** A reply's error as an Error: a message (a string), or a ThreadError with its code, path and system call. */
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
    valueOf: (reply: Exclude<R, { error: unknown }>) => T, onStop: (why: string, left: W[]) => void,
    limits: { heapMb?: number | undefined } = {}): RequestThread<T, W> | null {
    const w = startModuleThread(callerUrl, name, limits);
    if (!w) return null;
    const t = new RequestThread<T, W>(w);
    w.on('message', (reply: R) => {
      const p = t.waiting.get(reply.id);
      if (!p) return;
      t.forget(reply.id);
      if ('error' in reply) p.reject(replyError(reply.error));
      else p.resolve(valueOf(reply as Exclude<R, { error: unknown }>));
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

/**
 * A function of ours on a thread of its own, with the result it has in process (the chart thread,
 * src/report/svgToPngOffThread.ts; the workbook thread, src/report/writeXlsxOffThread.ts): each request
 * is posted to the thread, started at the first warmUp or request. A request may come with `later`, what
 * its work needs only towards its end and this thread is still making (a workbook's charts): posted as
 * `{id, ...value}` once it is there, or `{id, laterError}` if it fails. Where the thread cannot start or
 * dies, what it had not answered and every later request are done in process (`inProcess`, given the
 * same `later`), after `onNoThread` (which loads what that needs). One thread per process; it keeps the
 * process alive only while it has work.
 */
export class OffThread<Req extends object, T, R extends { id: number }, L extends object = never> {
  private thread: RequestThread<T, Waiting<T> & { req: Req; later: Promise<L> | undefined }> | null | undefined;

  constructor(
    private readonly callerUrl: string,
    private readonly name: string,
    private readonly valueOf: (reply: Exclude<R, { error: unknown }>) => T,
    private readonly inProcess: (req: Req, later: Promise<L> | undefined) => Promise<T>,
    private readonly onNoThread: () => void,
  ) {}

  /** Starts the thread (it loads its modules meanwhile) if it is not running; `onNoThread` when none can. */
  warmUp(): void {
    if (this.thread === undefined) this.thread = this.start();
    if (this.thread === null) this.onNoThread();
  }

  run(req: Req, later?: Promise<L>): Promise<T> {
    this.warmUp();
    const t = this.thread;
    if (!t) return this.inProcess(req, later);
    return new Promise<T>((resolve, reject) => {
      const id = t.add({ resolve, reject, req, later });
      try {
        t.worker.postMessage({ id, ...req });
      } catch {
        // Something in the request a thread cannot be sent: done here.
        t.forget(id);
        this.inProcess(req, later).then(resolve, reject);
        return;
      }
      // A thread that died meanwhile drops the message; its requests are done in process (start's onStop).
      const failed = (e: unknown): void => {
        try {
          t.worker.postMessage({ id, laterError: e instanceof Error ? e.message : String(e) });
        } catch {
          // Not sent: the thread is gone, and its requests are done here.
        }
      };
      later?.then((value) => {
        try {
          t.worker.postMessage({ id, ...value });
        } catch (e) {
          failed(e);
        }
      }, failed);
    });
  }

  /** Whether the thread is running (requests are done in process otherwise). */
  running(): boolean {
    return Boolean(this.thread);
  }

  private start(): RequestThread<T, Waiting<T> & { req: Req; later: Promise<L> | undefined }> | null {
    type Left = Waiting<T> & { req: Req; later: Promise<L> | undefined };
    const t: RequestThread<T, Left> | null = RequestThread.start<T, R, Left>(this.callerUrl, this.name, this.valueOf, (_why, left) => {
      if (this.thread === t) this.thread = null;
      this.onNoThread();
      for (const p of left) this.inProcess(p.req, p.later).then(p.resolve, p.reject);
    });
    return t;
  }
}
