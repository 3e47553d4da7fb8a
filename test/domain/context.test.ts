import { describe, expect, it } from 'vitest';
import { buildContext, pin, TOKENS_PER_IMAGE, TOKENS_PER_MESSAGE, TOKENS_REPLY_PRIMING, UserError } from '../../src/domain/index.js';
import { gptTokenCounter } from '../../src/adapters/gpt-tokenizer.js';
import { assistant, sessionOf, thrown, user, wordTokens } from '../helpers/domain.js';
import { seededRandom } from '../helpers/random.js';

// Each test message is 2 words = 2 tokens, so it costs 2 + 3 = 5 tokens in a request.
const history = [user('q one'), assistant('a one'), user('q two'), assistant('a two')];
const question = user('q new');
const fixed = TOKENS_REPLY_PRIMING + (2 + TOKENS_PER_MESSAGE); // priming + question
const systemCost = 2 + TOKENS_PER_MESSAGE; // "be kind"

function contents(messages: readonly { content: string }[]): string[] {
  return messages.map((m) => m.content);
}

describe('buildContext', () => {
  it('carries system prompt, all history and the question when it fits', () => {
    const c = buildContext({ session: sessionOf(...history), systemPrompt: 'be kind', question, budget: 1000, tokens: wordTokens });
    expect(contents(c.messages)).toEqual(['be kind', 'q one', 'a one', 'q two', 'a two', 'q new']);
    expect(c.messages[0]?.role).toBe('system');
    expect(c.tokens).toBe(fixed + systemCost + 4 * 5);
    expect(c.omitted).toBe(0);
  });

  it('leaves out the oldest unpinned messages until it fits, exactly at the budget', () => {
    const budget = fixed + systemCost + 2 * 5;
    const c = buildContext({ session: sessionOf(...history), systemPrompt: 'be kind', question, budget, tokens: wordTokens });
    expect(contents(c.messages)).toEqual(['be kind', 'q two', 'a two', 'q new']);
    expect(c.tokens).toBe(budget);
    expect(c.omitted).toBe(2);
  });

  it('keeps pinned messages however old', () => {
    const session = pin(sessionOf(...history), [0]).session;
    const budget = fixed + systemCost + 2 * 5;
    const c = buildContext({ session, systemPrompt: 'be kind', question, budget, tokens: wordTokens });
    expect(contents(c.messages)).toEqual(['be kind', 'q one', 'a two', 'q new']);
  });

  it('with an empty system prompt sends no system message', () => {
    const c = buildContext({ session: sessionOf(), systemPrompt: '', question, budget: 100, tokens: wordTokens });
    expect(c.messages).toEqual([{ role: 'user', content: 'q new' }]);
    expect(c.tokens).toBe(fixed);
  });

  it('is an error, not a silent cut, when pins, system prompt and question alone exceed the budget', () => {
    const session = pin(sessionOf(...history), [0, 1, 2, 3]).session;
    const budget = fixed + systemCost + 4 * 5 - 1;
    expect(() => buildContext({ session, systemPrompt: 'be kind', question, budget, tokens: wordTokens })).toThrow(UserError);
    expect(thrown(() => buildContext({ session, systemPrompt: 'be kind', question, budget, tokens: wordTokens }))).toMatchObject({
      code: 'context_over_budget',
      details: { needed: budget + 1, budget, images: false },
    });
  });

  it('never drops the question itself, even when it alone is too big', () => {
    const big = user('w '.repeat(50));
    expect(() => buildContext({ session: sessionOf(), systemPrompt: '', question: big, budget: 20, tokens: wordTokens })).toThrow(
      /context_over_budget|budget/,
    );
  });

  it('uses the cached token count of history messages instead of re-tokenizing them', () => {
    let calls = 0;
    const counting = { count: (t: string) => ((calls += 1), wordTokens.count(t)) };
    buildContext({ session: sessionOf(...history), systemPrompt: 'be kind', question, budget: 1000, tokens: counting });
    expect(calls).toBe(1); // the system prompt only
  });

  it('carries the question\'s images on the question only, counting a fixed cost per image', () => {
    const images = ['https://cdn.example/cat.png', 'https://cdn.example/dog.png'];
    const c = buildContext({ session: sessionOf(...history), systemPrompt: 'be kind', question, questionImages: images, budget: 1000, tokens: wordTokens });
    expect(c.messages.at(-1)).toEqual({ role: 'user', content: 'q new', images });
    expect(c.messages.slice(0, -1).every((m) => m.images === undefined)).toBe(true);
    expect(c.tokens).toBe(fixed + systemCost + 4 * 5 + 2 * TOKENS_PER_IMAGE);
    expect(TOKENS_PER_IMAGE).toBe(85);
  });

  it('sends no images field when the question has none', () => {
    const c = buildContext({ session: sessionOf(), systemPrompt: '', question, questionImages: [], budget: 100, tokens: wordTokens });
    expect(c.messages).toEqual([{ role: 'user', content: 'q new' }]);
    expect(c.tokens).toBe(fixed);
  });

  it('makes room for images by leaving out old history, like any other part of the question', () => {
    const budget = fixed + systemCost + 2 * 5 + TOKENS_PER_IMAGE;
    const c = buildContext({
      session: sessionOf(...history),
      systemPrompt: 'be kind',
      question,
      questionImages: ['https://cdn.example/cat.png'],
      budget,
      tokens: wordTokens,
    });
    expect(contents(c.messages)).toEqual(['be kind', 'q two', 'a two', 'q new']);
    expect(c.omitted).toBe(2);
    expect(c.tokens).toBe(budget);
  });

  it('is an error naming the images when they alone push the question over the budget', () => {
    const run = (): unknown =>
      buildContext({ session: sessionOf(), systemPrompt: '', question, questionImages: ['a', 'b'], budget: fixed + TOKENS_PER_IMAGE, tokens: wordTokens });
    expect(run).toThrow(UserError);
    expect(thrown(run)).toMatchObject({
      code: 'context_over_budget',
      details: { needed: fixed + 2 * TOKENS_PER_IMAGE, budget: fixed + TOKENS_PER_IMAGE, images: true },
    });
  });

  it('keeps what dropping the oldest unpinned message, one at a time until it fits, keeps (500 random cases)', () => {
    const random = seededRandom(7);
    for (let run = 0; run < 500; run += 1) {
      const size = Math.floor(random() * 30);
      const messages = Array.from({ length: size }, (_, i) => (i % 2 === 0 ? user : assistant)(`m${String(i)} ${'w '.repeat(Math.floor(random() * 6))}`));
      const pins = messages.flatMap((_, i) => (random() < 0.15 ? [i] : []));
      const session = pins.length === 0 ? sessionOf(...messages) : pin(sessionOf(...messages), pins).session;
      const all = session.history.reduce((sum, m) => sum + m.tokens + TOKENS_PER_MESSAGE, fixed);
      const budget = Math.floor(random() * (all + 5));
      // The rule as written: everything, then the oldest unpinned message out while over budget.
      const kept = [...session.history];
      let total = all;
      let omitted = 0;
      while (total > budget) {
        const oldest = kept.findIndex((m) => !m.pinned);
        if (oldest === -1) break;
        total -= (kept[oldest]?.tokens ?? 0) + TOKENS_PER_MESSAGE;
        kept.splice(oldest, 1);
        omitted += 1;
      }
      const build = (): ReturnType<typeof buildContext> => buildContext({ session, systemPrompt: '', question, budget, tokens: wordTokens });
      if (total > budget) {
        expect(build).toThrow(UserError);
        continue;
      }
      const c = build();
      expect(contents(c.messages)).toEqual([...contents(kept), 'q new']);
      expect(c.tokens).toBe(total);
      expect(c.omitted).toBe(omitted);
    }
  });

  it('with the real tokenizer the total matches OpenAI-style counting', () => {
    const q = { ...question, tokens: gptTokenCounter.count('q new') };
    const c = buildContext({ session: sessionOf(), systemPrompt: 'You are helpful.', question: q, budget: 100, tokens: gptTokenCounter });
    expect(c.tokens).toBe(gptTokenCounter.count('You are helpful.') + gptTokenCounter.count('q new') + 2 * 3 + 3);
  });
});
