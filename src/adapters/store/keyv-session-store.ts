import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import KeyvSqlite from '@keyv/sqlite';
import Keyv, { type StoredData } from 'keyv';
import type { Logger } from 'pino';
import type { HistoryMessage } from '../../domain/message.js';
import { emptySession, type Session, type SessionSettings } from '../../domain/session.js';
import type { RecentSession, SessionStore } from '../../services/session-store.js';
import {
  type Chunk,
  CHUNK_VERSION,
  type ChunkRecord,
  chunkProblem,
  chunksForAppend,
  decodeChunk,
  decodeHead,
  EMPTY_LAYOUT,
  HEAD_VERSION,
  type HeadChunk,
  type HeadRecord,
  headEntry,
  type Layout,
  liveCount,
  liveMessages,
  planAppend,
  planChunks,
  recentChunks,
} from './session-record.js';

const NAMESPACE = 'contextcord';
const HEAD_PREFIX = 'session:';
const CHUNK_PREFIX = 'chunk:';
const QUARANTINE_PREFIX = 'quarantine:';
/** WAL pages (4 kB) after which SQLite checkpoints by itself if our housekeeping has not. */
const SAFETY_NET_CHECKPOINT_PAGES = 10_000;
/** Rows a SQLite batch write binds as parameters (2 each; SQLite allows 32 766 since 3.32). */
const MAX_BOUND_ROWS = 1000;

/**
 * Recently used sessions stay decoded in memory, up to this many messages in all, so a turn
 * neither re-reads nor re-parses its history. Idle sessions are not held: the least recently used
 * go first. This assumes one bot process per store, as SQLite does anyway.
 */
export const DEFAULT_CACHED_MESSAGES = 20_000;

/** What a stored value decodes to when its text is not JSON at all, so it can still be set aside. */
interface Undecodable {
  readonly undecodable: string;
}

interface Loaded {
  readonly session: Session;
  readonly layout: Layout;
}

/** Default for how long after a write the store's housekeeping runs (and so at most how often). */
export const DEFAULT_HOUSEKEEPING_MS = 1000;

/** Work a store's database needs now and then, off every turn's path (e.g. SQLite's WAL checkpoint). */
export interface Housekeeper {
  run(): Promise<void>;
  close(): Promise<void>;
}

export interface KeyvSessionStoreOptions {
  readonly now?: () => number;
  readonly cachedMessages?: number;
  /** The store's setMany writes all entries in one transaction (true for our SQLite adapter). */
  readonly atomicSetMany?: boolean;
  /** How long after a write the deferred deletes and the housekeeper run; 0 runs them at once. */
  readonly housekeepingMs?: number;
  readonly housekeeper?: Housekeeper;
}

/**
 * Sessions in any Keyv store, written as a small head plus chunks of messages (see
 * session-record.ts), so a turn writes a small chunk and the head, not the whole history.
 *
 * Keyv swallows store errors by default and reports a miss, which would make a failing database
 * look like an empty session that then overwrites the real one: `throwOnErrors` makes those
 * failures loud instead.
 */
export class KeyvSessionStore implements SessionStore {
  private readonly cache = new Map<string, Loaded>();
  /**
   * The layout behind every session load handed out, for as long as the caller holds it: its
   * save (with that session as basis) can tell what changed even if the cache has let it go
   * meanwhile, instead of reading the session again and, with new message objects, rewriting it.
   */
  private readonly layouts = new WeakMap<Session, Layout>();
  private cachedMessages = 0;
  /** Chunks no head refers to any more, by session, waiting for the next housekeeping. */
  private readonly dropped = new Map<string, string[]>();
  /** The housekeeping runs one after another; this is the last one started. */
  private housekeeping: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly now: () => number;
  private readonly maxCachedMessages: number;
  private readonly atomicSetMany: boolean;
  private readonly housekeepingMs: number;
  private readonly housekeeper: Housekeeper | undefined;

  constructor(
    private readonly keyv: Keyv,
    private readonly logger: Logger,
    options: KeyvSessionStoreOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.maxCachedMessages = options.cachedMessages ?? DEFAULT_CACHED_MESSAGES;
    this.atomicSetMany = options.atomicSetMany ?? false;
    this.housekeepingMs = options.housekeepingMs ?? DEFAULT_HOUSEKEEPING_MS;
    this.housekeeper = options.housekeeper;
  }

  async load(key: string): Promise<Session> {
    const { session, layout } = await this.loaded(key);
    this.layouts.set(session, layout);
    return session;
  }

