import { randomBytes } from 'node:crypto';

/** Discord's interaction tokens work for 15 minutes: a confirmation waits no longer than its buttons can be answered. */
export const CONFIRMATION_TTL_MS = 15 * 60 * 1000;

interface Waiting<T> {
  readonly owner: string;
  readonly value: T;
  readonly until: number;
}

/**
 * Changes that wait for the person who asked for them to confirm (an /import over a memory that is
 * not empty). Each is taken at most once, by its owner, before it expires; a restart forgets them,
 * which is the safe way to lose one: nothing was changed.
 */
export class Confirmations<T> {
  private readonly waiting = new Map<string, Waiting<T>>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly ttlMs = CONFIRMATION_TTL_MS,
    /** Most confirmations held at once; the oldest is forgotten past it. */
    private readonly capacity = 1000,
  ) {}

  /** Holds `value` for `owner`; the id names it in the buttons (letters and digits, 16 of them). */
  add(owner: string, value: T): string {
    this.expire();
    const id = randomBytes(8).toString('hex');
    this.waiting.set(id, { owner, value, until: this.now() + this.ttlMs });
    if (this.waiting.size > this.capacity) this.waiting.delete(this.waiting.keys().next().value ?? id);
    return id;
  }

  /**
   * Whose the confirmation is, without taking it: undefined when it is not waiting (answered,
   * expired, forgotten by a restart).
   */
  ownerOf(id: string): string | undefined {
    this.expire();
    return this.waiting.get(id)?.owner;
  }

  /** The value, once: a second answer (a double click) finds nothing. */
  take(id: string): T | undefined {
    this.expire();
    const waiting = this.waiting.get(id);
    this.waiting.delete(id);
    return waiting?.value;
  }

  get size(): number {
    return this.waiting.size;
  }

  private expire(): void {
    const now = this.now();
    for (const [id, waiting] of this.waiting) if (waiting.until <= now) this.waiting.delete(id);
  }
}
