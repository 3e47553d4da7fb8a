/**
 * What the terminal chat says: plain lines from the shared catalogue (src/presenters/en.ts), with
 * none of Discord's markup.
 */
import type { HistoryMessage } from '../domain/message.js';
import type { PinResult, Removed } from '../domain/session.js';
import type { HistoryView } from '../engine/history-view.js';
import { plural } from '../presenters/en.js';

function line(content: string, max: number): string {
  const flat = content.replace(/\s+/g, ' ').trim();
  const points = Array.from(flat);
  return points.length > max ? `${points.slice(0, max - 1).join('')}…` : flat;
}

function speaker(message: HistoryMessage): string {
  return message.role === 'assistant' ? 'assistant' : message.authorName ?? 'user';
}

export function historyText(view: HistoryView): string {
  const header = `Memory: ${plural(view.messages, 'message')} (${String(view.pinned)} pinned), limit ${String(view.limit)}, ${String(view.tokens)} of ${String(view.tokenBudget)} prompt tokens (system prompt ${String(view.systemTokens)})`;
  if (view.messages === 0) return `${header}\nNothing in memory yet: type a question to start.`;
  const lines = view.entries.map(({ index, message: m }) => `${String(index).padStart(4)} ${m.pinned ? '[pinned] ' : ''}${speaker(m)}${m.forged === true ? ' (forged)' : ''}: ${line(m.content, 100)}`);
  const footer = view.pages > 1 ? `page ${String(view.page)} of ${String(view.pages)} (1 is the newest)` : undefined;
  return [header, ...lines, ...(footer === undefined ? [] : [footer])].join('\n');
}

export function pinText(change: PinResult, verb: 'pinned' | 'unpinned'): string {
  const same = change.positions.filter((p) => !change.changed.includes(p));
  const parts: string[] = [];
  if (change.changed.length > 0) parts.push(`${verb[0]?.toUpperCase() ?? ''}${verb.slice(1)} ${change.changed.join(', ')}.`);
  if (same.length > 0) parts.push(`${same.join(', ')} ${same.length === 1 ? 'was' : 'were'} already ${verb}.`);
  return parts.join(' ');
}

export function rollbackText(removed: Removed, rounds: number): string {
  const lines = removed.slice(0, 10).map((m) => `  ${speaker(m)}: ${line(m.content, 80)}`);
  if (removed.length > 10) lines.push(`  … and ${plural(removed.length - 10, 'more message')}`);
  return [`Rolled back ${plural(rounds, 'round')} (${plural(removed.length, 'message')}):`, ...lines].join('\n');
}

export function limitShownText(limit: number, messages: number, pinned: number): string {
  return `This session keeps at most ${plural(limit, 'message')}; it holds ${String(messages)} now (${String(pinned)} pinned).`;
}

export function limitSetText(limit: number, removed: Removed): string {
  const trimmed = removed.length === 0 ? 'Nothing had to be removed.' : `Removed the ${plural(removed.length, 'oldest unpinned message')}.`;
  return `This session now keeps at most ${plural(limit, 'message')}. ${trimmed}`;
}

export function resetText(removed: Removed): string {
  return removed.length === 0 ? 'Memory was already empty.' : `Memory cleared: ${plural(removed.length, 'message')} forgotten. Settings are kept.`;
}

export const HELP = [
  'Type a question and press Enter; the answer streams below it.',
  'Commands (the same as the Discord slash commands):',
  '  /history [page]     what memory holds (page 1 is the newest)',
  '  /rollback [count]   remove the last rounds (default 1)',
  '  /pin I…  /unpin I…  pin or unpin messages by index (0 = oldest, -1 = newest)',
  '  /limit [messages]   show or set how many messages memory keeps',
  '  /reset              forget the conversation (settings stay)',
  '  /quit               leave (or Ctrl-D)',
  'Start a question with // to begin it with a slash.',
].join('\n');
