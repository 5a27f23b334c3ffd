// Computed answers (filtered Adapty bodies, predictions, explorer states) kept for reuse: a published run never
// changes, so an answer to the same request is the same bytes. One byte budget for the whole server, the least
// recently used answer dropped first whichever run it belongs to: a budget per run let the 64 older runs the
// explorer keeps, plus every tenant's latest, hold 128 MiB each (SPEC §6; src/serve/README.md).

/** Bytes counted per kept answer besides its body and key: the map entry and the Buffer object. */
export const ENTRY_OVERHEAD_BYTES = 256;

/** The default budget: LTV_SERVE_CACHE_MB unset. */
export const DEFAULT_ANSWER_CACHE_BYTES = 256 * 2 ** 20;

/** One run's view of the shared cache (`ResolvedRun.computed`). */
export interface RunAnswers {
  get(key: string): Buffer | undefined;
  set(key: string, body: Buffer): void;
}

export interface AnswerCacheStats {
  /** What the kept answers cost by this cache's count: bodies, keys (UTF-16), ENTRY_OVERHEAD_BYTES each. */
  bytes: number;
  entries: number;
  /** Runs with at least one answer kept. */
  runs: number;
  budgetBytes: number;
}

interface Entry {
  run: number;
  body: Buffer;
  cost: number;
}

export class AnswerCache {
  /** Map order is recency: the first entry is the least recently used. */
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;
  private nextRun = 0;

  /** `budgetBytes` 0 keeps nothing. A single answer over a quarter of the budget is never kept. */
  constructor(readonly budgetBytes: number = DEFAULT_ANSWER_CACHE_BYTES) {}

  /** A new run's answers (each resolution of a run gets its own, as its own files were cached before). */
  forRun(): RunAnswers {
    const run = this.nextRun++;
    return { get: (key) => this.get(`${run}\0${key}`), set: (key, body) => this.set(run, `${run}\0${key}`, body) };
  }

  stats(): AnswerCacheStats {
    const runs = new Set<number>();
    for (const e of this.entries.values()) runs.add(e.run);
    return { bytes: this.bytes, entries: this.entries.size, runs: runs.size, budgetBytes: this.budgetBytes };
  }

  private get(key: string): Buffer | undefined {
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    this.entries.delete(key);
    this.entries.set(key, hit);
    return hit.body;
  }

  private set(run: number, key: string, body: Buffer): void {
    const cost = body.byteLength + key.length * 2 + ENTRY_OVERHEAD_BYTES;
    const old = this.entries.get(key);
    if (old) {
      this.entries.delete(key);
      this.bytes -= old.cost;
    }
    if (cost > this.budgetBytes / 4) return;
    for (const [oldKey, e] of this.entries) {
      if (this.bytes + cost <= this.budgetBytes) break;
      this.entries.delete(oldKey);
      this.bytes -= e.cost;
    }
    // A slice of a larger buffer (Node's 8 KiB pool for small ones) would keep all of it alive: the kept
    // body owns exactly its bytes, so the count above is what it holds.
    let own = body;
    if (body.byteLength !== body.buffer.byteLength) {
      const copy = new Uint8Array(body.byteLength);
      copy.set(body);
      own = Buffer.from(copy.buffer);
    }
    this.entries.set(key, { run, body: own, cost });
    this.bytes += cost;
  }
}
