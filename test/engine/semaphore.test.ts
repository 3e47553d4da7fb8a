import { describe, expect, it } from 'vitest';
import { Semaphore } from '../../src/engine/semaphore.js';

describe('Semaphore', () => {
  it('never runs more than its size at once, and serves waiters in order', async () => {
    const semaphore = new Semaphore(3);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        semaphore.use(async () => {
          order.push(i);
          running += 1;
          peak = Math.max(peak, running);
          await new Promise((r) => setTimeout(r, 2));
          running -= 1;
        }),
      ),
    );
    expect(peak).toBe(3);
    expect(order).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(semaphore.inUse).toBe(0);
  });

  it('frees the slot when a task throws', async () => {
    const semaphore = new Semaphore(1);
    await expect(semaphore.use(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await semaphore.use(() => Promise.resolve(7))).toBe(7);
  });
});
