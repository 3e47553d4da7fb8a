import { describe, expect, it } from 'vitest';
import { buildContext, emptySession, isUserError } from '../../src/domain/index.js';
import { largestFittingMessage, rememberingCounter } from '../../src/domain/tokens.js';
import { user, wordTokens } from '../helpers/domain.js';

describe('rememberingCounter', () => {
  it('counts a text once while it is remembered, and forgets the one it learned first', () => {
    const asked: string[] = [];
    const counter = rememberingCounter({ count: (text) => (asked.push(text), text.length) }, 2);
    expect([counter.count('prompt'), counter.count('prompt'), counter.count('other')]).toEqual([6, 6, 5]);
    expect(asked).toEqual(['prompt', 'other']);
    counter.count('third'); // forgets "prompt", the oldest
    expect(counter.count('prompt')).toBe(6);
    expect(counter.count('third')).toBe(5);
    expect(asked).toEqual(['prompt', 'other', 'third', 'prompt']);
  });
});

describe('largestFittingMessage', () => {
  it.each([
    [7168, 7162],
    [100, 94],
    [7, 1],
    [6, 0],
  ])('a budget of %i prompt tokens fits a message of at most %i tokens', (budget, largest) => {
    expect(largestFittingMessage(budget)).toBe(largest);
  });

  it('is where buildContext starts refusing a question with nothing else in the request', () => {
    for (const budget of [7, 10, 50]) {
      const fits = (tokens: number): boolean => {
        const question = user(Array.from({ length: tokens }, () => 'w').join(' '));
        try {
          buildContext({ session: emptySession(), systemPrompt: '', question, budget, tokens: wordTokens });
          return true;
        } catch (error) {
          if (isUserError(error) && error.code === 'context_over_budget') return false;
          throw error;
        }
      };
      const largest = largestFittingMessage(budget);
      expect([fits(largest), fits(largest + 1)], `budget ${String(budget)}`).toEqual([true, false]);
    }
  });
});
