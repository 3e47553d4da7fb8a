import { describe, expect, it } from 'vitest';
import {
  type Chunk,
  chunkProblem,
  decodeHead,
  EMPTY_LAYOUT,
  headEntry,
  type Layout,
  liveMessages,
  MERGE_RUN,
  planChunks,
  recentChunks,
} from '../../../src/adapters/store/session-record.js';
import { commitRound, type HistoryMessage, pin, rollback, type Session, setLimit, trimToLimit } from '../../../src/domain/index.js';
import { assistant, sessionOf, user } from '../../helpers/domain.js';
import { seededRandom } from '../../helpers/random.js';

/** [id, live messages] of each chunk. */
function ids(layout: Layout): number[][] {
  return layout.chunks.map((c) => [c.id, liveMessages(c).length]);
}

function chunk(id: number, stored: readonly HistoryMessage[], gone: readonly number[] = []): Chunk {
  return { id, stored, gone };
}

function rounds(count: number, from = 0): HistoryMessage[] {
  return Array.from({ length: count }, (_, i) => [user(`q${String(from + i)}`), assistant(`a${String(from + i)}`)]).flat();
}

/** Plays appends of one round each, as the bot saves them, from `layout`. */
function appendRounds(layout: Layout, history: HistoryMessage[], count: number): { layout: Layout; history: HistoryMessage[]; written: number } {
  let written = 0;
  for (const round of Array.from({ length: count }, (_, i) => rounds(1, history.length / 2 + i))) {
    history = [...history, ...round];
    const plan = planChunks(layout, history);
    written += plan.write.reduce((n, c) => n + c.stored.length, 0);
    layout = plan.layout;
  }
  return { layout, history, written };
}