  /**
   * What a context within `budgetFor(settings)` tokens needs, reading only those chunks when the
   * session is not in memory (see recentChunks); the whole session when it is, or when the head
   * cannot say. A partial read is not kept in memory: the next load reads the session whole.
   */
  async loadRecent(key: string, budgetFor: (settings: SessionSettings) => number): Promise<RecentSession> {
    if (this.cache.has(key)) return { session: (await this.loaded(key)).session, skipped: 0 };
    const value: unknown = await this.keyv.get(HEAD_PREFIX + key);
    const decoded = value === undefined || isUndecodable(value) ? undefined : decodeHead(value);
    const head = decoded?.ok === true && decoded.kind === 'head' ? decoded.head : undefined;
    const recent = head === undefined ? undefined : recentChunks(head.chunks, budgetFor(head.settings));
    const whole = async (): Promise<RecentSession> => ({ session: (await this.loaded(key, { value })).session, skipped: 0 });
    if (head === undefined || recent === undefined) return whole();
    const values = await this.keyv.getMany<unknown>(recent.read.map((c) => chunkKey(key, c.id)));
    const history: HistoryMessage[] = [];
    for (const [i, entry] of recent.read.entries()) {
      const stored = decodeChunk(values[i]);
      // Whatever is wrong, the whole read deals with it (and sets the record aside if need be).
      if (stored === undefined || chunkProblem(entry, stored) !== undefined) return whole();
      history.push(...liveMessages({ id: entry.id, stored, gone: entry.gone ?? [] }));
    }
    return { session: { history, settings: head.settings }, skipped: recent.skipped };
  }

  async save(key: string, session: Session, basis?: Session): Promise<void> {
    // The cached layout when there is one (the newest this store wrote), else the basis's.
    const known = this.cache.get(key)?.layout ?? (basis === undefined ? undefined : this.layouts.get(basis));
    const layout = known ?? (await this.loaded(key)).layout;
    const plan = planChunks(layout, session.history);
    const head: HeadRecord = { v: HEAD_VERSION, settings: session.settings, chunks: plan.layout.chunks.map(headEntry), next: plan.layout.next };
    await this.write(key, plan.write, head, plan.drop);
    this.remember(key, { session, layout: plan.layout });
  }

  /**
   * Appends `round` and trims to the limit (the domain's commitRound) without reading the whole
   * session, for a session not in memory (typically one read cold for its answer): reads the
   * head, the oldest chunks the trim reaches and the newest a merge takes (chunksForAppend), and
   * writes what planAppend plans. Resolves false, having changed nothing, when the caller should
   * load the session whole instead: it is in memory anyway, the cache has room for it (so the
   * conversation's next turns find it there), it is short, its head has no summaries, or a chunk
   * it read does not match its summary (the whole read deals with that). Like loadRecent, it
   * trusts the head's summaries of the chunks it does not read.
   */
  async appendRound(key: string, round: readonly HistoryMessage[], limitFor: (settings: SessionSettings) => number): Promise<boolean> {
    if (this.cache.has(key)) return false;
    const value: unknown = await this.keyv.get(HEAD_PREFIX + key);
    const decoded = value === undefined || isUndecodable(value) ? undefined : decodeHead(value);
    if (decoded?.ok !== true || decoded.kind !== 'head') return false;
    const { head } = decoded;
    if (this.cachedMessages + liveCount(head.chunks) <= this.maxCachedMessages) return false;
    const limit = limitFor(head.settings);
    const positions = chunksForAppend(head.chunks, round.length, limit);
    if (positions === undefined) return false;
    const entries = positions.map((p) => head.chunks[p]);
    const values = entries.length === 0 ? [] : await this.keyv.getMany<unknown>(entries.map((entry) => chunkKey(key, entry?.id ?? -1)));
    const read = new Map<number, Chunk>();
    for (const [i, entry] of entries.entries()) {
      const stored = decodeChunk(values[i]);
      if (entry === undefined || stored === undefined || chunkProblem(entry, stored) !== undefined) return false;
      const chunk = { id: entry.id, stored, gone: entry.gone ?? [] };
      if (!summaryAgrees(entry, headEntry(chunk))) return false;
      read.set(positions[i] ?? -1, chunk);
    }
    const plan = planAppend(head.chunks, head.next, read, round, limit);
    if (plan === undefined) return false;
    await this.write(key, plan.write, { v: HEAD_VERSION, settings: head.settings, chunks: plan.chunks, next: plan.next }, plan.drop);
    return true;
  }

