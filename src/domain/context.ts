import { UserError } from './errors.js';
import { type HistoryMessage, modelContent } from './message.js';
import type { Session } from './session.js';
import { type TokenCounter, TOKENS_PER_IMAGE, TOKENS_PER_MESSAGE, TOKENS_REPLY_PRIMING } from './tokens.js';

export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
  /**
   * Image URLs shown to the model with this message. Only ever set on the question: Discord's
   * attachment URLs expire, so history keeps a text marker (`[image: cat.png]`) instead.
   */
  readonly images?: readonly string[];
}

export interface Context {
  /** What the completion carries, in order: system prompt, kept history, the question. */
  readonly messages: readonly ChatMessage[];
  /** Prompt tokens of `messages` including the chat format's overhead. */
  readonly tokens: number;
  /** History messages left out to fit the budget (oldest unpinned first). */
  readonly omitted: number;
}

export interface ContextInput {
  readonly session: Session;
  readonly systemPrompt: string;
  /** The message being answered; not yet history (it is committed with its reply). */
  readonly question: HistoryMessage;
  /** Images attached to the question, for this request only (each costs TOKENS_PER_IMAGE). */
  readonly questionImages?: readonly string[] | undefined;
  readonly budget: number;
  readonly tokens: TokenCounter;
}

/** Tokens a history message costs in a request, from its cached count. */
export function messageCost(message: Pick<HistoryMessage, 'tokens'>): number {
  return message.tokens + TOKENS_PER_MESSAGE;
}

/**
 * What a completion must carry within `budget` prompt tokens: the system prompt, the history in
 * order and the question. The oldest unpinned history goes first when over budget. Pins, the
 * system prompt and the question are never dropped: if they alone do not fit, that is an error.
 */
export function buildContext(input: ContextInput): Context {
  const { session, systemPrompt, question, budget } = input;
  const images = input.questionImages ?? [];
  const systemCost = systemPrompt === '' ? 0 : input.tokens.count(systemPrompt) + TOKENS_PER_MESSAGE;
  const fixed = TOKENS_REPLY_PRIMING + systemCost + messageCost(question) + images.length * TOKENS_PER_IMAGE;
  // One pass over the whole history, for the pins; the rest only reads what the context keeps.
  const history = session.history;
  const pinned: number[] = [];
  let pinnedCost = 0;
  for (const [position, message] of history.entries()) {
    if (!message.pinned) continue;
    pinned.push(position);
    pinnedCost += messageCost(message);
  }
  if (fixed + pinnedCost > budget) {
    throw new UserError(
      'context_over_budget',
      `The system prompt, pinned messages and your message${images.length > 0 ? ' with its images' : ''} need ${fixed + pinnedCost} tokens, but the budget for a request is ${budget}. Unpin something (/unpin) or send a shorter message. Nothing was added to memory.`,
    );
  }
  // Dropping the oldest unpinned messages until the rest fit keeps exactly the newest unpinned
  // ones that fit: every unpinned message from `cut` on, and the pins before it.
  let total = fixed + pinnedCost;
  let cut = 0;
  for (let position = history.length - 1; position >= 0; position -= 1) {
    const message = history[position];
    if (message === undefined || message.pinned) continue;
    const cost = messageCost(message);
    if (total + cost > budget) {
      cut = position + 1;
      break;
    }
    total += cost;
  }
  const messages: ChatMessage[] = [];
  if (systemPrompt !== '') messages.push({ role: 'system', content: systemPrompt });
  let pinnedBefore = 0;
  for (const position of pinned) {
    if (position >= cut) break;
    const message = history[position];
    if (message !== undefined) messages.push(toChat(message));
    pinnedBefore += 1;
  }
  for (let position = cut; position < history.length; position += 1) {
    const message = history[position];
    if (message !== undefined) messages.push(toChat(message));
  }
  messages.push(images.length === 0 ? toChat(question) : { ...toChat(question), images: [...images] });
  return { messages, tokens: total, omitted: cut - pinnedBefore };
}

function toChat(message: HistoryMessage): ChatMessage {
  return { role: message.role, content: modelContent(message) };
}
