import type { HistoryMessage, MessageRules, NewMessage, Session, TokenCounter } from '../../src/domain/index.js';
import { createMessage, emptySession } from '../../src/domain/index.js';

/** One token per whitespace-separated word: deterministic and easy to reason about in tests. */
export const wordTokens: TokenCounter = {
  count: (text) => text.split(/\s+/).filter((w) => w !== '').length,
};

export function testRules(overrides: Partial<MessageRules> = {}): MessageRules {
  let clock = 1_700_000_000_000;
  return { tokens: wordTokens, maxMessageChars: 4000, now: () => (clock += 1), ...overrides };
}

const rules = testRules();

export function user(content: string, extra: Partial<NewMessage> = {}): HistoryMessage {
  return createMessage({ role: 'user', content, ...extra }, rules);
}

export function assistant(content: string): HistoryMessage {
  return createMessage({ role: 'assistant', content }, rules);
}

export function sessionOf(...history: HistoryMessage[]): Session {
  return { ...emptySession(), history };
}

/** Compact view of a history for assertions: content, with * for pinned. */
export function view(session: Session): string[] {
  return session.history.map((m) => `${m.content}${m.pinned ? '*' : ''}`);
}