  /**
   * Writes new chunks and the head that lists them, and hands the chunks it no longer lists to
   * the housekeeping. On failure the session is forgotten from memory: what is stored is still
   * the head before, and it is read again next time.
   */
  private async write(key: string, chunks: readonly Chunk[], head: HeadRecord, drop: readonly number[]): Promise<void> {
    const records = chunks.map((chunk) => ({
      key: chunkKey(key, chunk.id),
      value: { v: CHUNK_VERSION, messages: chunk.stored } satisfies ChunkRecord,
    }));
    const headRecord = { key: HEAD_PREFIX + key, value: head };
    try {
      if (this.atomicSetMany) {
        // The chunks and the head in one atomic write: the round lands whole or not at all.
        await this.keyv.setMany([...records, headRecord]);
      } else {
        // Chunks first, the head last: until the head is written nothing refers to them.
        if (records.length > 0) await this.keyv.setMany(records);
        await this.keyv.set(headRecord.key, headRecord.value);
      }
    } catch (error) {
      this.forget(key);
      throw error;
    }
    if (drop.length > 0) {
      // Nothing references these chunks any more. Deleting them waits for the next housekeeping,
      // which deletes every session's dropped chunks in one statement, away from the turns: a
      // crash before then leaves only unreferenced rows. Chunk ids are not reused within a
      // session (only delete() starts them over, and it waits for the housekeeping).
      const keys = this.dropped.get(key) ?? [];
      keys.push(...drop.map((id) => chunkKey(key, id)));
      this.dropped.set(key, keys);
    }
    this.scheduleHousekeeping();
  }

  async delete(key: string): Promise<void> {
    const { layout } = await this.loaded(key);
    const dropped = await this.startOver(key);
    await this.keyv.delete(HEAD_PREFIX + key);
    this.forget(key);
    const chunks = [...dropped, ...layout.chunks.map((c) => chunkKey(key, c.id))];
    if (chunks.length > 0) await this.keyv.deleteMany(chunks);
  }

