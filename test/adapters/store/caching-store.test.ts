import { describe, expect, it } from 'vitest';
import { CachingSessionStore } from '../../../src/adapters/store/caching-store.js';
import { applyChange, emptySession, type Session, type SessionChange } from '../../../src/domain/index.js';
import { type ContextSnapshot, type SessionStore, type Snapshot, StoreConflictError } from '../../../src/engine/session-store.js';
import { assistant, sessionOf, user } from '../../helpers/domain.js';

/** A store in memory that counts what it is asked, and whose reads can be held back. */
class CountingStore implements SessionStore {
  readonly stored = new Map<string, Snapshot>();
  loads = 0;
  versions = 0;
  /** When set, the next load waits for it before answering with what was stored when it was asked. */
  hold: Promise<void> | undefined;
  /** Called when a held load has read what it will answer. */
  onHeld: () => void = () => undefined;
  partial = false;

  version(key: string): Promise<number> {
    this.versions += 1;
    return Promise.resolve(this.stored.get(key)?.version ?? 0);
  }

  async load(key: string): Promise<Snapshot> {
    this.loads += 1;
    const snapshot = this.stored.get(key) ?? { key, version: 0, session: emptySession() };
    const hold = this.hold;
    this.hold = undefined;
    if (hold !== undefined) {
      this.onHeld();
      await hold;
    }
    return snapshot;
  }

  async loadForContext(key: string): Promise<ContextSnapshot> {
    const { version, session } = await this.load(key);
    if (!this.partial) return { version, session, skipped: 0 };
    return { version, session: { ...session, history: session.history.slice(-1) }, skipped: session.history.length - 1 };
  }

  commit(basis: Snapshot, change: SessionChange): Promise<Snapshot> {
    const current = this.stored.get(basis.key)?.version ?? 0;
    if (current !== basis.version) return Promise.reject(new StoreConflictError(basis.key, basis.version));
    const snapshot = { key: basis.key, version: current + 1, session: applyChange(basis.session, change) };
    this.stored.set(basis.key, snapshot);
    return Promise.resolve(snapshot);
  }

  housekeep(): Promise<{ orphansRemoved: number; quarantinedRemoved: number }> {
    return Promise.resolve({ orphansRemoved: 0, quarantinedRemoved: 0 });
  }

  async *pendingSessions(): AsyncGenerator<string> {
    await Promise.resolve();
    for (const [key, snapshot] of this.stored) if ((snapshot.session.pending?.length ?? 0) > 0) yield key;
  }

  async *sessionKeys(): AsyncGenerator<string> {
    await Promise.resolve();
    yield* [...this.stored.keys()].sort();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  /** Another process commits. */
  put(key: string, session: Session): Snapshot {
    const snapshot = { key, version: (this.stored.get(key)?.version ?? 0) + 1, session };
    this.stored.set(key, snapshot);
    return snapshot;
  }
}

const two = sessionOf(user('q'), assistant('a'));

describe('CachingSessionStore', () => {
  it('serves its copy after one version read while the store still states that version', async () => {
    const inner = new CountingStore();
    inner.put('k', two);
    const cache = new CachingSessionStore(inner);
    const first = await cache.load('k');
    expect(inner.versions).toBe(0); // nothing cached yet: no version read before the load
    expect(await cache.load('k')).toBe(first);
    expect((await cache.loadForContext('k', () => 100)).session).toBe(first.session);
    expect([inner.loads, inner.versions]).toEqual([1, 2]);
  });

  it('reads again when another writer committed a newer version', async () => {
    const inner = new CountingStore();
    const cache = new CachingSessionStore(inner);
    inner.put('k', two);
    await cache.load('k');
    const theirs = inner.put('k', sessionOf(user('other')));
    expect(await cache.load('k')).toEqual(theirs);
    expect((await cache.loadForContext('k', () => 100)).version).toBe(theirs.version);
    expect(inner.loads).toBe(2);
  });

  it('caches what a commit made; a failed commit forgets the session', async () => {
    const inner = new CountingStore();
    const cache = new CachingSessionStore(inner);
    const basis = await cache.load('k');
    const committed = await cache.commit(basis, { append: [{ ...user('x'), seq: 0 }] });
    expect(await cache.load('k')).toBe(committed);
    expect(inner.loads).toBe(1);
    await expect(cache.commit(basis, { settings: { limit: 3 } })).rejects.toBeInstanceOf(StoreConflictError);
    await cache.load('k');
    expect(inner.loads).toBe(2);
  });

  it('a read that finishes after a commit does not replace the commit\'s newer copy', async () => {
    const inner = new CountingStore();
    const cache = new CachingSessionStore(inner);
    let release: () => void = () => undefined;
    inner.hold = new Promise((resolve) => {
      release = resolve;
    });
    const held = new Promise<void>((resolve) => {
      inner.onHeld = resolve;
    });
    const slow = cache.load('k'); // reads version 0, answers later
    await held;
    const committed = await cache.commit({ key: 'k', version: 0, session: emptySession() }, { settings: { limit: 9 } });
    release();
    expect((await slow).version).toBe(0);
    expect(await cache.load('k')).toBe(committed);
    expect(inner.loads).toBe(1); // served from the commit's copy, not read again
  });

  it('a copy the store has moved past is dropped, not kept to be checked again', async () => {
    const inner = new CountingStore();
    const cache = new CachingSessionStore(inner, { cachedMessages: 2 });
    inner.put('a', two);
    await cache.load('a');
    inner.put('a', sessionOf(user('newer')));
    inner.put('b', two);
    await cache.load('a'); // stale: read again (1 message now)
    await cache.load('b'); // 3 messages in all: the least recently used (a) goes
    expect(inner.loads).toBe(3);
  });

  it('caches a context read only when it is the whole session', async () => {
    const inner = new CountingStore();
    inner.put('k', sessionOf(user('1'), assistant('2'), user('3')));
    inner.partial = true;
    const cache = new CachingSessionStore(inner);
    expect((await cache.loadForContext('k', () => 10)).skipped).toBe(2);
    await cache.load('k');
    expect(inner.loads).toBe(2);
    inner.partial = false;
    const other = new CachingSessionStore(inner);
    await other.loadForContext('k', () => 10);
    await other.load('k');
    expect(inner.loads).toBe(3);
  });

  it('keeps at most the configured number of messages, the least recently used going first; 0 keeps none', async () => {
    const inner = new CountingStore();
    for (const key of ['a', 'b', 'c']) inner.put(key, two);
    const cache = new CachingSessionStore(inner, { cachedMessages: 4 });
    await cache.load('a');
    await cache.load('b');
    await cache.load('a'); // a is now the most recently used
    await cache.load('c'); // b goes
    const loads = inner.loads;
    await cache.load('a');
    await cache.load('c');
    expect(inner.loads).toBe(loads);
    await cache.load('b');
    expect(inner.loads).toBe(loads + 1);
    const none = new CachingSessionStore(inner, { cachedMessages: 0 });
    await none.load('a');
    await none.load('a');
    expect(inner.loads).toBe(loads + 3);
  });
});
