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

  it('background work waits for every answer waiting, and leaves the last slot free', async () => {
    const semaphore = new Semaphore(2);
    const order: string[] = [];
    const gates: Array<() => void> = [];
    const held = (name: string) => () =>
      new Promise<void>((resolve) => {
        order.push(name);
        gates.push(resolve);
      });
    const tick = () => new Promise((r) => setTimeout(r, 1));
    const first = semaphore.useInBackground(held('summary 1'));
    const second = semaphore.useInBackground(held('summary 2'));
    await tick();
    // One of two slots, at most, for summaries: an answer arriving now starts at once.
    expect(order).toEqual(['summary 1']);
    const answer = semaphore.use(held('answer 1'));
    await tick();
    expect(order).toEqual(['summary 1', 'answer 1']);
    const queued = semaphore.use(held('answer 2'));
    gates.shift()?.(); // summary 1 ends: the answer waiting goes before summary 2
    await tick();
    expect(order).toEqual(['summary 1', 'answer 1', 'answer 2']);
    while (gates.length > 0 || order.length < 4) {
      gates.shift()?.();
      await tick();
    }
    gates.shift()?.();
    await Promise.all([first, second, answer, queued]);
    expect(order).toEqual(['summary 1', 'answer 1', 'answer 2', 'summary 2']);
    expect(semaphore.inUse).toBe(0);
    expect(semaphore.queued).toBe(0);
  });

  it('with one slot, background work still runs when nothing else waits', async () => {
    const semaphore = new Semaphore(1);
    expect(await semaphore.useInBackground(() => Promise.resolve('made'))).toBe('made');
    expect(semaphore.inUse).toBe(0);
  });
});
