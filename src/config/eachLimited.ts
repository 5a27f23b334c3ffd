// Work over a list a few items at a time: the matrix statements and the tenants' files on a run's DuckDB
// connections (src/ltv/computeRun.ts), the tenants' commits and one commit's files (src/publish/publishRun.ts).
// After a failure no item is started; those under way finish (nothing is left running behind a caller that
// then removes what it wrote or closes its connections), and the first failure is thrown.

/** `fn(worker, item, index)` over `items`, each worker (a connection, a slot) taking the next item when free. */
export async function eachOnWorkers<W, T>(workers: readonly W[], items: readonly T[], fn: (worker: W, item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { reason: unknown } | null = null;
  const work = async (worker: W): Promise<void> => {
    while (next < items.length && !failure) {
      const i = next++;
      try {
        await fn(worker, items[i]!, i);
      } catch (e) {
        failure ??= { reason: e };
      }
    }
  };
  await Promise.all(workers.map(work));
  if (failure) throw (failure as { reason: unknown }).reason;
}

/** `fn` over `items`, at most `limit` at a time. */
export function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  return eachOnWorkers(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, (_, i) => i), items, (_, item) => fn(item));
}
