import { countTokens } from 'gpt-tokenizer';
import type { TokenCounter } from '../domain/tokens.js';

// People can type "<|endoftext|>"; by default the tokenizer throws on special tokens in the text.
// Counting them as ordinary text is what the API does with message content.
const PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

/** o200k_base, the encoding of current OpenAI chat models; a close estimate for other models. */
export const gptTokenCounter: TokenCounter = {
  count: (text) => countTokens(text, PLAIN_TEXT),
};
