import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { partsForContext, summarizePart } from '../../domain/context.js';
import type { HistoryMessage } from '../../domain/message.js';
import { applyChange, emptySession, type Session, type SessionChange, type SessionSettings } from '../../domain/session.js';
import {
  type ContextSnapshot,
  type HousekeepingReport,
  type SessionStore,
  type Snapshot,
  StoreConflictError,
} from '../../engine/session-store.js';
import { pagesOfKeys, type RecordBackend } from './backend.js';
import { sweepOrphans, sweepQuarantine } from './housekeeping.js';
import { type CommitPlan, EMPTY_LAYOUT, headEntryText, type LaidChunk, type Layout, pinnedSeqs, planCommit } from './layout.js';
import {
  chunkKey,
  chunkRecord,
  decodeChunk,
  decodeHead,
  decodeLegacyChunk,
  decodeRecord,
  encodeHeadWith,
  encodeRecord,
  entrySummary,
  HEAD_PREFIX,
  HEAD_VERSION,
  type HeadEntry,
  headKey,
  type HeadRecord,
  type LegacyEntry,
  quarantineKey,
  sessionOfHeadKey,
  versionOfText,
} from './record.js';

const DAY_MS = 24 * 60 * 60 * 1000;

export const DEFAULT_QUARANTINE_DAYS = 30;
/** How long after a write the deferred deletes and the backend's upkeep run (and so at most how often). */
export const DEFAULT_HOUSEKEEPING_MS = 1000;
/**
 * Dropped chunks outlive the commit that dropped them by this much: another process may have
 * read the head before and be about to read them (a slower one finds the head moved on, and
 * reads the new one).
 */
export const DEFAULT_DROP_GRACE_MS = 1000;
/** Unlisted chunks younger than this are not orphans yet: a commit may still be writing its head. */
export const DEFAULT_ORPHAN_GRACE_MS = 10 * 60 * 1000;
/** The full sweep runs this long after the store opens, then every DEFAULT_SWEEP_EVERY_MS. */
export const DEFAULT_SWEEP_AFTER_START_MS = 60_000;
export const DEFAULT_SWEEP_EVERY_MS = 6 * 60 * 60 * 1000;

export interface ChunkedStoreOptions {
  readonly now?: () => number;
  /** This instance's part of every chunk id it writes; random unless a test fixes it. */
  readonly writer?: string;
  readonly housekeepingMs?: number;
  readonly dropGraceMs?: number;
  readonly orphanGraceMs?: number;
  readonly quarantineDays?: number;
  /** Infinity: no sweep on a timer (housekeep() still sweeps). */
  readonly sweepAfterStartMs?: number;
  readonly sweepEveryMs?: number;
  /**
   * Only reads (a source being copied from): no timers, every write refused, and a record that
   * cannot be decoded is reported with UnreadableSessionError instead of being set aside.
   */
  readonly readOnly?: boolean;
}

/** A stored session that cannot be decoded, found by a read-only store (which may not set it aside). */
export class UnreadableSessionError extends Error {
  override readonly name = 'UnreadableSessionError';
  constructor(
    readonly key: string,
    readonly reason: string,
  ) {
    super(`stored session ${key} cannot be decoded: ${reason}`);
  }
}

/** Heads read at a time by the pass over answers pending delivery. */
const PENDING_PAGE = 50;

/** A session as read, with how it is laid out in chunks. */
interface Read {
  readonly snapshot: Snapshot;
  readonly layout: Layout;
}

/** A chunk's live messages, or what is wrong with it. */
type Chunk = { readonly ok: true; readonly live: HistoryMessage[]; readonly laid: LaidChunk } | { readonly ok: false; readonly problem: string };

/**
 * Sessions on any RecordBackend as a head and immutable chunks (record.ts, layout.ts). Every
 * commit is compare-and-set on the head's version (backend.ts); a record it cannot decode is set
 * aside under `quarantine:` and the session starts fresh. It keeps no session in memory (see
 * CachingSessionStore): only, for each snapshot handed out, how it is laid out, so a commit on
 * it writes only what changed.
 */
