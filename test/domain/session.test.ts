import { describe, expect, it } from 'vitest';
import {
  commitRound,
  emptySession,
  forge,
  pin,
  reset,
  rollback,
  rounds,
  type HistoryMessage,
  type Session,
  type SessionChange,
  setLimit,
  trimToLimit,
  UserError,
  applyChange,
  isEmptyChange,
  unpin,
  sameSession,
  storeAnswered,
  confirmDelivered,
  withdrawUndelivered,
} from '../../src/domain/index.js';
import { assistant, sessionOf, user, view } from '../helpers/domain.js';
import { seededRandom } from '../helpers/random.js';

function ask(session: Session, question: string, answer: string, limit: number): Session {
  return commitRound(session, [user(question), assistant(answer)], limit).session;
}

function expectUserError(run: () => unknown, code: string, details?: object): void {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).code).toBe(code);
    if (details) expect((error as UserError).details).toEqual(details);
    return;
  }
  throw new Error(`expected a UserError ${code}`);
}

describe('the openai2 documentation example', () => {
  it('limit 6 with pins ends with exactly the documented history', () => {
    const limit = 6;
    let s = setLimit(emptySession(), limit).session;
    s = ask(s, 'UK', 'London', limit);
    s = ask(s, 'Japan', 'Tokyo', limit);
    s = ask(s, 'Italy', 'Rome', limit);
    s = pin(s, [0, -2, -1]).session;
    s = ask(s, 'USA', 'Washington', limit);
    s = pin(s, [-2]).session;
    s = ask(s, 'Largest country', 'Russia', limit);
    s = ask(s, 'France', 'Paris', limit);
    s = ask(s, 'Frog larva', 'Tadpole', limit);
    s = ask(s, 'Largest ocean', 'Pacific', limit);
    expect(view(s)).toEqual(['UK*', 'Italy*', 'Rome*', 'USA*', 'Largest ocean', 'Pacific']);
    expect(s.history.map((m) => m.role)).toEqual(['user', 'user', 'assistant', 'user', 'user', 'assistant']);
  });
});

describe('rounds', () => {
  it.each([
    { name: 'empty', history: [], expected: [] },
    { name: 'one exchange', history: [user('a'), assistant('A')], expected: [{ start: 0, end: 2 }] },
    {
      name: 'two exchanges',
      history: [user('a'), assistant('A'), user('b'), assistant('B')],
      expected: [
        { start: 0, end: 2 },
        { start: 2, end: 4 },
      ],
    },
    {
      name: 'leading answers belong to the first round',
      history: [assistant('A'), user('b'), assistant('B')],
      expected: [{ start: 0, end: 3 }],
    },
    { name: 'only answers is one round', history: [assistant('A'), assistant('B')], expected: [{ start: 0, end: 2 }] },
    {
      name: 'user messages in a row are rounds of their own',
      history: [user('a'), user('b'), assistant('B')],
      expected: [
        { start: 0, end: 1 },
        { start: 1, end: 3 },
      ],
    },
  ])('$name', ({ history, expected }) => {
    expect(rounds(history)).toEqual(expected);
  });
});

describe('commitRound', () => {
  it('appends the question and answer together, then trims to the limit', () => {
    const s = ask(ask(emptySession(), 'a', 'A', 3), 'b', 'B', 3);
    expect(view(s)).toEqual(['A', 'b', 'B']);
  });

  it('refuses a round that does not start with a user message', () => {
    expect(() => commitRound(emptySession(), [assistant('A')], 10)).toThrow(/starts with a user message/);
  });
});

