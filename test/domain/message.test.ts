import { describe, expect, it } from 'vitest';
import { createMessage, largestFittingMessage, modelContent, type TokenCounter, UserError } from '../../src/domain/index.js';
import { testRules, thrown } from '../helpers/domain.js';

describe('createMessage', () => {
  const rules = testRules({ maxMessageChars: 10 });

  it('counts tokens once, of the content as the model sees it (with the speaker prefix)', () => {
    const m = createMessage({ role: 'user', content: 'hi there', authorName: 'Ada', authorId: '1' }, rules);
    expect(modelContent(m)).toBe('Ada: hi there');
    expect(m.tokens).toBe(3);
    expect(m.pinned).toBe(false);
    expect(m.authorId).toBe('1');
  });

  it('keeps assistant content unprefixed', () => {
    const m = createMessage({ role: 'assistant', content: 'a b c d e f g h i j k l' }, rules);
    expect(modelContent(m)).toBe('a b c d e f g h i j k l');
  });

  it('refuses user content over the bound, naming the bound, instead of truncating it', () => {
    expect(thrown(() => createMessage({ role: 'user', content: 'x'.repeat(11) }, rules))).toMatchObject({
      code: 'message_too_long',
      details: { length: 11, max: 10 },
    });
  });

  it('counts characters, not UTF-16 units, against the bound', () => {
    expect(createMessage({ role: 'user', content: '😀'.repeat(10) }, rules).content).toHaveLength(20);
  });

  it.each(['', '   ', '\n\t'])('refuses empty content %j', (content) => {
    try {
      createMessage({ role: 'user', content }, rules);
      throw new Error('expected an error');
    } catch (error) {
      expect((error as UserError).code).toBe('empty_message');
    }
  });

  it('cleans display names that would break the prefix', () => {
    const m = createMessage({ role: 'user', content: 'x', authorName: 'Bad:\nName' }, rules);
    expect(m.authorName).toBe('Bad Name');
  });

  describe('with a token budget', () => {
    const budget = 10; // a question of at most 4 tokens fits alone
    const limits: Array<number | undefined> = [];
    /** One token a word, as testRules' counter, recording the limit it was given. */
    const watched: TokenCounter = {
      count: (text, limit) => {
        limits.push(limit);
        return text.split(/\s+/).filter((w) => w !== '').length;
      },
    };
    const withBudget = testRules({ tokens: watched, tokenBudget: budget });

    it('accepts a question that fits the budget alone, counted in full', () => {
      limits.length = 0;
      const m = createMessage({ role: 'user', content: 'a b c', authorName: 'Ada' }, withBudget);
      expect(m.tokens).toBe(largestFittingMessage(budget));
      expect(limits).toEqual([largestFittingMessage(budget)]);
    });

    it('refuses a question that cannot fit even alone, telling the counter where it may stop', () => {
      limits.length = 0;
      expect(() => createMessage({ role: 'user', content: 'a b c d', authorName: 'Ada' }, withBudget)).toThrow(
        expect.objectContaining({ code: 'question_over_budget', details: { limit: 4, budget: 10 } }),
      );
      expect(limits).toEqual([4]);
      // A counter that stopped early says only "more than the limit": that is enough.
      const stopping: TokenCounter = { count: (_text, limit) => (limit ?? 0) + 1 };
      try {
        createMessage({ role: 'user', content: 'x' }, testRules({ tokens: stopping, tokenBudget: budget }));
        throw new Error('expected an error');
      } catch (error) {
        expect((error as UserError).code).toBe('question_over_budget');
      }
    });

    it('counts replies and forged messages whole and keeps them: only questions are refused', () => {
      limits.length = 0;
      const long = 'a b c d e f g h i j k l';
      expect(createMessage({ role: 'assistant', content: long }, withBudget).tokens).toBe(12);
      expect(createMessage({ role: 'user', content: long, forged: true }, withBudget).tokens).toBe(12);
      expect(limits).toEqual([undefined, undefined]);
    });
  });
});