export class ChunkedSessionStore implements SessionStore {
  /** Keyed by the session object (a cache's snapshot of it shares the object), for as long as someone holds it. */
  private readonly layouts = new WeakMap<Session, Layout>();
  private readonly writer: string;
  private counter = 0;
  /** Chunks no head lists any more, deleted once their grace is over. */
  private dropped: Array<{ readonly key: string; readonly at: number }> = [];
  /** Housekeeping runs one at a time; this is the last one started. */
  private housekeeping: Promise<unknown> = Promise.resolve();
  private tidyTimer: NodeJS.Timeout | undefined;
  private readonly sweepTimers: NodeJS.Timeout[] = [];
  private closed = false;
  private readonly now: () => number;
  private readonly housekeepingMs: number;
  private readonly dropGraceMs: number;
  private readonly orphanGraceMs: number;
  private readonly quarantineMs: number;
  private readonly readOnly: boolean;

  constructor(
    private readonly backend: RecordBackend,
    private readonly logger: Logger,
    options: ChunkedStoreOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.writer = options.writer ?? randomBytes(6).readUIntBE(0, 6).toString(36);
    if (!/^[a-z0-9]+$/.test(this.writer)) throw new Error(`writer id must be lowercase letters and digits, got "${this.writer}"`);
    this.housekeepingMs = options.housekeepingMs ?? DEFAULT_HOUSEKEEPING_MS;
    this.dropGraceMs = options.dropGraceMs ?? DEFAULT_DROP_GRACE_MS;
    this.orphanGraceMs = options.orphanGraceMs ?? DEFAULT_ORPHAN_GRACE_MS;
    this.quarantineMs = (options.quarantineDays ?? DEFAULT_QUARANTINE_DAYS) * DAY_MS;
    this.readOnly = options.readOnly ?? false;
    const after = this.readOnly ? Infinity : (options.sweepAfterStartMs ?? DEFAULT_SWEEP_AFTER_START_MS);
    if (Number.isFinite(after)) {
      const every = options.sweepEveryMs ?? DEFAULT_SWEEP_EVERY_MS;
      const sweep = (): void => void this.housekeep().catch((error: unknown) => this.logger.warn({ err: error }, 'store sweep failed'));
      const first = setTimeout(() => {
        sweep();
        const later = setInterval(sweep, every);
        later.unref();
        this.sweepTimers.push(later);
      }, after);
      // A pending sweep must not keep the process alive.
      first.unref();
      this.sweepTimers.push(first);
    }
  }

  version(key: string): Promise<number> {
    // A closed store says so, rather than leaving it to the backend (SQLite's handle is gone).
    if (this.closed) return Promise.reject(closedError());
    return this.backend.version(headKey(key));
  }

  async load(key: string): Promise<Snapshot> {
    if (this.closed) throw closedError();
    return (await this.read(key)).snapshot;
  }

  /**
   * Reads the head and only the chunks domain partsForContext names for the budget: every
   * chunk with a pin and the newest ones. The whole session when that is every chunk, when the
   * head is older than version 4, or when a chunk is not as the head says (the whole read deals
   * with that).
   */
  async loadForContext(key: string, budgetFor: (settings: SessionSettings) => number): Promise<ContextSnapshot> {
    if (this.closed) throw closedError();
    const text = await this.backend.get(headKey(key));
    const whole = async (headText?: string): Promise<ContextSnapshot> => {
      const { snapshot } = await this.read(key, headText);
      return { version: snapshot.version, session: snapshot.session, skipped: 0 };
    };
    const record = text === undefined ? undefined : decodeRecord(text);
    const decoded = record === undefined ? undefined : decodeHead(record.value);
    if (decoded?.kind !== 'head') return whole(text);
    const { head } = decoded;
    const parts = partsForContext(head.chunks.map(entrySummary), budgetFor(head.settings));
    if (parts === undefined) return whole(text);
    const entries = parts.read.map((i) => head.chunks[i]).filter((entry) => entry !== undefined);
    const values = await this.backend.getMany(entries.map((entry) => chunkKey(key, entry.id)));
    const pinned = new Set(head.pinned ?? []);
    const history: HistoryMessage[] = [];
    let previous = -1;
    for (const [i, entry] of entries.entries()) {
      const chunk = liveChunk(entry, values[i], pinned, previous);
      if (!chunk.ok) return whole();
      history.push(...chunk.live);
      previous = chunk.laid.last;
    }
    return { version: versionOfText(text), session: sessionOf(history, head), skipped: parts.skipped };
  }

