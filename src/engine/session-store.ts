import { ContextcordError } from '../domain/errors.js';
import type { Session, SessionChange, SessionSettings } from '../domain/session.js';

/** A session as one store version holds it. */
export interface Snapshot {
  readonly key: string;
  /** Grows by one with every commit; 0 when nothing is stored for the key. */
  readonly version: number;
  readonly session: Session;
}

/** Enough of a session to build its context: every pin and the newest messages. */
export interface ContextSnapshot {
  readonly version: number;
  /** Its history may leave out old unpinned messages (`skipped` of them); settings are whole. */
  readonly session: Session;
  readonly skipped: number;
}

/** Another writer committed to the session since `expected`; nothing of this commit was stored. */
export class StoreConflictError extends Error {
  override readonly name = 'StoreConflictError';
  constructor(
    readonly key: string,
    readonly expected: number,
  ) {
    super(`session ${key} is no longer at version ${String(expected)}: another writer committed first`);
  }
}

/** Why the store cannot be used: its SQLite file went away, or a database server does not answer. */
export type StoreUnavailableDetails =
  /** The SQLite file was deleted or replaced under the running bot: nothing is kept until an operator restores it and restarts. */
  | { readonly reason: 'file_gone' | 'file_replaced'; readonly path: string }
  /** Redis or PostgreSQL does not answer (`store` is the URL without its password); the store reconnects by itself. */
  | { readonly reason: 'unreachable'; readonly store: string };

/**
 * The store cannot keep anything right now: every read and write that needs it fails with this
 * (nothing of the turn or command is stored), so nothing pretends to be stored.
 */
export class StoreUnavailableError extends ContextcordError<'store_unavailable', StoreUnavailableDetails> {
  override readonly name = 'StoreUnavailableError';
}

export interface HousekeepingReport {
  /** Records no session refers to (a crash between writes, a lost conflict) that were deleted. */
  readonly orphansRemoved: number;
  /** Set-aside records older than the quarantine period that were deleted. */
  readonly quarantinedRemoved: number;
}

/**
 * Where sessions live. Every commit states the version it was based on and fails with
 * StoreConflictError when another writer got there first (compare-and-set), so several
 * processes can share one store without losing a round. Implementations never throw for a
 * record they cannot decode: they set it aside and return a fresh session.
 */
export interface SessionStore {
  /** The stored version (0 when none): cheap, so a cache can check it before trusting a copy. */
  version(key: string): Promise<number>;
  load(key: string): Promise<Snapshot>;
  /**
   * What a context within `budgetFor(settings)` tokens needs (see partsForContext); a store may
   * return the whole session.
   */
  loadForContext(key: string, budgetFor: (settings: SessionSettings) => number): Promise<ContextSnapshot>;
  /** Applies `change` to `basis` (as load returned it) and stores the result as version + 1. */
  commit(basis: Snapshot, change: SessionChange): Promise<Snapshot>;
  /** Removes what no session refers to any more; safe to run at any time, from any process. */
  housekeep(): Promise<HousekeepingReport>;
  /** Keys of the sessions stored with an answer pending delivery (Session.pending), in pages off the turns' path. */
  pendingSessions(): AsyncIterable<string>;
  /** The key of every stored session, in key order, read a page at a time (set-aside records are not sessions). */
  sessionKeys(): AsyncIterable<string>;
  close(): Promise<void>;
}
