import { userError } from './errors.js';
import { resolveIndices } from './indices.js';
import type { ModelParams } from './model-params.js';
import type { DraftMessage, HistoryMessage } from './message.js';

/** Per-session overrides; anything unset follows the bot's configured defaults. */
export interface SessionSettings {
  readonly limit?: number;
  readonly systemPrompt?: string;
  readonly model?: string;
  /** Prompt tokens a completion may carry (history + system prompt + question). */
  readonly tokenBudget?: number;

  // ---- per-channel control (issue 14): no configured default, so unset means "not sent" / off ----
  /** Completion parameters this channel set with /model set; only these are sent. */
  readonly params?: ModelParams;
  /** Answer every message from a person here, without a mention (/listen). */
  readonly listen?: boolean;
}

/** Settings without a configured default: unset stays unset when resolved. */
export type UnresolvedSettingKey = 'params' | 'listen';

export interface Session {
  /** In order, oldest first; `seq` grows along it. */
  readonly history: readonly HistoryMessage[];
  readonly settings: SessionSettings;
  /** The sequence number the next message gets: above every seq this session ever held. */
  readonly next: number;
}

/** A session's settings with the configured defaults filled in (where there are defaults). */
export type ResolvedSettings = Required<Omit<SessionSettings, UnresolvedSettingKey>> & Pick<SessionSettings, UnresolvedSettingKey>;

export const MIN_LIMIT = 1;
export const MAX_LIMIT = 1000;
export const MAX_ROLLBACK = 1000;

export function emptySession(): Session {
  return { history: [], settings: {}, next: 0 };
}

export function resolveSettings(session: Pick<Session, 'settings'>, defaults: ResolvedSettings): ResolvedSettings {
  return { ...defaults, ...session.settings };
}

/**
 * What a rule does to a session, named explicitly, so a store applies it instead of working it
 * out by comparing sessions. Applied in this order: reset, append, remove, pin, unpin, settings
 * (applyChange is the one definition).
 */
export interface SessionChange {
  /** Every message goes; settings and `next` stay. */
  readonly reset?: true;
  /** Added at the end, numbered from the session's `next` on. */
  readonly append?: readonly HistoryMessage[];
  /** Seqs of messages that leave the history. */
  readonly remove?: readonly number[];
  readonly pin?: readonly number[];
  readonly unpin?: readonly number[];
  /** The session's settings as a whole, when they change. */
  readonly settings?: SessionSettings;
}

/** What every rule returns: the session after, the change that made it, and what it did. */
export interface Changed<R = undefined> {
  readonly session: Session;
  readonly change: SessionChange;
  readonly result: R;
}

export function isEmptyChange(change: SessionChange): boolean {
  return (
    change.reset !== true &&
    (change.append?.length ?? 0) === 0 &&
    (change.remove?.length ?? 0) === 0 &&
    (change.pin?.length ?? 0) === 0 &&
    (change.unpin?.length ?? 0) === 0 &&
    change.settings === undefined
  );
}

/**
 * The session a change makes. Appended messages must continue the numbering (from `next`, in
 * order); seqs a change names that the session does not hold are ignored, so applying a change
 * again to the session it made changes nothing more.
 *
 * The rule, as written: every message whose seq `remove` names goes; of the rest, those `pin`
 * names are pinned, else those `unpin` names are unpinned. Since seqs ascend along a history,
 * each named message is found by binary search and only those are looked at; the messages
 * between them are copied as they are, which is what the rule does to them (a 2 000-case
 * property test in test/domain/session.test.ts checks this against the rule as written).
 */
export function applyChange(session: Session, change: SessionChange): Session {
  let history: readonly HistoryMessage[] = change.reset === true ? [] : session.history;
  let next = session.next;
  const append = change.append ?? [];
  if (append.length > 0) {
    for (const message of append) {
      if (message.seq < next) throw new Error(`appended message seq ${String(message.seq)} is below the session's next ${String(next)}`);
      next = message.seq + 1;
    }
    history = [...history, ...append];
  }
  const remove = new Set(change.remove ?? []);
  const pins = new Set(change.pin ?? []);
  const unpins = new Set(change.unpin ?? []);
  if (remove.size > 0 || pins.size > 0 || unpins.size > 0) {
    const named = new Set<number>();
    for (const seq of [...remove, ...pins, ...unpins]) {
      const position = positionOf(history, seq);
      if (position !== undefined) named.add(position);
    }
    const kept: HistoryMessage[] = [];
    let from = 0;
    for (const position of [...named].sort((a, b) => a - b)) {
      for (let i = from; i < position; i += 1) kept.push(history[i] as HistoryMessage);
      from = position + 1;
      const message = history[position] as HistoryMessage;
      if (remove.has(message.seq)) continue;
      const pinned = pins.has(message.seq) ? true : unpins.has(message.seq) ? false : message.pinned;
      kept.push(pinned === message.pinned ? message : { ...message, pinned });
    }
    for (let i = from; i < history.length; i += 1) kept.push(history[i] as HistoryMessage);
    history = kept;
  }
  return { history, settings: change.settings ?? session.settings, next };
}

/** Where the message numbered `seq` is in a history (seqs ascend along it), if it is there. */
function positionOf(history: readonly HistoryMessage[], seq: number): number | undefined {
  let low = 0;
  let high = history.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const at = history[mid]?.seq;
    if (at === undefined) return undefined;
    if (at === seq) return mid;
    if (at < seq) low = mid + 1;
    else high = mid - 1;
  }
  return undefined;
}