describe('planChunks', () => {
  const a = [user('q0'), assistant('a0')];
  const b = [user('q1'), assistant('a1')];
  const c = [user('q2'), assistant('a2')];
  const stored: Layout = { chunks: [chunk(0, a), chunk(1, b)], next: 2 };

  it('a history no chunk holds yet (new, or read from a version 1 record) is cut into chunks of about 128 messages at round starts', () => {
    const plan = planChunks(EMPTY_LAYOUT, [assistant('left over'), ...rounds(150)]);
    expect(ids(plan.layout)).toEqual([
      [0, 129],
      [1, 128],
      [2, 44],
    ]);
    expect(plan.write).toHaveLength(3);
    expect(plan.drop).toEqual([]);
  });

  it('appending a round writes one small chunk and keeps the rest', () => {
    const plan = planChunks(stored, commitRound(sessionOf(...a, ...b), c, 100).session.history);
    expect(ids(plan.layout)).toEqual([
      [0, 2],
      [1, 2],
      [2, 2],
    ]);
    expect(plan.write.map((w) => w.id)).toEqual([2]);
    expect(plan.drop).toEqual([]);
  });

  it(`${String(MERGE_RUN)} small chunks at the end merge into one of 16 messages`, () => {
    const eight = appendRounds(EMPTY_LAYOUT, [], MERGE_RUN);
    expect(eight.layout.chunks.map((ch) => ch.stored.length)).toEqual([16]);
    const many = appendRounds(EMPTY_LAYOUT, [], 8 * MERGE_RUN + 3);
    expect(many.layout.chunks.map((ch) => ch.stored.length)).toEqual([16, 16, 16, 16, 16, 16, 16, 16, 2, 2, 2]);
    expect(many.layout.chunks.flatMap(liveMessages)).toEqual(many.history);
    // Each message is written twice: in its round and in its chunk of 16; the round that
    // completes a merge goes straight into the merged chunk.
    expect(many.written).toBe(2 * 128 - 8 * 2 + 3 * 2);
  });

  it('a 1 000-message history laid out round by round is about 70 chunks, and a turn writes about three rounds', () => {
    const grown = appendRounds(EMPTY_LAYOUT, [], 500);
    expect(grown.layout.chunks.length).toBeLessThanOrEqual(1000 / 16 + MERGE_RUN - 1);
    const turns = 256;
    let layout = grown.layout;
    let history: readonly HistoryMessage[] = grown.history;
    let written = 0;
    for (let i = 0; i < turns; i += 1) {
      history = trimToLimit({ history: [...history, ...rounds(1, 1000 + i)], settings: {} }, 1000).session.history;
      const plan = planChunks(layout, history);
      written += plan.write.reduce((n, ch) => n + ch.stored.length, 0);
      layout = plan.layout;
    }
    expect(layout.chunks.flatMap(liveMessages)).toEqual(history);
    expect(layout.chunks.length).toBeLessThanOrEqual(1000 / 16 + MERGE_RUN + 1);
    expect(written / turns).toBeLessThan(7);
  });

  it('trimming a whole chunk drops it; trimming part of one only marks its messages gone, until more than half are', () => {
    const whole = planChunks(stored, trimToLimit(sessionOf(...a, ...b), 2).session.history);
    expect(ids(whole.layout)).toEqual([[1, 2]]);
    expect(whole.drop).toEqual([0]);
    expect(whole.write).toEqual([]);

    const history = rounds(4);
    const big: Layout = { chunks: [chunk(0, history)], next: 1 };
    const part = planChunks(big, history.slice(2));
    expect(part.write).toEqual([]);
    expect(part.drop).toEqual([]);
    expect(part.layout.chunks[0]?.gone).toEqual([0, 1]);
    expect(part.layout.chunks.flatMap(liveMessages)).toEqual(history.slice(2));
    // Past half gone, the survivors are written again as a chunk of their own.
    const most = planChunks(part.layout, history.slice(5));
    expect(most.drop).toEqual([0]);
    expect(most.write.map((w) => w.stored)).toEqual([history.slice(5)]);
  });

  it('a pin writes the pinned message anew; its chunk keeps the rest if they still stand together, else is rewritten', () => {
    const last = planChunks(stored, pin(sessionOf(...a, ...b), [-1]).session.history);
    expect(ids(last.layout)).toEqual([
      [0, 2],
      [1, 1],
      [2, 1],
    ]);
    expect(last.write.map((w) => w.stored.map((m) => [m.content, m.pinned]))).toEqual([[['a1', true]]]);
    expect(last.drop).toEqual([]);
    const two: Layout = { chunks: [chunk(0, [...a, ...b])], next: 1 };
    const middle = planChunks(two, pin(sessionOf(...a, ...b), [1]).session.history);
    expect(ids(middle.layout)).toEqual([[1, 4]]);
    expect(middle.drop).toEqual([0]);
  });

  it('a pinned message survives trimming in its chunk, the trimmed ones marked gone', () => {
    const pinned = pin(sessionOf(...a, ...b), [0]).session;
    const first = planChunks(stored, pinned.history).layout;
    const plan = planChunks(first, setLimit(pinned, 3).session.history);
    expect(plan.layout.chunks.flatMap(liveMessages).map((m) => m.content)).toEqual(['q0', 'q1', 'a1']);
    expect(plan.write).toEqual([]);
  });

  it('rollback drops the last chunk', () => {
    const plan = planChunks(stored, rollback(sessionOf(...a, ...b), 1).session.history);
    expect(ids(plan.layout)).toEqual([[0, 2]]);
    expect(plan.drop).toEqual([1]);
  });

  it('a layout with far too many chunks for its history (a version 2 record, one per round) is rewritten in big chunks', () => {
    const history = rounds(500);
    const v2: Layout = { chunks: Array.from({ length: 500 }, (_, i) => chunk(i, history.slice(2 * i, 2 * i + 2))), next: 500 };
    const plan = planChunks(v2, history);
    expect(plan.drop).toHaveLength(500);
    expect(plan.layout.chunks.map((ch) => ch.stored.length)).toEqual([128, 128, 128, 128, 128, 128, 128, 104]);
    expect(plan.layout.chunks.flatMap(liveMessages)).toEqual(history);
  });

  it('never reuses an id', () => {
    const plan = planChunks({ chunks: [], next: 7 }, a);
    expect(plan.layout).toMatchObject({ next: 8 });
    expect(plan.write[0]?.id).toBe(7);
  });

  it('whatever the rules do, the layout holds exactly the history (2 000 random changes)', () => {
    const random = seededRandom(20261123);
    let session: Session = { history: [], settings: {} };
    let layout = EMPTY_LAYOUT;
    let made = 0;
    for (let step = 0; step < 2000; step += 1) {
      const roll = random();
      const n = session.history.length;
      try {
        if (roll < 0.6) session = commitRound(session, rounds(1, made++), 60).session;
        else if (roll < 0.7 && n > 0) session = pin(session, [Math.floor(random() * n)]).session;
        else if (roll < 0.8 && n > 1) session = rollback(session, 1).session;
        else if (roll < 0.9) session = setLimit(session, 1 + Math.floor(random() * 60)).session;
        else session = commitRound(session, [...rounds(1, made++), assistant('more')], 60).session;
      } catch {
        continue; // a rule refused (e.g. nothing to roll back); the session is unchanged
      }
      const plan = planChunks(layout, session.history);
      const ids = new Set(plan.layout.chunks.map((ch) => ch.id));
      expect(plan.drop.some((id) => ids.has(id))).toBe(false);
      expect(plan.layout.chunks.flatMap(liveMessages)).toEqual(session.history);
      for (const ch of plan.layout.chunks) expect(chunkProblem({ id: ch.id, gone: ch.gone }, ch.stored)).toBeUndefined();
      layout = plan.layout;
    }
  });
});

