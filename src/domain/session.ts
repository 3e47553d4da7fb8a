import { UserError } from './errors.js';
import { resolveIndices } from './indices.js';
import type { HistoryMessage } from './message.js';

/** Per-session overrides; anything unset follows the bot's configured defaults. */
export interface SessionSettings {
  readonly limit?: number;
  readonly systemPrompt?: string;
  readonly model?: string;
  /** Prompt tokens a completion may carry (history + system prompt + question). */
  readonly tokenBudget?: number;
}

export interface Session {
  readonly history: readonly HistoryMessage[];
  readonly settings: SessionSettings;
}

export type ResolvedSettings = Required<SessionSettings>;

export const MIN_LIMIT = 1;
export const MAX_LIMIT = 1000;

export function emptySession(): Session {
  return { history: [], settings: {} };
}

export function resolveSettings(session: Session, defaults: ResolvedSettings): ResolvedSettings {
  return { ...defaults, ...session.settings };
}

/** A round: positions [start, end) in the history. */
export interface Round {
  readonly start: number;
  readonly end: number;
}

/**
 * A round begins at a user message and runs up to the next one. Messages before the first user
 * message (their question was trimmed away) belong to the first round, so rolling back every
 * round always empties the history.
 */
export function rounds(history: readonly HistoryMessage[]): Round[] {
  const starts: number[] = [];
  history.forEach((message, position) => {
    if (message.role === 'user') starts.push(position);
  });
  if (history.length === 0) return [];
  if (starts.length === 0 || starts[0] !== 0) starts[0] = 0;
  return starts.map((start, i) => ({ start, end: starts[i + 1] ?? history.length }));
}

export interface Trimmed {
  readonly session: Session;
  readonly removed: readonly HistoryMessage[];
}

/**
 * Keeps at most `limit` messages: the oldest unpinned ones go first. Pinned messages count
 * toward the limit but are never trimmed, so the history may stay over it when pins alone fill it.
 */
export function trimToLimit(session: Session, limit: number): Trimmed {
  let excess = session.history.length - limit;
  if (excess <= 0) return { session, removed: [] };
  const kept: HistoryMessage[] = [];
  const removed: HistoryMessage[] = [];
  for (const message of session.history) {
    if (excess > 0 && !message.pinned) {
      removed.push(message);
      excess -= 1;
    } else {
      kept.push(message);
    }
  }
  return { session: { ...session, history: kept }, removed };
}

/**
 * Commits a finished exchange as one round (the question and its reply, together), then trims
 * to the limit.
 */
export function commitRound(session: Session, round: readonly HistoryMessage[], limit: number): Trimmed {
  checkRound(round);
  return trimToLimit({ ...session, history: [...session.history, ...round] }, limit);
}

/** Throws unless `round` can be committed as one: it starts with a user message. */
export function checkRound(round: readonly HistoryMessage[]): void {
  if (round.length === 0 || round[0]?.role !== 'user') {
    throw new Error('A round starts with a user message.');
  }
}

/** Appends fabricated messages (forge); they then behave like any others. */
export function forge(session: Session, messages: readonly HistoryMessage[], limit: number): Trimmed {
  if (messages.length === 0) {
    throw new UserError('bad_forge', 'Give at least one message to add.');
  }
  return trimToLimit({ ...session, history: [...session.history, ...messages] }, limit);
}

export interface RolledBack {
  readonly session: Session;
  readonly removed: readonly HistoryMessage[];
}

/** Removes the last `count` rounds, pinned messages in them included: rollback is an explicit undo. */
export function rollback(session: Session, count = 1): RolledBack {
  const all = rounds(session.history);
  if (all.length === 0) {
    throw new UserError('empty_history', 'There is nothing to roll back: this channel has no messages in memory.');
  }
  if (!Number.isInteger(count) || count < 1 || count > all.length) {
    throw new UserError(
      'rollback_out_of_range',
      `Cannot roll back ${count} round${count === 1 ? '' : 's'}: memory holds ${all.length} round${all.length === 1 ? '' : 's'}, so the count must be from 1 to ${all.length}. Nothing was changed.`,
    );
  }
  const cut = all[all.length - count]?.start ?? 0;
  return {
    session: { ...session, history: session.history.slice(0, cut) },
    removed: session.history.slice(cut),
  };
}

export interface PinChange {
  readonly session: Session;
  /** The positions asked for, without repeats, ascending. */
  readonly positions: readonly number[];
  /** Positions whose pinned flag actually changed (repeats and no-ops left out). */
  readonly changed: readonly number[];
}

export function pin(session: Session, indices: readonly number[]): PinChange {
  return setPinned(session, indices, true);
}

export function unpin(session: Session, indices: readonly number[]): PinChange {
  return setPinned(session, indices, false);
}

function setPinned(session: Session, indices: readonly number[], pinned: boolean): PinChange {
  const asked = new Set(resolveIndices(indices, session.history.length));
  const positions = [...asked].sort((a, b) => a - b);
  const changed = positions.filter((p) => session.history[p]?.pinned !== pinned);
  const history = session.history.map((message, position) =>
    asked.has(position) && message.pinned !== pinned ? { ...message, pinned } : message,
  );
  return { session: { ...session, history }, positions, changed };
}

export function validateLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < MIN_LIMIT || limit > MAX_LIMIT) {
    throw new UserError(
      'bad_limit',
      `The limit must be a whole number of messages from ${MIN_LIMIT} to ${MAX_LIMIT}; got ${limit}.`,
    );
  }
  return limit;
}

/** Sets the message limit and trims to it at once. */
export function setLimit(session: Session, limit: number): Trimmed {
  validateLimit(limit);
  return trimToLimit({ ...session, settings: { ...session.settings, limit } }, limit);
}

/** Empties the history and its pins; settings stay. */
export function reset(session: Session): Trimmed {
  return { session: { ...session, history: [] }, removed: session.history };
}
