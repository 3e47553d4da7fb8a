export interface RateDecision {
  readonly allowed: boolean;
  /** True for the first refusal in a window only, so a person gets one notice, not a flood. */
  readonly notify: boolean;
  /** When the oldest counted request leaves the window. */
  readonly retryAfterMs: number;
}

/**
 * A sliding-window limit per key (user): at most `limit` requests in any `windowMs`. Keys whose
 * window has emptied are forgotten, so memory follows active users only.
 */
export class SlidingWindowLimiter {
  private readonly hits = new Map<string, { times: number[]; notified: boolean }>();
  private lastPrune = -Infinity;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`Expected \`limit\` to be an integer >= 1, got ${limit}`);
    if (!(windowMs > 0)) throw new RangeError(`Expected \`windowMs\` to be > 0, got ${windowMs}`);
  }

  take(key: string, now: number): RateDecision {
    const entry = this.hits.get(key) ?? { times: [], notified: false };
    const recent = entry.times.filter((t) => now - t < this.windowMs);
    if (recent.length < this.limit) {
      recent.push(now);
      this.hits.set(key, { times: recent, notified: false });
      this.prune(now);
      return { allowed: true, notify: false, retryAfterMs: 0 };
    }
    const retryAfterMs = (recent[0] ?? now) + this.windowMs - now;
    const notify = !entry.notified;
    this.hits.set(key, { times: recent, notified: true });
    return { allowed: false, notify, retryAfterMs };
  }

  get trackedKeys(): number {
    return this.hits.size;
  }

  // At most once a window: a full scan per request would cost O(active users) on every question.
  private prune(now: number): void {
    if (this.hits.size < 1024 || now - this.lastPrune < this.windowMs) return;
    this.lastPrune = now;
    for (const [key, entry] of this.hits) {
      if (entry.times.every((t) => now - t >= this.windowMs)) this.hits.delete(key);
    }
  }
}
