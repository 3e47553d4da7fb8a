/** Counts tokens of a text. Passed in, so the domain stays deterministic and library-free. */
export interface TokenCounter {
  count(text: string): number;
}

/**
 * The chat format's cost beyond the content, per OpenAI's published counting recipe: every
 * message is wrapped in 3 tokens, and the reply is primed with 3 more.
 */
export const TOKENS_PER_MESSAGE = 3;
export const TOKENS_REPLY_PRIMING = 3;
