import * as tokenizer from 'gpt-tokenizer';
import vocabulary from 'gpt-tokenizer/bpeRanks/o200k_base';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import {
  boundedPieces,
  fewestTokens,
  gptTokenCounter,
  LONGEST_TOKEN_BYTES,
  MAX_RUN,
  TOKENS_PER_CUT,
} from '../../src/adapters/gpt-tokenizer.js';
import { seededRandom } from '../helpers/random.js';

// The real tokenizer, watched: the tests count what the adapter hands it.
vi.mock('gpt-tokenizer', async (original) => {
  const real = await original<typeof import('gpt-tokenizer')>();
  return { ...real, countTokens: vi.fn(real.countTokens), isWithinTokenLimit: vi.fn(real.isWithinTokenLimit) };
});

const real = await vi.importActual<typeof import('gpt-tokenizer')>('gpt-tokenizer');
const PLAIN_TEXT = { disallowedSpecial: new Set<string>() };
/** The whole text through the tokenizer in one call: the exact count, however slow. */
const exact = (text: string): number => real.countTokens(text, PLAIN_TEXT);
/** The longest run of whitespace or of other characters in `text`, in code points. */
const longestRun = (text: string): number => Math.max(0, ...Array.from(text.matchAll(/\S+|\s+/gu), ([run]) => codePoints(run)));
const cutsIn = (text: string): number => [...boundedPieces(text)].length - 1;
const codePoints = (text: string): number => Array.from(text).length;
/** What the adapter handed the tokenizer: always a text, never a chat. */
function handedText(input: unknown): string {
  if (typeof input !== 'string') throw new Error(`expected a text, got ${typeof input}`);
  return input;
}

const random = seededRandom(20260212);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const between = (lo: number, hi: number): number => lo + Math.floor(random() * (hi - lo + 1));

const WORDS = [
  'the', 'memory', 'channel', 'bot', 'answers', 'quickly,', 'Über', 'naïve', 'café', 'Straße', '東京', 'こんにちは', '😀',
  '👍🏽', 'don’t', "it's", '2026-02-12', '3.14159', 'https://example.com/a?b=c', '(see', 'below).', '—', '`code`', '#include',
  'x=1;', 'Привет', 'مرحبا', 'שלום', 'नमस्ते', '<|endoftext|>', '**bold**', '-', '...',
];
/** Chat-like text: words, punctuation, emoji, several scripts, line breaks; no run near MAX_RUN. */
function ordinaryText(words: number): string {
  let text = '';
  for (let i = 0; i < words; i += 1) text += pick(WORDS) + pick([' ', ' ', ' ', ' ', '\n', '\n\n', '  ', '\t']);
  return text;
}

const ALPHABETS = [
  ['A'], ['a'], ['😀'], ['中'], [' '], ['\n'], ['-'], ['\t', ' '], ['a', '\u0301'],
  Array.from('abcdefghijklmnopqrstuvwxyz'),
  Array.from('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/='),
  Array.from('.,;:!?-_=+*/\\|()[]{}<>"\'`~@#$%^&'),
  Array.from('😀😂🥲🚀🔥👍🎉🤖🐱🌍'),
  Array.from('的一是不了人我在有他这为之大来以个中上们'),
  Array.from('éèêàùçñöüß'),
  Array.from('a😀b中🚀-'), // code points of one and two UTF-16 units mixed
];
/** A run longer than MAX_RUN (so it is cut), with ordinary text around it. */
function textWithLongRuns(): string {
  let text = ordinaryText(between(0, 20));
  for (let runs = between(1, 3); runs > 0; runs -= 1) {
    const alphabet = pick(ALPHABETS);
    let run = '';
    for (let n = between(MAX_RUN + 1, 6 * MAX_RUN); n > 0; n -= 1) run += pick(alphabet);
    text += run + ordinaryText(between(0, 20));
  }
  return text;
}

describe('boundedPieces', () => {
  it('gives back the text in order, with no run of whitespace or of other characters over MAX_RUN code points, and no surrogate pair split', () => {
    for (let i = 0; i < 300; i += 1) {
      const text = i % 2 === 0 ? textWithLongRuns() : ordinaryText(between(0, 200));
      const pieces = [...boundedPieces(text)];
      expect(pieces.join('')).toBe(text);
      for (const piece of pieces) {
        expect(longestRun(piece)).toBeLessThanOrEqual(MAX_RUN);
        expect(piece).not.toMatch(/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/);
      }
    }
  });

  it('cuts a run every MAX_RUN code points, counting a surrogate pair as one', () => {
    expect([...boundedPieces('😀'.repeat(2 * MAX_RUN + 1))].map(codePoints)).toEqual([MAX_RUN, MAX_RUN, 1]);
    expect([...boundedPieces(`x ${'A'.repeat(MAX_RUN)} y`)]).toEqual([`x ${'A'.repeat(MAX_RUN)} y`]);
    expect([...boundedPieces(`x ${'A'.repeat(MAX_RUN + 1)} y`)]).toEqual([`x ${'A'.repeat(MAX_RUN)}`, 'A y']);
  });
});

