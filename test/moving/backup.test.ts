import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChunkedSessionStore } from '../../src/adapters/store/chunked-store.js';
import { openSessionStore } from '../../src/adapters/store/open-session-store.js';
import { SqliteBackend } from '../../src/adapters/store/sqlite-backend.js';
import { sameSession, type Session } from '../../src/domain/index.js';
import { Memory } from '../../src/engine/memory.js';
import { backup, type BackupReport } from '../../src/moving/backup.js';
import { backupLines } from '../../src/moving/backup-cli.js';
import { assistant, testRules, user } from '../helpers/domain.js';
import { captureLogs } from '../helpers/logs.js';
import { tempDir } from '../helpers/temp.js';

const logger = captureLogs().logger;
const defaults = { limit: 8, systemPrompt: 'sys', model: 'm', tokenBudget: 100_000 };
const SESSIONS = 5;

/** Every session of a SQLite file, read whole through a read-only store. */
async function sessionsIn(file: string): Promise<Map<string, Session>> {
  const store = new ChunkedSessionStore(await SqliteBackend.open(file, { readOnly: true }), logger, { readOnly: true });
  const out = new Map<string, Session>();
  try {
    for await (const key of store.sessionKeys()) out.set(key, (await store.load(key)).session);
  } finally {
    await store.close();
  }
  return out;
}

/** The number of the newest round a session holds (questions are "r<number>"). */
function lastRound(session: Session): number {
  const question = session.history.findLast((m) => m.role === 'user');
  return question === undefined ? -1 : Number(question.content.slice(1));
}

function made(result: Awaited<ReturnType<typeof backup>>): BackupReport {
  if ('kind' in result) throw new Error(`backup refused: ${result.kind}`);
  return result;
}

