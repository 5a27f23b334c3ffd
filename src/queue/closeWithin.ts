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

/**
 * The last part of a grace period (half of it, from 1 s to 5 s): aborted runs and shards hand themselves
 * back meanwhile. Interrupting a statement and telling Redis take a moment on a busy machine, so a grace
 * period under 2 s is exceeded by up to 1 s rather than leaving the run to stall detection.
 */
export function handbackMs(graceMs: number): number {
  return Math.min(5_000, Math.max(Math.floor(graceMs / 2), 1_000));
}

/**
 * Waits for `p` up to `ms`, checking `giveUp` every 50 ms: 'settled', 'gave-up' (giveUp said so first) or
 * 'timeout'. For a close that waits on Redis with nothing left to hand to it (no run in progress, Redis away).
 */
export async function settleWithin(p: Promise<unknown>, ms: number, giveUp: () => boolean): Promise<'settled' | 'gave-up' | 'timeout'> {
  let done = false;
  void p.then(() => (done = true), () => (done = true));
  const deadline = Date.now() + ms;
  for (;;) {
    // A settled promise's callbacks run before any timer: `done` is current after one turn.
    await new Promise((r) => setImmediate(r));
    if (done) return 'settled';
    if (giveUp()) return 'gave-up';
    const left = deadline - Date.now();
    if (left <= 0) return 'timeout';
    if (await within(p, Math.min(50, left))) return 'settled';
  }
}

export interface Closable {
  close(): Promise<unknown>;
  disconnect(): Promise<unknown> | void;
}

/**
 * Closes politely when Redis answers within `ms`, else drops the connection without waiting for it; at once
 * when `away()` says Redis is unreachable (a polite close would only wait for it).
 */
export async function closeWithin(c: Closable, ms: number, away: () => boolean = () => false): Promise<void> {
  if (!away() && (await within(c.close(), ms))) return;
  const dropped = c.disconnect();
  if (dropped) void dropped.catch(() => {});
}