describe('rollback', () => {
  const s = sessionOf(user('a'), assistant('A'), user('b'), assistant('B'), user('c'), assistant('C'));

  it('removes the last round by default and returns it', () => {
    const { session, result, change } = rollback(s);
    expect(view(session)).toEqual(['a', 'A', 'b', 'B']);
    expect(result.map((m) => m.content)).toEqual(['c', 'C']);
    expect(change).toEqual({ remove: [4, 5] });
  });

  it('removes n whole rounds, pinned messages included', () => {
    const pinned = pin(s, [2, 3]).session;
    expect(view(rollback(pinned, 2).session)).toEqual(['a', 'A']);
  });

  it('rolling back every round empties the history, leading answers included', () => {
    const trimmed = sessionOf(assistant('A'), user('b'), assistant('B'), user('c'), assistant('C'));
    expect(rounds(trimmed.history)).toHaveLength(2);
    expect(rollback(trimmed, 2).session.history).toEqual([]);
  });

  it.each([0, -1, 4, 1.5])('count %s is an error that names the number of rounds', (count) => {
    expectUserError(() => rollback(s, count), 'rollback_out_of_range', { count, rounds: 3 });
  });

  it('on an empty history says there is nothing to roll back', () => {
    expectUserError(() => rollback(emptySession(), 1), 'empty_history');
  });

  it('does not change the session it was given', () => {
    rollback(s, 2);
    expect(s.history).toHaveLength(6);
  });
});

describe('pin and unpin', () => {
  const s = sessionOf(user('a'), assistant('A'), user('b'), assistant('B'));

  it.each([
    { indices: [0], expected: ['a*', 'A', 'b', 'B'] },
    { indices: [-1], expected: ['a', 'A', 'b', 'B*'] },
    { indices: [3, 0, -1, 0], expected: ['a*', 'A', 'b', 'B*'] },
    { indices: [-4], expected: ['a*', 'A', 'b', 'B'] },
  ])('pin $indices', ({ indices, expected }) => {
    expect(view(pin(s, indices).session)).toEqual(expected);
  });

  it('reports only the positions that changed; pinning a pinned message is a no-op', () => {
    const once = pin(s, [0]).session;
    const again = pin(once, [0, 1]);
    expect(again.result).toEqual({ positions: [0, 1], changed: [1] });
    expect(again.change).toEqual({ pin: [1] });
    expect(view(again.session)).toEqual(['a*', 'A*', 'b', 'B']);
  });

  it('unpins, and unpinning an unpinned message is a no-op', () => {
    const pinned = pin(s, [0, 1]).session;
    const result = unpin(pinned, [1, 2, -3]);
    expect(view(result.session)).toEqual(['a*', 'A', 'b', 'B']);
    expect(result.result.changed).toEqual([1]);
    expect(result.change).toEqual({ unpin: [1] });
  });

  it.each([[[4]], [[-5]], [[0, 7]], [[1, -9, 2]]])('an index out of range (%j) changes nothing', (indices) => {
    expectUserError(() => pin(s, indices), 'index_out_of_range', { indices: indices.filter((i) => i >= 4 || i < -4), length: 4 });
    expectUserError(() => unpin(s, indices), 'index_out_of_range');
    expect(view(s)).toEqual(['a', 'A', 'b', 'B']);
  });

  it('names every bad index', () => {
    expectUserError(() => pin(s, [9, 0, -7]), 'index_out_of_range', { indices: [9, -7], length: 4 });
  });

  it('on an empty history is a clear error', () => {
    expectUserError(() => pin(emptySession(), [0]), 'empty_history');
  });
});

describe('limit', () => {
  it('trims the oldest unpinned messages right away', () => {
    const s = pin(sessionOf(user('a'), assistant('A'), user('b'), assistant('B')), [0]).session;
    const { session, result, change } = setLimit(s, 2);
    expect(view(session)).toEqual(['a*', 'B']);
    expect(result.map((m) => m.content)).toEqual(['A', 'b']);
    expect(change).toEqual({ settings: { limit: 2 }, remove: [1, 2] });
    expect(session.settings.limit).toBe(2);
  });

  it('pins count toward the limit but are never trimmed', () => {
    const s = pin(sessionOf(user('a'), assistant('A'), user('b')), [0, 1, 2]).session;
    expect(view(setLimit(s, 1).session)).toEqual(['a*', 'A*', 'b*']);
  });

  it('keeps everything when under the limit', () => {
    const s = sessionOf(user('a'), assistant('A'));
    const trimmed = trimToLimit(s, 5);
    expect(trimmed.session).toEqual(s);
    expect(isEmptyChange(trimmed.change)).toBe(true);
  });

  it.each([0, -3, 1.5, 1001, Number.NaN])('limit %s is refused and changes nothing', (n) => {
    const s = sessionOf(user('a'));
    expectUserError(() => setLimit(s, n), 'bad_limit', { limit: n, min: 1, max: 1000 });
  });

  it('with limit n a completion carries at most n stored messages', () => {
    let s = setLimit(emptySession(), 4).session;
    for (const q of ['a', 'b', 'c', 'd']) s = ask(s, q, q.toUpperCase(), 4);
    expect(view(s)).toEqual(['c', 'C', 'd', 'D']);
  });
});

