import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RecordBackend, Row } from '../../../src/adapters/store/backend.js';
import type { CachingSessionStore } from '../../../src/adapters/store/caching-store.js';
import { DEFAULT_ORPHAN_GRACE_MS } from '../../../src/adapters/store/chunked-store.js';
import { sessionStoreOn, type SessionStoreOptions } from '../../../src/adapters/store/open-session-store.js';
import { chunkKey, decodeRecord, encodeRecord, headKey } from '../../../src/adapters/store/record.js';
import {
  applyChange,
  buildContext,
  commitRound,
  ContextcordError,
  type DraftMessage,
  emptySession,
  forge,
  type HistoryMessage,
  pin,
  reset,
  rollback,
  type Session,
  type SessionChange,
  setLimit,
  unpin,
  storeAnswered,
  confirmDelivered,
  applyFold,
  summaryOf,
} from '../../../src/domain/index.js';
import { Memory, MemoryBusyError } from '../../../src/engine/memory.js';
import { type Snapshot, StoreConflictError } from '../../../src/engine/session-store.js';
import { assistant, testRules, user, wordTokens } from '../../helpers/domain.js';
import { type CapturedLogs, captureLogs } from '../../helpers/logs.js';
import { seededRandom } from '../../helpers/random.js';

/** One database that several store instances (writers) can connect to, as several processes would. */
export interface ContractDatabase {
  connect(): Promise<RecordBackend>;
  cleanup(): Promise<void>;
}

const DAY_MS = 24 * 60 * 60 * 1000;
const defaults = { limit: 1000, systemPrompt: 'sys', model: 'm', tokenBudget: 100_000 };

/** A backend whose every call goes to `inner` unless `overrides` replaces it. */
export function wrapped(inner: RecordBackend, overrides: Partial<RecordBackend>): RecordBackend {
  return {
    get: (key) => inner.get(key),
    getMany: (keys) => inner.getMany(keys),
    version: (key) => inner.version(key),
    commit: (rows, head, expected) => inner.commit(rows, head, expected),
    put: (row) => inner.put(row),
    deleteIf: (key, text) => inner.deleteIf(key, text),
    deleteMany: (keys) => inner.deleteMany(keys),
    keys: (prefix, after, limit) => inner.keys(prefix, after, limit),
    maintain: () => inner.maintain(),
    close: () => inner.close(),
    ...overrides,
  };
}

function round(i: number, words = 1): DraftMessage[] {
  const text = 'word '.repeat(words).trim();
  return [user(`q${String(i)} ${text}`), assistant(`a${String(i)} ${text}`)];
}

function numbered(session: Session, drafts: readonly DraftMessage[]): HistoryMessage[] {
  return drafts.map((draft, i) => ({ ...draft, seq: session.next + i }));
}

async function allKeys(backend: RecordBackend, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for (let after = ''; ; ) {
    const page = await backend.keys(prefix, after, 100);
    const last = page.at(-1);
    if (last === undefined) return out;
    out.push(...page);
    after = last;
  }
}

/** The outcome of building a context, as a value: the same context, or the same refusal. */
function contextOutcome(build: () => unknown): unknown {
  try {
    return { ok: build() };
  } catch (error) {
    if (!(error instanceof ContextcordError)) return { error: String(error) };
    // instanceof cannot narrow the class's type parameters; these are its declared bounds.
    const { code, details } = error as { code: string; details: object };
    return { error: { code, details } };
  }
}

/**
 * The one contract every session store passes, written once (as Keyv's own store test suite
 * is), run against every backend. The stores are the bot's: chunked records with the version
 * cache in front (sessionStoreOn).
 */
