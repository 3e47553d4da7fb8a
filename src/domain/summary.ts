/**
 * Summary mode (LangChain's summary-buffer): the session keeps a recent buffer of messages, and
 * what is about to leave it is first folded into a running summary by one extra completion. The
 * summary is a session field, not a history message: it has no index, the limit does not count
 * it, and it is sent as a system message right after the system prompt.
 *
 * The rules, all here:
 * - What leaves: the messages the limit would trim, then those past the buffer's token allowance
 *   (`bufferAllowance`), oldest unpinned first; pins stay, as under every mode.
 * - Nothing leaves but by a fold (session.ts trims nothing in summary mode), and a fold commits
 *   only onto the summary it was made from, with every message it folded still there: a /reset,
 *   a /rollback or another writer's fold meanwhile voids it, and the next commit plans anew.
 * - The summary has its own bound (`summaryBound`): a fold asks for no more, and a summary that
 *   comes back longer (or cut off) is summarised again before it is kept.
 */
import type { ChatMessage } from './context.js';
import { messageCost } from './context.js';
import { type HistoryMessage, modelContent } from './message.js';
import { type Changed, overflow, type Session, applyChange } from './session.js';
import { type TokenCounter, TOKENS_PER_MESSAGE, TOKENS_REPLY_PRIMING } from './tokens.js';

export interface Summary {
  readonly text: string;
  /** Its tokens as the model sees it in a request (summaryMessage's content). */
  readonly tokens: number;
}

/** Bounds of a summary's own token bound: an eighth of the budget, within these. */
export const MIN_SUMMARY_TOKENS = 64;
export const MAX_SUMMARY_TOKENS = 1024;
/** The longest summary a file may bring (/import): several times what a fold ever writes. */
export const MAX_SUMMARY_CHARS = 16_000;

/** The most tokens a session's summary may hold, for a token budget. */
export function summaryBound(budget: number): number {
  return Math.max(MIN_SUMMARY_TOKENS, Math.min(MAX_SUMMARY_TOKENS, Math.floor(budget / 8)));
}

const SUMMARY_HEADER = 'Summary of the earlier conversation (its messages are no longer shown):';
/** What the header and the message format add to a summary's own tokens, at most. */
const HEADER_ALLOWANCE = 32;

/** The summary as a request carries it: a system message right after the system prompt. */
export function summaryMessage(text: string): ChatMessage {
  return { role: 'system', content: `${SUMMARY_HEADER}\n${text}` };
}

/** A summary text as the session keeps it, with its tokens in a request counted. */
export function summaryOf(text: string, tokens: TokenCounter): Summary {
  return { text, tokens: tokens.count(summaryMessage(text).content) };
}

/**
 * The tokens the recent buffer may hold: the channel's `memoryTokens` when set, else half the
 * budget; never more than the budget leaves once the system prompt, a full summary and a quarter
 * of the budget for the question are counted, so what is not yet folded still fits a request.
 */
export function bufferAllowance(budget: number, systemPromptTokens: number, memoryTokens: number | undefined): number {
  const summary = summaryBound(budget) + HEADER_ALLOWANCE + TOKENS_PER_MESSAGE;
  const room = budget - TOKENS_REPLY_PRIMING - systemPromptTokens - TOKENS_PER_MESSAGE - summary - Math.floor(budget / 4);
  return Math.max(0, Math.min(memoryTokens ?? Math.floor(budget / 2), room));
}

/** What a fold sends and what it may then remove. */
export interface FoldPlan {
  /** The summary it starts from (its text), which must still be the session's when it commits. */
  readonly base: string | undefined;
  /** Seqs of the messages it folds, oldest first. */
  readonly folded: readonly number[];
  /** The summary completion's messages. */
  readonly messages: readonly ChatMessage[];
  /** The summary's bound: the completion's max_tokens, and what the result must fit. */
  readonly bound: number;
}

export interface FoldLimits {
  readonly limit: number;
  readonly budget: number;
  readonly systemPromptTokens: number;
  readonly memoryTokens: number | undefined;
}

/**
 * The fold a summary-mode session needs now, if any: the messages about to leave (the limit's
 * overflow, then the buffer's), as many of the oldest as one request of `budget` tokens carries
 * with the summary so far (at least one, cut to fit, so one huge message cannot stop every fold).
 */
