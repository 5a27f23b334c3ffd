// Every close in this folder is bounded: BullMQ's and ioredis' close() wait for Redis to answer, which it
// may never do during an outage (DEPENDENCIES.md), and a process that cannot exit is worse than a dropped socket.

/** Resolves with whether `p` settled (either way) within `ms`. */
export async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((r) => (timer = setTimeout(() => r(false), ms)));
  try {
    return await Promise.race([p.then(() => true, () => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export interface Closable {
  close(): Promise<unknown>;
  disconnect(): Promise<unknown> | void;
}

/** Closes politely when Redis answers within `ms`, else drops the connection without waiting for it. */
export async function closeWithin(c: Closable, ms: number): Promise<void> {
  if (await within(c.close(), ms)) return;
  const dropped = c.disconnect();
  if (dropped) void dropped.catch(() => {});
}
