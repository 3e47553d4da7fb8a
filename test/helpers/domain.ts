import type { DraftMessage, MessageRules, NewMessage, Session, TokenCounter } from '../../src/domain/index.js';
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

export function user(content: string, extra: Partial<NewMessage> = {}): DraftMessage {
  return createMessage({ role: 'user', content, ...extra }, rules);
}

export function assistant(content: string): DraftMessage {
  return createMessage({ role: 'assistant', content }, rules);
}

/** A session of these messages, numbered from 0 as commits would number them. */
export function sessionOf(...messages: DraftMessage[]): Session {
  return { ...emptySession(), history: messages.map((m, seq) => ({ ...m, seq })), next: messages.length };
}

/** Compact view of a history for assertions: content, with * for pinned. */
export function view(session: Session): string[] {
  return session.history.map((m) => `${m.content}${m.pinned ? '*' : ''}`);
}

/** The error `run` throws (the test fails if it throws none). */
export function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
