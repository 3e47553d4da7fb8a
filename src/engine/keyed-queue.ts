/**
 * Runs tasks one at a time per key, in the order they were queued; different keys never wait for
 * each other. Idle keys hold no memory.
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<unknown>>();
  /** Tasks queued or running, per key with any. */
  private readonly depths = new Map<string, number>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    this.depths.set(key, (this.depths.get(key) ?? 0) + 1);
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const done = (): void => {
      const left = (this.depths.get(key) ?? 1) - 1;
      if (left === 0) this.depths.delete(key);
      else this.depths.set(key, left);
    };
    const tail = result.then(done, done);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Number of keys with work queued or running. */
  get busyKeys(): number {
    return this.tails.size;
  }

  /** Tasks queued or running for `key`. */
  depth(key: string): number {
    return this.depths.get(key) ?? 0;
  }

  /** The most tasks queued or running for any one key; 0 when idle. Walks the busy keys. */
  get maxDepth(): number {
    let max = 0;
    for (const depth of this.depths.values()) if (depth > max) max = depth;
    return max;
  }

  /** Resolves when everything queued so far has finished. */
  async drain(): Promise<void> {
    await Promise.all([...this.tails.values()]);
  }
}