  async commit(basis: Snapshot, change: SessionChange): Promise<Snapshot> {
    const { before, layout } = await this.basisOf(basis);
    const after = applyChange(before, change);
    return this.write(basis, planCommit(layout, before, after, change, () => this.newId()), after);
  }

  /**
   * Stores `session` exactly as given, seqs, pins, settings and `next` included, in place of
   * what `basis` holds: compare-and-set on its version like commit. For copying a session from
   * another store (migrate), where no rule made it; it is laid out afresh, as after a reset.
   */
  async replace(basis: Snapshot, session: Session): Promise<Snapshot> {
    const problem = notStorable(session);
    if (problem !== undefined) throw new Error(`session ${basis.key} cannot be stored as given: ${problem}`);
    const { before, layout } = await this.basisOf(basis);
    return this.write(basis, planCommit(layout, before, session, { reset: true }, () => this.newId()), session);
  }

  /** The key of every stored session, in key order, read a page at a time (set-aside heads are not sessions). */
  async *sessionKeys(): AsyncGenerator<string> {
    if (this.closed) throw closedError();
    for await (const keys of pagesOfKeys(this.backend, HEAD_PREFIX)) {
      for (const key of keys) yield sessionOfHeadKey(key);
    }
  }

  /** The session `basis` names and how it is laid out: this store's own snapshot, or the stored one at that version. */
  private async basisOf(basis: Snapshot): Promise<{ before: Session; layout: Layout }> {
    if (this.closed) throw closedError();
    if (this.readOnly) throw new Error('this session store is open for reading only');
    const layout = this.layouts.get(basis.session);
    if (layout !== undefined) return { before: basis.session, layout };
    // A snapshot this store did not hand out: its version names the stored session, so that is the one to change.
    const current = await this.read(basis.key);
    if (current.snapshot.version !== basis.version) throw new StoreConflictError(basis.key, basis.version);
    return { before: current.snapshot.session, layout: current.layout };
  }

  /** Writes a plan's chunks and the head of `after` as basis.version + 1, if the head is still at basis.version. */
  private async write(basis: Snapshot, plan: CommitPlan, after: Session): Promise<Snapshot> {
    const { key } = basis;
    const at = this.now();
    const rows = plan.write.map((chunk) => ({ key: chunkKey(key, chunk.id), text: encodeRecord(chunkRecord(chunk.messages, at)) }));
    const pinned = plan.layout.pinned;
    const version = basis.version + 1;
    const pending = after.pending ?? [];
    const head = {
      v: HEAD_VERSION,
      ver: version,
      settings: after.settings,
      next: after.next,
      ...(pinned.length > 0 ? { pinned } : {}),
      ...(pending.length > 0 ? { pending } : {}),
      ...(after.summary === undefined ? {} : { summary: after.summary }),
      ...(after.usage === undefined ? {} : { usage: after.usage }),
    } as const;
    const text = encodeHeadWith(head, plan.layout.chunks.map(headEntryText));
    const stored = await this.backend.commit(rows, { key: headKey(key), text }, basis.version);
    // A lost commit's chunks are left alone: on a backend without transactions they are orphans
    // for the sweep, and deleting them here could, in theory, delete a chunk whose key was taken.
    if (!stored) throw new StoreConflictError(key, basis.version);
    const now = this.now();
    for (const id of plan.drop) this.dropped.push({ key: chunkKey(key, id), at: now });
    this.scheduleTidy();
    this.layouts.set(after, plan.layout);
    return { key, version, session: after };
  }

