import { describe, expect, it } from 'vitest';
import { openSessionStore } from '../../src/adapters/store/open-session-store.js';
import type { DraftMessage } from '../../src/domain/message.js';
import { Memory, MemoryBusyError } from '../../src/engine/memory.js';
import { type SessionStore, StoreConflictError } from '../../src/engine/session-store.js';
import { testRules } from '../helpers/domain.js';
import { captureLogs } from '../helpers/logs.js';

const DEFAULTS = { limit: 100, systemPrompt: '', model: 'm', tokenBudget: 100_000 };

/** Any store, with a few event-loop turns inside each read and write, where unlocked work interleaves. */
function slowed(store: SessionStore): SessionStore {
  const hops = async (): Promise<void> => {
    for (let i = 0; i < 3; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
  };
  return {
    version: (key) => store.version(key),
    load: async (key) => {
      const snapshot = await store.load(key);
      await hops();
      return snapshot;
    },
    loadForContext: async (key, budgetFor) => {
      const snapshot = await store.loadForContext(key, budgetFor);
      await hops();
      return snapshot;
    },
    commit: async (basis, change) => {
      await hops();
      return store.commit(basis, change);
    },
    housekeep: () => store.housekeep(),
    pendingSessions: () => store.pendingSessions(),
    sessionKeys: () => store.sessionKeys(),
    close: () => store.close(),
  };
}

async function memoryOver(store?: SessionStore): Promise<Memory> {
  return new Memory(store ?? slowed(await openSessionStore('memory://', captureLogs().logger)), DEFAULTS, testRules());
}

function round(memory: Memory, text: string): DraftMessage[] {
  return [memory.message({ role: 'user', content: text }), memory.message({ role: 'assistant', content: `re ${text}` })];
}

/** Every memory change, each started while a commit of the same session is in flight. */
const CHANGES: Array<{ name: string; before?: (m: Memory) => Promise<unknown>; run: (m: Memory) => Promise<unknown>; expected: string[] }> = [
  { name: 'commitRound', run: (m) => m.commitRound('s', round(m, 'b')), expected: ['a', 're a', 'x', 're x', 'b', 're b'] },
  { name: 'rollback', run: (m) => m.rollback('s', 1), expected: ['a', 're a'] },
  { name: 'pin', run: (m) => m.pin('s', [-1]), expected: ['a', 're a', 'x', 're x*'] },
  { name: 'unpin', before: (m) => m.pin('s', [0]), run: (m) => m.unpin('s', [0]), expected: ['a', 're a', 'x', 're x'] },
  { name: 'setLimit', run: (m) => m.setLimit('s', 3), expected: ['re a', 'x', 're x'] },
  { name: 'reset', run: (m) => m.reset('s'), expected: [] },
  { name: 'forge', run: (m) => m.forge('s', [{ role: 'assistant', content: 'forged' }]), expected: ['a', 're a', 'x', 're x', 'forged'] },
  { name: 'trim', run: (m) => m.setLimit('s', 100).then(() => m.trim('s')), expected: ['a', 're a', 'x', 're x'] },
];

describe('Memory: the one per-session lock', () => {
  it.each(CHANGES)('$name waits for the commit queued before it and acts on its result (no conflict, no retry)', async ({ before, run, expected }) => {
    const memory = await memoryOver();
    await memory.commitRound('s', round(memory, 'a'));
    await before?.(memory);
    const inFlight = memory.commitRound('s', round(memory, 'x'));
    const change = run(memory);
    await Promise.all([inFlight, change]);
    // Without the lock both would load the same version: the second commit would conflict and be retried.
    expect(memory.conflictRetries).toBe(0);
    const history = (await memory.read('s')).history;
    expect(history.map((m) => `${m.content}${m.pinned ? '*' : ''}`)).toEqual(expected);
  });

  it('a read waits for the changes queued before it', async () => {
    const memory = await memoryOver();
    void memory.commitRound('s', round(memory, 'a'));
    void memory.pin('s', [0]);
    const session = await memory.read('s');
    expect(session.history.map((m) => `${m.content}${m.pinned ? '*' : ''}`)).toEqual(['a*', 're a']);
  });

  it('a context waits for the changes queued before it', async () => {
    const memory = await memoryOver();
    void memory.commitRound('s', round(memory, 'a'));
    void memory.pin('s', [1]);
    const { context } = await memory.context('s', memory.message({ role: 'user', content: 'next' }));
    expect(context.messages.map((m) => m.content)).toEqual(['a', 're a', 'next']);
    expect((await memory.read('s')).history[1]?.pinned).toBe(true);
  });

  it('a rule that refuses changes nothing and the lock moves on', async () => {
    const memory = await memoryOver();
    await expect(memory.rollback('s', 1)).rejects.toMatchObject({ code: 'empty_history' });
    await memory.commitRound('s', round(memory, 'a'));
    expect((await memory.read('s')).history).toHaveLength(2);
  });
});

describe('Memory: another process on the same store', () => {
  /** A store that lets another writer commit once just before this one's next commit. */
  function racedOnce(store: SessionStore, other: () => Promise<void>, times = 1): SessionStore {
    let left = times;
    return {
      ...store,
      version: (key) => store.version(key),
      load: (key) => store.load(key),
      loadForContext: (key, budgetFor) => store.loadForContext(key, budgetFor),
      housekeep: () => store.housekeep(),
      close: () => store.close(),
      commit: async (basis, change) => {
        if (left > 0) {
          left -= 1;
          await other();
        }
        return store.commit(basis, change);
      },
    };
  }

  it('a commit beaten by another writer is worked out again on the newer session, and both rounds are kept', async () => {
    const store = await openSessionStore('memory://', captureLogs().logger);
    const other = new Memory(store, DEFAULTS, testRules());
    const memory = new Memory(
      racedOnce(store, async () => {
        await other.commitRound('s', round(other, 'theirs'));
      }),
      DEFAULTS,
      testRules(),
    );
    await memory.commitRound('s', round(memory, 'mine'));
    expect(memory.conflictRetries).toBe(1);
    const history = (await other.read('s')).history;
    expect(history.map((m) => m.content)).toEqual(['theirs', 're theirs', 'mine', 're mine']);
    expect(history.map((m) => m.seq)).toEqual([0, 1, 2, 3]);
  });

  it('a rule worked out again sees the newer session: /pin -1 pins what is newest then', async () => {
    const store = await openSessionStore('memory://', captureLogs().logger);
    const other = new Memory(store, DEFAULTS, testRules());
    await other.commitRound('s', round(other, 'a'));
    const memory = new Memory(racedOnce(store, async () => {
        await other.commitRound('s', round(other, 'b'));
      }), DEFAULTS, testRules());
    await memory.pin('s', [-1]);
    expect((await other.read('s')).history.map((m) => `${m.content}${m.pinned ? '*' : ''}`)).toEqual(['a', 're a', 'b', 're b*']);
  });

  it('beaten twice, the change is not made and says so; never a silent overwrite', async () => {
    const store = await openSessionStore('memory://', captureLogs().logger);
    const other = new Memory(store, DEFAULTS, testRules());
    let n = 0;
    const memory = new Memory(
      racedOnce(
        store,
        async () => {
          n += 1;
          await other.commitRound('s', round(other, `theirs ${String(n)}`));
        },
        2,
      ),
      DEFAULTS,
      testRules(),
    );
    const error = await memory.commitRound('s', round(memory, 'mine')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MemoryBusyError);
    expect((error as MemoryBusyError).cause).toBeInstanceOf(StoreConflictError);
    expect((await other.read('s')).history.map((m) => m.content)).toEqual(['theirs 1', 're theirs 1', 'theirs 2', 're theirs 2']);
  });
});

describe('Memory: an answer stored, then confirmed', () => {
  it('confirming starts from the copy storing the answer left (one version read), even when the cache let the session go', async () => {
    const inner = await openSessionStore('memory://', captureLogs().logger, { cachedMessages: 0 });
    let loads = 0;
    const counted: SessionStore = { ...slowed(inner), load: (key) => ((loads += 1), inner.load(key)) };
    const memory = await memoryOver(counted);
    await memory.commitRound('s', round(memory, 'a'));
    loads = 0;
    const stored = await memory.storeAnswered('s', round(memory, 'b'));
    expect(loads).toBe(1);
    await memory.confirmDelivered('s', stored.reply);
    expect(loads).toBe(1);
    expect((await memory.read('s')).pending).toBeUndefined();
    // Another writer in between: the copy is stale, so the session is read again and the confirm still lands.
    const again = await memory.storeAnswered('s', round(memory, 'c'));
    await memory.pin('s', [0]);
    loads = 0;
    await memory.confirmDelivered('s', again.reply);
    expect(loads).toBe(1);
    const after = await memory.read('s');
    expect(after.pending).toBeUndefined();
    expect(after.history.map((m) => `${m.content}${m.pinned ? '*' : ''}`)).toEqual(['a*', 're a', 'b', 're b', 'c', 're c']);
  });
});
