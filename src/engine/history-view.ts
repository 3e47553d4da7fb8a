import { messageCost } from '../domain/context.js';
import { userError } from '../domain/errors.js';
import type { HistoryMessage } from '../domain/message.js';
import type { ResolvedSettings, Session } from '../domain/session.js';
import { TOKENS_PER_MESSAGE, type TokenCounter } from '../domain/tokens.js';

export const HISTORY_PAGE_SIZE = 10;

/** One page of what a session's memory holds, for a presenter to lay out. */
export interface HistoryView {
  readonly messages: number;
  readonly pinned: number;
  readonly limit: number;
  /** Prompt tokens the whole memory, its summary and the system prompt would take. */
  readonly tokens: number;
  readonly tokenBudget: number;
  readonly systemTokens: number;
  /** 1 is the newest page. */
  readonly page: number;
  readonly pages: number;
  /** The page's messages, oldest first, with the index /pin and /unpin take. */
  readonly entries: ReadonlyArray<{ readonly index: number; readonly message: HistoryMessage }>;
  /** The running summary of what left the history (summary mode): shown above the page. */
  readonly summary?: { readonly text: string; readonly tokens: number } | undefined;
  /** An answer being written now: its round is not in memory until it is complete. */
  readonly answering?: { readonly authorName: string; readonly question: string } | undefined;
}

/** How much a session's memory holds: what /history's heading counts, and `--list` shows. */
export interface SessionSize {
  readonly messages: number;
  readonly pinned: number;
  /** Prompt tokens its messages would take (without the system prompt). */
  readonly tokens: number;
  /** When its newest message was said (epoch ms); undefined when it holds none. */
  readonly lastActivity: number | undefined;
}

export function sessionSize(session: Pick<Session, 'history'>): SessionSize {
  let pinned = 0;
  let tokens = 0;
  let lastActivity: number | undefined;
  for (const message of session.history) {
    if (message.pinned) pinned += 1;
    tokens += messageCost(message);
    // Imported and forged messages keep their own times, so the newest need not be the last.
    if (lastActivity === undefined || message.createdAt > lastActivity) lastActivity = message.createdAt;
  }
  return { messages: session.history.length, pinned, tokens, lastActivity };
}

/** How many pages a history of `length` messages has (an empty one still has one). */
export function historyPages(length: number): number {
  return Math.max(1, Math.ceil(length / HISTORY_PAGE_SIZE));
}

/**
 * Page `page` of the history: page 1 shows the newest messages, as chat apps do. A page that
 * does not exist (0, negative, past the last) is refused with how many there are.
 */
export function historyView(
  session: Session,
  settings: ResolvedSettings,
  tokens: TokenCounter,
  page: number,
  answering?: { readonly authorName: string; readonly question: string },
): HistoryView {
  const history = session.history;
  const pages = historyPages(history.length);
  if (!Number.isInteger(page) || page < 1 || page > pages) throw userError('bad_page', { page, pages });
  const systemTokens = settings.systemPrompt === '' ? 0 : tokens.count(settings.systemPrompt) + TOKENS_PER_MESSAGE;
  const end = history.length - (page - 1) * HISTORY_PAGE_SIZE;
  const start = Math.max(0, end - HISTORY_PAGE_SIZE);
  const size = sessionSize(session);
  return {
    messages: size.messages,
    pinned: size.pinned,
    limit: settings.limit,
    tokens: size.tokens + systemTokens + (session.summary === undefined ? 0 : session.summary.tokens + TOKENS_PER_MESSAGE),
    tokenBudget: settings.tokenBudget,
    systemTokens,
    page,
    pages,
    entries: history.slice(start, end).map((message, i) => ({ index: start + i, message })),
    summary: session.summary,
    answering,
  };
}