describe('gptTokenCounter', () => {
  beforeEach(() => {
    vi.mocked(tokenizer.countTokens).mockClear();
    vi.mocked(tokenizer.isWithinTokenLimit).mockClear();
  });

  it('counts ordinary text exactly', () => {
    for (let i = 0; i < 300; i += 1) {
      const text = ordinaryText(between(0, 400));
      expect(cutsIn(text)).toBe(0);
      expect(gptTokenCounter.count(text)).toBe(exact(text));
    }
  });

  it('hands the tokenizer no run over MAX_RUN, and counts text with cut runs at least exactly and at most 3 tokens over per cut', () => {
    // A cut changes the sum by −1 to +2 before TOKENS_PER_CUT (measured); the bounds below are what the budget relies on.
    for (let i = 0; i < 300; i += 1) {
      const text = textWithLongRuns();
      const cuts = cutsIn(text);
      vi.mocked(tokenizer.countTokens).mockClear();
      const counted = gptTokenCounter.count(text);
      const handed = vi.mocked(tokenizer.countTokens).mock.calls.map(([piece]) => handedText(piece));
      expect(handed.join('')).toBe(text);
      expect(Math.max(...handed.map(longestRun))).toBeLessThanOrEqual(MAX_RUN);
      const truth = exact(text);
      expect(cuts).toBeGreaterThan(0);
      expect(counted, JSON.stringify(text.slice(0, 200))).toBeGreaterThanOrEqual(truth);
      expect(counted).toBeLessThanOrEqual(truth + (TOKENS_PER_CUT + 2) * cuts);
    }
  });

  it('with a limit, gives the same count when it is within the limit, and a number over it otherwise', () => {
    for (let i = 0; i < 200; i += 1) {
      const text = i % 2 === 0 ? textWithLongRuns() : ordinaryText(between(1, 300));
      const whole = gptTokenCounter.count(text);
      const limit = between(0, 2 * whole);
      const capped = gptTokenCounter.count(text, limit);
      if (whole <= limit) expect(capped).toBe(whole);
      else expect(capped).toBeGreaterThan(limit);
    }
  });

  it('with a limit, stops tokenizing soon after passing it', () => {
    const attack = Array.from({ length: 10 }, () => `\n\n[attachment a.txt]\n\`\`\`\n${'😀'.repeat(5000)}\n\`\`\``).join('');
    const limit = 2000; // above the floor from the length, so the text is tokenized
    expect(fewestTokens(attack)).toBeLessThan(limit);
    expect(gptTokenCounter.count(attack, limit)).toBeGreaterThan(limit);
    const handed = vi.mocked(tokenizer.isWithinTokenLimit).mock.calls.reduce((sum, [text]) => sum + codePoints(handedText(text)), 0);
    // One emoji is one token: about `limit` of the 50 000 are read, and at most the piece that passed it.
    expect(handed).toBeLessThanOrEqual(limit + 2 * MAX_RUN + 40);
    expect(vi.mocked(tokenizer.countTokens)).not.toHaveBeenCalled();
  });

  it('with a limit, refuses a text too long for any count within it without tokenizing it', () => {
    const text = 'A'.repeat(LONGEST_TOKEN_BYTES * 100 + 1);
    expect(gptTokenCounter.count(text, 100)).toBe(101);
    expect(vi.mocked(tokenizer.isWithinTokenLimit)).not.toHaveBeenCalled();
    expect(vi.mocked(tokenizer.countTokens)).not.toHaveBeenCalled();
  });
});

describe('fewestTokens', () => {
  it('LONGEST_TOKEN_BYTES is the longest token of o200k_base, so the floor is never above the count', () => {
    let longest = 0;
    for (const token of vocabulary) longest = Math.max(longest, typeof token === 'string' ? Buffer.byteLength(token) : token.length);
    expect(longest).toBe(LONGEST_TOKEN_BYTES);
    for (const text of [' '.repeat(1000), ordinaryText(100), textWithLongRuns(), 'é'.repeat(300)]) {
      expect(fewestTokens(text)).toBeLessThanOrEqual(exact(text));
    }
    // …and it is reached: a run of spaces is that many 128-space tokens.
    expect(fewestTokens(' '.repeat(10 * LONGEST_TOKEN_BYTES))).toBe(exact(' '.repeat(10 * LONGEST_TOKEN_BYTES)));
  });
});
