import { countTokens, isWithinTokenLimit, setMergeCacheSize } from 'gpt-tokenizer';
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

/**
 * The longest run of whitespace, or of anything but whitespace, handed to the tokenizer in one
 * piece, in code points. The byte-pair merge is quadratic in the length of a word, and a word is
 * whatever the pre-tokenizer keeps together: a run of letters or of symbols with no space can be
 * as long as the message, and one such run froze the event loop for seconds. Longer runs are cut,
 * so counting costs a bounded time per code point whatever the text's shape. 128 is the longest
 * piece whose cost per code point is still that of a short one (measured on letters, emoji, CJK,
 * combining marks and whitespace; longer pieces of emoji cost more per code point), and no word
 * of ordinary text is that long, so ordinary text is never cut and is counted exactly.
 */
export const MAX_RUN = 128;

/**
 * What one cut adds to the count. Counting the two sides of a cut apart gives between one token
 * fewer and one token more than counting the whole (measured over millions of random cuts: the
 * merge is greedy, so losing one across the cut can also save one). Adding one per cut keeps the
 * sum at or above the exact count, so the budget is never overrun; test/adapters/gpt-tokenizer
 * checks both bounds.
 */
export const TOKENS_PER_CUT = 1;

/** The longest o200k_base token, in UTF-8 bytes (128 spaces); the test checks it against the vocabulary. */
export const LONGEST_TOKEN_BYTES = 128;

/** Runs longer than MAX_RUN: whitespace, or anything else (`u`, so a surrogate pair is one code point). */
const LONG_RUN = new RegExp(String.raw`\S{${String(MAX_RUN + 1)},}|\s{${String(MAX_RUN + 1)},}`, 'gu');

/**
 * `text` in order, cut every MAX_RUN code points inside each longer run, never inside a
 * surrogate pair; the last part of a run stays with what follows it. Lazy, so a count that stops
 * early does not look at the rest.
 */
export function* boundedPieces(text: string): Generator<string> {
  let start = 0;
  for (const run of text.matchAll(LONG_RUN)) {
    const end = run.index + run[0].length;
    let cut = advanceCodePoints(text, run.index, MAX_RUN);
    while (cut < end) {
      yield text.slice(start, cut);
      start = cut;
      cut = advanceCodePoints(text, cut, MAX_RUN);
    }
  }
  yield text.slice(start);
}

function advanceCodePoints(text: string, from: number, count: number): number {
  let at = from;
  for (let n = 0; n < count && at < text.length; n += 1) {
    const unit = text.charCodeAt(at);
    const low = text.charCodeAt(at + 1);
    at += unit >= 0xd800 && unit <= 0xdbff && low >= 0xdc00 && low <= 0xdfff ? 2 : 1;
  }
  return at;
}

/**
 * The fewest tokens `text` can be: no token is longer than LONGEST_TOKEN_BYTES. Known from the
 * length alone, so a text that cannot fit a limit is refused without being tokenized, and one
 * that is tokenized is at most LONGEST_TOKEN_BYTES bytes per token of the limit long.
 */
export function fewestTokens(text: string): number {
  return Math.ceil(Buffer.byteLength(text, 'utf8') / LONGEST_TOKEN_BYTES);
}

/**
 * o200k_base, the encoding of current OpenAI chat models; a close estimate for other models.
 * Exact for text without runs longer than MAX_RUN, and at most a few tokens over per cut run.
 * With a limit, counting stops once it is passed (the result is then limit + 1 or the floor).
 */
export const gptTokenCounter: TokenCounter = {
  count(text, limit) {
    if (limit === undefined) {
      let total = -TOKENS_PER_CUT;
      for (const piece of boundedPieces(text)) total += TOKENS_PER_CUT + countTokens(piece, PLAIN_TEXT);
      return total;
    }
    const floor = fewestTokens(text);
    if (floor > limit) return floor;
    let total = -TOKENS_PER_CUT;
    for (const piece of boundedPieces(text)) {
      total += TOKENS_PER_CUT;
      const counted = total > limit ? false : isWithinTokenLimit(piece, limit - total, PLAIN_TEXT);
      if (counted === false) return limit + 1;
      total += counted;
    }
    return total;
  },
};
