import { describe, expect, it } from 'vitest';
import { openSessionStore } from '../../../src/adapters/store/open-session-store.js';
import { type StoreOperation, type StoreOperationOutcome, TimedSessionStore } from '../../../src/adapters/store/timed-store.js';
import { commitRound } from '../../../src/domain/index.js';
import { StoreConflictError } from '../../../src/engine/session-store.js';
import { assistant, user } from '../../helpers/domain.js';
import { captureLogs } from '../../helpers/logs.js';

async function timed() {
  const seen: Array<{ operation: StoreOperation; outcome: StoreOperationOutcome; seconds: number }> = [];
  const inner = await openSessionStore('memory://', captureLogs().logger);
  const store = new TimedSessionStore(inner, (operation, outcome, seconds) => seen.push({ operation, outcome, seconds }));
  return { store, inner, seen };
}

describe('TimedSessionStore', () => {
  it('passes every operation through and reports each with its time', async () => {
    const { store, seen } = await timed();
    const basis = await store.load('c1');
    const committed = await store.commit(basis, commitRound(basis.session, [user('hi'), assistant('hello')], 100).change);
    expect(committed.version).toBe(1);
    expect(await store.version('c1')).toBe(1);
    const context = await store.loadForContext('c1', () => 1000);
    expect(context.session.history.map((m) => m.content)).toEqual(['hi', 'hello']);
    await store.housekeep();
    expect(seen.map((s) => `${s.operation} ${s.outcome}`)).toEqual(['load ok', 'commit ok', 'version ok', 'loadForContext ok', 'housekeep ok']);
    for (const { seconds } of seen) {
      expect(seconds).toBeGreaterThanOrEqual(0);
      expect(seconds).toBeLessThan(60);
    }
  });

  it('tells a conflict (another writer first) from an error, and throws what the store threw', async () => {
    const { store, seen } = await timed();
    const basis = await store.load('c1');
    const change = commitRound(basis.session, [user('one'), assistant('two')], 100).change;
    await store.commit(basis, change);
    await expect(store.commit(basis, change)).rejects.toBeInstanceOf(StoreConflictError);
    await store.close();
    await expect(store.version('c1')).rejects.toThrow('the session store is closed');
    expect(seen.map((s) => `${s.operation} ${s.outcome}`)).toEqual(['load ok', 'commit ok', 'commit conflict', 'version error']);
  });
});