  /** Runs the deferred deletes and the housekeeper now, and waits for them (tests, shutdown). */
  settle(): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.housekeeping = this.housekeeping.then(() => this.tidy());
    return this.housekeeping;
  }

  /** Raw access for tests and tools (e.g. to read a quarantined record). */
  get raw(): Keyv {
    return this.keyv;
  }

  /** Drops every decoded session held in memory (for tests and benchmarks of cold loads). */
  clearCache(): void {
    this.cache.clear();
    this.cachedMessages = 0;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.clearCache();
    await this.settle();
    await this.housekeeper?.close();
    await this.keyv.disconnect();
  }

  /**
   * A session about to start over at chunk id 0 must not have a deferred delete of an old chunk
   * run later: waits for the housekeeping under way and hands back what is still waiting.
   */
  private async startOver(key: string): Promise<string[]> {
    await this.housekeeping;
    const dropped = this.dropped.get(key) ?? [];
    this.dropped.delete(key);
    return dropped;
  }

  /** One housekeeping at most every housekeepingMs, started by the first write after the last. */
  private scheduleHousekeeping(): void {
    if (this.timer !== undefined || this.closed) return;
    this.timer = setTimeout(() => void this.settle(), this.housekeepingMs);
    // A pending tidy-up must not keep the process alive; close() runs it anyway.
    this.timer.unref();
  }

  /** Never rejects: housekeeping failures are logged and the rows wait for the next one. */
  private async tidy(): Promise<void> {
    const sessions = [...this.dropped.entries()];
    this.dropped.clear();
    const keys = sessions.flatMap(([, chunks]) => chunks);
    if (keys.length > 0) {
      try {
        await this.keyv.deleteMany(keys);
      } catch (error) {
        this.logger.warn({ err: error, chunks: keys.length }, 'old chunks not deleted; retrying later');
        for (const [session, chunks] of sessions) {
          if (!this.closed) this.dropped.set(session, [...(this.dropped.get(session) ?? []), ...chunks]);
        }
        this.scheduleHousekeeping();
      }
    }
    try {
      await this.housekeeper?.run();
    } catch (error) {
      this.logger.warn({ err: error }, 'store housekeeping failed');
    }
  }

  /** The session from the cache, else read (from `head`, the head record's stored value, if already fetched). */
  private async loaded(key: string, head?: { value: unknown }): Promise<Loaded> {
    const hit = this.cache.get(key);
    if (hit !== undefined) {
      // Map order is insertion order: re-inserting marks it most recently used.
      this.cache.delete(key);
      this.cache.set(key, hit);
      return hit;
    }
    const loaded = await this.read(key, head ?? { value: await this.keyv.get(HEAD_PREFIX + key) });
    this.remember(key, loaded);
    return loaded;
  }

  private async read(key: string, { value }: { value: unknown }): Promise<Loaded> {
    if (value === undefined) return { session: emptySession(), layout: EMPTY_LAYOUT };
    const decoded = isUndecodable(value) ? { ok: false as const, reason: 'not JSON' } : decodeHead(value);
    if (!decoded.ok) return this.quarantine(key, value, decoded.reason);
    if (decoded.kind === 'legacy') return { session: decoded.session, layout: EMPTY_LAYOUT };
    const { head } = decoded;
    const values = head.chunks.length === 0 ? [] : await this.keyv.getMany<unknown>(head.chunks.map((c) => chunkKey(key, c.id)));
    const chunks: Chunk[] = [];
    for (const [i, entry] of head.chunks.entries()) {
      const stored = decodeChunk(values[i]);
      if (stored === undefined) return this.quarantine(key, value, `chunk ${String(entry.id)} is missing or cannot be decoded`, head.next);
      const problem = chunkProblem(entry, stored);
      if (problem !== undefined) return this.quarantine(key, value, problem, head.next);
      chunks.push({ id: entry.id, stored, gone: entry.gone ?? [] });
    }
    const wrong = chunks.find((chunk, i) => !summaryAgrees(head.chunks[i], headEntry(chunk)));
    if (wrong !== undefined) {
      // Only partial reads trust the summaries; the next save writes them right.
      this.logger.warn({ session: key, chunk: wrong.id }, 'stored chunk summary does not match its chunk; it will be rewritten');
    }
    return {
      session: { history: chunks.flatMap(liveMessages), settings: head.settings },
      layout: { chunks, next: head.next },
    };
  }

  /**
   * Keeps the undecodable head under another key (its chunks stay where they are) and starts
   * fresh; where the head could be read, the fresh session's chunk ids continue after its ids, so
   * the set-aside record's chunks are not overwritten.
   */
  private async quarantine(key: string, value: unknown, reason: string, next = 0): Promise<Loaded> {
    const aside = `${QUARANTINE_PREFIX}${key}:${this.now()}`;
    const dropped = await this.startOver(key);
    await this.keyv.set(aside, value);
    await this.keyv.delete(HEAD_PREFIX + key);
    if (dropped.length > 0) await this.keyv.deleteMany(dropped);
    this.logger.error(
      { session: key, quarantinedAs: aside, reason },
      'stored session could not be decoded; it was set aside and the session starts fresh',
    );
    return { session: emptySession(), layout: { chunks: [], next } };
  }

  private remember(key: string, loaded: Loaded): void {
    this.forget(key);
    if (this.maxCachedMessages === 0) return;
    this.cache.set(key, loaded);
    this.cachedMessages += loaded.session.history.length;
    for (const [oldKey, old] of this.cache) {
      if (this.cachedMessages <= this.maxCachedMessages || oldKey === key) break;
      this.cache.delete(oldKey);
      this.cachedMessages -= old.session.history.length;
    }
  }

  private forget(key: string): void {
    const old = this.cache.get(key);
    if (old === undefined) return;
    this.cache.delete(key);
    this.cachedMessages -= old.session.history.length;
  }
}

/** A stored summary agrees with the chunk's, or there is none (an older head). */
function summaryAgrees(stored: HeadChunk | undefined, actual: HeadChunk): boolean {
  if (stored?.n === undefined && stored?.cost === undefined && stored?.pins === undefined) return true;
  return stored.n === actual.n && stored.cost === actual.cost && stored.pins === actual.pins;
}

function chunkKey(key: string, id: number): string {
  return `${CHUNK_PREFIX}${key}:${id}`;
}

function isUndecodable(value: unknown): value is Undecodable {
  return typeof value === 'object' && value !== null && 'undecodable' in value;
}

function deserialize(text: string): { value: unknown; expires?: number } {
  try {
    return JSON.parse(text) as { value: unknown; expires?: number };
  } catch {
    return { value: { undecodable: text } satisfies Undecodable };
  }
}

/**
 * @keyv/sqlite with batch operations that suit a turn: getMany matching rows through a Map (the
 * original searches linearly per key, quadratic in the number of chunks read), and setMany /
 * deleteMany as single statements.
 */