export function planFold(session: Session, limits: FoldLimits, tokens: TokenCounter): FoldPlan | undefined {
  if (session.settings.memoryMode !== 'summary') return undefined;
  const leaving = overflow(session.history, limits.limit, bufferAllowance(limits.budget, limits.systemPromptTokens, limits.memoryTokens));
  if (leaving.length === 0) return undefined;
  const bound = summaryBound(limits.budget);
  const base = session.summary?.text;
  const instructions = foldInstructions(bound);
  let room = limits.budget - TOKENS_REPLY_PRIMING - tokens.count(instructions) - (session.summary?.tokens ?? 0) - TOKENS_PER_MESSAGE * 2 - 16;
  const lines: string[] = [];
  const folded: number[] = [];
  for (const message of leaving) {
    const cost = messageCost(message);
    if (cost > room && folded.length > 0) break;
    const line = transcriptLine(message);
    lines.push(cost > room ? line.slice(0, Math.max(1, Math.floor((line.length * Math.max(room, 1)) / cost))) : line);
    folded.push(message.seq);
    room -= cost;
  }
  const body = `Summary so far:\n${base ?? '(none yet)'}\n\nNew lines:\n${lines.join('\n')}`;
  return {
    base,
    folded,
    bound,
    messages: [
      { role: 'system', content: instructions },
      { role: 'user', content: body },
    ],
  };
}

/** The summary completion's prompt: short, and after facts, not style. */
function foldInstructions(bound: number): string {
  return (
    'You keep the running summary of a chat for an assistant that can no longer see its older messages. ' +
    'Merge the summary so far and the new lines into one updated summary. Keep facts, names, numbers, ' +
    'decisions, preferences and open questions; leave out small talk and style. Plain sentences, third person, ' +
    `at most ${String(wordsFor(bound))} words. Reply with the summary only.`
  );
}

/** The completion that summarises a summary grown past its bound again. */
export function condenseMessages(text: string, bound: number): readonly ChatMessage[] {
  return [
    {
      role: 'system',
      content: `Shorten this summary of a chat to at most ${String(wordsFor(Math.floor(bound * 0.75)))} words, keeping every fact, name, number and decision. Reply with the summary only.`,
    },
    { role: 'user', content: text },
  ];
}

/** Words that fit `tokens` with room to spare (English runs about 1.3 tokens a word). */
function wordsFor(tokens: number): number {
  return Math.max(16, Math.floor(tokens * 0.6));
}

/** A message as a transcript line: `Name: text` as the model sees user messages, `User:` when unnamed. */
function transcriptLine(message: HistoryMessage): string {
  const named = message.role === 'user' && message.authorName !== undefined && message.authorName !== '';
  const line = named ? modelContent(message) : `${message.role === 'assistant' ? 'Assistant' : 'User'}: ${message.content}`;
  return line.replace(/\s+/g, ' ').trim();
}

/** Whether a summary completion's result can be kept as it is: within the bound, and not cut off. */
export function fitsBound(summary: Summary, bound: number, finishReason: string | null): boolean {
  return finishReason !== 'length' && summary.tokens <= bound + HEADER_ALLOWANCE;
}

/**
 * Commits a fold: the new summary, and the folded messages leave (those pinned meanwhile stay).
 * Void, changing nothing, when the session moved on under it: its summary is no longer the one
 * the fold started from, or a message it folded is gone (a /reset, /rollback or /import meanwhile).
 */
export function applyFold(session: Session, plan: Pick<FoldPlan, 'base' | 'folded'>, summary: Summary): Changed<{ readonly folded: number }> {
  const held = new Map(session.history.map((m) => [m.seq, m]));
  const void_ = session.summary?.text !== plan.base || plan.folded.some((seq) => !held.has(seq)) || summary.text.trim() === '';
  if (void_) return { session, change: {}, result: { folded: 0 } };
  const remove = plan.folded.filter((seq) => held.get(seq)?.pinned !== true);
  const change = { remove, summary };
  return { session: applyChange(session, change), change, result: { folded: remove.length } };
}
