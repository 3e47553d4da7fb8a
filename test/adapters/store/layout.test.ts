import { describe, expect, it } from 'vitest';
import { EMPTY_LAYOUT, type Layout, MERGE_RUN, planCommit, type CommitPlan } from '../../../src/adapters/store/layout.js';
import {
  applyChange,
  commitRound,
  type DraftMessage,
  emptySession,
  type HistoryMessage,
  pin,
  rollback,
  type Session,
  type SessionChange,
  setLimit,
  summarizePart,
  trimToLimit,
} from '../../../src/domain/index.js';
import { assistant, user } from '../../helpers/domain.js';
import { seededRandom } from '../../helpers/random.js';

function round(i: number): DraftMessage[] {
  return [user(`q${String(i)}`), assistant(`a${String(i)}`)];
}

/** Chunks as a store would hold them: every chunk record a plan wrote, by id. */
class Chunks {
  private readonly records = new Map<string, readonly HistoryMessage[]>();
  private ids = 0;
  layout: Layout = EMPTY_LAYOUT;
  session: Session = emptySession();
  written = 0;

  readonly newId = (): string => `t.${String((this.ids += 1))}`;

  apply(change: SessionChange): CommitPlan {
    const after = applyChange(this.session, change);
    const plan = planCommit(this.layout, this.session, after, change, this.newId);
    for (const chunk of plan.write) {
      expect(this.records.has(chunk.id)).toBe(false); // records are immutable: never written twice
      this.records.set(chunk.id, chunk.messages);
      this.written += chunk.messages.length;
    }
    const listed = new Set(plan.layout.chunks.map((c) => c.id));
    for (const id of plan.drop) {
      expect(listed.has(id)).toBe(false);
      this.records.delete(id);
    }
    this.layout = plan.layout;
    this.session = after;
    return plan;
  }

  /** The history as a reader of the head and these records would build it. */
  read(): HistoryMessage[] {
    const pinned = new Set(this.layout.pinned);
    return this.layout.chunks.flatMap((chunk) => {
      const stored = this.records.get(chunk.id) ?? [];
      expect(stored).toHaveLength(chunk.size);
      const gone = new Set(chunk.gone);
      const live = stored.filter((m) => !gone.has(m.seq)).map((m) => ({ ...m, pinned: pinned.has(m.seq) }));
      expect(chunk.summary).toEqual(summarizePart(live));
      return live;
    });
  }

  sizes(): number[] {
    return this.layout.chunks.map((c) => c.summary.n);
  }
}

function appendRounds(chunks: Chunks, count: number, limit = 100_000): void {
  for (let i = 0; i < count; i += 1) chunks.apply(commitRound(chunks.session, round(chunks.session.next), limit).change);
}

