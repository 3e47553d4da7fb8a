/**
 * Section 2, token counting: gptTokenCounter's speed on realistic text, and what the per-message
 * token cache saves per turn: buildContext with the counts stored on each message (it counts only
 * the system prompt) against re-tokenizing the whole history every turn. Then text shaped to be
 * slow (issue 12): one long run with no space, counted whole and in bounded pieces.
 */
import { clearMergeCache, countTokens } from 'gpt-tokenizer';
import { gptTokenCounter, MAX_RUN, TOKENIZER_CACHE_PIECES } from '../src/adapters/gpt-tokenizer.js';
import {
  buildContext,
  createMessage,
  type DraftMessage,
  type HistoryMessage,
  largestFittingMessage,
  modelContent,
  type Session,
} from '../src/domain/index.js';
import { exchanges, messageRules, sessionDefaults, sessionWith } from './fixtures.js';
import { type BenchOptions, count, ms, ratio, type SectionResult, type Table } from './report.js';
import { type SampleOptions, sample, sampleAlternating, summarize, type Summary } from './stats.js';
import { prng, TextSource } from './text.js';

interface Throughput {
  readonly texts: number;
  readonly tokens: number;
  readonly characters: number;
  readonly pass: Summary;
  readonly tokensPerSecond: number;
  readonly charactersPerSecond: number;
}

/** Counts every text once per pass; `cold` clears gpt-tokenizer's word-piece cache before each pass. */
async function throughput(texts: readonly string[], cold: boolean, plan: SampleOptions): Promise<Throughput> {
  const tokens = texts.reduce((sum, text) => sum + gptTokenCounter.count(text), 0);
  const characters = texts.reduce((sum, text) => sum + text.length, 0);
  const samples = await sample(plan, () => {
    if (cold) clearMergeCache();
    for (const text of texts) gptTokenCounter.count(text);
  });
  // clearMergeCache is inside the timed pass for the cold figure; it is a Map.clear, negligible.
  const pass = summarize(samples);
  return {
    texts: texts.length,
    tokens,
    characters,
    pass,
    tokensPerSecond: tokens / (pass.p50 / 1000),
    charactersPerSecond: characters / (pass.p50 / 1000),
  };
}

/** What a bot without the cache does each turn: count every history message again, then budget. */
function recounted(session: Session): Session {
  return {
    ...session,
    history: session.history.map((m): HistoryMessage => ({ ...m, tokens: gptTokenCounter.count(modelContent(m)) })),
  };
}

interface Pathological {
  readonly name: string;
  readonly exactTokens: number;
  readonly countedTokens: number;
  /** The whole text handed to gpt-tokenizer at once, as the bot did before issue 12. */
  readonly whole: Summary;
  /** gptTokenCounter: runs cut every MAX_RUN code points. */
  readonly pieces: Summary;
  /** gptTokenCounter with the default prompt budget as the limit, as a question is counted. */
  readonly limited: Summary;
}

/** Texts shaped to be slow to tokenize, each timed with a cold word-piece cache (the worst case). */
async function pathological(options: BenchOptions): Promise<Pathological[]> {
  const random = prng(12);
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const letter = (): string => letters[Math.floor(random() * letters.length)] ?? 'a';
  let words = '';
  while (words.length < 20_000) {
    const length = 2 + Math.floor(random() * 9);
    for (let i = 0; i < length; i += 1) words += letter();
    words += ' ';
  }
  const texts: Array<[string, string]> = [
    ['40 000 × "A"', 'A'.repeat(40_000)],
    ['20 000 × 😀', '😀'.repeat(20_000)],
    ['40 000 random letters, no space', Array.from({ length: 40_000 }, letter).join('')],
    ['20 kB of random 2–10-letter words', words.slice(0, 20_000)],
  ];
  const limit = largestFittingMessage(sessionDefaults(0).tokenBudget);
  const cold = (): void => clearMergeCache();
  // Counting 20 000 emoji whole takes seconds: a few samples are all it needs.
  const slow: SampleOptions = { warmup: 0, minSamples: options.quick ? 1 : 3, maxSamples: 3, budgetMs: 0 };
  const fast: SampleOptions = { warmup: 2, minSamples: options.quick ? 5 : 30, maxSamples: 500, budgetMs: options.quick ? 200 : 1500 };
  const out: Pathological[] = [];
  for (const [name, text] of texts) {
    const plain = { disallowedSpecial: new Set<string>() };
    out.push({
      name,
      exactTokens: countTokens(text, plain),
      countedTokens: gptTokenCounter.count(text),
      whole: summarize(await sample(slow, () => void countTokens(text, plain), cold)),
      pieces: summarize(await sample(fast, () => void gptTokenCounter.count(text), cold)),
      limited: summarize(await sample(fast, () => void gptTokenCounter.count(text, limit), cold)),
    });
  }
  return out;
}

