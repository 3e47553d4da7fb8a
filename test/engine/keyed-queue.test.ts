import { describe, expect, it } from 'vitest';
import { KeyedQueue } from '../../src/engine/keyed-queue.js';

function gate(): { promise: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe('KeyedQueue', () => {
  it('runs one task at a time per key, in the order queued, and keys independently', async () => {
    const queue = new KeyedQueue();
    const order: string[] = [];
    const first = gate();
    const a1 = queue.run('a', async () => {
      order.push('a1 start');
      await first.promise;
      order.push('a1 end');
    });
    const a2 = queue.run('a', async () => void order.push('a2'));
    await queue.run('b', async () => void order.push('b1'));
    expect(order).toEqual(['a1 start', 'b1']);
    await new Promise<void>((resolve) => setImmediate(resolve));
    // 'b' is done and forgotten; 'a' still has work.
    expect(queue.busyKeys).toBe(1);
    first.open();
    await Promise.all([a1, a2]);
    expect(order).toEqual(['a1 start', 'b1', 'a1 end', 'a2']);
  });

  it('a failing task rejects its own caller only; the next one still runs', async () => {
    const queue = new KeyedQueue();
    const failed = queue.run('a', () => Promise.reject(new Error('boom')));
    const next = queue.run('a', () => Promise.resolve('ran'));
    await expect(failed).rejects.toThrow('boom');
    await expect(next).resolves.toBe('ran');
  });

  it('forgets idle keys, and drain waits for everything queued so far', async () => {
    const queue = new KeyedQueue();
    const slow = gate();
    let done = false;
    void queue.run('a', async () => {
      await slow.promise;
      done = true;
    });
    const drained = queue.drain();
    slow.open();
    await drained;
    expect(done).toBe(true);
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(queue.busyKeys).toBe(0);
  });

  it('counts what is queued or running per key, and the deepest key, failures included', async () => {
    const queue = new KeyedQueue();
    const first = gate();
    const a = [queue.run('a', () => first.promise), queue.run('a', () => Promise.reject(new Error('boom'))), queue.run('a', async () => undefined)];
    const b = queue.run('b', () => first.promise);
    expect([queue.depth('a'), queue.depth('b'), queue.depth('c'), queue.maxDepth]).toEqual([3, 1, 0, 3]);
    first.open();
    await Promise.allSettled([...a, b]);
    expect([queue.depth('a'), queue.depth('b'), queue.maxDepth]).toEqual([0, 0, 0]);
  });
});
