import { userError } from './errors.js';
import { largestFittingMessage, type TokenCounter } from './tokens.js';

export type Role = 'system' | 'user' | 'assistant';

/**
 * A message made but not yet in a session (a question being answered, its reply): it gets its
 * sequence number when it is committed.
 */
export interface DraftMessage {
  readonly role: 'user' | 'assistant';
  readonly content: string;
  /** Discord user id of who said it (user messages). */
  readonly authorId?: string;
  /** Display name at the time it was said (user messages in shared channels). */
  readonly authorName?: string;
  /** Tokens of the content as the model sees it, counted once when the message is made. */
  readonly tokens: number;
  readonly pinned: boolean;
  /** Epoch milliseconds. */
  readonly createdAt: number;
  /**
   * The Discord messages it came from: a question's own; for a reply, those it was shown in when
   * it was stored, before its delivery finished (a long reply spans several; more may follow).
   */
  readonly discordMessageIds: readonly string[];
  /** Set on messages added with forge, so /history can tell them apart. */
  readonly forged?: boolean;
}

/** One message of a session's history, as stored. */
export interface HistoryMessage extends DraftMessage {
  /**
   * Its place in the session: numbers only grow (from the session's `next`), and are never
   * reused, so a change can name the messages it removes or pins and mean exactly those.
   */
  readonly seq: number;
}

export interface NewMessage {
  readonly role: 'user' | 'assistant';
  readonly content: string;
  /**
   * Text read from attached files, appended to the content. The length bound applies to what the
   * person typed; the token budget bounds the rest.
   */
  readonly attached?: string | undefined;
  readonly authorId?: string | undefined;
  readonly authorName?: string | undefined;
  readonly discordMessageIds?: readonly string[] | undefined;
  readonly forged?: boolean | undefined;
}

export interface MessageRules {
  readonly tokens: TokenCounter;
  /** Longest content a person may put in one message, in characters. */
  readonly maxMessageChars: number;
  /**
   * The largest prompt budget a request is built with. A question that cannot fit it even alone
   * is refused as soon as counting passes largestFittingMessage(tokenBudget), so a huge one costs
   * little counting instead of all of it. Without it, questions are counted whole and the
   * budget is left to buildContext.
   */
  readonly tokenBudget?: number | undefined;
  readonly now: () => number;
}

/**
 * What the model is shown for a message. In a shared channel several people talk to the bot, so
 * user messages carry the speaker's display name as a prefix: unlike OpenAI's `name` field, every
 * OpenAI-compatible server passes it through to the model.
 */
export function modelContent(message: Pick<DraftMessage, 'role' | 'content' | 'authorName'>): string {
  if (message.role === 'user' && message.authorName !== undefined && message.authorName !== '') {
    return `${message.authorName}: ${message.content}`;
  }
  return message.content;
}

/**
 * Makes a message, counting its tokens once. Rejects empty and over-long user content, and
 * questions (user messages not forged) that could not fit `rules.tokenBudget`.
 */
export function createMessage(input: NewMessage, rules: MessageRules): DraftMessage {
  const attached = input.attached ?? '';
  const typed = input.content;
  if (input.role === 'user') {
    if (isBlank(typed) && isBlank(attached)) {
      throw userError('empty_message', {});
    }
    // Code points, as a person counts characters (an emoji is one), not UTF-16 units.
    // eslint-disable-next-line @typescript-eslint/no-misused-spread
    const length = [...typed].length;
    if (length > rules.maxMessageChars) {
      throw userError('message_too_long', { length, max: rules.maxMessageChars });
    }
  }
  const content = isBlank(typed) ? attached.trimStart() : typed + attached;
  const authorName = input.authorName === undefined ? undefined : cleanName(input.authorName);
  const base = {
    role: input.role,
    content,
    pinned: false,
    createdAt: rules.now(),
    discordMessageIds: [...(input.discordMessageIds ?? [])],
    ...(input.authorId === undefined ? {} : { authorId: input.authorId }),
    ...(authorName === undefined ? {} : { authorName }),
    ...(input.forged === true ? { forged: true } : {}),
  };
  const shown = modelContent(base);
  if (input.role !== 'user' || input.forged === true || rules.tokenBudget === undefined) {
    return { ...base, tokens: rules.tokens.count(shown) };
  }
  const limit = largestFittingMessage(rules.tokenBudget);
  const tokens = rules.tokens.count(shown, limit);
  if (tokens > limit) {
    throw userError('question_over_budget', { limit, budget: rules.tokenBudget });
  }
  return { ...base, tokens };
}

// Zero-width characters, the soft hyphen and bidirectional controls show as nothing.
const INVISIBLE = /[\u00AD\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/g;

/** Whether a text shows nothing: whitespace and invisible characters only. */
export function isBlank(text: string): boolean {
  return text.replace(INVISIBLE, '').trim() === '';
}

/**
 * Display names may hold newlines or a colon that would confuse the "Name: text" prefix, and
 * bidirectional controls that would scramble the lines they are shown in.
 */
export function cleanName(name: string): string {
  return name.replace(INVISIBLE, '').replace(/[\r\n:]+/g, ' ').trim().slice(0, 64);
}
