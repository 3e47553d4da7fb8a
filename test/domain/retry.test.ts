import { describe, expect, it } from 'vitest';
import { applyChange, replaceRound, restoreReplaced, retryTarget, type Session } from '../../src/domain/session.js';
import { isUserErrorOf } from '../../src/domain/errors.js';
import { assistant, sessionOf, thrown, user, view } from '../helpers/domain.js';

const ada = { userId: 'ada', moderator: false };
const bob = { userId: 'bob', moderator: false };
const moderator = { userId: 'mod', moderator: true };

function conversation(): Session {
  return sessionOf(user('first', { authorId: 'ada', authorName: 'Ada' }), assistant('one'), user('second', { authorId: 'ada', authorName: 'Ada' }), assistant('two'));
}

describe('retryTarget', () => {
  it('is the last round, question first', () => {
    const target = retryTarget(conversation(), ada);
    expect(target.question.content).toBe('second');
    expect(target.round.map((m) => m.seq)).toEqual([2, 3]);
  });

  it('refuses an empty memory, and a last round without its question', () => {
    expect(isUserErrorOf(thrown(() => retryTarget(sessionOf(), ada)), 'nothing_to_retry')).toBe(true);
    const trimmed = thrown(() => retryTarget(sessionOf(assistant('orphan')), moderator));
    expect(trimmed).toMatchObject({ code: 'nothing_to_retry', details: { reason: 'no_question' } });
  });

  it('is for who asked, or a moderator; a forged question (no author) for moderators only', () => {
    expect(thrown(() => retryTarget(conversation(), bob))).toMatchObject({ code: 'retry_not_yours', details: { author: 'Ada' } });
    expect(retryTarget(conversation(), moderator).question.content).toBe('second');
    const forged = sessionOf(user('made up', { forged: true }), assistant('ok'));
    expect(thrown(() => retryTarget(forged, ada))).toMatchObject({ code: 'retry_not_yours', details: { author: '' } });
    expect(retryTarget(forged, moderator).round).toHaveLength(2);
  });
});

describe('replaceRound', () => {
  it('removes the old round and appends the question with the new answer in one change, the answer pending', () => {
    const session = conversation();
    const target = retryTarget(session, ada);
    const { session: after, change, result } = replaceRound(session, target, assistant('two again'), 5);
    expect(view(after)).toEqual(['first', 'one', 'second', 'two again']);
    expect(after.history.map((m) => m.seq)).toEqual([0, 1, 4, 5]);
    expect(change.remove).toEqual([2, 3]);
    expect(change.append?.map((m) => m.seq)).toEqual([4, 5]);
    expect(result).toEqual({ question: 4, reply: 5 });
    expect(after.pending).toEqual([{ seq: 5, since: 5 }]);
    // The store applies exactly that change: the same session.
    expect(applyChange(session, change)).toEqual(after);
  });

  it('keeps the question as it is now (a pin set meanwhile), and the old reply’s pending mark goes with it', () => {
    const session = conversation();
    const target = retryTarget(session, ada);
    const now: Session = { ...session, history: session.history.map((m) => (m.seq === 2 ? { ...m, pinned: true } : m)), pending: [{ seq: 3, since: 1 }] };
    const { session: after } = replaceRound(now, target, assistant('again'), 9);
    expect(view(after)).toEqual(['first', 'one', 'second*', 'again']);
    expect(after.pending).toEqual([{ seq: 5, since: 9 }]);
  });

  it('refuses when the round changed meanwhile (rolled back, or more added), changing nothing', () => {
    const session = conversation();
    const target = retryTarget(session, ada);
    const rolledBack: Session = { ...session, history: session.history.slice(0, 2) };
    expect(isUserErrorOf(thrown(() => replaceRound(rolledBack, target, assistant('x'), 1)), 'retry_stale')).toBe(true);
    const grown = applyChange(session, { append: [{ ...assistant('forged'), seq: 4 }] });
    expect(isUserErrorOf(thrown(() => replaceRound(grown, target, assistant('x'), 1)), 'retry_stale')).toBe(true);
  });
});

describe('restoreReplaced', () => {
  it('takes the new round out and gives the old one back, pins and all', () => {
    const session = conversation();
    const pinned: Session = { ...session, history: session.history.map((m) => (m.seq === 3 ? { ...m, pinned: true } : m)) };
    const target = retryTarget(pinned, ada);
    const replaced = replaceRound(pinned, target, assistant('lost'), 1);
    const { session: after } = restoreReplaced(replaced.session, replaced.result, target.round);
    expect(view(after)).toEqual(['first', 'one', 'second', 'two*']);
    expect(after.history.map(({ seq: _seq, ...m }) => m)).toEqual(pinned.history.map(({ seq: _seq, ...m }) => m));
    expect(after.pending).toBeUndefined();
  });

  it('after a /rollback of the new round, only what is left of it goes; the old one does not come back', () => {
    const session = conversation();
    const target = retryTarget(session, ada);
    const replaced = replaceRound(session, target, assistant('lost'), 1);
    const rolledBack = applyChange(replaced.session, { remove: [5] });
    expect(view(restoreReplaced(rolledBack, replaced.result, target.round).session)).toEqual(['first', 'one']);
    const gone = applyChange(replaced.session, { remove: [4, 5] });
    expect(restoreReplaced(gone, replaced.result, target.round).change).toEqual({});
  });
});
