import { describe, expect, it } from 'vitest';
import {
  applyChange,
  emptySession,
  fillPlaceholders,
  placeholderValues,
  reset,
  resetModel,
  resetSystemPrompt,
  type ResolvedSettings,
  setListen,
  setModel,
  setSystemPrompt,
  settingsView,
  validateParams,
} from '../../src/domain/index.js';
import { sessionOf, thrown, user, wordTokens } from '../helpers/domain.js';

const resolved: ResolvedSettings = { limit: 100, systemPrompt: 'default', model: 'm', tokenBudget: 20 };
const policy = { models: ['a', 'ollama/b'], maxReplyTokens: 500 };

describe('setSystemPrompt', () => {
  it('stores the trimmed prompt as the session’s own and says what it costs', () => {
    const { session, change, result } = setSystemPrompt(emptySession(), '  be kind  ', resolved, wordTokens);
    expect(session.settings).toEqual({ systemPrompt: 'be kind' });
    expect(change).toEqual({ settings: { systemPrompt: 'be kind' } });
    expect(result).toEqual({ tokens: 2 + 3 });
  });

  it.each([
    ['over 4 000 characters', 'x'.repeat(4001), { code: 'system_prompt_too_long', details: { length: 4001, max: 4000 } }],
    // 15 words + 3 wrapping + 3 priming = 21 > 20.
    ['over the budget by itself', Array.from({ length: 15 }, () => 'w').join(' '), { code: 'system_prompt_over_budget', details: { tokens: 21, budget: 20 } }],
  ])('refuses a prompt %s, with the numbers', (_what, prompt, expected) => {
    expect(thrown(() => setSystemPrompt(emptySession(), prompt, resolved, wordTokens))).toMatchObject(expected);
  });

  it('takes a prompt that just fits', () => {
    expect(setSystemPrompt(emptySession(), Array.from({ length: 14 }, () => 'w').join(' '), resolved, wordTokens).result.tokens).toBe(17);
  });

  it('counts characters by code point (an emoji is one)', () => {
    expect(() => setSystemPrompt(emptySession(), '😀'.repeat(4000), { ...resolved, tokenBudget: 1_000_000 }, { count: () => 1 })).not.toThrow();
  });

  it('reset goes back to the default, and says whether there was an own prompt', () => {
    const own = setSystemPrompt(emptySession(), 'mine', resolved, wordTokens).session;
    expect(resetSystemPrompt(own)).toMatchObject({ session: { settings: {} }, change: { settings: {} }, result: { hadOwn: true } });
    expect(resetSystemPrompt(emptySession())).toMatchObject({ change: {}, result: { hadOwn: false } });
  });
});

describe('setModel', () => {
  it('sets the model and exactly the parameters given, replacing the ones set before', () => {
    const first = setModel(emptySession(), { name: 'a', params: { temperature: 0.5, seed: 7 } }, policy).session;
    expect(first.settings).toEqual({ model: 'a', params: { temperature: 0.5, seed: 7 } });
    const second = setModel(first, { name: 'ollama/b', params: {} }, policy).session;
    expect(second.settings).toEqual({ model: 'ollama/b' });
  });

  it.each([
    ['a model outside MODELS', { name: 'gpt-9', params: {} }, { code: 'model_not_offered', details: { name: 'gpt-9', models: policy.models } }],
    ['temperature over 2', { name: 'a', params: { temperature: 2.5 } }, { code: 'bad_model_param', details: { param: 'temperature', min: 0, max: 2 } }],
    ['top_p below 0', { name: 'a', params: { topP: -0.1 } }, { code: 'bad_model_param', details: { param: 'topP', min: 0, max: 1 } }],
    ['max_tokens over what the budget leaves', { name: 'a', params: { maxTokens: 501 } }, { code: 'bad_model_param', details: { param: 'maxTokens', max: 500 } }],
    ['max_tokens of 0', { name: 'a', params: { maxTokens: 0 } }, { code: 'bad_model_param', details: { param: 'maxTokens', min: 1 } }],
    ['a fractional seed', { name: 'a', params: { seed: 1.5 } }, { code: 'bad_model_param', details: { param: 'seed', integer: true } }],
    ['a penalty under −2', { name: 'a', params: { presencePenalty: -3 } }, { code: 'bad_model_param', details: { param: 'presencePenalty' } }],
  ])('refuses %s', (_what, choice, expected) => {
    expect(thrown(() => setModel(emptySession(), choice, policy))).toMatchObject(expected);
  });

  it('accepts any name when MODELS is not set, but not a blank one', () => {
    expect(setModel(emptySession(), { name: 'anything', params: {} }, { models: [], maxReplyTokens: 10 }).result.name).toBe('anything');
    expect(thrown(() => setModel(emptySession(), { name: ' ', params: {} }, { models: [], maxReplyTokens: 10 }))).toMatchObject({ code: 'model_not_offered' });
  });

  it('checks reasoning_effort against its choices', () => {
    expect(thrown(() => validateParams({ reasoningEffort: 'max' as 'low' }, 10))).toMatchObject({ code: 'bad_reasoning_effort', details: { value: 'max' } });
  });

  it('reset removes the model and its parameters', () => {
    const own = setModel(emptySession(), { name: 'a', params: { temperature: 1 } }, policy).session;
    expect(resetModel(own)).toMatchObject({ session: { settings: {} }, result: { hadOwn: true } });
    expect(resetModel(emptySession()).change).toEqual({});
  });
});

describe('setListen', () => {
  it('stores on, and off as unset (the default)', () => {
    const on = setListen(emptySession(), true);
    expect(on).toMatchObject({ session: { settings: { listen: true } }, result: { was: false } });
    expect(setListen(on.session, true).change).toEqual({});
    expect(setListen(on.session, false)).toMatchObject({ session: { settings: {} }, result: { was: true } });
  });
});

describe('settings and /reset', () => {
  it('/reset empties the history and keeps every setting', () => {
    let session = sessionOf(user('q'));
    session = setSystemPrompt(session, 'p', resolved, wordTokens).session;
    session = setModel(session, { name: 'a', params: { topP: 0.5 } }, policy).session;
    session = setListen(session, true).session;
    const after = applyChange(session, reset(session).change);
    expect(after.history).toEqual([]);
    expect(after.settings).toEqual({ systemPrompt: 'p', model: 'a', params: { topP: 0.5 }, listen: true });
  });

  it('the view marks exactly the settings the channel set', () => {
    const session = setListen(emptySession(), true).session;
    expect([...settingsView(session, resolved).own]).toEqual(['listen']);
  });
});

describe('placeholders', () => {
  const place = { server: 'Test Server', channel: 'general', bot: 'Bot' };
  // 2026-03-01 23:30 UTC is already 2 March in Shanghai (UTC+8).
  const now = Date.UTC(2026, 2, 1, 23, 30);

  it('fills date and time in the given zone, and where the question was asked', () => {
    expect(placeholderValues(now, 'UTC', place)).toEqual({ date: '2026-03-01', time: '23:30', ...place });
    expect(placeholderValues(now, 'Asia/Shanghai', place)).toMatchObject({ date: '2026-03-02', time: '07:30' });
  });

  it('replaces every known placeholder and leaves other braces alone', () => {
    const values = placeholderValues(now, 'UTC', place);
    expect(fillPlaceholders('{bot} in #{channel} ({server}) on {date} at {time}; {date} again; {unknown} {Date}', values)).toBe(
      'Bot in #general (Test Server) on 2026-03-01 at 23:30; 2026-03-01 again; {unknown} {Date}',
    );
  });
});
