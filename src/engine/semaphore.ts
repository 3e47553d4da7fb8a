/**
 * At most `size` holders at once; waiters are served first come, first served, except that
 * background work (summaries) is served only when no foreground work (answers) waits, and never
 * takes the last free slot while others are free to keep it: with `size` above 1, at most
 * `size - 1` background holders at once, so an answer arriving finds a slot.
 */
export class Semaphore {
  private active = 0;
  private background = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly waitingBackground: Array<() => void> = [];

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`Expected \`size\` to be an integer >= 1, got ${size}`);
  }

  async use<T>(task: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  /** `use` for work nobody is waiting on: after every answer waiting, and never in the last slot. */
  async useInBackground<T>(task: () => Promise<T>): Promise<T> {
    await this.acquireBackground();
    try {
      return await task();
    } finally {
      this.background -= 1;
      this.release();
    }
  }

  get inUse(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.length + this.waitingBackground.length;
  }

  private acquire(): Promise<void> {
    if (this.active < this.size) {
      this.active += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private get backgroundMay(): boolean {
    return this.active < this.size && this.waiting.length === 0 && this.background < Math.max(1, this.size - 1);
  }

  private acquireBackground(): Promise<void> {
    if (this.backgroundMay) {
      this.takeBackground();
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waitingBackground.push(resolve));
  }

  private takeBackground(): void {
    this.active += 1;
    this.background += 1;
  }

  private release(): void {
    const next = this.waiting.shift();
    // The slot passes straight to the next waiter, so the count never dips and lets a newcomer jump the queue.
    if (next !== undefined) {
      next();
      return;
    }
    this.active -= 1;
    if (this.waitingBackground.length > 0 && this.backgroundMay) {
      this.takeBackground();
      this.waitingBackground.shift()?.();
    }
  }
}
