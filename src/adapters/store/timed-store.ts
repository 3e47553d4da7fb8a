import type { SessionChange, SessionSettings } from '../../domain/session.js';
import {
  type ContextSnapshot,
  type HousekeepingReport,
  type SessionStore,
  type Snapshot,
  StoreConflictError,
} from '../../engine/session-store.js';

export type StoreOperation = 'version' | 'load' | 'loadForContext' | 'commit' | 'housekeep';

/** How an operation ended: a conflict is another writer's newer version, not a fault. */
export type StoreOperationOutcome = 'ok' | 'conflict' | 'error';

export type StoreTiming = (operation: StoreOperation, outcome: StoreOperationOutcome, seconds: number) => void;

/**
 * Any SessionStore, with the time each operation took reported to `observe`. Wrapped around the
 * cached store, it times what the engine waits for: a cache hit is the version read it costs.
 */
export class TimedSessionStore implements SessionStore {
  constructor(
    private readonly inner: SessionStore,
    private readonly observe: StoreTiming,
  ) {}

  version(key: string): Promise<number> {
    return this.time('version', () => this.inner.version(key));
  }

  load(key: string): Promise<Snapshot> {
    return this.time('load', () => this.inner.load(key));
  }

  loadForContext(key: string, budgetFor: (settings: SessionSettings) => number): Promise<ContextSnapshot> {
    return this.time('loadForContext', () => this.inner.loadForContext(key, budgetFor));
  }

  commit(basis: Snapshot, change: SessionChange): Promise<Snapshot> {
    return this.time('commit', () => this.inner.commit(basis, change));
  }

  housekeep(): Promise<HousekeepingReport> {
    return this.time('housekeep', () => this.inner.housekeep());
  }

  pendingSessions(): AsyncIterable<string> {
    return this.inner.pendingSessions();
  }

  sessionKeys(): AsyncIterable<string> {
    return this.inner.sessionKeys();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private async time<T>(operation: StoreOperation, run: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      const result = await run();
      this.observe(operation, 'ok', (performance.now() - started) / 1000);
      return result;
    } catch (error) {
      this.observe(operation, error instanceof StoreConflictError ? 'conflict' : 'error', (performance.now() - started) / 1000);
      throw error;
    }
  }
}