  /** Deletes dropped chunks past their grace, sweeps the quarantine and the orphans, and does the backend's upkeep. */
  housekeep(): Promise<HousekeepingReport> {
    if (this.readOnly) return Promise.reject(new Error('this session store is open for reading only'));
    const run = this.housekeeping.then(async () => {
      await this.tidy(false);
      const options = { now: this.now(), orphanGraceMs: this.orphanGraceMs, quarantineMs: this.quarantineMs };
      const quarantinedRemoved = await sweepQuarantine(this.backend, options);
      const orphansRemoved = await sweepOrphans(this.backend, options);
      if (quarantinedRemoved + orphansRemoved > 0) this.logger.info({ quarantinedRemoved, orphansRemoved }, 'store sweep removed records');
      return { orphansRemoved, quarantinedRemoved };
    });
    this.housekeeping = run.catch(() => undefined);
    return run;
  }

  /**
   * Pages over the heads; only those whose text holds a pending mark are decoded, so a pass over
   * a large store costs reading its heads, not parsing them.
   */
  async *pendingSessions(): AsyncGenerator<string> {
    // Small pages: the pass runs at every start, and the heads it reads (text it mostly drops) should not grow the process.
    for await (const keys of pagesOfKeys(this.backend, HEAD_PREFIX, PENDING_PAGE)) {
      if (this.closed) throw closedError();
      const texts = await this.backend.getMany(keys);
      for (const [i, text] of texts.entries()) {
        if (text === undefined || !text.includes('"pending":')) continue;
        const record = decodeRecord(text);
        const decoded = record === undefined ? undefined : decodeHead(record.value);
        const key = keys[i];
        if (decoded?.kind === 'head' && (decoded.head.pending?.length ?? 0) > 0 && key !== undefined) yield sessionOfHeadKey(key);
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.tidyTimer !== undefined) clearTimeout(this.tidyTimer);
    for (const timer of this.sweepTimers) clearTimeout(timer);
    await this.housekeeping;
    // Whatever is still waiting goes now; a process reading them has its head re-read to fall back on.
    if (!this.readOnly) await this.tidy(true);
    await this.backend.close();
  }

  private newId(): string {
    const id = `${this.writer}.${this.counter.toString(36)}`;
    this.counter += 1;
    return id;
  }

  /** One tidy-up at most every housekeepingMs, started by the first write after the last. */
  private scheduleTidy(): void {
    if (this.tidyTimer !== undefined || this.closed) return;
    this.tidyTimer = setTimeout(() => {
      this.tidyTimer = undefined;
      this.housekeeping = this.housekeeping.then(() => this.tidy(false));
    }, this.housekeepingMs);
    // A pending tidy-up must not keep the process alive; close() runs it anyway.
    this.tidyTimer.unref();
  }

  /**
   * Deletes the dropped chunks whose grace is over (all of them with `all`), in one batch, and
   * runs the backend's upkeep. Never rejects: a failure is logged and the rows wait.
   */
  private async tidy(all: boolean): Promise<void> {
    const now = this.now();
    const due = all ? this.dropped : this.dropped.filter((d) => now - d.at >= this.dropGraceMs);
    this.dropped = all ? [] : this.dropped.filter((d) => now - d.at < this.dropGraceMs);
    if (due.length > 0) {
      try {
        await this.backend.deleteMany(due.map((d) => d.key));
      } catch (error) {
        this.logger.warn({ err: error, chunks: due.length }, 'dropped chunks not deleted; retrying later');
        // If this process stops first, the orphan sweep finds them.
        if (!this.closed) this.dropped.push(...due);
      }
    }
    if (this.dropped.length > 0) this.scheduleTidy();
    try {
      await this.backend.maintain();
    } catch (error) {
      this.logger.warn({ err: error }, 'store upkeep failed');
    }
  }

  /**
   * The whole session, from `text` (the head as already fetched) or a fresh read. A chunk that
   * is missing or not as the head says may have been deleted after another writer moved the
   * head on: the session is set aside only if its head is still the one read (quarantine),
   * else the newer head is read.
   */
  private async read(key: string, text?: string, attempt = 0): Promise<Read> {
    const headText = text ?? (await this.backend.get(headKey(key)));
    const fresh: Read = { snapshot: { key, version: 0, session: emptySession() }, layout: EMPTY_LAYOUT };
    if (headText === undefined) return this.handOut(fresh);
    const record = decodeRecord(headText);
    const decoded = record === undefined ? ({ kind: 'bad', reason: 'not JSON' } as const) : decodeHead(record.value);
    let result: Read | { problem: string };
    switch (decoded.kind) {
      case 'bad':
        return this.quarantine(key, headText, decoded.reason, attempt);
      case 'legacy-whole': {
        const history = decoded.history.map((message, seq) => ({ ...message, seq }));
        return this.handOut({
          snapshot: { key, version: 0, session: { history, settings: decoded.settings, next: history.length } },
          layout: { chunks: [], pinned: pinnedSeqs(history), rewrite: true },
        });
      }
      case 'legacy-chunks':
        result = await this.readLegacy(key, decoded.settings, decoded.chunks);
        break;
      case 'head':
        result = await this.readChunks(key, decoded.head, versionOfText(headText));
        break;
    }
    if (!('problem' in result)) return this.handOut(result);
    return this.quarantine(key, headText, result.problem, attempt);
  }

  private handOut(read: Read): Read {
    this.layouts.set(read.snapshot.session, read.layout);
    return read;
  }

  private async readChunks(key: string, head: HeadRecord, version: number): Promise<Read | { problem: string }> {
    const values = await this.backend.getMany(head.chunks.map((entry) => chunkKey(key, entry.id)));
    const pinned = new Set(head.pinned ?? []);
    const history: HistoryMessage[] = [];
    const chunks: LaidChunk[] = [];
    let previous = -1;
    for (const [i, entry] of head.chunks.entries()) {
      const chunk = liveChunk(entry, values[i], pinned, previous);
      if (!chunk.ok) return { problem: chunk.problem };
      if (entry.n !== chunk.laid.summary.n || entry.cost !== chunk.laid.summary.cost || (entry.pins ?? 0) !== chunk.laid.summary.pins) {
        // Only partial reads trust the summaries; the layout holds the right one, and the next commit writes it.
        this.logger.warn({ session: key, chunk: entry.id }, 'stored chunk summary does not match its chunk; it will be rewritten');
      }
      history.push(...chunk.live);
      chunks.push(chunk.laid);
      previous = chunk.laid.last;
    }
    if (previous >= head.next) return { problem: `seq ${String(previous)} is not below next ${String(head.next)}` };
    const found = history.filter((m) => m.pinned).length;
    if (found !== pinned.size) return { problem: `the head pins ${String(pinned.size)} messages, the chunks hold ${String(found)} of them` };
    return {
      snapshot: { key, version, session: sessionOf(history, head) },
      layout: { chunks, pinned: [...pinned].sort((a, b) => a - b), rewrite: false },
    };
  }

  /** A version 2 or 3 head: its live messages are numbered in order, and the next commit lays them out anew. */
  private async readLegacy(key: string, settings: SessionSettings, entries: readonly LegacyEntry[]): Promise<Read | { problem: string }> {
    const values = await this.backend.getMany(entries.map((entry) => chunkKey(key, entry.id)));
    const history: HistoryMessage[] = [];
    const chunks: LaidChunk[] = [];
    for (const [i, entry] of entries.entries()) {
      const text = values[i];
      const stored = text === undefined ? undefined : decodeLegacyChunk(decodeRecord(text)?.value);
      if (stored === undefined) return { problem: `chunk ${entry.id} is missing or cannot be decoded` };
      const gone = new Set(entry.gone);
      const ascending = entry.gone.every((k, j) => k < stored.length && (j === 0 || k > (entry.gone[j - 1] ?? -1)));
      if (!ascending) return { problem: `chunk ${entry.id} lists gone messages it does not hold` };
      if (gone.size >= stored.length) return { problem: `chunk ${entry.id} has no message left` };
      const first = history.length;
      stored.forEach((message, k) => {
        if (!gone.has(k)) history.push({ ...message, seq: history.length });
      });
      const live = history.slice(first);
      chunks.push({ id: entry.id, first, last: history.length - 1, size: live.length, gone: [], summary: summarizePart(live) });
    }
    return {
      snapshot: { key, version: 0, session: { history, settings, next: history.length } },
      layout: { chunks, pinned: pinnedSeqs(history), rewrite: true },
    };
  }

  /**
   * Keeps the head as it was stored under `quarantine:{key}:{time}.{writer}` (its chunks stay
   * where they are, protected from the sweep by it) and removes it, so the session starts fresh.
   * It is removed only if it is still the same text, in one compare-and-delete: if another writer
   * moved the head on (and deleted a chunk the old one listed) or set it aside and committed a
   * fresh session meanwhile, the copy is taken back and the newer head is read instead. This is
   * the one re-read of the head a damaged-looking session gets, and it has no window between
   * looking and removing.
   */
  private async quarantine(key: string, text: string, reason: string, attempt: number): Promise<Read> {
    if (this.readOnly) {
      // Not set aside, only reported; a head that moved on meanwhile is read again, as below.
      if ((await this.backend.get(headKey(key))) !== text && attempt < 2) return this.read(key, undefined, attempt + 1);
      throw new UnreadableSessionError(key, reason);
    }
    const aside = quarantineKey(key, this.now(), this.writer);
    await this.backend.put({ key: aside, text });
    if (!(await this.backend.deleteIf(headKey(key), text))) {
      await this.backend.deleteIf(aside, text);
      if (attempt < 2) return this.read(key, undefined, attempt + 1);
      throw new Error(`session ${key} kept changing while its damaged head was being set aside`);
    }
    this.logger.error({ session: key, quarantinedAs: aside, reason }, 'stored session could not be decoded; it was set aside and the session starts fresh');
    return this.handOut({ snapshot: { key, version: 0, session: emptySession() }, layout: EMPTY_LAYOUT });
  }
}

/**
 * A chunk as the head lists it, checked against its record: seqs ascending and above the
 * previous chunk's, the gone list a subset of them leaving at least one, `n` live messages.
 */
function liveChunk(entry: HeadEntry, text: string | undefined, pinned: ReadonlySet<number>, previous: number): Chunk {
  const record = text === undefined ? undefined : decodeChunk(decodeRecord(text)?.value);
  if (record === undefined) return { ok: false, problem: `chunk ${entry.id} is missing or cannot be decoded` };
  const gone = new Set(entry.gone ?? []);
  const live: HistoryMessage[] = [];
  let last = previous;
  let goneFound = 0;
  for (const message of record.messages) {
    if (message.seq <= last) return { ok: false, problem: `chunk ${entry.id} holds seq ${String(message.seq)} out of order` };
    last = message.seq;
    if (gone.has(message.seq)) goneFound += 1;
    else {
      // In place: the decoded objects are this read's own, and a cold read of a long session copies no message.
      message.pinned = pinned.has(message.seq);
      live.push(message);
    }
  }
  if (goneFound !== gone.size) return { ok: false, problem: `chunk ${entry.id} lists gone messages it does not hold` };
  if (live.length === 0) return { ok: false, problem: `chunk ${entry.id} has no message left` };
  const first = record.messages[0]?.seq ?? 0;
  return {
    ok: true,
    live,
    laid: { id: entry.id, first, last, size: record.messages.length, gone: [...gone].sort((a, b) => a - b), summary: summarizePart(live) },
  };
}

/** The session a head and its live messages make. */
function sessionOf(history: readonly HistoryMessage[], head: HeadRecord): Session {
  const { settings, next, pending, summary, usage } = head;
  return {
    history,
    settings,
    next,
    ...(pending === undefined || pending.length === 0 ? {} : { pending }),
    ...(summary === undefined ? {} : { summary }),
    ...(usage === undefined ? {} : { usage }),
  };
}

/** Why `session` could not be stored and read back as it is, if it could not: seqs must ascend and stay below `next`. */
function notStorable(session: Session): string | undefined {
  let previous = -1;
  for (const message of session.history) {
    if (!Number.isSafeInteger(message.seq) || message.seq <= previous) return `seq ${String(message.seq)} does not follow ${String(previous)}`;
    previous = message.seq;
  }
  return Number.isSafeInteger(session.next) && session.next > previous ? undefined : `next ${String(session.next)} is not above seq ${String(previous)}`;
}

function closedError(): Error {
  return new Error('the session store is closed');
}
