import { describe, expect, it } from 'vitest';
import { EMPTY_LAYOUT, type Layout, planChunks } from '../../../src/adapters/store/session-record.js';
import { commitRound, pin, rollback, setLimit, trimToLimit } from '../../../src/domain/index.js';
import { assistant, sessionOf, user } from '../../helpers/domain.js';

function ids(layout: Layout): number[][] {
  return layout.chunks.map((c) => [c.id, c.messages.length]);
}

describe('planChunks', () => {
  const a = [user('q0'), assistant('a0')];
  const b = [user('q1'), assistant('a1')];
  const c = [user('q2'), assistant('a2')];
  const stored: Layout = { chunks: [{ id: 0, messages: a }, { id: 1, messages: b }], next: 2 };

  it('a history no chunk holds yet (new, or read from a version 1 record) becomes one chunk per round', () => {
    const plan = planChunks(EMPTY_LAYOUT, [assistant('left over'), ...a, ...b]);
    expect(ids(plan.layout)).toEqual([[0, 1], [1, 2], [2, 2]]);
    expect(plan.write).toHaveLength(3);
    expect(plan.drop).toEqual([]);
    // So the next trim drops a chunk instead of rewriting the whole history.
    const trimmed = planChunks(plan.layout, trimToLimit(sessionOf(assistant('x'), ...a, ...b), 4).session.history);
    expect(trimmed.write).toEqual([]);
  });

  it('appending a round writes one chunk and keeps the rest', () => {
    const plan = planChunks(stored, commitRound(sessionOf(...a, ...b), c, 100).session.history);
    expect(ids(plan.layout)).toEqual([[0, 2], [1, 2], [2, 2]]);
    expect(plan.write.map((w) => w.id)).toEqual([2]);
    expect(plan.drop).toEqual([]);
  });

  it('trimming a whole chunk drops it; trimming part of one rewrites its survivors', () => {
    const whole = planChunks(stored, trimToLimit(sessionOf(...a, ...b), 2).session.history);
    expect(ids(whole.layout)).toEqual([[1, 2]]);
    expect(whole.drop).toEqual([0]);
    expect(whole.write).toEqual([]);
    const part = planChunks(stored, trimToLimit(sessionOf(...a, ...b), 3).session.history);
    expect(ids(part.layout)).toEqual([[2, 1], [1, 2]]);
    expect(part.drop).toEqual([0]);
  });

  it('a pin rewrites only the chunk holding the pinned message', () => {
    const plan = planChunks(stored, pin(sessionOf(...a, ...b), [-1]).session.history);
    expect(ids(plan.layout)).toEqual([[0, 2], [2, 2]]);
    expect(plan.drop).toEqual([1]);
  });

  it('a pinned message in the middle survives trimming in a chunk of its own', () => {
    const pinned = pin(sessionOf(...a, ...b), [1]).session;
    const first = planChunks(stored, pinned.history).layout; // chunk 0 rewritten as 2
    const plan = planChunks(first, setLimit(pinned, 2).session.history);
    expect(plan.layout.chunks.flatMap((ch) => ch.messages.map((m) => m.content))).toEqual(['a0', 'a1']);
  });

  it('rollback drops the last chunk', () => {
    const plan = planChunks(stored, rollback(sessionOf(...a, ...b), 1).session.history);
    expect(ids(plan.layout)).toEqual([[0, 2]]);
    expect(plan.drop).toEqual([1]);
  });

  it('never reuses an id', () => {
    const plan = planChunks({ chunks: [], next: 7 }, a);
    expect(plan.layout).toMatchObject({ next: 8 });
    expect(plan.write[0]?.id).toBe(7);
  });
});
