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
    const now = this.now();
    const start = now - (now % WINDOW_MS);
    let w = this.windows.get(keyId);
    if (!w || w.start !== start) {
      w = { start, count: 0 };
      this.windows.set(keyId, w);
    }
    const allowed = w.count < limit;
    if (allowed) w.count++;
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
