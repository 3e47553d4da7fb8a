import { escapeMarkdown } from 'discord.js';
import { messageCost } from '../../domain/context.js';
import type { HistoryMessage } from '../../domain/message.js';
import type { PinChange, ResolvedSettings, Session } from '../../domain/session.js';
import { DISCORD_MESSAGE_LIMIT } from './split-message.js';
import { TOKENS_PER_MESSAGE, type TokenCounter } from '../../domain/tokens.js';

/** One line of a message, safe to show: whitespace folded, markdown escaped, shortened. */
export function preview(content: string, max = 80): string {
  const flat = content.replace(/\s+/g, ' ').trim();
  const points = Array.from(flat); // by code point, so an emoji is never cut in half
  const short = points.length > max ? `${points.slice(0, max - 1).join('')}…` : flat;
  return escapeMarkdown(short);
}

export function speaker(message: HistoryMessage): string {
  if (message.role === 'assistant') return 'assistant';
  return message.authorName === undefined || message.authorName === '' ? 'user' : escapeMarkdown(message.authorName);
}

export function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** A short list of messages for a reply, at most `max` lines. */
export function listMessages(messages: readonly HistoryMessage[], max = 10): string {
  const lines = messages.slice(0, max).map((m) => `• **${speaker(m)}**: ${preview(m.content, 60)}`);
  if (messages.length > max) lines.push(`• … and ${plural(messages.length - max, 'more message')}`);
  return lines.join('\n');
}

export const HISTORY_PAGE_SIZE = 10;

export interface HistoryPageInput {
  readonly session: Session;
  readonly settings: ResolvedSettings;
  readonly tokens: TokenCounter;
  /** 1 is the newest page. */
  readonly page: number;
}

/**
 * One page of /history. Page 1 shows the newest messages, as chat apps do; each page lists its
 * messages oldest first with the indices /pin and /unpin take.
 */
/** How many /history pages a history of `length` messages has (an empty one still has one). */
export function historyPages(length: number): number {
  return Math.max(1, Math.ceil(length / HISTORY_PAGE_SIZE));
}

export function historyPage(input: HistoryPageInput): { content: string; pages: number } {
  const { session, settings } = input;
  const history = session.history;
  const pages = historyPages(history.length);
  const pinned = history.filter((m) => m.pinned).length;
  const systemTokens = settings.systemPrompt === '' ? 0 : input.tokens.count(settings.systemPrompt) + TOKENS_PER_MESSAGE;
  const total = history.reduce((sum, m) => sum + messageCost(m), systemTokens);
  const header =
    `**Memory of this channel**: ${plural(history.length, 'message')} (${pinned} pinned), limit ${settings.limit}` +
    ` · ${total} of ${settings.tokenBudget} prompt tokens (system prompt ${systemTokens})`;
  if (history.length === 0) {
    return { content: `${header}\nNothing in memory yet: mention me to start a conversation.`, pages };
  }
  const end = history.length - (input.page - 1) * HISTORY_PAGE_SIZE;
  const start = Math.max(0, end - HISTORY_PAGE_SIZE);
  const footer =
    pages > 1
      ? `Page ${input.page} of ${pages} (page 1 is the newest). Indices for /pin: 0 is the oldest, -1 the newest.`
      : 'Indices for /pin: 0 is the oldest, -1 the newest.';
  const render = (width: number): string => {
    const lines = history.slice(start, end).map((m, i) => {
      const mark = m.pinned ? '📌 ' : '';
      const forged = m.forged === true ? ' (forged)' : '';
      return `\`${start + i}\` ${mark}**${speaker(m)}**${forged} · ${m.tokens} tok · ${preview(m.content, width)}`;
    });
    return [header, ...lines, footer].join('\n');
  };
  // Escaped markdown and long names can push a page past one message: shorten previews until it fits.
  const content = [70, 40, 20, 8].map(render).find((c) => c.length <= DISCORD_MESSAGE_LIMIT) ?? render(0).slice(0, DISCORD_MESSAGE_LIMIT);
  return { content, pages };
}

export function describePinChange(change: PinChange, verb: 'pinned' | 'unpinned'): string {
  const icon = verb === 'pinned' ? '📌' : '📍';
  const list = (positions: readonly number[]) => positions.map((p) => `\`${p}\``).join(', ');
  const same = change.positions.filter((p) => !change.changed.includes(p));
  const parts: string[] = [];
  if (change.changed.length > 0) parts.push(`${icon} ${verb[0]?.toUpperCase()}${verb.slice(1)} ${list(change.changed)}.`);
  if (same.length > 0) parts.push(`${list(same)} ${same.length === 1 ? 'was' : 'were'} already ${verb}.`);
  return parts.join(' ');
}
