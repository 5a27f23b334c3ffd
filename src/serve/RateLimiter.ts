// Per-key request budget (SPEC §6: the key's requests_per_minute). A fixed one-minute window in memory:
// simple, O(1), and the window's end is exactly what X-RateLimit-Reset and Retry-After report.
export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Unix seconds when the current window ends. */
  resetAt: number;
  /** Whole seconds until then (at least 1). */
  retryAfter: number;
}

const WINDOW_MS = 60_000;

export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  take(keyId: string, limit: number): RateDecision {
    return this.decide(keyId, limit, true);
  }

  /** The decision `take` would make, without counting a request. */
  peek(keyId: string, limit: number): RateDecision {
    return this.decide(keyId, limit, false);
  }

  private decide(keyId: string, limit: number, count: boolean): RateDecision {
    const now = this.now();
    const start = now - (now % WINDOW_MS);
    let w = this.windows.get(keyId);
    if (!w || w.start !== start) {
      // Keyed by client address too (failed logins): windows of past minutes are dropped once many pile up.
      if (this.windows.size >= 10_000) for (const [k, old] of this.windows) if (old.start !== start) this.windows.delete(k);
      w = { start, count: 0 };
      if (count) this.windows.set(keyId, w);
    }
    const allowed = w.count < limit;
    if (allowed && count) w.count++;
    const end = start + WINDOW_MS;
    return {
      allowed,
      limit,
      remaining: Math.max(0, limit - w.count),
      resetAt: Math.ceil(end / 1000),
      retryAfter: Math.max(1, Math.ceil((end - now) / 1000)),
    };
  }

  static headers(d: RateDecision): Record<string, string> {
    return {
      'x-ratelimit-limit': String(d.limit),
      'x-ratelimit-remaining': String(d.remaining),
      'x-ratelimit-reset': String(d.resetAt),
    };
  }
}