export function describeSessionStoreContract(name: string, createDatabase: () => Promise<ContractDatabase>): void {
  describe(`session store contract: ${name}`, () => {
    let database: ContractDatabase;
    let logs: CapturedLogs;
    let clock: number;
    const opened: CachingSessionStore[] = [];

    /** Another store instance on the database: another process, as far as the store can tell. */
    async function open(options: SessionStoreOptions & { wrap?: (backend: RecordBackend) => RecordBackend } = {}): Promise<{
      store: CachingSessionStore;
      backend: RecordBackend;
    }> {
      const { wrap, ...rest } = options;
      const raw = await database.connect();
      const backend = wrap === undefined ? raw : wrap(raw);
      const store = sessionStoreOn(backend, logs.logger, { now: () => clock, sweepAfterStartMs: Infinity, housekeepingMs: 60_000, ...rest });
      opened.push(store);
      return { store, backend };
    }

    async function commitAll(store: CachingSessionStore, key: string, rounds: number, limit = 1000): Promise<Snapshot> {
      let snapshot = await store.load(key);
      for (let i = 0; i < rounds; i += 1) {
        snapshot = await store.commit(snapshot, commitRound(snapshot.session, round(snapshot.session.next), limit).change);
      }
      return snapshot;
    }

    const warnings = (): Array<Record<string, unknown>> => logs.lines.filter((line) => Number(line['level']) >= 40);

    beforeEach(async () => {
      database = await createDatabase();
      logs = captureLogs();
      clock = 1_800_000_000_000;
    });

    afterEach(async () => {
      for (const store of opened.splice(0)) await store.close();
      await database.cleanup();
    });

    it('starts empty at version 0', async () => {
      const { store } = await open();
      expect(await store.load('none')).toEqual({ key: 'none', version: 0, session: emptySession() });
      expect(await store.version('none')).toBe(0);
      expect(await store.loadForContext('none', () => 100)).toEqual({ version: 0, session: emptySession(), skipped: 0 });
    });

    it('stores every kind of change as the domain applies it, one version each, and reads it back cold (400 random changes)', async () => {
      const random = seededRandom(11);
      const { store } = await open();
      let snapshot = await store.load('k');
      let made = 0;
      const seqs = (session: Session): number[] => session.history.map((m) => m.seq);
      const some = (list: readonly number[]): number[] => list.filter(() => random() < 0.2);
      for (let step = 0; step < 400; step += 1) {
        const session = snapshot.session;
        const n = session.history.length;
        const roll = random();
        let change: SessionChange;
        try {
          if (roll < 0.4) change = commitRound(session, round((made += 1), 1 + Math.floor(random() * 5)), 30 + Math.floor(random() * 30)).change;
          else if (roll < 0.46) change = forge(session, [assistant(`forged ${String(made)}`)], 60).change;
          else if (roll < 0.52) change = pin(session, [Math.floor(random() * n)]).change;
          else if (roll < 0.57) change = unpin(session, [Math.floor(random() * n)]).change;
          else if (roll < 0.62) change = rollback(session, 1 + Math.floor(random() * 2)).change;
          else if (roll < 0.66) change = setLimit(session, 5 + Math.floor(random() * 50)).change;
          else if (roll < 0.68) change = reset(session).change;
          else if (roll < 0.74) change = { remove: [...some(seqs(session)), session.next + 5] }; // a seq it does not hold is ignored
          else if (roll < 0.8) change = { pin: some(seqs(session)), unpin: some(seqs(session)) };
          else if (roll < 0.84) change = { settings: { limit: 1 + Math.floor(random() * 100), systemPrompt: `p${String(step)}` } };
          else {
            // Everything at once, in applyChange's order.
            const append = numbered(session, round((made += 1)));
            change = { append, remove: some([...seqs(session), ...append.map((m) => m.seq)]), pin: some(seqs(session)), unpin: some(seqs(session)), settings: { model: 'x' } };
          }
        } catch {
          continue; // a rule refused (nothing to roll back, an index out of range)
        }
        const committed = await store.commit(snapshot, change);
        expect(committed).toEqual({ key: 'k', version: snapshot.version + 1, session: applyChange(session, change) });
        snapshot = committed;
        if (step % 40 === 0 || step === 399) {
          const { store: cold } = await open();
          expect(await cold.load('k')).toEqual(snapshot);
          await cold.close();
        }
      }
      expect(snapshot.version).toBeGreaterThan(300);
      expect(warnings()).toEqual([]);
    });

    it('a cold context reads only the chunks it can use, and is the context the whole session gives (160 rounds, random pins and rollbacks)', async () => {
      const random = seededRandom(41);
      const { store } = await open();
      const { store: cold } = await open({ cachedMessages: 0 });
      let snapshot = await store.load('p');
      let partial = 0;
      for (let i = 0; i < 160; i += 1) {
        const words = 1 + Math.floor(random() * 12);
        snapshot = await store.commit(snapshot, commitRound(snapshot.session, round(i, words), 500).change);
        const size = snapshot.session.history.length;
        if (random() < 0.08) snapshot = await store.commit(snapshot, pin(snapshot.session, [Math.floor(random() * size)]).change);
        if (random() < 0.04) snapshot = await store.commit(snapshot, unpin(snapshot.session, [Math.floor(random() * size)]).change);
        if (random() < 0.05) snapshot = await store.commit(snapshot, rollback(snapshot.session, 1).change);
        if (i % 10 !== 9) continue;
        for (const budget of [60, 400, 5000]) {
          const question = user('now?');
          const whole = contextOutcome(() => buildContext({ session: snapshot.session, systemPrompt: 'sys', question, budget, tokens: wordTokens }));
          const read = await cold.loadForContext('p', () => budget);
          expect(read.version).toBe(snapshot.version);
          const part = contextOutcome(() => {
            const context = buildContext({ session: read.session, systemPrompt: 'sys', question, budget, tokens: wordTokens });
            return { ...context, omitted: context.omitted + read.skipped };
          });
          expect(part).toEqual(whole);
          if (read.skipped > 0 && 'ok' in (whole as object)) partial += 1;
        }
      }
      expect(partial).toBeGreaterThan(10);
    });

    it('a closed store refuses every operation, saying it is closed, rather than reaching a closed database', async () => {
      const { store } = await open();
      const snapshot = await commitAll(store, 'c', 1);
      await store.close();
      await store.close();
      const closed = /the session store is closed/;
      await expect(store.version('c')).rejects.toThrow(closed);
      await expect(store.load('c')).rejects.toThrow(closed);
      await expect(store.loadForContext('c', () => 100)).rejects.toThrow(closed);
      await expect(store.commit(snapshot, commitRound(snapshot.session, round(1), 1000).change)).rejects.toThrow(closed);
    });

    it('versions grow by one per commit, and a commit on an older version fails with StoreConflictError, storing nothing', async () => {
      const { store } = await open();
      const first = await commitAll(store, 'v', 3);
      expect(first.version).toBe(3);
      const stale = { ...first, version: 2 };
      await expect(store.commit(stale, commitRound(first.session, round(9), 1000).change)).rejects.toBeInstanceOf(StoreConflictError);
      expect(await store.version('v')).toBe(3);
      const { store: other } = await open();
      expect(await other.load('v')).toEqual(first);
    });

    it('never serves a cached copy older than the stored version: another instance commits, this one sees it', async () => {
      const { store: a } = await open();
      const { store: b } = await open();
      const cached = await commitAll(a, 'c', 2);
      expect(await a.load('c')).toBe(cached); // the copy itself: nothing read but the version
      const theirs = await commitAll(b, 'c', 1);
      expect(theirs.version).toBe(3);
      expect(await a.load('c')).toEqual(theirs);
      const b2 = await b.commit(theirs, pin(theirs.session, [0]).change);
      expect((await a.loadForContext('c', () => 100_000)).session).toEqual(b2.session);
      // A commit on the copy it had is a conflict; the next load is the newer session.
      await expect(a.commit(cached, commitRound(cached.session, round(7), 1000).change)).rejects.toBeInstanceOf(StoreConflictError);
      expect(await a.load('c')).toEqual(b2);
    });

    it('the backend never overwrites a chunk row, and a commit on an older version stores nothing', async () => {
      const backend = await database.connect();
      const head = (ver: number): Row => ({ key: headKey('raw'), text: encodeRecord({ ver }) });
      expect(await backend.commit([{ key: 'chunk:raw:w.0', text: '"mine"' }], head(1), 0)).toBe(true);
      expect(await backend.commit([{ key: 'chunk:raw:w.0', text: '"theirs"' }], head(2), 1)).toBe(false);
      expect(await backend.get('chunk:raw:w.0')).toBe('"mine"');
      expect(await backend.commit([], head(2), 0)).toBe(false);
      expect(await backend.version(headKey('raw'))).toBe(1);
      // A commit based on a version when there is no head at all is just as stale (its chunks,
      // on a backend without transactions, are orphans for the sweep).
      expect(await backend.commit([{ key: 'chunk:nohead:w.0', text: '"x"' }], { key: headKey('nohead'), text: encodeRecord({ ver: 4 }) }, 3)).toBe(false);
      expect(await backend.version(headKey('nohead'))).toBe(0);
      await backend.close();
    });

    it('two instances sequentially taking turns on one session never collide (each writes chunks under its own id)', async () => {
      const { store: a } = await open();
      const { store: b } = await open();
      for (let i = 0; i < 20; i += 1) {
        const store = i % 2 === 0 ? a : b;
        const snapshot = await store.load('turns');
        await store.commit(snapshot, commitRound(snapshot.session, round(i), 1000).change);
      }
      expect((await a.load('turns')).session.history).toHaveLength(40);
    });

    it('two writers that drew the same id cannot clobber each other\'s chunks: the second commit is refused, and its retry writes under a new key', async () => {
      const { store: a } = await open({ writer: 'same' });
      const { store: b } = await open({ writer: 'same' });
      const first = await commitAll(a, 'twin', 1);
      const basis = await b.load('twin');
      await expect(b.commit(basis, commitRound(basis.session, round(2), 1000).change)).rejects.toBeInstanceOf(StoreConflictError);
      const retried = await b.commit(await b.load('twin'), commitRound(basis.session, round(2), 1000).change);
      expect(retried.version).toBe(2);
      const { store: reader } = await open();
      expect((await reader.load('twin')).session.history.slice(0, 2)).toEqual(first.session.history);
      expect(warnings()).toEqual([]);
    });

    it('two instances interleaving writes to one session: every acknowledged commit kept, conflicts reported, no chunk record ever written twice (random, 300 steps)', async () => {
      const random = seededRandom(7);
      const written = new Map<string, string>();
      const rewritten: string[] = [];
      const recording = (backend: RecordBackend): RecordBackend =>
        wrapped(backend, {
          commit: async (rows: readonly Row[], head: Row, expected: number) => {
            // Random pauses so the two instances' reads and writes interleave.
            for (let k = Math.floor(random() * 3); k > 0; k -= 1) await new Promise((resolve) => setImmediate(resolve));
            const stored = await backend.commit(rows, head, expected);
            if (stored) {
              for (const row of rows) {
                if (written.has(row.key)) rewritten.push(row.key);
                written.set(row.key, row.text);
              }
            }
            return stored;
          },
        });
      const instances = [await open({ wrap: recording, dropGraceMs: 0 }), await open({ wrap: recording, dropGraceMs: 0 })];
      const acked: Array<{ version: number; change: SessionChange }> = [];
      let conflicts = 0;
      let made = 0;
      for (let step = 0; step < 300; step += 1) {
        const writers = instances.filter(() => random() < 0.8);
        await Promise.all(
          writers.map(async ({ store }) => {
            if (random() < 0.1) store.clearCache();
            const basis = await store.load('shared');
            const n = basis.session.history.length;
            const roll = random();
            let change: SessionChange;
            try {
              // A small limit, so trims drop whole chunks often (a loser must not delete what the winner lists).
              if (roll < 0.75) change = commitRound(basis.session, round((made += 1)), 12).change;
              else if (roll < 0.85) change = pin(basis.session, [Math.floor(random() * n)]).change;
              else if (roll < 0.9) change = unpin(basis.session, [Math.floor(random() * n)]).change;
              else change = rollback(basis.session, 1).change;
            } catch {
              return;
            }
            try {
              const snapshot = await store.commit(basis, change);
              acked.push({ version: snapshot.version, change });
            } catch (error) {
              expect(error).toBeInstanceOf(StoreConflictError);
              conflicts += 1;
            }
          }),
        );
        if (random() < 0.3) {
          clock += 1;
          const chosen = instances[Math.floor(random() * instances.length)];
          await chosen?.store.housekeep();
        }
      }
      acked.sort((x, y) => x.version - y.version);
      expect(acked.map((c) => c.version)).toEqual(acked.map((_, i) => i + 1));
      let model = emptySession();
      for (const { change } of acked) model = applyChange(model, change);
      const { store: reader, backend } = await open();
      const final = await reader.load('shared');
      expect(final.version).toBe(acked.length);
      expect(final.session).toEqual(model);
      expect(conflicts).toBeGreaterThan(20);
      expect(acked.length).toBeGreaterThan(100);
      expect(rewritten).toEqual([]);
      // Every chunk the head lists is the very record its commit wrote.
      const head = decodeRecord((await backend.get(headKey('shared'))) ?? '')?.value as { chunks: Array<{ id: string }> };
      for (const { id } of head.chunks) expect(await backend.get(chunkKey('shared', id))).toBe(written.get(chunkKey('shared', id)));
      expect(warnings()).toEqual([]);
      // What lost races left (on a backend without transactions) goes with the sweep.
      clock += DEFAULT_ORPHAN_GRACE_MS;
      await reader.housekeep();
      for (const { store } of instances) await store.housekeep();
      const listed = new Set(head.chunks.map((c) => chunkKey('shared', c.id)));
      expect((await allKeys(backend, 'chunk:')).filter((key) => !listed.has(key))).toEqual([]);
    });

    it('two engines (Memory) on one database answering at once: every round kept, conflicts retried', async () => {
      const one = new Memory((await open()).store, defaults, testRules());
      const two = new Memory((await open()).store, defaults, testRules());
      const outcomes = await Promise.allSettled(Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? one : two).commitRound('both', round(i))));
      const session = await one.read('both');
      // A round beaten twice in a row is refused (MemoryBusyError), never lost silently.
      const kept = outcomes.flatMap((o, i) => (o.status === 'fulfilled' ? [`q${String(i)} word`] : []));
      for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toBeInstanceOf(MemoryBusyError);
      expect(kept.length).toBeGreaterThan(30);
      expect(session.history.filter((m) => m.role === 'user').map((m) => m.content).sort()).toEqual(kept.sort());
      expect(one.conflictRetries + two.conflictRetries).toBeGreaterThan(0);
    });

    it('one engine: 100 concurrent commits to one session are 100 rounds, in the order accepted', async () => {
      const memory = new Memory((await open()).store, defaults, testRules());
      await Promise.all(Array.from({ length: 100 }, (_, i) => memory.commitRound('busy', round(i))));
      const session = await memory.read('busy');
      expect(session.history.filter((m) => m.role === 'user').map((m) => m.content)).toEqual(Array.from({ length: 100 }, (_, i) => `q${String(i)} word`));
    });

    it('a crash between the chunk write and the head write leaves the session as it was; the sweep removes the orphan after a restart', async () => {
      const { store } = await open();
      const before = await commitAll(store, 'crash', 3);
      const crashing = (backend: RecordBackend): RecordBackend =>
        wrapped(backend, {
          commit: async (rows: readonly Row[]) => {
            for (const row of rows) await backend.put(row);
            throw new Error('the process died before the head was written');
          },
        });
      const { store: dying } = await open({ wrap: crashing });
      const basis = await dying.load('crash');
      await expect(dying.commit(basis, commitRound(basis.session, round(3), 1000).change)).rejects.toThrow(/died/);
      const { store: restarted, backend } = await open();
      expect(await restarted.load('crash')).toEqual(before);
      const chunksAfterCrash = await allKeys(backend, 'chunk:crash:');
      expect(await restarted.housekeep()).toEqual({ orphansRemoved: 0, quarantinedRemoved: 0 }); // young: a commit may be under way
      clock += DEFAULT_ORPHAN_GRACE_MS;
      expect(await restarted.housekeep()).toEqual({ orphansRemoved: 1, quarantinedRemoved: 0 });
      expect(await allKeys(backend, 'chunk:crash:')).toHaveLength(chunksAfterCrash.length - 1);
      restarted.clearCache();
      expect(await restarted.load('crash')).toEqual(before);
      expect((await commitAll(restarted, 'crash', 1)).version).toBe(4);
    });

    it('the sweep spares the chunks of a commit under way (written, head not yet)', async () => {
      let release: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      let paused: () => void = () => undefined;
      const reached = new Promise<void>((resolve) => {
        paused = resolve;
      });
      const slow = (backend: RecordBackend): RecordBackend =>
        wrapped(backend, {
          commit: async (rows: readonly Row[], head: Row, expected: number) => {
            for (const row of rows) await backend.put(row);
            paused();
            await gate;
            return backend.commit([], head, expected);
          },
        });
      const { store: writer } = await open({ wrap: slow });
      const { store: sweeper } = await open();
      const basis = await writer.load('slow');
      const committing = writer.commit(basis, commitRound(basis.session, round(0), 1000).change);
      await reached;
      clock += DEFAULT_ORPHAN_GRACE_MS - 1;
      expect((await sweeper.housekeep()).orphansRemoved).toBe(0);
      release();
      const committed = await committing;
      expect(await sweeper.load('slow')).toEqual(committed);
    });

    it('chunks a commit dropped are deleted by the housekeeping after their grace, not on the commit', async () => {
      const { store, backend } = await open({ dropGraceMs: 1000 });
      await commitAll(store, 't', 6, 4);
      const listed = (decodeRecord((await backend.get(headKey('t'))) ?? '')?.value as { chunks: unknown[] }).chunks.length;
      expect((await allKeys(backend, 'chunk:t:')).length).toBeGreaterThan(listed);
      await store.housekeep();
      expect((await allKeys(backend, 'chunk:t:')).length).toBeGreaterThan(listed);
      clock += 1000;
      await store.housekeep();
      expect(await allKeys(backend, 'chunk:t:')).toHaveLength(listed);
      store.clearCache();
      expect((await store.load('t')).session.history.map((m) => m.content)).toEqual(['q8 word', 'a8 word', 'q10 word', 'a10 word']); // rounds are named by their first seq
    });

    it('runs the deferred deletes by itself shortly after a write', async () => {
      const { store, backend } = await open({ housekeepingMs: 20, dropGraceMs: 0 });
      await commitAll(store, 'h', 3, 2);
      await expect.poll(async () => (await allKeys(backend, 'chunk:h:')).length, { timeout: 2000 }).toBe(1);
    });

    it('tidies up once after a burst of writes, not on every write (the backend\'s upkeep runs with it)', async () => {
      let upkeep = 0;
      const counting = (backend: RecordBackend): RecordBackend => wrapped(backend, { maintain: () => ((upkeep += 1), backend.maintain()) });
      // Long enough that five commits fit in it on a loaded machine over a network store (PostgreSQL's flush).
      const { store } = await open({ wrap: counting, housekeepingMs: 500 });
      await commitAll(store, 'b', 5);
      expect(upkeep).toBe(0);
      await expect.poll(() => upkeep, { timeout: 5000 }).toBe(1);
      await commitAll(store, 'b', 1);
      await expect.poll(() => upkeep, { timeout: 5000 }).toBe(2);
    });

    it('sweeps by itself shortly after it opens, so what a crash left goes without anyone asking', async () => {
      const { store, backend } = await open();
      await commitAll(store, 'left', 2);
      const text = await backend.get(headKey('left'));
      await backend.deleteIf(headKey('left'), text ?? '');
      clock += DEFAULT_ORPHAN_GRACE_MS;
      await open({ sweepAfterStartMs: 10 });
      await expect.poll(async () => (await allKeys(backend, 'chunk:left:')).length, { timeout: 2000 }).toBe(0);
    });

    it('a reader that finds a chunk gone (another writer moved on and deleted it) reads the head again instead of setting the session aside', async () => {
      const { store: writer } = await open({ dropGraceMs: 0 });
      await commitAll(writer, 'm', 9, 1000); // a chunk of 16 and one of the newest round
      let once = true;
      const racing = (backend: RecordBackend): RecordBackend =>
        wrapped(backend, {
          getMany: async (keys: readonly string[]) => {
            if (once && keys.some((key) => key.startsWith('chunk:'))) {
              once = false;
              // Between this reader's head read and its chunk read: the writer rolls back the
              // newest round (dropping its chunk) and deletes what it dropped.
              const basis = await writer.load('m');
              await writer.commit(basis, rollback(basis.session, 1).change);
              clock += 1;
              await writer.housekeep();
            }
            return backend.getMany(keys);
          },
        });
      const { store: reader } = await open({ wrap: racing });
      const read = await reader.load('m');
      expect(read.session.history).toHaveLength(16);
      expect(warnings()).toEqual([]);
    });

    it.each([
      ['a head that is not JSON', '{broken'],
      ['a head of the wrong shape', encodeRecord({ v: 1, history: [{ role: 'wizard' }], settings: {} })],
      ['a head of an unknown version', encodeRecord({ v: 99, chunks: [] })],
      ['a bare string', encodeRecord('not a session')],
    ])('sets aside %s, logs the session key, starts fresh, and sweeps it after QUARANTINE_DAYS', async (_name, text) => {
      const { store, backend } = await open();
      await backend.put({ key: headKey('q'), text });
      expect(await store.version('q')).toBe(0);
      expect(await store.load('q')).toEqual({ key: 'q', version: 0, session: emptySession() });
      const line = logs.lines.find((l) => l['session'] === 'q');
      expect(line?.['level']).toBe(50);
      const aside = String(line?.['quarantinedAs']);
      expect(aside).toMatch(/^quarantine:q:\d+\.[a-z0-9]+$/);
      expect(await backend.get(aside)).toBe(text);
      expect(await backend.get(headKey('q'))).toBeUndefined();
      expect((await commitAll(store, 'q', 1)).version).toBe(1);
      clock += 29 * DAY_MS;
      expect((await store.housekeep()).quarantinedRemoved).toBe(0);
      clock += DAY_MS;
      expect((await store.housekeep()).quarantinedRemoved).toBe(1);
      expect(await backend.get(aside)).toBeUndefined();
      expect((await store.load('q')).session.history).toHaveLength(2);
    });

    it('sets aside a session whose chunk cannot be decoded or is missing; its chunks stay until the quarantine is swept, then go with it', async () => {
      for (const [key, damage] of [
        ['undecodable', (backend: RecordBackend, chunk: string) => backend.put({ key: chunk, text: '{"value":{"v":3}}' })],
        ['missing', (backend: RecordBackend, chunk: string) => backend.deleteMany([chunk])],
      ] as const) {
        const { store, backend } = await open();
        await commitAll(store, key, 10);
        clock += 1000;
        await store.housekeep(); // the chunks merges dropped are gone; what is left is listed
        const chunks = await allKeys(backend, `chunk:${key}:`);
        expect(chunks.length).toBeGreaterThan(1);
        await damage(backend, chunks[0] ?? '');
        const { store: reader } = await open();
        expect(await reader.load(key)).toEqual({ key, version: 0, session: emptySession() });
        expect(logs.lines.find((l) => l['session'] === key)?.['reason']).toMatch(/is missing or cannot be decoded/);
        await commitAll(reader, key, 1);
        clock += DEFAULT_ORPHAN_GRACE_MS;
        // The set-aside head still lists its chunks: kept, for someone to look into.
        expect(await reader.housekeep()).toEqual({ orphansRemoved: 0, quarantinedRemoved: 0 });
        clock += 30 * DAY_MS;
        const left = chunks.length - (key === 'missing' ? 1 : 0);
        expect(await reader.housekeep()).toEqual({ orphansRemoved: left, quarantinedRemoved: 1 });
        reader.clearCache();
        expect((await reader.load(key)).session.history).toHaveLength(2);
        clock -= 30 * DAY_MS + DEFAULT_ORPHAN_GRACE_MS;
      }
    });

    it('spares the chunks of a head it cannot read at all, until it is set aside and that is swept', async () => {
      const { store, backend } = await open();
      await commitAll(store, 'unread', 3);
      await backend.put({ key: headKey('unread'), text: '{broken' });
      clock += DEFAULT_ORPHAN_GRACE_MS;
      expect((await store.housekeep()).orphansRemoved).toBe(0);
      store.clearCache();
      expect((await store.load('unread')).version).toBe(0); // set aside; the text lists nothing one can read
      expect((await store.housekeep()).orphansRemoved).toBe(0);
      clock += 30 * DAY_MS;
      expect(await store.housekeep()).toEqual({ orphansRemoved: 3, quarantinedRemoved: 1 });
    });

    it('a head set aside by one instance while another commits a fresh session: the fresh session is not lost', async () => {
      await (await open()).backend.put({ key: headKey('r'), text: '{broken' });
      const { store: first } = await open();
      let fresh: Snapshot | undefined;
      // The second instance reads the damaged head, and before it removes it the first has set it aside and committed anew.
      const late = (backend: RecordBackend): RecordBackend =>
        wrapped(backend, {
          put: async (row: Row) => {
            if (fresh === undefined) fresh = await commitAll(first, 'r', 1);
            return backend.put(row);
          },
        });
      const { store: second } = await open({ wrap: late });
      const read = await second.load('r');
      expect(fresh?.version).toBe(1);
      expect(read).toEqual(fresh);
    });

    it('sweeps the chunks of a session whose head is gone, once they are older than the grace', async () => {
      const { store, backend } = await open();
      await commitAll(store, 'gone', 3);
      const text = await backend.get(headKey('gone'));
      await backend.deleteIf(headKey('gone'), text ?? '');
      await commitAll(store, 'kept', 3);
      clock += DEFAULT_ORPHAN_GRACE_MS;
      expect((await store.housekeep()).orphansRemoved).toBe(3);
      expect(await allKeys(backend, 'chunk:gone:')).toEqual([]);
      expect(await allKeys(backend, 'chunk:kept:')).toHaveLength(3);
    });

    it('an answer pending delivery is stored with its mark, read back cold, and listed by pendingSessions until confirmed', async () => {
      const { store } = await open();
      // More sessions than one page of keys, a few of them with a mark, one with two.
      const marked = new Set(['s003', 's250', 's519']);
      for (let s = 0; s < 520; s += 1) {
        const key = `s${String(s).padStart(3, '0')}`;
        let snapshot = await commitAll(store, key, 1);
        if (!marked.has(key)) continue;
        snapshot = await store.commit(snapshot, storeAnswered(snapshot.session, round(1), clock).change);
        if (key === 's250') await store.commit(snapshot, storeAnswered(snapshot.session, round(2), clock + 1).change);
      }
      const listed = async (from: CachingSessionStore): Promise<string[]> => {
        const keys: string[] = [];
        for await (const key of from.pendingSessions()) keys.push(key);
        return keys;
      };
      const { store: cold } = await open();
      expect(await listed(cold)).toEqual([...marked]);
      const two = await cold.load('s250');
      expect(two.session.pending).toEqual([
        { seq: 3, since: clock },
        { seq: 5, since: clock + 1 },
      ]);
      expect((await cold.loadForContext('s250', () => 100)).session.pending).toEqual(two.session.pending);
      const confirmed = await cold.commit(two, confirmDelivered(two.session, 3, 1000).change);
      expect(confirmed.session.pending).toEqual([{ seq: 5, since: clock + 1 }]);
      await cold.commit(confirmed, confirmDelivered(confirmed.session, 5, 1000).change);
      expect(await listed(cold)).toEqual(['s003', 's519']);
      const { store: third } = await open();
      expect((await third.load('s250')).session).toEqual(applyChange(applyChange(two.session, { delivered: [3] }), { delivered: [5] }));
      expect((await third.load('s250')).session.pending).toBeUndefined();
    });

    it('a running summary is kept in the head: read back cold whole and for a context, a fold removes what it folded, a reset clears it, old heads without one load', async () => {
      const { store } = await open();
      const start = await commitAll(store, 'sum', 4);
      const summary = summaryOf('Ada’s cat is called Miso.', wordTokens);
      const folded = applyFold(start.session, { base: undefined, folded: [0, 1] }, summary);
      await store.commit(start, folded.change);
      const { store: cold } = await open();
      const read = await cold.load('sum');
      expect(read.session.summary).toEqual(summary);
      expect(read.session.history.map((m) => m.seq)).toEqual(folded.session.history.map((m) => m.seq));
      expect((await (await open()).store.loadForContext('sum', () => 5)).session.summary).toEqual(summary);
      await cold.commit(read, reset(read.session).change);
      const { store: third } = await open();
      expect((await third.load('sum')).session.summary).toBeUndefined();
      // A head without one (every head written before summaries existed) has no `summary` field at all.
      const { backend } = await open();
      expect(await backend.get(headKey('sum'))).not.toContain('"summary"');
    });

    it('sessionKeys, through the cached store, lists every stored session once in key order: its own, cached or not, and another writer\'s', async () => {
      const { store } = await open({ cachedMessages: 4 });
      const { store: other } = await open();
      for (const key of ['b', 'a', 'd']) await commitAll(store, key, 1);
      await commitAll(other, 'c', 1);
      // Emptied by a reset, it is still stored (with its settings).
      const emptied = await commitAll(store, 'e', 1);
      await store.commit(emptied, reset(emptied.session).change);
      expect(store.cached.sessions).toBeLessThan(4);
      const listed: string[] = [];
      for await (const key of store.sessionKeys()) listed.push(key);
      expect(listed).toEqual(['a', 'b', 'c', 'd', 'e']);
    });

    it('the sweep pages through many sessions', async () => {
      const { store, backend } = await open();
      for (let s = 0; s < 80; s += 1) await commitAll(store, `s${String(s).padStart(2, '0')}`, 7); // 7 small chunks each
      clock += 1000;
      await store.housekeep(); // the chunks merges dropped are gone
      const before = (await allKeys(backend, 'chunk:')).length;
      // Orphans in every session: heads removed from every other session.
      for (let s = 0; s < 80; s += 2) {
        const key = headKey(`s${String(s).padStart(2, '0')}`);
        await backend.deleteIf(key, (await backend.get(key)) ?? '');
      }
      clock += DEFAULT_ORPHAN_GRACE_MS;
      const { orphansRemoved } = await store.housekeep();
      expect(before).toBeGreaterThan(500);
      expect(orphansRemoved).toBe(before / 2);
    });

    it('a chunk summary that does not match its chunk is logged and written right on the next commit', async () => {
      const { store, backend } = await open();
      const snapshot = await commitAll(store, 's', 1);
      const head = decodeRecord((await backend.get(headKey('s'))) ?? '')?.value as { chunks: Array<{ cost: number }> };
      const wrong = { ...head, chunks: head.chunks.map((c) => ({ ...c, cost: c.cost + 5 })) };
      await backend.commit([], { key: headKey('s'), text: encodeRecord(wrong) }, 1);
      const { store: reader } = await open();
      expect((await reader.load('s')).session).toEqual(snapshot.session);
      expect(logs.lines.find((l) => l['session'] === 's')?.['msg']).toMatch(/summary does not match/);
      await commitAll(reader, 's', 1);
      const fixed = decodeRecord((await backend.get(headKey('s'))) ?? '')?.value as { chunks: Array<{ cost: number }> };
      expect(fixed.chunks[0]?.cost).toBe(head.chunks[0]?.cost);
    });

    describe('records written by earlier versions', () => {
      const legacy = (messages: readonly DraftMessage[]): unknown[] => messages.map((m) => ({ ...m }));

      it('reads a version 1 record (the whole history in one), numbering its messages, and rewrites it as version 4 on the next commit', async () => {
        const odd = 'quotes " \' backslash \\ newline \n emoji 😀 nul-ish \u0001 json ["x"] {"y":1}';
        const history = Array.from({ length: 600 }, (_, i) => (i % 2 === 0 ? user(`${odd} ${String(i)}`) : assistant(`${odd} ${String(i)}`)));
        const { store, backend } = await open();
        await backend.put({ key: headKey('l'), text: encodeRecord({ v: 1, history: legacy(history), settings: { limit: 700 } }) });
        const read = await store.load('l');
        expect(read.version).toBe(0);
        expect(read.session).toEqual({ history: history.map((m, seq) => ({ ...m, seq })), settings: { limit: 700 }, next: 600 });
        const committed = await store.commit(read, commitRound(read.session, [user('one more')], 700).change);
        const head = decodeRecord((await backend.get(headKey('l'))) ?? '')?.value as { v: number; ver: number; chunks: unknown[] };
        expect(head).toMatchObject({ v: 4, ver: 1 });
        expect(head.chunks).toHaveLength(5); // laid out anew in chunks of about 128
        const { store: cold } = await open();
        expect(await cold.load('l')).toEqual(committed);
        expect((await cold.load('l')).session.history[598]?.content).toBe(`${odd} 598`);
      });

      it('reads version 2 and 3 heads (numbered chunks, gone positions), and a commit replaces their chunks', async () => {
        const { store, backend } = await open({ dropGraceMs: 0 });
        const history = Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? user(`q${String(i)}`) : assistant(`a${String(i)}`)));
        for (let r = 0; r < 50; r += 1) {
          await backend.put({ key: chunkKey('v2', String(r)), text: encodeRecord({ v: 2, messages: legacy(history.slice(2 * r, 2 * r + 2)) }) });
        }
        await backend.put({
          key: headKey('v2'),
          text: encodeRecord({ v: 2, settings: { limit: 200 }, chunks: Array.from({ length: 50 }, (_, r) => r), next: 50 }),
        });
        const h = (i: number): DraftMessage => history[i] ?? user('missing');
        const pinned = { ...h(3), pinned: true };
        await backend.put({ key: chunkKey('v3', '4'), text: encodeRecord({ v: 2, messages: legacy([h(0), h(1), h(2), pinned]) }) });
        await backend.put({ key: chunkKey('v3', '7'), text: encodeRecord({ v: 2, messages: legacy([h(4), h(5)]) }) });
        await backend.put({
          key: headKey('v3'),
          text: encodeRecord({ v: 3, settings: {}, chunks: [{ id: 4, gone: [0, 1], n: 2, cost: 3 }, { id: 7, n: 2, cost: 4 }], next: 8 }),
        });
        const v2 = await store.load('v2');
        expect(v2).toEqual({ key: 'v2', version: 0, session: { history: history.map((m, seq) => ({ ...m, seq })), settings: { limit: 200 }, next: 100 } });
        const v3 = await store.load('v3');
        expect(v3.session.history.map((m) => [m.content, m.seq, m.pinned])).toEqual([
          ['q2', 0, false],
          ['a3', 1, true],
          ['q4', 2, false],
          ['a5', 3, false],
        ]);
        expect(v3.session.next).toBe(4);
        for (const read of [v2, v3]) {
          const committed = await store.commit(read, commitRound(read.session, [user('new')], 200).change);
          clock += 1;
          await store.housekeep();
          const chunks = await allKeys(backend, `chunk:${read.key}:`);
          expect(chunks.every((key) => /\.[0-9a-z]+$/.test(key))).toBe(true); // only version 4 chunks are left
          const { store: cold } = await open();
          expect(await cold.load(read.key)).toEqual(committed);
        }
      });
    });
  });
}
