import { describe, expect, it } from 'vitest';
import {
  applyFold,
  buildContext,
  bufferAllowance,
  commitRound,
  confirmDelivered,
  exportSession,
  parseImport,
  planFold,
  replaceSession,
  reset,
  rollback,
  type Session,
  sameSession,
  setLimit,
  setMemoryMode,
  storeAnswered,
  summaryBound,
  summaryMessage,
  summaryOf,
  trimToLimit,
} from '../../src/domain/index.js';
import { assistant, sessionOf, user, view, wordTokens } from '../helpers/domain.js';

/** A session in summary mode, of `rounds` rounds "q1"/"a1", "q2"/"a2", …. */
function summarised(rounds: number, extra: Partial<Session> = {}): Session {
  const messages = Array.from({ length: rounds }, (_, i) => [user(`q${String(i + 1)}`), assistant(`a${String(i + 1)}`)]).flat();
  const session = sessionOf(...messages);
  return { ...session, settings: { memoryMode: 'summary' }, ...extra };
}

const limits = { limit: 4, budget: 10_000, systemPromptTokens: 1, memoryTokens: undefined };

describe('summary mode keeps what no fold took', () => {
  it('no rule that trims in window mode trims in summary mode', () => {
    const session = summarised(3);
    expect(trimToLimit(session, 2).result).toEqual([]);
    expect(commitRound(session, [user('q4'), assistant('a4')], 2).result).toEqual([]);
    expect(setLimit(session, 2).result).toEqual([]);
    const stored = storeAnswered(session, [user('q4'), assistant('a4')], 1);
    expect(confirmDelivered(stored.session, stored.result.reply, 2).session.history).toHaveLength(8);
    // The same session in window mode loses its oldest: the rule above is summary mode's own.
    expect(trimToLimit({ ...session, settings: {} }, 2).result.map((m) => m.content)).toEqual(['q1', 'a1', 'q2', 'a2']);
  });

  it('setting the mode drops nothing, and takes a buffer size or none', () => {
    const session = { ...summarised(3), settings: {} };
    const set = setMemoryMode(session, 'summary', undefined, 2);
    expect(set.result).toEqual({ mode: 'summary', tokens: undefined, removed: [] });
    expect(set.session.history).toHaveLength(6);
    expect(setMemoryMode(session, 'summary', 300, 2).session.settings).toEqual({ memoryMode: 'summary', memoryTokens: 300 });
  });
});

describe('planFold', () => {
  it('plans nothing outside summary mode, or while everything fits', () => {
    expect(planFold({ ...summarised(5), settings: {} }, limits, wordTokens)).toBeUndefined();
    expect(planFold(summarised(2), limits, wordTokens)).toBeUndefined();
  });

  it('folds what the limit would drop, oldest first, and never a pin', () => {
    const session = summarised(4);
    const pinnedFirst = { ...session, history: session.history.map((m) => (m.seq === 0 ? { ...m, pinned: true } : m)) };
    const plan = planFold(pinnedFirst, limits, wordTokens);
    // 8 messages, limit 4, q1 pinned: a1, q2, a2, q3 go (the pin counts but stays).
    expect(plan?.folded).toEqual([1, 2, 3, 4]);
    expect(plan?.base).toBeUndefined();
    expect(plan?.bound).toBe(summaryBound(10_000));
    expect(plan?.messages[0]).toMatchObject({ role: 'system', content: expect.stringContaining('facts, names') as string });
    expect(plan?.messages[1]?.content).toContain('Summary so far:\n(none yet)');
    expect(plan?.messages[1]?.content).toContain('New lines:\nAssistant: a1\nUser: q2\nAssistant: a2\nUser: q3');
  });

  it('folds what the recent buffer’s tokens would drop, within the limit', () => {
    const long = (n: number) => Array.from({ length: n }, (_, i) => `w${String(i)}`).join(' ');
    const session = { ...sessionOf(user(long(50)), assistant(long(50)), user('short'), assistant('short')), settings: { memoryMode: 'summary' as const } };
    const plan = planFold(session, { ...limits, limit: 100, memoryTokens: 70 }, wordTokens);
    expect(plan?.folded).toEqual([0]);
  });

  it('starts from the summary so far, and folds only what one request carries (at least one message, cut to fit)', () => {
    const huge = Array.from({ length: 400 }, (_, i) => `w${String(i)}`).join(' ');
    const session = { ...summarised(0), ...sessionOf(user(huge), assistant(huge), user('q'), assistant('a')), settings: { memoryMode: 'summary' as const }, summary: summaryOf('Ada likes tea.', wordTokens) };
    const plan = planFold(session, { ...limits, limit: 2, budget: 300 }, wordTokens);
    expect(plan?.base).toBe('Ada likes tea.');
    expect(plan?.folded).toEqual([0]);
    const body = plan?.messages[1]?.content ?? '';
    expect(body).toContain('Summary so far:\nAda likes tea.');
    expect(wordTokens.count(body)).toBeLessThan(300);
  });

  it('the buffer never takes what the summary and the question need of the budget', () => {
    expect(bufferAllowance(2000, 100, undefined)).toBe(1000);
    expect(bufferAllowance(1000, 100, 900)).toBeLessThanOrEqual(1000 - 100 - summaryBound(1000) - 250);
    expect(bufferAllowance(100, 500, undefined)).toBe(0);
  });
});