function changed<R>(session: Session, change: SessionChange, result: R): Changed<R> {
  return { session: applyChange(session, change), change, result };
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
export function rounds(history: readonly Pick<HistoryMessage, 'role'>[]): Round[] {
  const starts: number[] = [];
  history.forEach((message, position) => {
    if (message.role === 'user') starts.push(position);
  });
  if (history.length === 0) return [];
  if (starts.length === 0 || starts[0] !== 0) starts[0] = 0;
  return starts.map((start, i) => ({ start, end: starts[i + 1] ?? history.length }));
}

/** The messages a rule removed, oldest first. */
export type Removed = readonly HistoryMessage[];

/**
 * The seqs to remove so at most `limit` messages stay: the oldest unpinned ones go first. Pinned
 * messages count toward the limit but are never trimmed, so the history may stay over it when
 * pins alone fill it.
 */
function trimmed(history: readonly HistoryMessage[], limit: number): HistoryMessage[] {
  let excess = history.length - limit;
  const removed: HistoryMessage[] = [];
  for (const message of history) {
    if (excess <= 0) break;
    if (message.pinned) continue;
    removed.push(message);
    excess -= 1;
  }
  return removed;
}

export function trimToLimit(session: Session, limit: number): Changed<Removed> {
  const removed = trimmed(session.history, limit);
  return changed(session, removed.length === 0 ? {} : { remove: removed.map((m) => m.seq) }, removed);
}

/** Numbers drafts as the next messages of `session`. */
function numbered(session: Session, drafts: readonly DraftMessage[]): HistoryMessage[] {
  return drafts.map((draft, i) => ({ ...draft, seq: session.next + i }));
}

/** Appends, then trims to the limit, as one change. */
function appendAndTrim(session: Session, drafts: readonly DraftMessage[], limit: number): Changed<Removed> {
  const append = numbered(session, drafts);
  const removed = trimmed([...session.history, ...append], limit);
  return changed(session, removed.length === 0 ? { append } : { append, remove: removed.map((m) => m.seq) }, removed);
}

/**
 * Commits a finished exchange as one round (the question and its reply, together), then trims
 * to the limit.
 */
export function commitRound(session: Session, round: readonly DraftMessage[], limit: number): Changed<Removed> {
  checkRound(round);
  return appendAndTrim(session, round, limit);
}

/** Throws unless `round` can be committed as one: it starts with a user message. */
export function checkRound(round: readonly DraftMessage[]): void {
  if (round.length === 0 || round[0]?.role !== 'user') {
    throw new Error('A round starts with a user message.');
  }
}

/** Appends fabricated messages (forge); they then behave like any others. */
export function forge(session: Session, messages: readonly DraftMessage[], limit: number): Changed<Removed> {
  if (messages.length === 0) throw userError('bad_forge', {});
  return appendAndTrim(session, messages, limit);
}

/** Removes the last `count` rounds, pinned messages in them included: rollback is an explicit undo. */
export function rollback(session: Session, count = 1): Changed<Removed> {
  const all = rounds(session.history);
  if (all.length === 0) throw userError('empty_history', { action: 'rollback' });
  if (!Number.isInteger(count) || count < 1 || count > all.length) {
    throw userError('rollback_out_of_range', { count, rounds: all.length });
  }
  const cut = all[all.length - count]?.start ?? 0;
  const removed = session.history.slice(cut);
  return changed(session, { remove: removed.map((m) => m.seq) }, removed);
}

export interface PinResult {
  /** The positions asked for, without repeats, ascending. */
  readonly positions: readonly number[];
  /** Positions whose pinned flag actually changed (repeats and no-ops left out). */
  readonly changed: readonly number[];
}

export function pin(session: Session, indices: readonly number[]): Changed<PinResult> {
  return setPinned(session, indices, true);
}

export function unpin(session: Session, indices: readonly number[]): Changed<PinResult> {
  return setPinned(session, indices, false);
}

function setPinned(session: Session, indices: readonly number[], pinned: boolean): Changed<PinResult> {
  const positions = [...new Set(resolveIndices(indices, session.history.length, pinned ? 'pin' : 'unpin'))].sort((a, b) => a - b);
  const flipped = positions.filter((p) => session.history[p]?.pinned !== pinned);
  const seqs = flipped.map((p) => session.history[p]?.seq ?? -1);
  const change: SessionChange = seqs.length === 0 ? {} : pinned ? { pin: seqs } : { unpin: seqs };
  return changed(session, change, { positions, changed: flipped });
}

export function validateLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < MIN_LIMIT || limit > MAX_LIMIT) {
    throw userError('bad_limit', { limit, min: MIN_LIMIT, max: MAX_LIMIT });
  }
  return limit;
}

/** Sets the message limit and trims to it at once. */
export function setLimit(session: Session, limit: number): Changed<Removed> {
  validateLimit(limit);
  const removed = trimmed(session.history, limit);
  const settings = { ...session.settings, limit };
  return changed(session, removed.length === 0 ? { settings } : { settings, remove: removed.map((m) => m.seq) }, removed);
}

/** Empties the history and its pins; settings stay. */
export function reset(session: Session): Changed<Removed> {
  return changed(session, session.history.length === 0 ? {} : { reset: true }, session.history);
}
