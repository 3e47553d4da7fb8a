import type { SessionChange, SessionSettings } from '../../domain/session.js';
import type { ContextSnapshot, HousekeepingReport, SessionStore, Snapshot } from '../../engine/session-store.js';

/**
 * Recently used sessions stay decoded in memory, up to this many messages in all, so a turn
 * neither re-reads nor re-parses its history. Idle sessions are not held: the least recently used
 * go first.
 */
export const DEFAULT_CACHED_MESSAGES = 20_000;

/**
 * Any SessionStore with recently used sessions kept whole in memory. A copy is used only while
 * the store still states its version (one cheap version read), so another process's commit is
 * never hidden behind it; a commit caches what it made, and a failed one forgets the session.
 */
export class CachingSessionStore implements SessionStore {
  /** Map order is use order: re-inserting marks a session most recently used. */
  private readonly cache = new Map<string, Snapshot>();
  private cachedMessages = 0;
  private readonly maxCachedMessages: number;

  constructor(
    private readonly inner: SessionStore,
    options: { readonly cachedMessages?: number } = {},
  ) {
    this.maxCachedMessages = options.cachedMessages ?? DEFAULT_CACHED_MESSAGES;
  }

  version(key: string): Promise<number> {
    return this.inner.version(key);
  }

  async load(key: string): Promise<Snapshot> {
    const hit = await this.current(key);
    if (hit !== undefined) return hit;
    const snapshot = await this.inner.load(key);
    this.remember(snapshot);
    return snapshot;
  }

  /** The whole cached session when it is current; else what the inner store reads (cached when it is whole). */
  async loadForContext(key: string, budgetFor: (settings: SessionSettings) => number): Promise<ContextSnapshot> {
    const hit = await this.current(key);
    if (hit !== undefined) return { version: hit.version, session: hit.session, skipped: 0 };
    const read = await this.inner.loadForContext(key, budgetFor);
    // Nothing skipped means the whole session: a commit can start from it like from load().
    if (read.skipped === 0) this.remember({ key, version: read.version, session: read.session });
    return read;
  }

  async commit(basis: Snapshot, change: SessionChange): Promise<Snapshot> {
    try {
      const snapshot = await this.inner.commit(basis, change);
      this.remember(snapshot);
      return snapshot;
    } catch (error) {
      // A conflict, or a write that may or may not have landed: the store says which next time.
      this.forget(basis.key);
      throw error;
    }
  }

  housekeep(): Promise<HousekeepingReport> {
    return this.inner.housekeep();
  }

  pendingSessions(): AsyncIterable<string> {
    return this.inner.pendingSessions();
  }

  /** Read from the store, not the cache: the cache holds only recently used sessions. */
  sessionKeys(): AsyncIterable<string> {
    return this.inner.sessionKeys();
  }

  /** What is held decoded now: sessions, and their messages in all. */
  get cached(): { readonly sessions: number; readonly messages: number } {
    return { sessions: this.cache.size, messages: this.cachedMessages };
  }

  /** Drops every cached session (for tests and benchmarks of cold reads). */
  clearCache(): void {
    this.cache.clear();
    this.cachedMessages = 0;
  }

  async close(): Promise<void> {
    this.clearCache();
    await this.inner.close();
  }

  /** The cached copy if the store still states its version; a stale one is forgotten. */
  private async current(key: string): Promise<Snapshot | undefined> {
    const hit = this.cache.get(key);
    if (hit === undefined) return undefined;
    const version = await this.inner.version(key);
    // Read again after the await: a commit may have cached a newer copy meanwhile.
    const now = this.cache.get(key);
    if (now === undefined || now.version !== version) {
      this.forget(key);
      return undefined;
    }
    this.cache.delete(key);
    this.cache.set(key, now);
    return now;
  }

  private remember(snapshot: Snapshot): void {
    const old = this.cache.get(snapshot.key);
    // A slow read must not replace what a commit cached after it.
    if (old !== undefined && old.version > snapshot.version) return;
    this.forget(snapshot.key);
    if (this.maxCachedMessages === 0) return;
    this.cache.set(snapshot.key, snapshot);
    this.cachedMessages += snapshot.session.history.length;
    for (const [key, cached] of this.cache) {
      if (this.cachedMessages <= this.maxCachedMessages || key === snapshot.key) break;
      this.cache.delete(key);
      this.cachedMessages -= cached.session.history.length;
    }
  }

  private forget(key: string): void {
    const old = this.cache.get(key);
    if (old === undefined) return;
    this.cache.delete(key);
    this.cachedMessages -= old.session.history.length;
  }
}
