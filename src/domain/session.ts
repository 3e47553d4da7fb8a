import { userError } from './errors.js';
import { resolveIndices } from './indices.js';
import { TOKENS_PER_MESSAGE } from './tokens.js';
import { type DraftMessage, type HistoryMessage, isBlank } from './message.js';
import type { ModelParams } from './model-params.js';
import type { Summary } from './summary.js';
import { addUsage, sameUsage, type UsageEntry, type UsageLedger } from './usage.js';

/**
 * How a session's memory is kept (memory-mode.ts): by the message limit alone, also by tokens, or
 * with what leaves folded into a running summary first (summary.ts).
 */
export type MemoryMode = 'window' | 'tokens' | 'summary';

/** The memory mode settings, as a group; absent, a session is in window mode. */
export interface MemoryModeSettings {
  readonly memoryMode?: MemoryMode;
  /**
   * In tokens mode: the most tokens the kept history may hold (pins included, as the model sees
   * them). In summary mode: the recent buffer's, past which the oldest messages are summarised.
   */
  readonly memoryTokens?: number;
}

/** Per-session overrides; anything unset follows the bot's configured defaults. */
export interface SessionSettings extends MemoryModeSettings {
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
  /** Answers stored but not yet confirmed shown in full, oldest first; absent when none. */
  readonly pending?: readonly PendingDelivery[];
  /** What left the history folded into a running summary (summary mode); absent when none. */
  readonly summary?: Summary;
  /** The tokens its completions cost (/usage); kept by /reset and /import, not exported. */
  readonly usage?: UsageLedger;
}

/**
 * An answer stored before the person saw it complete. "Acknowledged means stored": a complete
 * answer is committed first, then delivered, then confirmed; a crash between the two leaves this
 * mark, so the next start can finish showing it. Only the history's own messages can be pending:
 * a change that removes the reply removes its mark.
 */
export interface PendingDelivery {
  /** The reply's seq. */
  readonly seq: number;
  /** When it was stored (epoch ms): another live process may still be delivering a fresh one. */
  readonly since: number;
}

/** Settings without a configured default (the memory mode group, params, listen): unset stays unset when resolved. */
export type ResolvedSettings = Required<Omit<SessionSettings, UnresolvedSettingKey | keyof MemoryModeSettings>> &
  Pick<SessionSettings, UnresolvedSettingKey | keyof MemoryModeSettings>;

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
 * out by comparing sessions. Applied in this order: reset, append, remove, pin, unpin, settings,
 * summary, usage, delivered, pending (applyChange is the one definition).
 */
export interface SessionChange {
  /** Every message goes, and the summary; settings and `next` stay. */
  readonly reset?: true;
  /** Added at the end, numbered from the session's `next` on. */
  readonly append?: readonly HistoryMessage[];
  /** Seqs of messages that leave the history. */
  readonly remove?: readonly number[];
  readonly pin?: readonly number[];
  readonly unpin?: readonly number[];
  /** The session's settings as a whole, when they change. */
  readonly settings?: SessionSettings;
  /** The running summary as a whole, when it changes; null clears it. */
  readonly summary?: Summary | null;
  /** Completions to count in the session's usage (the answer's, a summary's). */
  readonly usage?: readonly UsageEntry[];
  /** Marks an answer pending delivery (it must be in the history after the change). */
  readonly pending?: PendingDelivery;
  /** Seqs of answers now delivered: their pending marks go. */
  readonly delivered?: readonly number[];
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
    change.settings === undefined &&
    change.summary === undefined &&
    (change.usage?.length ?? 0) === 0 &&
    change.pending === undefined &&
    (change.delivered?.length ?? 0) === 0
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
  const pending = pendingAfter(session.pending ?? [], change, history);
  const summary = change.summary === undefined ? (change.reset === true ? undefined : session.summary) : (change.summary ?? undefined);
  let usage = session.usage;
  for (const entry of change.usage ?? []) usage = addUsage(usage, entry);
  return {
    history,
    settings: change.settings ?? session.settings,
    next,
    ...(pending.length > 0 ? { pending } : {}),
    ...(summary === undefined ? {} : { summary }),
    ...(usage === undefined ? {} : { usage }),
  };
}