class KeyvSqliteBatched extends KeyvSqlite {
  override async getMany<Value>(keys: string[]): Promise<Array<StoredData<Value | undefined>>> {
    const rows = (await this.query(
      `SELECT key, value FROM ${this.table} WHERE key IN (SELECT value FROM json_each(?))`,
      JSON.stringify(keys),
    )) as Array<{ key: string; value: StoredData<Value> }>;
    const byKey = new Map(rows.map((row) => [row.key, row.value]));
    return keys.map((key) => byKey.get(key));
  }

  /**
   * All entries in one statement, so they are written together or not at all (one implicit
   * transaction, one WAL commit). The values are bound as parameters (a turn writes two or three
   * rows); a batch too big for SQLite's parameter limit travels as one JSON parameter instead.
   */
  async setMany(entries: Array<{ key: string; value: unknown }>): Promise<boolean[]> {
    const upsert = 'ON CONFLICT(key) DO UPDATE SET value = excluded.value';
    if (entries.length <= MAX_BOUND_ROWS) {
      const rows = entries.map(() => '(?, ?)').join(', ');
      await this.query(`INSERT INTO ${this.table} (key, value) VALUES ${rows} ${upsert}`, ...entries.flatMap((e) => [e.key, e.value]));
    } else {
      await this.query(
        `INSERT INTO ${this.table} (key, value)
         SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?) WHERE true ${upsert}`,
        JSON.stringify(entries.map((e) => [e.key, e.value])),
      );
    }
    return entries.map(() => true);
  }

  /** One statement, instead of reading the rows back first as @keyv/sqlite does. */
  override async deleteMany(keys: string[]): Promise<boolean> {
    await this.query(`DELETE FROM ${this.table} WHERE key IN (SELECT value FROM json_each(?))`, JSON.stringify(keys));
    return true;
  }

  private get table(): string {
    return String(this.opts.table);
  }
}

function baseKeyv(store: ConstructorParameters<typeof Keyv>[0]): Keyv {
  return new Keyv(store as never, {
    namespace: NAMESPACE,
    throwOnErrors: true,
    serialize: JSON.stringify,
    // Keyv types its deserializer generically over the value; ours yields unknown, checked later.
    deserialize: deserialize as never,
  });
}

/** Opens the store a STORE_URL names: `sqlite://path` (default) or `memory://`. */
export async function openSessionStore(
  storeUrl: string,
  logger: Logger,
  options: KeyvSessionStoreOptions = {},
): Promise<KeyvSessionStore> {
  if (storeUrl === 'memory://') {
    return new KeyvSessionStore(baseKeyv(undefined), logger, options);
  }
  if (storeUrl.startsWith('sqlite://')) {
    const file = storeUrl.slice('sqlite://'.length);
    if (file === '') throw new Error('STORE_URL sqlite:// needs a file path, e.g. sqlite://data/contextcord.sqlite');
    const path = file === ':memory:' ? file : resolve(file);
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const sqlite = new KeyvSqliteBatched({ uri: `sqlite://${path}`, busyTimeout: 5000 });
    if (path === ':memory:') return new KeyvSessionStore(baseKeyv(sqlite), logger, { ...options, atomicSetMany: true });
    // WAL lets readers and the writer proceed together and makes each commit one append,
    // not a rewrite of the journal; NORMAL sync is still crash-safe in WAL mode.
    await sqlite.query('PRAGMA journal_mode=WAL');
    await sqlite.query('PRAGMA synchronous=NORMAL');
    // SQLite would otherwise checkpoint inside whichever commit crosses 1 000 WAL pages, copying
    // pages and syncing the file on a turn's path. A second connection checkpoints instead, after
    // writes, in the housekeeping; the far higher automatic threshold is only a safety net.
    await sqlite.query(`PRAGMA wal_autocheckpoint=${String(SAFETY_NET_CHECKPOINT_PAGES)}`);
    const checkpointer = new KeyvSqlite({ uri: `sqlite://${path}`, busyTimeout: 5000 });
    const housekeeper: Housekeeper = {
      run: async () => {
        await checkpointer.query('PRAGMA wal_checkpoint(PASSIVE)');
      },
      close: () => checkpointer.disconnect(),
    };
    return new KeyvSessionStore(baseKeyv(sqlite), logger, { ...options, atomicSetMany: true, housekeeper });
  }
  const scheme = storeUrl.split(':')[0] ?? storeUrl;
  throw new Error(
    `STORE_URL scheme "${scheme}:" is not supported yet: use sqlite://path/to/file.sqlite (the default) or memory://.`,
  );
}