describe('reset', () => {
  it('empties history and pins but keeps settings', () => {
    const s = setLimit(pin(sessionOf(user('a'), assistant('A')), [0]).session, 9).session;
    const { session, result, change } = reset(s);
    expect(session.history).toEqual([]);
    expect(session.settings).toEqual({ limit: 9 });
    expect(session.next).toBe(2); // seqs are never reused, not even after a reset
    expect(result).toHaveLength(2);
    expect(change).toEqual({ reset: true });
  });
});

describe('forge', () => {
  it('appends fabricated messages that then behave like any others', () => {
    const s = forge(emptySession(), [user('fake q'), assistant('fake a')], 10).session;
    expect(view(s)).toEqual(['fake q', 'fake a']);
    expect(view(pin(s, [-1]).session)).toEqual(['fake q', 'fake a*']);
    expect(rollback(s).session.history).toEqual([]);
  });

  it('respects the limit', () => {
    const s = forge(sessionOf(user('a'), assistant('A')), [user('b'), assistant('B')], 3).session;
    expect(view(s)).toEqual(['A', 'b', 'B']);
  });

  it('refuses nothing to add', () => {
    expectUserError(() => forge(emptySession(), [], 10), 'bad_forge');
  });

  it('refuses a blank message, whatever its role (an empty answer would be sent to the model as said)', () => {
    expectUserError(() => forge(emptySession(), [assistant(' \u200B ')], 10), 'empty_message');
  });
});

