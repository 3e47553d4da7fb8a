import type { HistoryMessage } from '../domain/message.js';
import type { Session, SessionSettings } from '../domain/session.js';

/** Part of a session: all its pins and its newest messages; `skipped` older unpinned ones are left out. */
export interface RecentSession {
  readonly session: Session;
  readonly skipped: number;
}

/**
 * Where sessions live. Implementations load on demand (nothing is held for idle sessions) and
 * never throw for a record they cannot decode: they set it aside and return a fresh session.
 */
export interface SessionStore {
  load(key: string): Promise<Session>;
  /**
   * Optional: enough of the session to build its context within `budgetFor(settings)` tokens
   * (every pin and the newest messages whose unpinned cost reaches the budget), for a store that
   * can read that without reading everything.
   */
  loadRecent?(key: string, budgetFor: (settings: SessionSettings) => number): Promise<RecentSession>;
  /**
   * Optional: the domain's commitRound (append `round`, trim to the limit `limitFor` gives for
   * the stored settings) done without reading the whole session. Resolves false, having changed
   * nothing, when the store would rather the caller load, apply the rule and save.
   */
  appendRound?(key: string, round: readonly HistoryMessage[], limitFor: (settings: SessionSettings) => number): Promise<boolean>;
  /**
   * Stores `session`. `basis` is the session it was made from, as load returned it: a store that
   * writes only what changed can tell the changes from it even if it no longer holds it.
   */
  save(key: string, session: Session, basis?: Session): Promise<void>;
  delete(key: string): Promise<void>;
  close(): Promise<void>;
}