export async function tokensSection(options: BenchOptions): Promise<SectionResult> {
  const text = new TextSource(23);
  const texts: string[] = [];
  for (let i = 0; i < 1000; i += 1) texts.push(i % 2 === 0 ? text.question() : text.answer());
  const passPlan: SampleOptions = { warmup: 3, minSamples: options.quick ? 5 : 30, maxSamples: 500, budgetMs: options.quick ? 400 : 3000 };
  const warm = await throughput(texts, false, passPlan);
  const cold = await throughput(texts, true, passPlan);

  const defaults = sessionDefaults(1000);
  const session = sessionWith(1000);
  const round = exchanges(50, 31);
  const pick = (i: number): DraftMessage => (round[i % round.length] ?? round[0]!).question;
  const context = (s: Session, i: number): void => {
    buildContext({ session: s, systemPrompt: defaults.systemPrompt, question: pick(i), budget: defaults.tokenBudget, tokens: gptTokenCounter });
  };
  const turnPlan: SampleOptions = { warmup: 10, minSamples: options.quick ? 30 : 300, maxSamples: 20_000, budgetMs: options.quick ? 600 : 6000 };
  const paired = await sampleAlternating(
    turnPlan,
    (i) => context(session, i),
    (i) => context(recounted(session), i),
  );
  const cached = summarize(paired.a);
  const uncached = summarize(paired.b);

  // The one tokenizing the bot does per turn with the cache: the new question and its reply.
  const newRound = summarize(
    await sample({ warmup: 20, minSamples: options.quick ? 50 : 500, maxSamples: 20_000, budgetMs: options.quick ? 200 : 1500 }, (i) => {
      const e = round[i % round.length] ?? round[0]!;
      createMessage({ role: 'user', content: e.question.content, authorName: e.question.authorName }, messageRules);
      createMessage({ role: 'assistant', content: e.reply.content }, messageRules);
    }),
  );

  const historyTokens = session.history.reduce((sum, m) => sum + m.tokens, 0);
  const speedTable: Table = {
    title: 'gptTokenCounter (o200k_base) on realistic chat text',
    columns: ['word-piece cache', 'tokens/s', 'characters/s', 'pass p50 (1 000 texts)', 'pass p99', 'passes'],
    rows: [
      ['warm (steady state in a running bot)', count(warm.tokensPerSecond), count(warm.charactersPerSecond), ms(warm.pass.p50), ms(warm.pass.p99), String(warm.pass.n)],
      ['cold (cleared before each pass)', count(cold.tokensPerSecond), count(cold.charactersPerSecond), ms(cold.pass.p50), ms(cold.pass.p99), String(cold.pass.n)],
    ],
    notes: [
      `${count(warm.texts)} texts, ${count(warm.tokens)} tokens, ${count(warm.characters)} characters. gpt-tokenizer memoizes word pieces (an LRU the bot caps at ${count(TOKENIZER_CACHE_PIECES)}, see src/adapters/gpt-tokenizer.ts), so repeated words are cheap; the cold row is the worst case.`,
    ],
  };
  const cacheTable: Table = {
    title: 'Context for one turn at 1 000 messages: cached token counts vs re-tokenizing the history (alternating, same run)',
    columns: ['variant', 'p50', 'p99', 'runs'],
    rows: [
      ['cached: buildContext counts only the system prompt', ms(cached.p50), ms(cached.p99), count(cached.n)],
      ['uncached: count all 1 000 messages again, then buildContext', ms(uncached.p50), ms(uncached.p99), count(uncached.n)],
      ['ratio uncached / cached', ratio(uncached.p50 / cached.p50), ratio(uncached.p99 / cached.p99), ''],
      ['(per turn with the cache: counting the new question + reply)', ms(newRound.p50), ms(newRound.p99), count(newRound.n)],
    ],
    notes: [
      `The history holds ${count(historyTokens)} tokens; the budget keeps what fits in ${count(defaults.tokenBudget)} prompt tokens (CONTEXT_TOKENS − MAX_REPLY_TOKENS). The uncached variant re-counts the same texts every turn, so it runs with a warm word-piece cache: its cost here is a lower bound.`,
    ],
  };
  const shaped = await pathological(options);
  const limit = largestFittingMessage(sessionDefaults(0).tokenBudget);
  const over = (p: Pathological): string => `${(((p.countedTokens - p.exactTokens) / p.exactTokens) * 100).toFixed(2)} %`;
  const shapedTable: Table = {
    title: 'Text shaped to be slow (issue 12): one run with no space, cold word-piece cache (p50)',
    columns: ['text', 'tokens (exact)', 'counted (over)', 'whole, in one piece', `in pieces of ≤ ${String(MAX_RUN)} code points`, 'with the budget as limit'],
    rows: shaped.map((p) => [p.name, count(p.exactTokens), `${count(p.countedTokens)} (${over(p)})`, ms(p.whole.p50), ms(p.pieces.p50), ms(p.limited.p50)]),
    notes: [
      `"Whole" is gpt-tokenizer given the text at once, as the bot counted before: the byte-pair merge is quadratic in the length of a word. gptTokenCounter cuts runs over ${String(MAX_RUN)} code points and adds a token per cut, so it never counts fewer than the exact count. "With the budget as limit" stops once the count passes ${count(limit)} (the default prompt budget less the message's wrapping), as a question is counted.`,
    ],
  };
  return {
    name: 'tokens',
    tables: [speedTable, cacheTable, shapedTable],
    targets: [],
    data: {
      warm,
      cold,
      contextAt1000: { cached, uncached, ratioP50: uncached.p50 / cached.p50, ratioP99: uncached.p99 / cached.p99, historyTokens },
      newRoundTokenizing: newRound,
      pathological: shaped,
    },
  };
}