describe('changes', () => {
  it('a round is numbered from next on, and its change is what applyChange applies', () => {
    const s = sessionOf(user('a'), assistant('A'));
    const { session, change } = commitRound(s, [user('b'), assistant('B')], 3);
    expect(session.history.map((m) => m.seq)).toEqual([1, 2, 3]);
    expect(session.next).toBe(4);
    expect(change).toEqual({ append: [expect.objectContaining({ seq: 2 }), expect.objectContaining({ seq: 3 })], remove: [0] });
    expect(applyChange(s, change)).toEqual(session);
  });

  it('applying a change again to the session it made changes nothing more (seqs it does not hold are ignored)', () => {
    const s = pin(sessionOf(user('a'), assistant('A'), user('b')), [0]).session;
    const change = { remove: [1, 99], unpin: [0], settings: { limit: 4 } };
    const once = applyChange(s, change);
    expect(view(once)).toEqual(['a', 'b']);
    expect(applyChange(once, change)).toEqual(once);
  });

  it('refuses an appended message numbered below next', () => {
    const s = sessionOf(user('a'));
    expect(() => applyChange(s, { append: [{ ...assistant('A'), seq: 0 }] })).toThrow(/below the session's next/);
  });

  it('every rule returns the change that makes the session it returns', () => {
    const s = pin(sessionOf(user('a'), assistant('A'), user('b'), assistant('B')), [1]).session;
    for (const made of [rollback(s), pin(s, [2]), unpin(s, [1]), setLimit(s, 2), reset(s), forge(s, [assistant('f')], 3), commitRound(s, [user('c')], 4)]) {
      expect(applyChange(s, made.change)).toEqual(made.session);
    }
  });
});

/** applyChange's rule as written: one pass over every message. */
function applyChangeAsWritten(session: Session, change: SessionChange): Session {
  const appended = [...(change.reset === true ? [] : session.history), ...(change.append ?? [])];
  const remove = new Set(change.remove ?? []);
  const pins = new Set(change.pin ?? []);
  const unpins = new Set(change.unpin ?? []);
  const history: HistoryMessage[] = [];
  for (const message of appended) {
    if (remove.has(message.seq)) continue;
    const pinned = pins.has(message.seq) ? true : unpins.has(message.seq) ? false : message.pinned;
    history.push(pinned === message.pinned ? message : { ...message, pinned });
  }
  const next = change.append?.at(-1) === undefined ? session.next : Math.max(session.next, (change.append.at(-1)?.seq ?? 0) + 1);
  return { history, settings: change.settings ?? session.settings, next };
}

describe('applyChange', () => {
  it('does what the rule as written does, keeping the untouched message objects (2 000 random changes)', () => {
    const random = seededRandom(2027);
    let session = emptySession();
    const some = (seqs: readonly number[]): number[] => seqs.filter(() => random() < 0.15);
    for (let step = 0; step < 2000; step += 1) {
      const seqs = [...session.history.map((m) => m.seq), session.next + 3, -1]; // and seqs it does not hold
      const append = Array.from({ length: Math.floor(random() * 3) }, (_, i) => ({ ...user(`m${String(step)}`), seq: session.next + i }));
      const change: SessionChange = {
        ...(random() < 0.02 ? { reset: true as const } : {}),
        ...(append.length > 0 ? { append } : {}),
        ...(random() < 0.5 ? { remove: some([...seqs, ...append.map((m) => m.seq)]) } : {}),
        ...(random() < 0.4 ? { pin: some(seqs) } : {}),
        ...(random() < 0.4 ? { unpin: some(seqs) } : {}),
      };
      const made = applyChange(session, change);
      const expected = applyChangeAsWritten(session, change);
      expect(made).toEqual(expected);
      // A message the change leaves alone is the very object it was (a store may rely on it).
      const untouched = new Set<HistoryMessage>([...session.history, ...append]);
      made.history.forEach((message, i) => {
        const rule = expected.history[i];
        if (rule !== undefined && untouched.has(rule)) expect(message).toBe(rule);
      });
      session = made;
    }
  });
});

describe('sameSession', () => {
  const base = applyChange(sessionOf(user('UK', { authorId: '1', authorName: 'Ann', discordMessageIds: ['10'] }), assistant('London')), {
    pin: [0],
    settings: { limit: 6 },
  });

  it('holds for a copy, and for an absent forged flag against false', () => {
    const copy: Session = { ...base, history: base.history.map((m) => ({ ...m, discordMessageIds: [...m.discordMessageIds] })) };
    expect(sameSession(base, copy)).toBe(true);
    const [first, second] = base.history;
    const withFalse: Session = { ...base, history: [{ ...first!, forged: false }, second!] };
    expect(sameSession(base, withFalse)).toBe(true);
  });

  it.each<[string, (s: Session) => Session]>([
    ['next', (s) => ({ ...s, next: s.next + 1 })],
    ['a setting', (s) => ({ ...s, settings: { limit: 7 } })],
    ['a setting added', (s) => ({ ...s, settings: { ...s.settings, model: 'm' } })],
    ['a message fewer', (s) => ({ ...s, history: s.history.slice(1) })],
    ['a seq', (s) => ({ ...s, history: s.history.map((m, i) => (i === 1 ? { ...m, seq: 5 } : m)) })],
    ['a pin', (s) => ({ ...s, history: s.history.map((m) => ({ ...m, pinned: false })) })],
    ['content', (s) => ({ ...s, history: s.history.map((m, i) => (i === 1 ? { ...m, content: 'Paris' } : m)) })],
    ['the speaker', (s) => ({ ...s, history: s.history.map((m, i) => (i === 0 ? { ...m, authorName: 'Bob' } : m)) })],
    ['the speaker id', (s) => ({ ...s, history: s.history.map((m, i) => (i === 0 ? { ...m, authorId: '2' } : m)) })],
    ['a time', (s) => ({ ...s, history: s.history.map((m, i) => (i === 0 ? { ...m, createdAt: m.createdAt + 1 } : m)) })],
    ['tokens', (s) => ({ ...s, history: s.history.map((m, i) => (i === 0 ? { ...m, tokens: m.tokens + 1 } : m)) })],
    ['the role', (s) => ({ ...s, history: s.history.map((m, i) => (i === 1 ? { ...m, role: 'user' as const } : m)) })],
    ['Discord message ids', (s) => ({ ...s, history: s.history.map((m, i) => (i === 0 ? { ...m, discordMessageIds: ['11'] } : m)) })],
    ['forged', (s) => ({ ...s, history: s.history.map((m, i) => (i === 0 ? { ...m, forged: true } : m)) })],
    ['a pending mark', (s) => ({ ...s, pending: [{ seq: 1, since: 5 }] })],
  ])('fails for a different %s', (_, change) => {
    expect(sameSession(base, change(base))).toBe(false);
    expect(sameSession(change(base), base)).toBe(false);
  });
});

describe('acknowledged means stored: storeAnswered, confirmDelivered, withdrawUndelivered', () => {
  const full = (): Session => ask(ask(ask(emptySession(), 'q0', 'a0', 6), 'q1', 'a1', 6), 'q2', 'a2', 6);

  it('stores the round at once, its reply marked pending, and trims nothing yet (the limit waits for delivery)', () => {
    const { session, change, result } = storeAnswered(full(), [user('q3'), assistant('a3')], 42);
    expect(result).toEqual({ question: 6, reply: 7 });
    expect(view(session)).toEqual(['q0', 'a0', 'q1', 'a1', 'q2', 'a2', 'q3', 'a3']);
    expect(session.pending).toEqual([{ seq: 7, since: 42 }]);
    expect(change).toEqual({ append: session.history.slice(6), pending: { seq: 7, since: 42 } });
  });

  it('confirming clears the mark and applies the limit; confirming again changes nothing more', () => {
    const stored = storeAnswered(full(), [user('q3'), assistant('a3')], 42).session;
    const confirmed = confirmDelivered(stored, 7, 6);
    expect(confirmed.session.pending).toBeUndefined();
    expect(view(confirmed.session)).toEqual(['q1', 'a1', 'q2', 'a2', 'q3', 'a3']);
    expect(confirmed.result.map((m) => m.content)).toEqual(['q0', 'a0']);
    expect(isEmptyChange(confirmDelivered(confirmed.session, 7, 6).change)).toBe(true);
  });

  it('withdrawing an undelivered answer leaves exactly the session before it (nothing was trimmed for it)', () => {
    const before = full();
    const stored = storeAnswered(before, [user('q3'), assistant('a3')], 42).session;
    const withdrawn = withdrawUndelivered(stored, { question: 6, reply: 7 }).session;
    expect(withdrawn).toEqual({ ...before, next: 8 });
    expect(withdrawn.pending).toBeUndefined();
  });

  it('a mark goes with its reply: /rollback or /reset of a pending round leaves no mark, and withdrawing it after changes nothing', () => {
    const stored = storeAnswered(full(), [user('q3'), assistant('a3')], 42).session;
    const rolledBack = rollback(stored, 1).session;
    expect(rolledBack.pending).toBeUndefined();
    expect(isEmptyChange(withdrawUndelivered(rolledBack, { question: 6, reply: 7 }).change)).toBe(true);
    expect(reset(stored).session.pending).toBeUndefined();
    // Pins and other rounds' changes keep it.
    expect(pin(stored, [0]).session.pending).toEqual([{ seq: 7, since: 42 }]);
  });

  it('marks of two writers (a rolling deploy) are kept side by side, each confirmed on its own', () => {
    const first = storeAnswered(full(), [user('q3'), assistant('a3')], 1).session;
    const both = storeAnswered(first, [user('q4'), assistant('a4')], 2).session;
    expect(both.pending).toEqual([
      { seq: 7, since: 1 },
      { seq: 9, since: 2 },
    ]);
    expect(confirmDelivered(both, 7, 100).session.pending).toEqual([{ seq: 9, since: 2 }]);
  });
});
