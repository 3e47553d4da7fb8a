import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Keyv from 'keyv';
import { KeyvSessionStore, openSessionStore } from '../../../src/adapters/store/keyv-session-store.js';
import { emptySession, pin } from '../../../src/domain/index.js';
import { SessionService } from '../../../src/services/session-service.js';
import { captureLogs } from '../../helpers/logs.js';
import { assistant, sessionOf, testRules, user } from '../../helpers/domain.js';
import { seededRandom } from '../../helpers/random.js';
import { tempDir } from '../../helpers/temp.js';

const defaults = { limit: 1000, systemPrompt: 'sys', model: 'm', tokenBudget: 100_000 };

describe('KeyvSessionStore on a real SQLite file', () => {
  let dir: ReturnType<typeof tempDir>;
  let store: KeyvSessionStore;
  let logs: ReturnType<typeof captureLogs>;
  let url: string;

  beforeEach(async () => {
    dir = tempDir();
    logs = captureLogs();
    url = `sqlite://${join(dir.path, 'nested', 'folder', 'contextcord.sqlite')}`;
    store = await openSessionStore(url, logs.logger);
  });

  afterEach(async () => {
    await store.close();
    dir.cleanup();
  });

  it('creates the folder, starts empty, and keeps what was saved across a reopen', async () => {
    expect(existsSync(join(dir.path, 'nested', 'folder'))).toBe(true);
    expect(await store.load('c1')).toEqual(emptySession());
    const session = pin(sessionOf(user('hello', { authorId: '42', authorName: 'Ada' }), assistant('hi')), [0]).session;
    await store.save('c1', { ...session, settings: { limit: 7, systemPrompt: 'be brief' } });
    await store.close();
    store = await openSessionStore(url, logs.logger);
    const loaded = await store.load('c1');
    expect(loaded.history).toEqual(session.history);
    expect(loaded.settings).toEqual({ limit: 7, systemPrompt: 'be brief' });
  });

  it('stores a schema version with each record: a small head and chunks of messages', async () => {
    await store.save('c1', sessionOf(user('x'), assistant('y')));
    expect(await store.raw.get('session:c1')).toMatchObject({ v: 3, chunks: [{ id: 0 }], next: 1 });
    expect(await store.raw.get('chunk:c1:0')).toMatchObject({ v: 2, messages: [{ content: 'x' }, { content: 'y' }] });
  });

  it('a turn writes one new chunk and the head, not the whole history; trimmed chunks are deleted later', async () => {
    const service = new SessionService(store, { ...defaults, limit: 4 }, testRules());
    for (let i = 0; i < 5; i += 1) await service.commitRound('t', [user(`q${i}`), assistant(`a${i}`)]);
    expect(await store.raw.get('session:t')).toMatchObject({ chunks: [{ id: 3 }, { id: 4 }] });
    // Off the turn's path: the trimmed chunks wait for the housekeeping, which deletes them all at once.
    expect(await store.raw.get('chunk:t:0')).toBeDefined();
    await store.settle();
    for (const id of [0, 1, 2]) expect(await store.raw.get(`chunk:t:${String(id)}`)).toBeUndefined();
    store.clearCache();
    expect((await store.load('t')).history.map((m) => m.content)).toEqual(['q3', 'a3', 'q4', 'a4']);
  });

  it('runs the deferred deletes by itself shortly after a write', async () => {
    await store.close();
    store = await openSessionStore(url, logs.logger, { housekeepingMs: 20 });
    const service = new SessionService(store, { ...defaults, limit: 2 }, testRules());
    for (let i = 0; i < 3; i += 1) await service.commitRound('h', [user(`q${i}`), assistant(`a${i}`)]);
    await expect.poll(() => store.raw.get('chunk:h:1'), { timeout: 2000 }).toBeUndefined();
    expect(await store.raw.get('chunk:h:0')).toBeUndefined();
    store.clearCache();
    expect((await store.load('h')).history.map((m) => m.content)).toEqual(['q2', 'a2']);
  });

  it('a deleted session starts its chunk ids over, and no late delete removes its new chunks', async () => {
    const service = new SessionService(store, { ...defaults, limit: 4 }, testRules());
    for (let i = 0; i < 3; i += 1) await service.commitRound('r', [user(`q${i}`), assistant(`a${i}`)]);
    // Chunk 0 is waiting to be deleted when the session is deleted and written anew.
    await store.delete('r');
    await service.commitRound('r', [user('new q'), assistant('new a')]);
    await service.commitRound('r', [user('newer q'), assistant('newer a')]);
    expect(await store.raw.get('session:r')).toMatchObject({ chunks: [{ id: 0 }, { id: 1 }] });
    await store.settle();
    store.clearCache();
    expect((await store.load('r')).history.map((m) => m.content)).toEqual(['new q', 'new a', 'newer q', 'newer a']);
    expect(logs.lines.filter((l) => Number(l['level']) >= 40)).toEqual([]);
  });

  it('reads the same session back cold (after a restart) as it was saved warm', async () => {
    const service = new SessionService(store, defaults, testRules());
    for (let i = 0; i < 6; i += 1) await service.commitRound('w', [user(`q${i}`), assistant(`a${i}`)]);
    await service.pin('w', [1, -1]);
    await service.rollback('w', 1);
    const warm = await store.load('w');
    store.clearCache();
    expect(await store.load('w')).toEqual(warm);
  });

  it('reads back cold what merged, partly trimmed and pinned chunks hold (the head lists gone messages)', async () => {
    const service = new SessionService(store, { ...defaults, limit: 40 }, testRules());
    let sawGone = false;
    for (let i = 0; i < 45; i += 1) {
      await service.commitRound('g', [user(`q${i}`), assistant(`a${i}`)]);
      if (i % 7 === 3) await service.pin('g', [0]);
      if (i % 11 === 5) await service.rollback('g', 1);
      const warm = await store.load('g');
      store.clearCache();
      expect(await store.load('g')).toEqual(warm);
      const head = (await store.raw.get('session:g')) as { chunks: Array<{ id: number; gone?: number[] }> };
      expect(head.chunks.length).toBeLessThan(15);
      sawGone ||= head.chunks.some((c) => c.gone !== undefined);
    }
    expect(sawGone).toBe(true);
  });

  it('reads a version 2 head (chunk ids only) and rewrites a session laid out one chunk per round', async () => {
    const history = Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? user(`q${i}`) : assistant(`a${i}`)));
    for (let r = 0; r < 50; r += 1) await store.raw.set(`chunk:v2:${r}`, { v: 2, messages: history.slice(2 * r, 2 * r + 2) });
    await store.raw.set('session:v2', { v: 2, settings: { limit: 200 }, chunks: Array.from({ length: 50 }, (_, r) => r), next: 50 });
    const session = await store.load('v2');
    expect(session.history).toEqual(history);
    await store.save('v2', { ...session, history: [...history, user('new')] });
    expect(await store.raw.get('session:v2')).toMatchObject({ v: 3, chunks: [{ id: 50 }], next: 51 });
    store.clearCache();
    expect((await store.load('v2')).history.map((m) => m.content)).toEqual([...history, user('new')].map((m) => m.content));
  });

  it('sets aside a head whose gone list does not fit its chunk', async () => {
    await store.save('bad', sessionOf(user('x'), assistant('y')));
    await store.raw.set('session:bad', { v: 3, settings: {}, chunks: [{ id: 0, gone: [0, 1] }], next: 1 });
    store.clearCache();
    expect(await store.load('bad')).toEqual(emptySession());
    expect(logs.lines.find((l) => l['session'] === 'bad')?.['reason']).toMatch(/chunk 0 has no message left/);
    // The fresh session's chunks do not overwrite the ones the set-aside head names.
    await store.save('bad', sessionOf(user('fresh')));
    expect(await store.raw.get('session:bad')).toMatchObject({ chunks: [{ id: 1 }], next: 2 });
    expect(await store.raw.get('chunk:bad:0')).toMatchObject({ messages: [{ content: 'x' }, { content: 'y' }] });
  });

  it('reads a version 1 record (the whole history in one) and rewrites it as version 3 on save', async () => {
    const legacy = { v: 1, history: [user('old q'), assistant('old a')], settings: { limit: 5 } };
    await store.raw.set('session:l', legacy);
    const session = await store.load('l');
    expect(session.history.map((m) => m.content)).toEqual(['old q', 'old a']);
    await store.save('l', { ...session, history: [...session.history, user('new')] });
    store.clearCache();
    expect(await store.raw.get('session:l')).toMatchObject({ v: 3 });
    expect((await store.load('l')).history.map((m) => m.content)).toEqual(['old q', 'old a', 'new']);
  });

  it('rewrites a big version 1 record in chunks of about 128 messages and reads odd text back exactly', async () => {
    const odd = 'quotes " \' backslash \\ newline \n emoji 😀 nul-ish \u0001 json ["x"] {"y":1}';
    const history = Array.from({ length: 600 }, (_, i) => (i % 2 === 0 ? user(`${odd} ${i}`) : assistant(`${odd} ${i}`)));
    await store.raw.set('session:big', { v: 1, history, settings: {} }); // a version 1 record
    const session = await store.load('big');
    await store.save('big', { ...session, history: [...session.history, user('one more')] });
    expect(((await store.raw.get('session:big')) as { chunks: unknown[] }).chunks).toHaveLength(5);
    store.clearCache();
    const back = await store.load('big');
    expect(back.history).toHaveLength(601);
    expect(back.history[598]?.content).toBe(`${odd} 598`);
  });

  it('writes a batch in one statement whether its values are bound one by one or, past 1 000 rows, as one JSON parameter', async () => {
    for (const size of [3, 1500]) {
      const entries = Array.from({ length: size }, (_, i) => ({ key: `batch:${String(size)}:${String(i)}`, value: { n: i, text: `it's "${String(i)}"` } }));
      await store.raw.setMany(entries);
      expect(await store.raw.get(`batch:${String(size)}:0`)).toEqual({ n: 0, text: `it's "0"` });
      expect(await store.raw.get(`batch:${String(size)}:${String(size - 1)}`)).toEqual(entries.at(-1)?.value);
    }
  });

  it('a cold context reads only the chunks it can use, and is the context the whole history gives', async () => {
    const random = seededRandom(41);
    const service = new SessionService(store, { ...defaults, limit: 500, tokenBudget: 400 }, testRules());
    const read: number[] = [];
    let partialAnswers = 0;
    const getMany = store.raw.getMany.bind(store.raw);
    store.raw.getMany = (keys: string[]) => (read.push(keys.length), getMany(keys));
    for (let i = 0; i < 160; i += 1) {
      const words = 'word '.repeat(1 + Math.floor(random() * 12));
      await service.commitRound('p', [user(`q${String(i)} ${words}`), assistant(`a${String(i)} ${words}`)]);
      const size = (await store.load('p')).history.length;
      if (random() < 0.08) await service.pin('p', [Math.floor(random() * size)]);
      if (random() < 0.04) await service.unpin('p', [Math.floor(random() * size)]);
      if (random() < 0.05) await service.rollback('p', 1);
      if (i % 10 !== 9) continue;
      for (const budget of [60, 400, 5000]) {
        const question = user('now?');
        // Either the same context, or the same refusal (pins over the budget).
        const outcome = (context: Promise<unknown>): Promise<unknown> => context.then((ok) => ({ ok }), (error: unknown) => ({ error: String(error) }));
        const warm = await outcome(service.context('p', question, { budget }));
        store.clearCache();
        read.length = 0;
        const cold = await outcome(service.context('p', question, { budget }));
        expect(cold).toEqual(warm);
        const head = (await store.raw.get('session:p')) as { chunks: unknown[] };
        if (budget === 60 && i >= 49) expect(read[0]).toBeLessThan(head.chunks.length);
        if ((read[0] ?? 0) < head.chunks.length && typeof warm === 'object' && warm !== null && 'ok' in warm) partialAnswers += 1;
        store.clearCache();
      }
    }
    expect(partialAnswers).toBeGreaterThan(10);
  });

  it('a commit to a session not in memory reads only some chunks and stores what the whole commit stores (1 500 random changes)', async () => {
    const random = seededRandom(17);
    // A cache too small for the session: a commit that finds it cold would otherwise read it whole to cache it.
    const partial = await openSessionStore(`sqlite://${join(dir.path, 'partial.sqlite')}`, logs.logger, { cachedMessages: 100 });
    // The same changes on a second store that never appends in part: load, domain rule, save.
    const other = await openSessionStore(`sqlite://${join(dir.path, 'whole.sqlite')}`, logs.logger);
    const whole = new SessionService(
      { load: (k) => other.load(k), save: (k, session) => other.save(k, session), delete: (k) => other.delete(k), close: () => other.close() },
      { ...defaults, limit: 300 },
      testRules(),
    );
    const service = new SessionService(partial, { ...defaults, limit: 300 }, testRules());
    const reads: number[] = [];
    const getMany = partial.raw.getMany.bind(partial.raw);
    partial.raw.getMany = (keys: string[]) => (reads.push(keys.length), getMany(keys));
    let appended = 0;
    let chunksReadByAppends = 0;
    const appendRound = partial.appendRound.bind(partial);
    partial.appendRound = async (...args) => {
      const before = reads.length;
      const done = await appendRound(...args);
      if (done) {
        appended += 1;
        chunksReadByAppends += reads.slice(before).reduce((sum, n) => sum + n, 0);
      }
      return done;
    };
    let chunksInHead = 0;
    const view = (history: readonly { role: string; content: string; pinned: boolean; tokens: number }[]): string[] =>
      history.map((m) => `${m.role}:${m.content}:${String(m.pinned)}:${String(m.tokens)}`);
    let made = 0;
    const round = () => {
      made += 1;
      const words = 'word '.repeat(1 + Math.floor(random() * 6));
      const reply = [assistant(`a${String(made)} ${words}`)];
      if (random() < 0.1) reply.push(assistant(`more ${String(made)}`));
      return [user(`q${String(made)} ${words}`), ...reply];
    };
    try {
      for (let step = 0; step < 1500; step += 1) {
        const roll = random();
        const size = (await whole.read('k')).history.length;
        const at = Math.floor(random() * Math.max(size, 1));
        const both = async (change: (s: SessionService) => Promise<unknown>): Promise<void> => {
          const outcomes = await Promise.all([service, whole].map((s) => change(s).then(() => 'ok', (error: unknown) => String(error))));
          expect(outcomes[0]).toBe(outcomes[1]);
        };
        if (random() < 0.8) partial.clearCache(); // most commits find the session cold
        if (roll < 0.85) {
          const r = round();
          await both((s) => s.commitRound('k', r));
        } else if (roll < 0.91) await both((s) => s.pin('k', [at]));
        else if (roll < 0.95) await both((s) => s.unpin('k', [at]));
        else if (roll < 0.98) await both((s) => s.rollback('k', 1));
        else {
          const limit = 150 + Math.floor(random() * 250);
          await both((s) => s.setLimit('k', limit));
        }
        if (step % 25 === 0 || step > 1450) {
          partial.clearCache();
          expect(view((await service.read('k')).history)).toEqual(view((await whole.read('k')).history));
        }
      }
      partial.clearCache();
      expect(view((await service.read('k')).history)).toEqual(view((await whole.read('k')).history));
      chunksInHead = ((await partial.raw.get('session:k')) as { chunks: unknown[] }).chunks.length;
    } finally {
      await other.close();
      await partial.close();
    }
    // It did append in part, reading a few chunks of the many, and never met a wrong summary.
    expect(appended).toBeGreaterThan(500);
    expect(chunksInHead).toBeGreaterThan(16);
    expect(chunksReadByAppends / appended).toBeLessThan(3);
    expect(logs.lines.filter((l) => (l['level'] as number) >= 40)).toEqual([]);
  });

  it('a session the cache let go between load and save is saved as a change, not rewritten whole', async () => {
    const uncached = await openSessionStore(`sqlite://${join(dir.path, 'uncached.sqlite')}`, logs.logger, { cachedMessages: 0 });
    try {
      const service = new SessionService(uncached, defaults, testRules());
      for (let i = 0; i < 70; i += 1) await service.commitRound('u', [user(`q${String(i)}`), assistant(`a${String(i)}`)]);
      const written: string[][] = [];
      const setMany = uncached.raw.setMany.bind(uncached.raw);
      uncached.raw.setMany = (entries) => (written.push(entries.map((e) => e.key)), setMany(entries));
      await service.commitRound('u', [user('q70'), assistant('a70')]);
      await service.pin('u', [-1]);
      // The round: one new chunk and the head; the pin: the pinned message's chunk rewritten and the head.
      expect(written.map((keys) => keys.length)).toEqual([2, 2]);
      expect((await uncached.load('u')).history.map((m) => m.content).slice(-3)).toEqual(['a69', 'q70', 'a70']);
    } finally {
      await uncached.close();
    }
  });

  it('a cold context of a session its budget covers whole reads the head once and keeps the session cached', async () => {
    const service = new SessionService(store, defaults, testRules());
    await service.commitRound('small', [user('q'), assistant('a')]);
    store.clearCache();
    const heads: string[] = [];
    const get = store.raw.get.bind(store.raw);
    store.raw.get = ((key: string) => (heads.push(key), get(key))) as typeof store.raw.get;
    await service.context('small', user('next?'));
    await service.commitRound('small', [user('next?'), assistant('b')]);
    expect(heads).toEqual(['session:small']);
  });

  it('a chunk summary that does not match its chunk is logged and written right on the next save', async () => {
    const service = new SessionService(store, defaults, testRules());
    await service.commitRound('s', [user('q one two'), assistant('a')]);
    await store.raw.set('session:s', { v: 3, settings: {}, chunks: [{ id: 0, n: 2, cost: 1 }], next: 1 });
    store.clearCache();
    expect((await store.load('s')).history).toHaveLength(2);
    expect(logs.lines.find((l) => l['session'] === 's')?.['msg']).toMatch(/summary does not match/);
    await service.commitRound('s', [user('q2'), assistant('a2')]);
    expect(await store.raw.get('session:s')).toMatchObject({ chunks: [{ id: 0, n: 2, cost: 10 }, { id: 1, n: 2, cost: 8 }] });
  });

  it('a head whose chunk is missing is set aside like any undecodable record', async () => {
    await store.save('m', sessionOf(user('x'), assistant('y')));
    await store.raw.delete('chunk:m:0');
    store.clearCache();
    expect(await store.load('m')).toEqual(emptySession());
    expect(logs.lines.find((l) => l.session === 'm')?.reason).toMatch(/chunk 0 is missing/);
  });

  it('keeps at most the configured number of messages decoded in memory', async () => {
    const small = await openSessionStore(`sqlite://${join(dir.path, 'small.sqlite')}`, logs.logger, { cachedMessages: 3 });
    await small.save('a', sessionOf(user('1'), assistant('2')));
    await small.save('b', sessionOf(user('3'), assistant('4')));
    await small.raw.set('session:a', { v: 2, settings: {}, chunks: [], next: 1 }); // changed behind its back
    expect((await small.load('a')).history).toEqual([]); // 'a' was evicted, so it was read again
    await small.close();
  });

  it.each([
    ['a record of the wrong shape', { v: 1, history: [{ role: 'wizard' }], settings: {} }],
    ['a record of an unknown version', { v: 99, history: [], settings: {} }],
    ['a bare string', 'not a session'],
  ])('sets aside %s, logs the session key and starts fresh', async (_name, bad) => {
    await store.raw.set('session:c9', bad);
    store.clearCache();
    expect(await store.load('c9')).toEqual(emptySession());
    const line = logs.lines.find((l) => l.session === 'c9');
    expect(line?.level).toBe(50);
    const aside = String(line?.quarantinedAs);
    expect(aside).toMatch(/^quarantine:c9:\d+$/);
    expect(await store.raw.get(aside)).toEqual(bad);
    expect(await store.raw.get('session:c9')).toBeUndefined();
  });

  it('sets aside a value that is not even JSON', async () => {
    const sqlite = store.raw.store as { query: (sql: string, ...p: unknown[]) => Promise<unknown> };
    await sqlite.query('INSERT INTO keyv (key, value) VALUES (?, ?)', 'contextcord:session:c8', '{broken');
    store.clearCache();
    expect(await store.load('c8')).toEqual(emptySession());
    const line = logs.lines.find((l) => l.session === 'c8');
    expect(await store.raw.get(String(line?.quarantinedAs))).toEqual({ undecodable: '{broken' });
  });

  it('serializes 100 concurrent commits to one session: 100 rounds, in the order accepted', async () => {
    const service = new SessionService(store, defaults, testRules());
    const commits = Array.from({ length: 100 }, (_, i) =>
      service.commitRound('busy', [user(`q${i}`), assistant(`a${i}`)]),
    );
    await Promise.all(commits);
    const session = await store.load('busy');
    expect(session.history).toHaveLength(200);
    expect(session.history.filter((m) => m.role === 'user').map((m) => m.content)).toEqual(
      Array.from({ length: 100 }, (_, i) => `q${i}`),
    );
  });

  it('updates to different sessions do not wait for each other', async () => {
    const service = new SessionService(store, defaults, testRules());
    let releaseSlow: () => void = () => {};
    const slowGate = new Promise<void>((resolve) => {
      releaseSlow = resolve;
    });
    // Hold session A's lock until session B's update has finished.
    const slow = service.update('A', (s) => ({ session: s, result: slowGate }));
    const heldA = slow.then((gate) => gate);
    await service.commitRound('B', [user('b'), assistant('B')]);
    expect((await store.load('B')).history).toHaveLength(2);
    releaseSlow();
    await heldA;
  });

  it('a rule that throws saves nothing', async () => {
    const service = new SessionService(store, defaults, testRules());
    await service.commitRound('c', [user('q'), assistant('a')]);
    await expect(service.pin('c', [5])).rejects.toThrow(/out of range/);
    await expect(service.rollback('c', 2)).rejects.toThrow(/holds 1 round/);
    expect((await store.load('c')).history.map((m) => m.pinned)).toEqual([false, false]);
  });
});

describe('openSessionStore', () => {
  it('refuses a store it does not know with what is allowed', async () => {
    await expect(openSessionStore('mongodb://x', captureLogs().logger)).rejects.toThrow(
      /"mongodb:" is not supported yet: use sqlite:\/\//,
    );
  });

  it('runs the housekeeper once after a burst of writes, not on every write, and never when idle', async () => {
    let runs = 0;
    const housekeeper = { run: () => Promise.resolve(void (runs += 1)), close: () => Promise.resolve() };
    const store = new KeyvSessionStore(new Keyv(), captureLogs().logger, { housekeepingMs: 30, housekeeper });
    for (let i = 0; i < 5; i += 1) await store.save('k', sessionOf(user(`q${i}`)));
    expect(runs).toBe(0);
    await expect.poll(() => runs, { timeout: 2000 }).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(runs).toBe(1);
    await store.close();
    expect(runs).toBe(2); // close settles whatever is left
  });

  it('memory:// works for tests and trials', async () => {
    const store = await openSessionStore('memory://', captureLogs().logger);
    await store.save('k', sessionOf(user('x')));
    expect((await store.load('k')).history).toHaveLength(1);
    await store.close();
  });
});
