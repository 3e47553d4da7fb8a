import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RecordBackend } from '../../src/adapters/store/backend.js';
import { ChunkedSessionStore, UnreadableSessionError } from '../../src/adapters/store/chunked-store.js';
import { sessionStoreOn } from '../../src/adapters/store/open-session-store.js';
import { CHUNK_PREFIX, HEAD_PREFIX, headKey, QUARANTINE_PREFIX } from '../../src/adapters/store/record.js';
import { OPEN_POLICY } from '../../src/domain/access.js';
import { emptySession, sameSession, type Session } from '../../src/domain/index.js';
import type { ChatModel, CompletionRequest } from '../../src/engine/chat-model.js';
import { Engine, type ReplySink } from '../../src/engine/engine.js';
import { Memory } from '../../src/engine/memory.js';
import { accessPrecondition } from '../../src/engine/preconditions.js';
import { StoreConflictError } from '../../src/engine/session-store.js';
import { migrate, type MigrationReport } from '../../src/moving/migrate.js';
import { migrationLines } from '../../src/moving/migrate-cli.js';
import { wrapped } from '../adapters/store/contract.js';
import { assistant, testRules, user } from '../helpers/domain.js';
import { captureLogs } from '../helpers/logs.js';

/** A database migrate reads from or writes to: store instances on it are opened as processes would open them. */
export interface MovingDatabase {
  connect(options?: { readonly readOnly?: boolean }): Promise<RecordBackend>;
  /** The database's own bytes where it has a file (SQLite), to check that reading changed nothing. */
  bytes?(): Buffer;
  cleanup(): Promise<void>;
}

const defaults = { limit: 1000, systemPrompt: 'sys', model: 'm', tokenBudget: 100_000 };
const logger = captureLogs().logger;

/** Every record of a backend, by key. */
async function records(backend: RecordBackend): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const prefix of [HEAD_PREFIX, CHUNK_PREFIX, QUARANTINE_PREFIX]) {
    for (let after = ''; ; ) {
      const keys = await backend.keys(prefix, after, 200);
      const last = keys.at(-1);
      if (last === undefined) break;
      const values = await backend.getMany(keys);
      keys.forEach((key, i) => out.set(key, values[i] ?? ''));
      after = last;
    }
  }
  return out;
}

/** A model that answers "answer N" and records every request. */
class RecordingModel implements ChatModel {
  readonly requests: CompletionRequest[] = [];
  complete(request: CompletionRequest, onText: (text: string) => void): Promise<{ text: string; finishReason: string }> {
    this.requests.push(request);
    const text = `answer ${String(this.requests.length)}`;
    onText(text);
    return Promise.resolve({ text, finishReason: 'stop' });
  }
}

const sink = (): ReplySink => ({
  start: () => Promise.resolve(),
  progress: () => undefined,
  settle: () => Promise.resolve(['reply']),
  finish: () => Promise.resolve(['reply']),
  fail: () => Promise.resolve(),
});

/**
 * Sessions as a bot leaves them: trimmed by a limit, rolled back (so `next` is past the newest
 * message), pinned and unpinned, reset with settings kept, forged, long enough to be merged into
 * many chunks, with keys holding colons and non-ASCII.
 */
async function fill(backend: RecordBackend): Promise<string[]> {
  const store = sessionStoreOn(backend, logger, { sweepAfterStartMs: Infinity });
  const memory = new Memory(store, defaults, testRules());
  const round = (key: string, i: number, name = 'Ada'): Promise<unknown> =>
    memory.commitRound(key, [user(`q${String(i)}`, { authorId: `u${name}`, authorName: name, discordMessageIds: [`m${String(i)}`] }), assistant(`a${String(i)}`)]);
  await memory.setLimit('g1:c1', 10);
  for (let i = 0; i < 30; i += 1) await round('g1:c1', i, i % 2 === 0 ? 'Ada' : 'Bob');
  await memory.pin('g1:c1', [0, -1]);
  await memory.forge('g1:c1', [{ role: 'user', content: 'forged question' }, { role: 'assistant', content: 'forged answer' }]);
  for (let i = 0; i < 5; i += 1) await round('c2', i);
  await memory.rollback('c2', 2);
  await memory.pin('c2', [1]);
  for (let i = 0; i < 3; i += 1) await round('c3', i);
  await memory.setLimit('c3', 7);
  await memory.reset('c3');
  for (let i = 0; i < 150; i += 1) await round('long', i);
  await memory.pin('long', [3, 100, -3]);
  await memory.unpin('long', [100]);
  await memory.rollback('long', 1);
  await round('dm-ü', 0, 'Zoë');
  await store.close();
  return ['c2', 'c3', 'dm-ü', 'g1:c1', 'long'];
}

