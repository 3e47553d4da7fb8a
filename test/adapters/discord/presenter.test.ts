import { describe, expect, it } from 'vitest';
import { answerProblemReply, historyReply, pinReply, resetReply, userErrorReply } from '../../../src/adapters/discord/presenter.js';
import { type UserErrorCode, type UserErrorDetails, userError } from '../../../src/domain/errors.js';
import { historyView } from '../../../src/engine/history-view.js';
import type { ModelErrorKind } from '../../../src/engine/chat-model.js';
import { answerProblemText, modelFailureText, userErrorText } from '../../../src/presenters/en.js';
import { sessionOf, user, wordTokens } from '../../helpers/domain.js';

/** One example of every refusal code, with details as the domain gives them. */
const EXAMPLES: { [C in UserErrorCode]: UserErrorDetails[C] } = {
  empty_history: { action: 'rollback' },
  rollback_out_of_range: { count: 3, rounds: 1 },
  index_out_of_range: { indices: [7, -9], length: 4 },
  bad_indices: { reason: 'not_a_number', text: 'x' },
  bad_limit: { limit: 0, min: 1, max: 1000 },
  bad_count: { count: 0, min: 1, max: 1000 },
  bad_page: { page: 4, pages: 2 },
  message_too_long: { length: 5000, max: 4000 },
  empty_message: {},
  context_over_budget: { needed: 120, budget: 100, images: true },
  question_over_budget: { limit: 7162, budget: 7168 },
  bad_forge: {},
  unknown_command: { name: 'frob' },
};

describe('the English catalogue', () => {
  it.each(Object.entries(EXAMPLES))('words %s with its details', (code, details) => {
    const text = userErrorText(userError(code as UserErrorCode, details as never));
    expect(text.length).toBeGreaterThan(10);
    expect(text).not.toMatch(/undefined|NaN|\[object/);
  });

  it('says what was wrong and what is allowed', () => {
    expect(userErrorText(userError('rollback_out_of_range', { count: 3, rounds: 1 }))).toBe(
      'Cannot roll back 3 rounds: memory holds 1 round, so the count must be from 1 to 1. Nothing was changed.',
    );
    expect(userErrorText(userError('index_out_of_range', { indices: [7, -9], length: 4 }))).toBe(
      'Index 7, -9 is out of range: memory holds 4 messages, so indices run from 0 to 3 (or -4 to -1). Nothing was changed.',
    );
    expect(userErrorText(userError('context_over_budget', { needed: 120, budget: 100, images: true }))).toBe(
      'The system prompt, pinned messages and your message with its images need 120 tokens, but the budget for a request is 100. Unpin something (/unpin) or send a shorter message. Nothing was added to memory.',
    );
  });

  it.each(['rate_limited', 'unavailable', 'timeout', 'auth', 'context_length', 'bad_request', 'interrupted', 'aborted'] satisfies ModelErrorKind[])(
    'words a %s model failure, and the retries it gave up after',
    (kind) => {
      expect(modelFailureText(kind, {})).toMatch(/^The /);
      expect(modelFailureText(kind, { attempts: 3 })).toMatch(/Gave up after 3 tries\.$/);
      expect(modelFailureText(kind, { waitMs: 3_600_000 })).toMatch(/It asks to wait 60 minutes; please try again later\.$/);
    },
  );

  it('every answer problem says the message was not added to memory', () => {
    expect(answerProblemText({ code: 'internal' })).toMatch(/not added to memory/);
    expect(answerProblemText({ code: 'empty_answer' })).toMatch(/not added to memory/);
    expect(answerProblemText({ code: 'model_failed', kind: 'timeout', details: { reason: 'too_slow' } })).toBe(
      'The model took too long to answer. Your message was not added to memory.',
    );
    expect(answerProblemText({ code: 'rate_limited', limit: 6, retryAfterMs: 1500 })).toMatch(/at most 6 questions a minute\). Try again in 2 s/);
  });
});

describe('the Discord presenter', () => {
  it('adds Discord markup only here: notes in small print, emoji on results', () => {
    expect(answerProblemReply({ code: 'empty_answer' }, ['a.bin was ignored: it holds binary data, not text'])).toBe(
      'The model returned an empty answer. Your message was not added to memory.\n-# 📎 a.bin was ignored: it holds binary data, not text',
    );
    expect(resetReply([])).toBe('🧹 Memory of this channel was already empty.');
    expect(pinReply({ positions: [0, 2], changed: [2] }, 'pinned')).toBe('📌 Pinned `2`. `0` was already pinned.');
  });

  it('tells an empty mention how to ask', () => {
    expect(userErrorReply(userError('empty_message', {}))).toBe('The message is empty: say something after mentioning me.');
  });

  it('lays out a history page with indices, pins and totals', () => {
    const session = sessionOf(user('first *bold*'), { ...user('second'), pinned: true });
    const view = historyView(session, { limit: 10, systemPrompt: 'be kind', model: 'm', tokenBudget: 500 }, wordTokens, 1);
    const text = historyReply(view);
    expect(text.split('\n')[0]).toBe('**Memory of this channel**: 2 messages (1 pinned), limit 10 · 14 of 500 prompt tokens (system prompt 5)');
    expect(text).toContain('`0` **user** · 2 tok · first \\*bold\\*');
    expect(text).toContain('`1` 📌 **user** · 1 tok · second');
  });

  it('refuses a history page that does not exist, 0 and negative included', () => {
    const session = sessionOf(user('a'));
    const settings = { limit: 10, systemPrompt: '', model: 'm', tokenBudget: 500 };
    for (const page of [0, -5, 2]) {
      expect(() => historyView(session, settings, wordTokens, page)).toThrow(expect.objectContaining({ code: 'bad_page', details: { page, pages: 1 } }));
    }
  });
});
