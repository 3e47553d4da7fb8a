import { userError } from './errors.js';
import { type DraftMessage, type HistoryMessage, modelContent } from './message.js';
import type { Session } from './session.js';
import { summaryMessage } from './summary.js';
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
  /** What the completion carries, in order: system prompt, the summary (summary mode), kept history, the question. */
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
  readonly question: DraftMessage;
  /** Images attached to the question, for this request only (each costs TOKENS_PER_IMAGE). */
  readonly questionImages?: readonly string[] | undefined;
  readonly budget: number;
  readonly tokens: TokenCounter;
}

/** Tokens a history message costs in a request, from its cached count. */
export function messageCost(message: Pick<DraftMessage, 'tokens'>): number {
  return message.tokens + TOKENS_PER_MESSAGE;
}

/**
 * What a completion must carry within `budget` prompt tokens: the system prompt, the session's
 * summary if it has one, the history in order and the question. The oldest unpinned history goes
 * first when over budget. Pins, the system prompt, the summary and the question are never
 * dropped: if they alone do not fit, that is an error.
 */
export function buildContext(input: ContextInput): Context {
  const { session, systemPrompt, question, budget } = input;
  const images = input.questionImages ?? [];
  const systemCost = systemPrompt === '' ? 0 : input.tokens.count(systemPrompt) + TOKENS_PER_MESSAGE;
  const summaryCost = session.summary === undefined ? 0 : session.summary.tokens + TOKENS_PER_MESSAGE;
  const fixed = TOKENS_REPLY_PRIMING + systemCost + summaryCost + messageCost(question) + images.length * TOKENS_PER_IMAGE;
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
    throw userError('context_over_budget', { needed: fixed + pinnedCost, budget, images: images.length > 0 });
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
  if (session.summary !== undefined) messages.push(summaryMessage(session.summary.text));
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

function toChat(message: DraftMessage): ChatMessage {
  return { role: message.role, content: modelContent(message) };
}

/**
 * What a stored part of a history (a page of messages) says about itself, so a context can be
 * built from some parts without reading the rest: `n` messages, `pins` of them pinned, and
 * `cost`, the prompt tokens of the unpinned ones (messageCost each).
 */
export interface PartSummary {
  readonly n: number;
  readonly pins: number;
  readonly cost: number;
}

export function summarizePart(messages: readonly Pick<HistoryMessage, 'pinned' | 'tokens'>[]): PartSummary {
  let pins = 0;
  let cost = 0;
  for (const message of messages) {
    if (message.pinned) pins += 1;
    else cost += messageCost(message);
  }
  return { n: messages.length, pins, cost };
}

/**
 * Which parts of a history (oldest first) hold everything buildContext can keep within `budget`:
 * every part with a pin, and the newest parts until their unpinned messages cost at least
 * `budget`. buildContext keeps the pins and the newest unpinned messages that fit, and what fits
 * costs less than `budget`, so it lies in these parts: on them it builds the very context it
 * builds on the whole history. `skipped` counts the messages of the parts left out (they are
 * all unpinned, and all omitted). Undefined when every part is needed.
 */
export function partsForContext(parts: readonly PartSummary[], budget: number): { read: number[]; skipped: number } | undefined {
  const read: number[] = [];
  let cost = 0;
  let skipped = 0;
  for (let i = parts.length - 1; i >= 0; i -= 1) {
    const part = parts[i];
    if (part === undefined) continue;
    if (cost < budget || part.pins > 0) read.push(i);
    else skipped += part.n;
    if (cost < budget) cost += part.cost;
  }
  if (read.length === parts.length) return undefined;
  return { read: read.reverse(), skipped };
}