describe('planCommit', () => {
  it('appending a round writes one small chunk and keeps the rest', () => {
    const chunks = new Chunks();
    appendRounds(chunks, 2);
    const plan = chunks.apply(commitRound(chunks.session, round(9), 100).change);
    expect(plan.write.map((w) => w.messages.map((m) => m.content))).toEqual([['q9', 'a9']]);
    expect(plan.drop).toEqual([]);
    expect(chunks.sizes()).toEqual([2, 2, 2]);
  });

  it(`${String(MERGE_RUN)} small chunks at the end merge into one of 16 messages; a round completing a run goes straight into it`, () => {
    const chunks = new Chunks();
    appendRounds(chunks, MERGE_RUN);
    expect(chunks.sizes()).toEqual([16]);
    appendRounds(chunks, 7 * MERGE_RUN + 3);
    expect(chunks.sizes()).toEqual([16, 16, 16, 16, 16, 16, 16, 16, 2, 2, 2]);
    expect(chunks.read()).toEqual(chunks.session.history);
    expect(chunks.written).toBe(2 * 128 - 8 * 2 + 3 * 2);
  });

  it('a 1 000-message history laid out round by round is about 70 chunks, and a trimming turn writes a few messages', () => {
    const chunks = new Chunks();
    appendRounds(chunks, 500);
    expect(chunks.layout.chunks.length).toBeLessThanOrEqual(1000 / 16 + MERGE_RUN - 1);
    chunks.written = 0;
    appendRounds(chunks, 256, 1000);
    expect(chunks.read()).toEqual(chunks.session.history);
    expect(chunks.layout.chunks.length).toBeLessThanOrEqual(1000 / 16 + MERGE_RUN + 1);
    expect(chunks.written / 256).toBeLessThan(7);
  });

  it('trimming a whole chunk drops it; trimming part of one only marks its messages gone, until more than half are', () => {
    const chunks = new Chunks();
    appendRounds(chunks, MERGE_RUN); // one chunk of 16
    const [id] = chunks.layout.chunks.map((c) => c.id);
    const part = chunks.apply(trimToLimit(chunks.session, 12).change);
    expect(part.write).toEqual([]);
    expect(part.drop).toEqual([]);
    expect(chunks.layout.chunks[0]?.gone).toEqual([0, 1, 2, 3]);
    expect(chunks.read()).toEqual(chunks.session.history);
    const most = chunks.apply(trimToLimit(chunks.session, 7).change);
    expect(most.drop).toEqual([id]);
    expect(most.write.map((w) => w.messages.length)).toEqual([7]);
    expect(chunks.read()).toEqual(chunks.session.history);
    const whole = new Chunks();
    appendRounds(whole, 2);
    const dropped = whole.apply(trimToLimit(whole.session, 2).change);
    expect(dropped.drop).toHaveLength(1);
    expect(whole.sizes()).toEqual([2]);
  });

  it('a pin or unpin writes no chunk: the head lists the pinned seqs and the chunk summary changes', () => {
    const chunks = new Chunks();
    appendRounds(chunks, 3);
    const plan = chunks.apply(pin(chunks.session, [0, -1]).change);
    expect(plan.write).toEqual([]);
    expect(plan.drop).toEqual([]);
    expect(chunks.layout.pinned).toEqual([0, 5]);
    expect(chunks.layout.chunks.map((c) => c.summary.pins)).toEqual([1, 0, 1]);
    expect(chunks.read()).toEqual(chunks.session.history);
  });

  it('a pinned message survives trimming in its chunk, the trimmed ones marked gone', () => {
    const chunks = new Chunks();
    appendRounds(chunks, 2);
    chunks.apply(pin(chunks.session, [0]).change);
    const plan = chunks.apply(setLimit(chunks.session, 3).change);
    expect(chunks.read().map((m) => m.content)).toEqual(['q0', 'q2', 'a2']);
    expect(plan.write).toEqual([]);
  });

  it('rollback drops the last chunk', () => {
    const chunks = new Chunks();
    appendRounds(chunks, 2);
    const last = chunks.layout.chunks.at(-1)?.id;
    expect(chunks.apply(rollback(chunks.session, 1).change).drop).toEqual([last]);
    expect(chunks.sizes()).toEqual([2]);
  });

  it('a reset drops every chunk; a later round starts a new one', () => {
    const chunks = new Chunks();
    appendRounds(chunks, 3);
    expect(chunks.apply({ reset: true }).drop).toHaveLength(3);
    expect(chunks.layout.chunks).toEqual([]);
    appendRounds(chunks, 1);
    expect(chunks.read().map((m) => m.seq)).toEqual([6, 7]);
  });

  it('a history read from an older record, or laid out in far too many chunks, is laid out anew in chunks of about 128', () => {
    const chunks = new Chunks();
    const history = Array.from({ length: 600 }, (_, i) => ({ ...(i % 2 === 0 ? user(`q${String(i)}`) : assistant(`a${String(i)}`)), seq: i }));
    chunks.session = { history, settings: {}, next: 600 };
    chunks.layout = { chunks: [], pinned: [], rewrite: true };
    chunks.apply({ settings: { limit: 700 } });
    expect(chunks.sizes()).toEqual([128, 128, 128, 128, 88]);
    expect(chunks.read()).toEqual(history);
  });

  it('an appended run the same change removes in part is written without what it removes', () => {
    const chunks = new Chunks();
    appendRounds(chunks, 1);
    const append = round(2).map((m, i) => ({ ...m, seq: 2 + i }));
    chunks.apply({ append, remove: [3, 0] });
    expect(chunks.read().map((m) => m.content)).toEqual(['a0', 'q2']);
  });

  it('whatever the rules do, the chunks hold exactly the history (2 000 random changes)', () => {
    const random = seededRandom(20261123);
    const chunks = new Chunks();
    for (let step = 0; step < 2000; step += 1) {
      const session = chunks.session;
      const n = session.history.length;
      const roll = random();
      let change: SessionChange;
      try {
        if (roll < 0.55) change = commitRound(session, round(session.next), 60).change;
        else if (roll < 0.65) change = pin(session, [Math.floor(random() * n)]).change;
        else if (roll < 0.72) change = { unpin: session.history.filter(() => random() < 0.3).map((m) => m.seq) };
        else if (roll < 0.8) change = rollback(session, 1).change;
        else if (roll < 0.9) change = setLimit(session, 1 + Math.floor(random() * 60)).change;
        else if (roll < 0.91) change = { reset: true };
        else change = commitRound(session, [...round(session.next), assistant('more')], 60).change;
      } catch {
        continue; // a rule refused (nothing to roll back)
      }
      chunks.apply(change);
      expect(chunks.read()).toEqual(chunks.session.history);
    }
  });
});
