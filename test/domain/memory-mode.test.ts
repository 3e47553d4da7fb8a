import { describe, expect, it } from 'vitest';
import { isUserErrorOf } from '../../src/domain/errors.js';
import { setMemoryMode } from '../../src/domain/memory-mode.js';
import { commitRound, pin, setLimit } from '../../src/domain/session.js';
import { assistant, sessionOf, thrown, user, view } from '../helpers/domain.js';

// wordTokens: one token a word, plus 3 per message for the chat format.
const eight = () => sessionOf(user('a a a a a a a'), assistant('b'), user('c'), assistant('d'), user('e'), assistant('f'));

describe('tokens mode', () => {
  it('keeps the newest messages that fit the cap, pins counted and kept', () => {
    // costs: 10, 4, 4, 4, 4, 4 = 30
    const pinned = pin(eight(), [0]).session;
    const { session, result } = setMemoryMode(pinned, 'tokens', 64, 100);
    expect(view(session)).toEqual(view(pinned));
    expect(result.removed).toEqual([]);
    const capped = setMemoryMode({ ...pinned, settings: { ...pinned.settings, memoryTokens: 18 } }, 'tokens', undefined, 100);
    // 10 (pinned) + 4 + 4 = 18: the pin stays, the oldest unpinned go.
    expect(view(capped.session)).toEqual(['a a a a a a a*', 'e', 'f']);
    expect(capped.session.settings).toEqual({ memoryMode: 'tokens', memoryTokens: 18 });
  });

  it('trims at every commit, after the limit', () => {
    const start = setMemoryMode(sessionOf(), 'tokens', 64, 100).session;
    let session = start;
    for (let i = 0; i < 10; i += 1) session = commitRound(session, [user('one two three'), assistant('four five six seven')], 100, 64).session;
    // a round costs 6 + 7 = 13 tokens: 4 rounds fit 64 (52), and the answer of a fifth (7) still does.
    expect(session.history).toHaveLength(9);
    expect(session.history.reduce((n, m) => n + m.tokens + 3, 0)).toBe(59);
    expect(commitRound(session, [user('x'), assistant('y')], 3, 64).session.history).toHaveLength(3);
  });

  it('a pin alone over the cap stays, and so does the limit’s own trimming', () => {
    const s = { ...pin(sessionOf(user('w '.repeat(100)), assistant('b')), [0]).session };
    expect(view(setMemoryMode(s, 'tokens', 64, 100).session)).toHaveLength(1);
    expect(view(setLimit({ ...s, settings: { memoryMode: 'tokens', memoryTokens: 500 } }, 1).session)).toHaveLength(1);
  });

  it('window mode forgets the cap; a cap out of range, missing, or for window mode is refused', () => {
    const tokens = setMemoryMode(eight(), 'tokens', 100, 100).session;
    expect(setMemoryMode(tokens, 'window', undefined, 100).session.settings).toEqual({});
    for (const [mode, cap, reason] of [
      ['tokens', 10, 'range'],
      ['tokens', 3_000_000, 'range'],
      ['tokens', undefined, 'missing'],
      ['window', 100, 'not_tokens_mode'],
    ] as const) {
      const error = thrown(() => setMemoryMode(eight(), mode, cap, 100));
      expect(isUserErrorOf(error, 'bad_memory_tokens') && error.details.reason).toBe(reason);
    }
  });
});
