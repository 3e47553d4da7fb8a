import { countTokens, setMergeCacheSize } from 'gpt-tokenizer';
import type { TokenCounter } from '../domain/tokens.js';

// People can type "<|endoftext|>"; by default the tokenizer throws on special tokens in the text.
// Counting them as ordinary text is what the API does with message content.
const PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

/**
 * The tokenizer remembers the pieces of words it has split, up to 100 000 by default: about 29 MB
 * in a bot that runs for weeks (≈ 290 bytes a piece, measured). Common words stay cached at a
 * tenth of that, while counting a message is done once anyway (the count is stored with it).
 */
export const TOKENIZER_CACHE_PIECES = 10_000;
setMergeCacheSize(TOKENIZER_CACHE_PIECES);

/** o200k_base, the encoding of current OpenAI chat models; a close estimate for other models. */
export const gptTokenCounter: TokenCounter = {
  count: (text) => countTokens(text, PLAIN_TEXT),
};
