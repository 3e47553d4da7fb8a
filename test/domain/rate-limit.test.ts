import { describe, expect, it } from 'vitest';
import { SlidingWindowLimiter } from '../../src/domain/rate-limit.js';

describe('SlidingWindowLimiter', () => {
  it('allows `limit` requests per window, then refuses with one notice', () => {
    const limiter = new SlidingWindowLimiter(3, 60_000);
    const decisions = [0, 1000, 2000, 3000, 4000, 5000].map((t) => limiter.take('u', t));
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, false, false, false]);
    expect(decisions.map((d) => d.notify)).toEqual([false, false, false, true, false, false]);
    expect(decisions[3]?.retryAfterMs).toBe(57_000);
  });

  it('lets requests through again as old ones leave the window, and notifies again after that', () => {
    const limiter = new SlidingWindowLimiter(2, 10_000);
    limiter.take('u', 0);
    limiter.take('u', 5_000);
    expect(limiter.take('u', 6_000).notify).toBe(true);
    expect(limiter.take('u', 10_000).allowed).toBe(true); // the one at 0 has left the window
    expect(limiter.take('u', 11_000)).toMatchObject({ allowed: false, notify: true });
  });

  it('counts users separately', () => {
    const limiter = new SlidingWindowLimiter(1, 1000);
    expect(limiter.take('a', 0).allowed).toBe(true);
    expect(limiter.take('b', 0).allowed).toBe(true);
    expect(limiter.take('a', 1).allowed).toBe(false);
  });

  it('forgets idle users', () => {
    const limiter = new SlidingWindowLimiter(1, 1000);
    for (let i = 0; i < 2000; i += 1) limiter.take(`u${i}`, 0);
    limiter.take('late', 5000);
    expect(limiter.trackedKeys).toBeLessThan(10);
  });

  it.each([[0, 1000], [1.5, 1000], [1, 0]])('refuses limit %s per %s ms', (limit, windowMs) => {
    expect(() => new SlidingWindowLimiter(limit, windowMs)).toThrow(RangeError);
  });
});