/** The marks that stay (delivered ones go, then the new one joins), of replies still in `history`. */
function pendingAfter(before: readonly PendingDelivery[], change: SessionChange, history: readonly HistoryMessage[]): PendingDelivery[] {
  const delivered = new Set(change.delivered ?? []);
  const marks = before.filter((mark) => !delivered.has(mark.seq));
  if (change.pending !== undefined && !marks.some((mark) => mark.seq === change.pending?.seq)) marks.push(change.pending);
  return marks.filter((mark) => positionOf(history, mark.seq) !== undefined);
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

/**
 * The seqs to remove so the kept history's tokens (each message's, plus the chat format's
 * TOKENS_PER_MESSAGE) are at most `maxTokens`: oldest unpinned first, after `already` went.
 * Pins count but are never removed, so pins alone may stay over it.
 */
function trimmedByTokens(history: readonly HistoryMessage[], maxTokens: number | undefined, already: readonly HistoryMessage[]): HistoryMessage[] {
  if (maxTokens === undefined) return [];
  const gone = new Set(already.map((m) => m.seq));
  let total = 0;
  for (const message of history) if (!gone.has(message.seq)) total += message.tokens + TOKENS_PER_MESSAGE;
  const removed: HistoryMessage[] = [];
  for (const message of history) {
    if (total <= maxTokens) break;
    if (message.pinned || gone.has(message.seq)) continue;
    removed.push(message);
    total -= message.tokens + TOKENS_PER_MESSAGE;
  }
  return removed;
}

/**
 * What the limit, then a token cap, would remove from a history, oldest first: what trimming
 * removes, and in summary mode what is folded into the summary before it goes.
 */
export function overflow(history: readonly HistoryMessage[], limit: number, maxTokens: number | undefined): HistoryMessage[] {
  const byCount = trimmed(history, limit);
  const byTokens = trimmedByTokens(history, maxTokens, byCount);
  if (byTokens.length === 0) return byCount;
  return [...byCount, ...byTokens].sort((a, b) => a.seq - b.seq);
}

/**
 * What trimming `history` (the session's, or what it is about to be) removes: the overflow, except
 * in summary mode, where nothing leaves but by being folded into the summary (applyFold), so a
 * failed or slow summary drops nothing.
 */
function trimmedOf(session: Session, history: readonly HistoryMessage[], limit: number, maxTokens: number | undefined): HistoryMessage[] {
  return session.settings.memoryMode === 'summary' ? [] : overflow(history, limit, maxTokens);
}

/** The token cap a session's settings put on its kept history: tokens mode's `memoryTokens`, else none. */
export function tokenCap(settings: MemoryModeSettings): number | undefined {
  return settings.memoryMode === 'tokens' ? settings.memoryTokens : undefined;
}

export function trimToLimit(session: Session, limit: number, maxTokens?: number): Changed<Removed> {
  const removed = trimmedOf(session, session.history, limit, maxTokens);
  return changed(session, removed.length === 0 ? {} : { remove: removed.map((m) => m.seq) }, removed);
}

/** Numbers drafts as the next messages of `session`. */
function numbered(session: Session, drafts: readonly DraftMessage[]): HistoryMessage[] {
  return drafts.map((draft, i) => ({ ...draft, seq: session.next + i }));
}

/** Appends, then trims to the limit (and the token cap, in tokens mode), as one change. */
function appendAndTrim(session: Session, drafts: readonly DraftMessage[], limit: number, maxTokens?: number): Changed<Removed> {
  const append = numbered(session, drafts);
  const removed = trimmedOf(session, [...session.history, ...append], limit, maxTokens);
  return changed(session, removed.length === 0 ? { append } : { append, remove: removed.map((m) => m.seq) }, removed);
}

/**
 * Commits a finished exchange as one round (the question and its reply, together), then trims
 * to the limit.
 */
export function commitRound(session: Session, round: readonly DraftMessage[], limit: number, maxTokens?: number): Changed<Removed> {
  checkRound(round);
  return appendAndTrim(session, round, limit, maxTokens);
}

/** The seqs a round was stored as: its question's and its reply's (the last message). */
export interface StoredRound {
  readonly question: number;
  readonly reply: number;
}

/**
 * Stores a complete exchange before it is delivered, its reply marked pending, and not yet
 * trimmed: if delivery fails, withdrawing it leaves the session as it was (the trim waits for
 * confirmDelivered, so nothing is dropped for a round that may not stay).
 */
export function storeAnswered(session: Session, round: readonly DraftMessage[], since: number): Changed<StoredRound> {
  checkRound(round);
  const append = numbered(session, round);
  const question = append[0]?.seq ?? session.next;
  const reply = append.at(-1)?.seq ?? question;
  return changed(session, { append, pending: { seq: reply, since } }, { question, reply });
}

/** The answer `reply` was shown in full: its mark goes, and the session is trimmed to the limit (and the token cap, in tokens mode). */
export function confirmDelivered(session: Session, reply: number, limit: number, maxTokens?: number): Changed<Removed> {
  const removed = trimmedOf(session, session.history, limit, maxTokens);
  const marked = session.pending?.some((mark) => mark.seq === reply) === true;
  const change: SessionChange = { ...(marked ? { delivered: [reply] } : {}), ...(removed.length > 0 ? { remove: removed.map((m) => m.seq) } : {}) };
  return changed(session, change, removed);
}

/**
 * The answer could not be shown: its round leaves the history (with its mark), since memory the
 * person never saw must not be counted on. Messages of it already gone (a /rollback meanwhile)
 * are left so.
 */
export function withdrawUndelivered(session: Session, round: StoredRound): Changed {
  const seqs = [];
  for (let seq = round.question; seq <= round.reply; seq += 1) if (positionOf(session.history, seq) !== undefined) seqs.push(seq);
  return changed(session, seqs.length === 0 ? {} : { remove: seqs }, undefined);
}

/** Who asks to regenerate an answer: whose rounds they may regenerate. */
export interface RetryRequester {
  readonly userId: string;
  /** May regenerate anyone's round: a moderator (Manage Messages), or the person of a DM. */
  readonly moderator: boolean;
}

/** The round /retry regenerates: the session's last, as it was read. */
export interface RetryTarget {
  /** Its question, sent again. */
  readonly question: HistoryMessage;
  /** Every message of it, the question first: what the new round replaces. */
  readonly round: readonly HistoryMessage[];
}

/**
 * The round a retry regenerates: the last one, when it starts with a question (a round whose
 * question was trimmed away has nothing to send again) and `requester` asked it or is a moderator.
 * A forged question has no author, so only a moderator may regenerate its round.
 */
export function retryTarget(session: Session, requester: RetryRequester): RetryTarget {
  const last = rounds(session.history).at(-1);
  if (last === undefined) throw userError('nothing_to_retry', { reason: 'empty' });
  const round = session.history.slice(last.start, last.end);
  const question = round[0];
  if (question?.role !== 'user') throw userError('nothing_to_retry', { reason: 'no_question' });
  if (!requester.moderator && question.authorId !== requester.userId) throw userError('retry_not_yours', { author: question.authorName ?? '' });
  return { question, round };
}

/** A stored message as a draft again (its seq dropped), to be stored anew. */
export function draftOf(message: HistoryMessage): DraftMessage {
  const { seq: _seq, ...draft } = message;
  return draft;
}

/**
 * Replaces the round a retry regenerated with its question and the new answer, as one change:
 * the old round's messages go and the new round comes in at the end, its reply marked pending
 * delivery (as storeAnswered does), so memory never holds both rounds or neither. The question is
 * taken as it is now (a pin set meanwhile stays). Refused (retry_stale) unless the target is still
 * the session's last round, message for message: a /rollback or another writer changed it while
 * the answer was written, and the retry must not undo that.
 */
export function replaceRound(session: Session, target: RetryTarget, answer: DraftMessage, since: number): Changed<StoredRound> {
  const last = rounds(session.history).at(-1);
  const now = last === undefined ? [] : session.history.slice(last.start, last.end);
  const question = now[0];
  if (question === undefined || now.length !== target.round.length || now.some((m, i) => m.seq !== target.round[i]?.seq)) {
    throw userError('retry_stale', {});
  }
  const append = numbered(session, [draftOf(question), answer]);
  const stored = { question: append[0]?.seq ?? session.next, reply: append[1]?.seq ?? session.next };
  return changed(session, { append, remove: now.map((m) => m.seq), pending: { seq: stored.reply, since } }, stored);
}

/**
 * The new answer of a retry could not be shown: its round leaves memory and the round it replaced
 * comes back, as it was (pins included; numbered anew, at the end, where it was). If the new
 * round is no longer all there (a /rollback meanwhile), only what is left of it goes, as
 * withdrawUndelivered does.
 */
export function restoreReplaced(session: Session, stored: StoredRound, replaced: readonly HistoryMessage[]): Changed {
  const seqs: number[] = [];
  for (let seq = stored.question; seq <= stored.reply; seq += 1) if (positionOf(session.history, seq) !== undefined) seqs.push(seq);
  if (seqs.length === 0) return changed(session, {}, undefined);
  const whole = seqs.length === stored.reply - stored.question + 1;
  const append = whole ? numbered(session, replaced.map(draftOf)) : [];
  return changed(session, append.length === 0 ? { remove: seqs } : { append, remove: seqs }, undefined);
}

/** Throws unless `round` can be committed as one: it starts with a user message. */
export function checkRound(round: readonly DraftMessage[]): void {
  if (round.length === 0 || round[0]?.role !== 'user') {
    throw new Error('A round starts with a user message.');
  }
}

/** Appends fabricated messages (forge); they then behave like any others. */
export function forge(session: Session, messages: readonly DraftMessage[], limit: number, maxTokens?: number): Changed<Removed> {
  if (messages.length === 0) throw userError('bad_forge', {});
  // createMessage refuses empty user messages; a forged answer must say something too.
  if (messages.some((m) => isBlank(m.content))) throw userError('empty_message', {});
  return appendAndTrim(session, messages, limit, maxTokens);
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
  const removed = trimmedOf(session, session.history, limit, tokenCap(session.settings));
  const settings = { ...session.settings, limit };
  return changed(session, removed.length === 0 ? { settings } : { settings, remove: removed.map((m) => m.seq) }, removed);
}

/** Empties the history, its pins and the summary; settings stay. */
export function reset(session: Session): Changed<Removed> {
  return changed(session, session.history.length === 0 && session.summary === undefined ? {} : { reset: true }, session.history);
}

/**
 * Whether two sessions are the same memory: the same messages with the same seqs, every field
 * equal (an absent `forged` is `false`), the same settings, summary and `next`. A bot on either
 * sends the same requests and numbers the next message alike. Used to tell a copied session
 * from a different one (migrate) and to check a copy against its source.
 */
export function sameSession(a: Session, b: Session): boolean {
  if (a.next !== b.next || !sameSettings(a.settings, b.settings) || a.history.length !== b.history.length) return false;
  if (a.summary?.text !== b.summary?.text || a.summary?.tokens !== b.summary?.tokens || !sameUsage(a.usage, b.usage)) return false;
  const [pa, pb] = [a.pending ?? [], b.pending ?? []];
  if (pa.length !== pb.length || pa.some((mark, i) => mark.seq !== pb[i]?.seq || mark.since !== pb[i].since)) return false;
  return a.history.every((message, i) => {
    const other = b.history[i];
    return other !== undefined && sameMessage(message, other);
  });
}

function sameSettings(a: SessionSettings, b: SessionSettings): boolean {
  return (Object.keys(SETTINGS_FIELDS) as Array<keyof SessionSettings>).every((field) =>
    SETTINGS_FIELDS[field] === 'shallow' ? sameFields(a[field], b[field]) : a[field] === b[field],
  );
}

/** Two flat records with the same keys holding the same values. */
function sameFields(a: unknown, b: unknown): boolean {
  const [x, y] = [(a ?? {}) as Record<string, unknown>, (b ?? {}) as Record<string, unknown>];
  const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
  return [...keys].every((key) => x[key] === y[key]);
}

/** Every settings field and how it compares; a field added to SessionSettings does not compile until it is listed here. */
const SETTINGS_FIELDS: Record<keyof SessionSettings, 'value' | 'shallow'> = {
  limit: 'value',
  systemPrompt: 'value',
  model: 'value',
  tokenBudget: 'value',
  memoryMode: 'value',
  memoryTokens: 'value',
  params: 'shallow',
  listen: 'value',
};

const same = <T>(a: T, b: T): boolean => a === b;

/** How each message field compares; a field added to messages does not compile until it is listed here. */
const MESSAGE_FIELDS: { readonly [K in keyof HistoryMessage]-?: (a: HistoryMessage[K], b: HistoryMessage[K]) => boolean } = {
  seq: same,
  role: same,
  content: same,
  authorId: same,
  authorName: same,
  tokens: same,
  pinned: same,
  createdAt: same,
  discordMessageIds: (a, b) => a.length === b.length && a.every((id, i) => id === b[i]),
  forged: (a, b) => (a ?? false) === (b ?? false),
};

function sameMessage(a: HistoryMessage, b: HistoryMessage): boolean {
  return (Object.keys(MESSAGE_FIELDS) as Array<keyof HistoryMessage>).every((field) => {
    const compare = MESSAGE_FIELDS[field] as (x: unknown, y: unknown) => boolean;
    return compare(a[field], b[field]);
  });
}
