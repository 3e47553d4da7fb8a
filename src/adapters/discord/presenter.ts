/**
 * Everything the Discord surface says, in Discord's markup: results of commands, refusals and
 * failures, from the engine's codes and the shared catalogue's words (src/presenters/en.ts).
 */
import { escapeMarkdown } from 'discord.js';
import { isUserErrorOf, type UserError } from '../../domain/errors.js';
import type { HistoryMessage } from '../../domain/message.js';
import type { PinResult, Removed } from '../../domain/session.js';
import type { HistoryView } from '../../engine/history-view.js';
import type { AnswerProblem } from '../../engine/problems.js';
import { answerCancelledText, answeringText, answerProblemText, plural, userErrorText } from '../../presenters/en.js';
import { DISCORD_MESSAGE_LIMIT } from './split-message.js';

export { plural };

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

/** A short list of messages for a reply, at most `max` lines. */
export function listMessages(messages: readonly HistoryMessage[], max = 10): string {
  const lines = messages.slice(0, max).map((m) => `• **${speaker(m)}**: ${preview(m.content, 60)}`);
  if (messages.length > max) lines.push(`• … and ${plural(messages.length - max, 'more message')}`);
  return lines.join('\n');
}

/** A refusal, as Discord shows it. */
export function userErrorReply(error: UserError): string {
  // In Discord a question is a mention, so an empty one says how to ask.
  if (isUserErrorOf(error, 'empty_message')) return 'The message is empty: say something after mentioning me.';
  return userErrorText(error);
}

/** Notes under a reply (an attachment that was not read), in Discord's small print. */
export function noteLines(notes: readonly string[]): string[] {
  return notes.map((n) => `-# 📎 ${n}`);
}

/** Why an answer failed, with the attachment notes under it. */
export function answerProblemReply(problem: AnswerProblem, notes: readonly string[]): string {
  const text = problem.code === 'refused' ? userErrorReply(problem.error) : answerProblemText(problem);
  return [text, ...noteLines(notes)].join('\n');
}

/**
 * One page of /history: a header with the totals, the page's messages oldest first with the
 * indices /pin and /unpin take, and which page this is.
 */
export function historyReply(view: HistoryView): string {
  const header =
    `**Memory of this channel**: ${plural(view.messages, 'message')} (${String(view.pinned)} pinned), limit ${String(view.limit)}` +
    ` · ${String(view.tokens)} of ${String(view.tokenBudget)} prompt tokens (system prompt ${String(view.systemTokens)})`;
  const answering = view.answering === undefined ? [] : [`⏳ ${answeringText(escapeMarkdown(view.answering.authorName))} (${preview(view.answering.question, 60)})`];
  if (view.messages === 0) return [header, ...answering, 'Nothing in memory yet: mention me to start a conversation.'].join('\n');
  const footer =
    view.pages > 1
      ? `Page ${String(view.page)} of ${String(view.pages)} (page 1 is the newest). Indices for /pin: 0 is the oldest, -1 the newest.`
      : 'Indices for /pin: 0 is the oldest, -1 the newest.';
  const render = (width: number): string => {
    const lines = view.entries.map(({ index, message: m }) => {
      const mark = m.pinned ? '📌 ' : '';
      const forged = m.forged === true ? ' (forged)' : '';
      return `\`${String(index)}\` ${mark}**${speaker(m)}**${forged} · ${String(m.tokens)} tok · ${preview(m.content, width)}`;
    });
    return [header, ...lines, ...answering, footer].join('\n');
  };
  // Escaped markdown and long names can push a page past one message: shorten previews until it fits.
  return [70, 40, 20, 8].map(render).find((c) => c.length <= DISCORD_MESSAGE_LIMIT) ?? render(0).slice(0, DISCORD_MESSAGE_LIMIT);
}

export function pinReply(change: PinResult, verb: 'pinned' | 'unpinned'): string {
  const icon = verb === 'pinned' ? '📌' : '📍';
  const list = (positions: readonly number[]) => positions.map((p) => `\`${String(p)}\``).join(', ');
  const same = change.positions.filter((p) => !change.changed.includes(p));
  const parts: string[] = [];
  if (change.changed.length > 0) parts.push(`${icon} ${verb[0]?.toUpperCase() ?? ''}${verb.slice(1)} ${list(change.changed)}.`);
  if (same.length > 0) parts.push(`${list(same)} ${same.length === 1 ? 'was' : 'were'} already ${verb}.`);
  return parts.join(' ');
}

export function rollbackReply(removed: Removed, rounds: number): string {
  return `↩️ Rolled back ${plural(rounds, 'round')} (${plural(removed.length, 'message')}):\n${listMessages(removed)}`;
}

export function limitShownReply(limit: number, messages: number, pinned: number): string {
  return `This channel keeps at most ${plural(limit, 'message')}; it holds ${String(messages)} now (${String(pinned)} pinned).`;
}

export function limitSetReply(limit: number, removed: Removed): string {
  const trimmed = removed.length === 0 ? 'Nothing had to be removed.' : `Removed the ${plural(removed.length, 'oldest unpinned message')}.`;
  return `📏 This channel now keeps at most ${plural(limit, 'message')}. ${trimmed}`;
}

export function resetReply(removed: Removed): string {
  return removed.length === 0
    ? '🧹 Memory of this channel was already empty.'
    : `🧹 Memory of this channel cleared: ${plural(removed.length, 'message')} forgotten. Settings are kept.`;
}

/** A command's result, with the note that it cut off the answer being written, if it did. */
export function withCancelNote(reply: string, cancelled: boolean, by: 'reset' | 'rollback'): string {
  return cancelled ? `${reply}\n-# ✂️ ${answerCancelledText(by)}` : reply;
}

/** /rollback's reply when cutting off the answer being written was the whole of it. */
export function cancelledReply(by: 'reset' | 'rollback'): string {
  return `↩️ ${answerCancelledText(by)}`;
}
