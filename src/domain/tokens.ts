/** Counts tokens of a text. Passed in, so the domain stays deterministic and library-free. */
export interface TokenCounter {
  /**
   * Tokens of `text` (an estimate errs high, so a budget holds). With `limit`, counting may stop
   * as soon as the count is known to pass it: the result is then some number above `limit`.
   */
  count(text: string, limit?: number): number;
}

/**
 * The chat format's cost beyond the content, per OpenAI's published counting recipe: every
 * message is wrapped in 3 tokens, and the reply is primed with 3 more.
 */
export const TOKENS_PER_MESSAGE = 3;
export const TOKENS_REPLY_PRIMING = 3;

/**
 * The most tokens a message can have and still fit a request of `budget` prompt tokens by itself:
 * its own wrapping and the reply priming take the rest. This is buildContext's rule with no
 * system prompt, pins, history or images, so a message over it can never be answered.
 */
export function largestFittingMessage(budget: number): number {
  return budget - TOKENS_PER_MESSAGE - TOKENS_REPLY_PRIMING;
}

/**
 * What one image in a request is counted as: OpenAI's fixed cost of a `detail: 'low'` image
 * (a 512×512 rendition) on GPT-4o-class models. The real cost depends on the model and on the
 * detail level, which the model adapter should therefore set to 'low'; other servers count
 * images their own way, so this is an estimate that keeps the budget honest, not an exact figure.
 */
export const TOKENS_PER_IMAGE = 85;

/**
 * A counter that remembers the counts of up to `size` texts (past that, it forgets the one it
 * learned first), for texts counted on every turn (the system prompt): the history's counts are
 * cached with each message, but the prompt would otherwise be tokenized again for every answer.
 */
export function rememberingCounter(counter: TokenCounter, size: number): TokenCounter {
  const counts = new Map<string, number>();
  return {
    count(text) {
      const known = counts.get(text);
      if (known !== undefined) return known;
      const counted = counter.count(text);
      if (counts.size >= size) counts.delete(counts.keys().next().value ?? text);
      counts.set(text, counted);
      return counted;
    },
  };
}
