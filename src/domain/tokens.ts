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

/**
 * What one image in a request is counted as: OpenAI's fixed cost of a `detail: 'low'` image
 * (a 512×512 rendition) on GPT-4o-class models. The real cost depends on the model and on the
 * detail level, which the model adapter should therefore set to 'low'; other servers count
 * images their own way, so this is an estimate that keeps the budget honest, not an exact figure.
 */
export const TOKENS_PER_IMAGE = 85;