/** The migrate tests, for a source and a target database of any kind. */
export function describeMigration(name: string, databases: () => Promise<{ source: MovingDatabase; target: MovingDatabase }>): void {
  describe(`migrate: ${name}`, () => {
    let source: MovingDatabase;
    let target: MovingDatabase;
    const open: ChunkedSessionStore[] = [];
    const store = async (database: MovingDatabase, readOnly = false, wrap?: (b: RecordBackend) => RecordBackend): Promise<ChunkedSessionStore> => {
      const backend = await database.connect(readOnly ? { readOnly } : {});
      const opened = new ChunkedSessionStore(wrap === undefined ? backend : wrap(backend), logger, readOnly ? { readOnly } : { sweepAfterStartMs: Infinity });
      open.push(opened);
      return opened;
    };
    const run = async (overwrite = false, wrapTarget?: (b: RecordBackend) => RecordBackend): Promise<MigrationReport> => {
      const stores = { source: await store(source, true), target: await store(target, false, wrapTarget), targetReader: await store(target, true) };
      try {
        return await migrate(stores, { overwrite });
      } finally {
        for (const s of Object.values(stores)) await s.close();
      }
    };
    const sessionsOf = async (database: MovingDatabase, keys: readonly string[]): Promise<Map<string, Session>> => {
      const reader = await store(database, true);
      const out = new Map<string, Session>();
      for (const key of keys) out.set(key, (await reader.load(key)).session);
      return out;
    };
    const recordsOf = async (database: MovingDatabase): Promise<Map<string, string>> => {
      const backend = await database.connect({ readOnly: true });
      try {
        return await records(backend);
      } finally {
        await backend.close();
      }
    };

    beforeEach(async () => {
      ({ source, target } = await databases());
    });
    afterEach(async () => {
      for (const s of open.splice(0)) await s.close();
      await source.cleanup();
      await target.cleanup();
    });

    it('copies every session exactly, verifies each, and leaves the source as it was', async () => {
      const keys = await fill(await source.connect());
      const before = await recordsOf(source);
      const bytes = source.bytes?.();
      const report = await run();
      expect(report).toEqual({ sessions: 5, copied: 5, replaced: 0, identical: 0, verified: 5, refused: [], problems: [] });
      expect(migrationLines(report)).toEqual({
        out: ['migrate: 5 sessions in the source: 5 copied, 0 already on the target; 5 verified.'],
        err: [],
        exitCode: 0,
      });
      const fromSource = await sessionsOf(source, keys);
      const fromTarget = await sessionsOf(target, keys);
      for (const key of keys) {
        expect(fromTarget.get(key), key).toEqual(fromSource.get(key));
        expect(sameSession(fromTarget.get(key) ?? emptySession(), fromSource.get(key) ?? emptySession()), key).toBe(true);
      }
      // The copies keep what a bot made: seqs past a rollback, a reset's next and settings, pins, speakers, times.
      expect(fromTarget.get('c2')?.next).toBe(10);
      expect(fromTarget.get('c2')?.history.map((m) => m.seq)).toEqual([0, 1, 2, 3, 4, 5]);
      expect(fromTarget.get('c3')).toEqual({ history: [], settings: { limit: 7 }, next: 6 });
      expect(fromTarget.get('long')?.history.filter((m) => m.pinned).map((m) => m.seq)).toEqual([3, 297]);
      expect(fromTarget.get('g1:c1')?.history.find((m) => m.authorName === 'Bob')?.authorId).toBe('uBob');
      expect(fromTarget.get('g1:c1')?.history.filter((m) => m.forged === true)).toHaveLength(2);
      expect(await recordsOf(source)).toEqual(before);
      if (bytes !== undefined) expect(source.bytes?.().equals(bytes)).toBe(true);
    });

    it('a bot on the target sends the very request a bot on the source would', async () => {
      await fill(await source.connect());
      await run();
      const ask = async (database: MovingDatabase, key: string): Promise<Omit<CompletionRequest, 'signal'> | undefined> => {
        const model = new RecordingModel();
        const cached = sessionStoreOn(await database.connect(), logger, { sweepAfterStartMs: Infinity });
        const engine = new Engine(new Memory(cached, defaults, testRules()), model, logger, {
          maxReplyTokens: 256,
          maxConcurrent: 1,
          preconditions: [accessPrecondition(OPEN_POLICY)],
        });
        const question = { sessionKey: key, asker: { userId: 'u1', channelId: key, guildId: 'g1', roleIds: [] }, authorName: 'Ada', content: 'and now?', sourceId: 'm9' };
        expect(await engine.ask(question, sink())).toBe('answered');
        await engine.drain();
        await cached.close();
        const request = model.requests[0];
        // The signal is each turn's own; everything sent is compared.
        return request === undefined ? undefined : { model: request.model, messages: request.messages, maxTokens: request.maxTokens };
      };
      for (const key of ['g1:c1', 'long', 'c2']) {
        const fromTarget = await ask(target, key);
        expect(fromTarget?.messages.length).toBeGreaterThan(2);
        // Last, as it writes a round to the source.
        expect(await ask(source, key)).toEqual(fromTarget);
      }
    });

    it('a second run writes nothing and says so', async () => {
      await fill(await source.connect());
      await run();
      const after = await recordsOf(target);
      const report = await run();
      expect(report).toEqual({ sessions: 5, copied: 0, replaced: 0, identical: 5, verified: 5, refused: [], problems: [] });
      expect(migrationLines(report).out).toEqual(['migrate: 5 sessions in the source, all already on the target exactly: nothing changed; 5 verified.']);
      expect(await recordsOf(target)).toEqual(after);
    });

    it('refuses a target holding different data for a session, naming it, and writes nothing; --overwrite replaces it', async () => {
      const keys = await fill(await source.connect());
      const other = new Memory(sessionStoreOn(await target.connect(), logger, { sweepAfterStartMs: Infinity }), defaults, testRules());
      await other.commitRound('c2', [user('something else'), assistant('entirely')]);
      await other.commitRound('only-on-target', [user('mine'), assistant('kept')]);
      const before = await recordsOf(target);
      const refused = await run();
      expect(refused).toMatchObject({ copied: 0, refused: ['c2'] });
      expect(migrationLines(refused)).toEqual({
        out: [],
        err: ["migrate: the target already holds different data for 1 session: c2. Nothing was written; run again with --overwrite to replace them with the source's."],
        exitCode: 1,
      });
      expect(await recordsOf(target)).toEqual(before);

      const report = await run(true);
      expect(report).toEqual({ sessions: 5, copied: 5, replaced: 1, identical: 0, verified: 5, refused: [], problems: [] });
      expect(migrationLines(report).out).toEqual(['migrate: 5 sessions in the source: 5 copied (1 of them replacing different data), 0 already on the target; 5 verified.']);
      const fromSource = await sessionsOf(source, keys);
      const fromTarget = await sessionsOf(target, [...keys, 'only-on-target']);
      for (const key of keys) expect(fromTarget.get(key), key).toEqual(fromSource.get(key));
      expect(fromTarget.get('only-on-target')?.history.map((m) => m.content)).toEqual(['mine', 'kept']);
    });

    it('a record that reads back different from the source fails verification', async () => {
      await fill(await source.connect());
      // A target that spoils what it is given: every stored message content gains a letter.
      const spoiling = (backend: RecordBackend): RecordBackend =>
        wrapped(backend, { commit: (rows, head, expected) => backend.commit(rows.map((row) => ({ ...row, text: row.text.replaceAll('"content":"', '"content":"x') })), head, expected) });
      const report = await run(false, spoiling);
      expect(report.verified).toBe(1);
      expect(report.problems).toEqual(['c2', 'dm-ü', 'g1:c1', 'long'].map((key) => ({ kind: 'mismatch', key })));
      const lines = migrationLines(report);
      expect(lines.exitCode).toBe(1);
      expect(lines.err).toContain('migrate: session long failed verification: read back from the target, it is not what the source holds.');
    });

    it('a source session that cannot be decoded is named, left as it is, and the rest are copied', async () => {
      await fill(await source.connect());
      const backend = await source.connect();
      await backend.put({ key: headKey('damaged'), text: '{"value":{"v":4,"ver":3},"expires":null}' });
      await backend.close();
      const before = await recordsOf(source);
      const report = await run();
      expect(report).toMatchObject({ sessions: 6, copied: 5, verified: 5 });
      expect(report.problems).toEqual([{ kind: 'unreadable', key: 'damaged', reason: expect.any(String) as string }]);
      expect(migrationLines(report).exitCode).toBe(1);
      expect(await recordsOf(source)).toEqual(before);
    });
  });

  describe(`the store's part of migrating: ${name}`, () => {
    let database: MovingDatabase;
    let other: MovingDatabase;
    const open: ChunkedSessionStore[] = [];
    const store = async (readOnly = false): Promise<ChunkedSessionStore> => {
      const opened = new ChunkedSessionStore(await database.connect(readOnly ? { readOnly } : {}), logger, readOnly ? { readOnly } : { sweepAfterStartMs: Infinity });
      open.push(opened);
      return opened;
    };
    beforeEach(async () => {
      ({ source: database, target: other } = await databases());
    });
    afterEach(async () => {
      for (const s of open.splice(0)) await s.close();
      await database.cleanup();
      await other.cleanup();
    });

    it('sessionKeys lists every session once, in key order, past a page of keys, and no set-aside head', async () => {
      const writer = await store();
      const keys = Array.from({ length: 510 }, (_, i) => `s${String(i).padStart(3, '0')}`);
      for (const key of keys) await writer.commit(await writer.load(key), { settings: { limit: 5 } });
      const backend = await database.connect();
      await backend.put({ key: `${QUARANTINE_PREFIX}s001:1.w`, text: '{}' });
      await backend.close();
      const listed: string[] = [];
      for await (const key of (await store(true)).sessionKeys()) listed.push(key);
      expect(listed).toEqual(keys);
    });

    it('replace stores a session exactly as given, compare-and-set, and refuses one that could not be read back', async () => {
      const writer = await store();
      const made = await writer.commit(await writer.load('k'), { append: [{ ...user('old'), seq: 0 }] });
      const session: Session = {
        history: [
          { ...user('kept', { authorId: '7', authorName: 'Ann', discordMessageIds: ['1', '2'] }), seq: 4, pinned: true },
          { ...assistant('reply'), seq: 9 },
        ],
        settings: { limit: 3, model: 'x' },
        next: 15,
      };
      await expect(writer.replace({ ...made, version: made.version - 1 }, session)).rejects.toBeInstanceOf(StoreConflictError);
      await expect(writer.replace(made, { ...session, next: 9 })).rejects.toThrow(/next 9 is not above seq 9/);
      await expect(writer.replace(made, { ...session, history: [...session.history].reverse() })).rejects.toThrow(/does not follow/);
      const replaced = await writer.replace(made, session);
      expect(replaced.version).toBe(made.version + 1);
      const read = await (await store(true)).load('k');
      expect(read).toEqual({ key: 'k', version: made.version + 1, session });
    });

    it('a read-only store writes nothing: commits, replaces and housekeeping are refused, a damaged session is reported, not set aside', async () => {
      const backend = await database.connect();
      await backend.put({ key: headKey('bad'), text: 'not json' });
      await backend.close();
      const reader = await store(true);
      const basis = await reader.load('fresh');
      await expect(reader.commit(basis, { settings: { limit: 2 } })).rejects.toThrow(/reading only/);
      await expect(reader.replace(basis, emptySession())).rejects.toThrow(/reading only/);
      await expect(reader.housekeep()).rejects.toThrow(/reading only/);
      await expect(reader.load('bad')).rejects.toBeInstanceOf(UnreadableSessionError);
      const check = await database.connect({ readOnly: true });
      expect([...(await records(check)).entries()]).toEqual([[headKey('bad'), 'not json']]);
      await check.close();
    });
  });
}