describe('chunk summaries in the head', () => {
  it('count the live messages, the pinned ones, and the prompt tokens of the unpinned ones', () => {
    const [q, a] = [user('one two three'), assistant('four')];
    const pinned = pin(sessionOf(q, a, user('five six')), [2]).session.history;
    expect(headEntry(chunk(4, pinned, [0]))).toEqual({ id: 4, gone: [0], n: 2, cost: 1 + 3, pins: 1 });
    expect(headEntry(chunk(5, [q, a]))).toEqual({ id: 5, n: 2, cost: 3 + 3 + 1 + 3 });
  });

  it('a context reads every chunk with a pin and the newest chunks until their cost reaches the budget', () => {
    const entries = [
      { id: 0, n: 16, cost: 100, pins: 1 },
      { id: 1, n: 16, cost: 100 },
      { id: 2, n: 16, cost: 100 },
      { id: 3, n: 2, cost: 20 },
      { id: 4, n: 2, cost: 20 },
    ];
    expect(recentChunks(entries, 30)).toEqual({ read: [entries[0], entries[3], entries[4]], skipped: 32 });
    expect(recentChunks(entries, 40)).toEqual({ read: [entries[0], entries[3], entries[4]], skipped: 32 });
    expect(recentChunks(entries, 41)).toEqual({ read: [entries[0], entries[2], entries[3], entries[4]], skipped: 16 });
    expect(recentChunks(entries, 1000)).toBeUndefined(); // all of them: read the session whole
    expect(recentChunks([{ id: 0 }, ...entries], 30)).toBeUndefined(); // an older head without summaries
  });
});

describe('decodeHead', () => {
  it('reads a version 2 head (a list of chunk ids) as chunks with nothing gone', () => {
    const decoded = decodeHead({ v: 2, settings: { limit: 4 }, chunks: [3, 4], next: 5 });
    expect(decoded).toEqual({ ok: true, kind: 'head', head: { v: 3, settings: { limit: 4 }, chunks: [{ id: 3 }, { id: 4 }], next: 5 } });
  });

  it('a gone list that does not fit its chunk is a problem, not a crash', () => {
    const two = [user('q'), assistant('a')];
    expect(chunkProblem({ id: 1, gone: [2] }, two)).toMatch(/chunk 1 lists gone messages it does not hold/);
    expect(chunkProblem({ id: 1, gone: [1, 0] }, two)).toMatch(/does not hold/);
    expect(chunkProblem({ id: 1, gone: [0, 1] }, two)).toMatch(/no message left/);
    expect(chunkProblem({ id: 1, gone: [1] }, two)).toBeUndefined();
  });
});
