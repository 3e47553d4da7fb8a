import { describe, expect, it } from 'vitest';
import {
  answerProblemReply,
  historyReply,
  interruptedMark,
  limitSetReply,
  limitShownReply,
  noteLines,
  pinReply,
  resetReply,
  rollbackReply,
  userErrorReply,
} from '../../../src/adapters/discord/presenter.js';
import { type UserErrorCode, userError } from '../../../src/domain/errors.js';
import { historyView } from '../../../src/engine/history-view.js';
import type { ModelErrorKind } from '../../../src/engine/chat-model.js';
import { answerProblemText, modelFailureText, userErrorText } from '../../../src/presenters/en.js';
import { USER_ERROR_EXAMPLES } from '../../helpers/catalogue-examples.js';
import { assistant, sessionOf, user, wordTokens } from '../../helpers/domain.js';

describe('the English catalogue', () => {
  it.each(Object.entries(USER_ERROR_EXAMPLES))('words %s with its details', (code, examples) => {
    for (const details of examples) {
      const text = userErrorText(userError(code as UserErrorCode, details as never));
      expect(text.length).toBeGreaterThan(10);
      expect(text).not.toMatch(/undefined|NaN|\[object/);
    }
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
    expect(answerProblemReply({ code: 'empty_answer' }, [{ code: 'binary', name: 'a.bin' }], 'en-US')).toBe(
      '⚠️ The model returned an empty answer. Your message was not added to memory.\n-# 📎 a.bin was ignored: it holds binary data, not text',
    );
    expect(resetReply([], 'en-US')).toBe('🧹 Memory of this channel was already empty.');
    expect(pinReply({ positions: [0, 2], changed: [2] }, 'pinned', 'en-US')).toBe('📌 Pinned `2`. `0` was already pinned.');
    expect(interruptedMark(undefined)).toBe('\n-# ⚠️ interrupted');
  });

  it('tells an empty mention how to ask', () => {
    expect(userErrorReply(userError('empty_message', {}), 'en-US')).toBe('The message is empty: say something after mentioning me.');
  });

  it('lays out a history page with indices, pins and totals', () => {
    const session = sessionOf(user('first *bold*'), { ...user('second'), pinned: true });
    const view = historyView(session, { limit: 10, systemPrompt: 'be kind', model: 'm', tokenBudget: 500 }, wordTokens, 1);
    const text = historyReply(view, 'en-US');
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

describe('the Discord presenter in Simplified Chinese', () => {
  const settings = { limit: 10, systemPrompt: 'be kind', model: 'm', tokenBudget: 500 };

  it('keeps the markup and puts the catalogue’s Chinese words in it', () => {
    expect(answerProblemReply({ code: 'empty_answer' }, [{ code: 'binary', name: 'a.bin' }], 'zh-CN')).toBe(
      '⚠️ 模型返回了空的回答。你的消息没有加入记忆。\n-# 📎 已忽略 a.bin：它包含二进制数据，不是文本',
    );
    expect(pinReply({ positions: [0, 1, 2], changed: [2] }, 'pinned', 'zh-CN')).toBe('📌 已固定 `2`。`0`、`1` 本来就已固定。');
    expect(pinReply({ positions: [3], changed: [3] }, 'unpinned', 'zh-CN')).toBe('📍 已取消固定 `3`。');
    expect(resetReply([], 'zh-CN')).toBe('🧹 本频道的记忆本来就是空的。');
    expect(limitShownReply(100, 6, 1, 'zh-CN')).toBe('本频道最多保留 100 条消息；目前有 6 条（1 条已固定）。');
    expect(limitSetReply(3, sessionOf(user('a')).history, 'zh-CN')).toBe('📏 本频道现在最多保留 3 条消息。已删除最早的 1 条未固定消息。');
    expect(interruptedMark('zh-CN')).toBe('\n-# ⚠️ 已中断');
    expect(noteLines([{ code: 'too_big', name: 'big.log', size: 500, max: 100 }], 'zh-CN')).toEqual(['-# 📎 未读取 big.log：它有 500 字节，而我最多读取 100 字节']);
  });

  it('says an empty mention, a refusal and a model failure in Chinese', () => {
    expect(userErrorReply(userError('empty_message', {}), 'zh-CN')).toBe('消息是空的：请在提及我之后说点什么。');
    expect(userErrorReply(userError('rollback_out_of_range', { count: 5, rounds: 3 }), 'zh-CN')).toBe(
      '无法回滚 5 轮：记忆里只有 3 轮，所以轮数必须在 1 到 3 之间。没有做任何更改。',
    );
    expect(answerProblemReply({ code: 'model_failed', kind: 'unavailable', details: { reason: 'server_error', status: 500, attempts: 2 } }, [], 'zh-CN')).toBe(
      '⚠️ 模型服务器出错了（HTTP 500）。尝试 2 次后放弃了。你的消息没有加入记忆。',
    );
  });

  it('lays out a history page and a rollback with Chinese labels', () => {
    const session = sessionOf(user('first'), { ...assistant('second'), pinned: true });
    const text = historyReply(historyView(session, settings, wordTokens, 1), 'zh-CN');
    const lines = text.split('\n');
    expect(lines[0]).toBe('**本频道的记忆**：2 条消息（1 条已固定），上限 10 条 · 提示共 13 / 500 个 token（其中系统提示 5 个）');
    expect(lines[1]).toBe('`0` **用户** · 1 个 token · first');
    expect(lines[2]).toBe('`1` 📌 **助手** · 1 个 token · second');
    expect(lines[3]).toBe('/pin 使用的序号：0 是最早的，-1 是最新的。');
    expect(historyReply(historyView(sessionOf(), settings, wordTokens, 1), 'zh-CN').split('\n')[1]).toBe('记忆里还没有内容：提及我即可开始对话。');
    expect(rollbackReply(sessionOf(user('q'), assistant('a')).history, 1, 'zh-CN')).toBe('↩️ 已回滚 1 轮（2 条消息）：\n• **用户**：q\n• **助手**：a');
  });

  it('speaks English for every other locale, and where there is none', () => {
    for (const locale of ['en-US', 'en-GB', 'fr', 'zh-TW', undefined]) {
      expect(resetReply([], locale)).toBe('🧹 Memory of this channel was already empty.');
    }
  });
});