describe('applyFold', () => {
  const session = summarised(4);
  const plan = { base: undefined, folded: [0, 1, 2, 3] };
  const summary = summaryOf('They counted to four.', wordTokens);

  it('keeps the summary and removes what it folded, in one change', () => {
    const folded = applyFold(session, plan, summary);
    expect(folded.result.folded).toBe(4);
    expect(view(folded.session)).toEqual(['q3', 'a3', 'q4', 'a4']);
    expect(folded.session.summary).toEqual(summary);
    expect(folded.change).toEqual({ remove: [0, 1, 2, 3], summary });
  });

  it('keeps a message pinned while the summary was made', () => {
    const pinned = { ...session, history: session.history.map((m) => (m.seq === 1 ? { ...m, pinned: true } : m)) };
    expect(view(applyFold(pinned, plan, summary).session)).toEqual(['a1*', 'q3', 'a3', 'q4', 'a4']);
  });

  it('is void when memory moved on under it: a reset, a rollback past it, another fold', () => {
    const voided = (s: Session) => applyFold(s, plan, summary);
    expect(voided(reset(session).session).change).toEqual({});
    expect(voided(rollback(session, 4).session).change).toEqual({});
    const other = applyFold(session, { base: undefined, folded: [0, 1] }, summaryOf('Someone else folded.', wordTokens)).session;
    expect(voided(other).change).toEqual({});
    expect(voided(other).session).toBe(other);
  });
});

describe('the summary in a session', () => {
  const withSummary = { ...summarised(2), summary: summaryOf('Ada’s cat is called Miso.', wordTokens) };

  it('goes right after the system prompt, and its tokens count in the budget', () => {
    const question = user('name?');
    const context = buildContext({ session: withSummary, systemPrompt: 'Be brief.', question, budget: 1000, tokens: wordTokens });
    expect(context.messages.map((m) => m.role)).toEqual(['system', 'system', 'user', 'assistant', 'user', 'assistant', 'user']);
    expect(context.messages[1]).toEqual(summaryMessage('Ada’s cat is called Miso.'));
    const { summary: _summary, ...bare } = withSummary;
    const without = buildContext({ session: bare, systemPrompt: 'Be brief.', question, budget: 1000, tokens: wordTokens });
    expect(context.tokens - without.tokens).toBe((withSummary.summary.tokens) + 3);
    // A budget that holds the summary but not all history leaves the oldest out, never the summary.
    const tight = buildContext({ session: withSummary, systemPrompt: 'Be brief.', question, budget: context.tokens - 4, tokens: wordTokens });
    expect(tight.messages[1]).toEqual(summaryMessage('Ada’s cat is called Miso.'));
    expect(tight.omitted).toBeGreaterThan(0);
    expect(tight.tokens).toBeLessThanOrEqual(context.tokens - 4);
  });

  it('/reset clears it, even with no messages left; /rollback leaves it', () => {
    expect(reset(withSummary).session.summary).toBeUndefined();
    const empty = { ...withSummary, history: [] };
    expect(reset(empty).change).toEqual({ reset: true });
    expect(reset(empty).session.summary).toBeUndefined();
    expect(rollback(withSummary, 2).session.summary).toEqual(withSummary.summary);
  });

  it('is exported and imported; a plain messages array leaves none; sameSession compares it', () => {
    const file = exportSession(withSummary, 0);
    expect(file.summary).toBe('Ada’s cat is called Miso.');
    const imported = parseImport(JSON.stringify(file), 0);
    const into = replaceSession({ ...summarised(1), summary: summaryOf('old', wordTokens) }, imported, wordTokens, 100).session;
    expect(into.summary).toEqual(withSummary.summary);
    const plain = replaceSession(into, parseImport('[{"role":"user","content":"hi"}]', 0), wordTokens, 100).session;
    expect(plain.summary).toBeUndefined();
    expect(sameSession(withSummary, { ...withSummary, summary: summaryOf('other', wordTokens) })).toBe(false);
    expect(sameSession(withSummary, { ...withSummary })).toBe(true);
  });

  it('a file’s summary over the bound is refused, naming the field', () => {
    const file = { ...exportSession(withSummary, 0), summary: 'x'.repeat(16_001) };
    expect(() => parseImport(JSON.stringify(file), 0)).toThrow();
    try {
      parseImport(JSON.stringify(file), 0);
    } catch (error) {
      expect(error).toMatchObject({ code: 'bad_import', details: { problem: 'bad_field', field: 'summary', expected: '<= 16000' } });
    }
  });
});