describe('backup', () => {
  let dir: ReturnType<typeof tempDir>;
  let storeUrl: string;
  beforeEach(() => {
    dir = tempDir();
    storeUrl = `sqlite://${join(dir.path, 'data', 'contextcord.sqlite')}`;
  });
  afterEach(() => dir.cleanup());

  it('copies a consistent moment of a store being written to: every session whole, the rounds of one instant', async () => {
    // Trims, merges and deletes of dropped chunks go on as in a busy bot.
    const store = await openSessionStore(storeUrl, logger, { dropGraceMs: 0, housekeepingMs: 1, cachedMessages: 0 });
    const memory = new Memory(store, defaults, testRules());
    // Round r goes to session r mod SESSIONS, one after another.
    let committed = 0;
    const state = { writing: true };
    let started: () => void = () => undefined;
    const someCommitted = new Promise<void>((resolve) => (started = resolve));
    const writer = (async () => {
      while (state.writing) {
        await memory.commitRound(`s${String(committed % SESSIONS)}`, [user(`r${String(committed)}`), assistant(`a${String(committed)}`)]);
        committed += 1;
        if (committed === SESSIONS) started();
      }
    })();
    await someCommitted;
    let overlapped = 0;
    try {
      for (let n = 0; n < 5; n += 1) {
        const before = committed;
        const file = join(dir.path, `copy-${String(n)}.sqlite`);
        const report = made(await backup(storeUrl, file, { force: false, logger }));
        const after = committed;
        if (after > before) overlapped += 1;
        const sessions = await sessionsIn(file);
        expect(report.sessions).toBe(sessions.size);
        expect(report.unreadable).toEqual([]);
        // The copy is the store after some commit N made while the backup ran: each session's
        // newest round is its last one up to N.
        const newest = Math.max(...[...sessions.values()].map(lastRound));
        expect(newest).toBeGreaterThanOrEqual(before - 1);
        expect(newest).toBeLessThanOrEqual(after);
        for (let i = 0; i < SESSIONS; i += 1) {
          const expected = newest - ((((newest - i) % SESSIONS) + SESSIONS) % SESSIONS);
          const session = sessions.get(`s${String(i)}`);
          expect(session === undefined ? -1 : lastRound(session), `s${String(i)} in copy ${String(n)}`).toBe(expected < 0 ? -1 : expected);
        }
      }
    } finally {
      state.writing = false;
      await writer;
    }
    // Rounds were committed while copies were being made.
    expect(overlapped).toBeGreaterThan(0);

    // With the writes over, a bot started on a copy has the store's history, and goes on from it.
    const file = join(dir.path, 'final.sqlite');
    made(await backup(storeUrl, file, { force: false, logger }));
    const original = await sessionsIn(join(dir.path, 'data', 'contextcord.sqlite'));
    await store.close();
    const copy = await openSessionStore(`sqlite://${file}`, logger);
    const onCopy = new Memory(copy, defaults, testRules());
    for (const [key, session] of original) expect(sameSession((await copy.load(key)).session, session), key).toBe(true);
    await onCopy.commitRound('s0', [user('after'), assistant('restore')]);
    expect((await onCopy.read('s0')).history.at(-1)?.content).toBe('restore');
    await copy.close();
  });

  it('says what it copied and how to restore it', async () => {
    const store = await openSessionStore(storeUrl, logger);
    const memory = new Memory(store, defaults, testRules());
    await memory.commitRound('c1', [user('q'), assistant('a')]);
    await store.close();
    const file = join(dir.path, 'backup.sqlite');
    const result = await backup(storeUrl, file, { force: false, logger });
    const lines = backupLines(storeUrl, result);
    expect(lines.exitCode).toBe(0);
    expect(lines.out[0]).toMatch(new RegExp(`^backup: ${storeUrl} copied to ${file}: 1 session, 2 messages, 0\\.\\d\\d MB; every session read back from the copy\\.$`));
    expect(lines.out[1]).toContain('stop the bot, put the copy in place of');
    expect(lines.err).toEqual([]);
  });

  it('refuses to overwrite a file unless forced, and then replaces it whole', async () => {
    await (await openSessionStore(storeUrl, logger)).close();
    const file = join(dir.path, 'taken.sqlite');
    writeFileSync(file, 'mine');
    const refused = await backup(storeUrl, file, { force: false, logger });
    expect(refused).toEqual({ kind: 'exists', file });
    expect(backupLines(storeUrl, refused)).toEqual({
      out: [],
      err: [`backup: ${file} already exists; nothing was written. Name a new file, or pass --force to replace it.`],
      exitCode: 1,
    });
    expect(readFileSync(file, 'utf8')).toBe('mine');
    made(await backup(storeUrl, file, { force: true, logger }));
    expect(readFileSync(file).subarray(0, 15).toString()).toBe('SQLite format 3');
    expect(await backup(storeUrl, join(dir.path, 'data', 'contextcord.sqlite'), { force: true, logger })).toMatchObject({ kind: 'same-file' });
  });

  it('refuses a store that is not SQLite, pointing to the README', async () => {
    const redis = 'redis://:hunter2hunter2@127.0.0.1:6379/0';
    const result = await backup(redis, join(dir.path, 'x.sqlite'), { force: false, logger });
    expect(result).toEqual({ kind: 'not-sqlite', scheme: 'redis' });
    const [line] = backupLines(redis, result).err;
    expect(line).toBe(
      'backup: STORE_URL is redis://:***@127.0.0.1:6379/0: npm run backup copies SQLite stores only. Back up Redis with its RDB snapshots or AOF, PostgreSQL with pg_dump: see the README, "Moving and backing up data".',
    );
    expect(backupLines('memory://', await backup('memory://', 'x', { force: false, logger })).err[0]).toContain('nothing on disk to back up');
    expect(readdirSync(dir.path)).toEqual([]);
  });

  it('a store that is not there is named, and a store that cannot be read leaves no file behind', async () => {
    const file = join(dir.path, 'out', 'backup.sqlite');
    const missing = await backup(storeUrl, file, { force: false, logger });
    expect(missing).toEqual({ kind: 'no-store', file: join(dir.path, 'data', 'contextcord.sqlite') });
    expect(backupLines(storeUrl, missing).err[0]).toMatch(/^backup: there is no store at .+contextcord\.sqlite \(STORE_URL=sqlite:.+\); nothing was written\./);
    expect(existsSync(file)).toBe(false);
    mkdirSync(join(dir.path, 'data'));
    writeFileSync(join(dir.path, 'data', 'contextcord.sqlite'), 'not a database, but long enough to be read as one by SQLite at all'.repeat(20));
    await expect(backup(storeUrl, file, { force: false, logger })).rejects.toThrow(/SQLITE_NOTADB/);
    expect(existsSync(file)).toBe(false);
    expect(readdirSync(join(dir.path, 'out'))).toEqual([]);
  });
});
