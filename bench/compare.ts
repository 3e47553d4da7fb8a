/**
 * Section 5: building the context of a 50-message conversation the way reply-chain bots do it
 * (walk message_reference back, one REST GET per message) against reading it from our store.
 */
import { Events, type Message } from 'discord.js';
import { openSessionStore } from '../src/adapters/store/open-session-store.js';
import { createClient } from '../src/bot.js';
import { Memory } from '../src/engine/memory.js';
import { FakeDiscord, type FakeUser } from '../test/fakes/fake-discord.js';
import { exchanges, messageRules, saveByRounds, sessionDefaults, sessionWith, silentLogger, tempFile } from './fixtures.js';
import { type BenchOptions, count, ms, ratio, type SectionResult, type Table } from './report.js';
import { sample, sleep, summarize, type Summary } from './stats.js';
import { TextSource } from './text.js';

const CONVERSATION = 50;
const GUILD = '1290000000000000002';
const CHANNEL = '1290000000000000003';
const SPEAKERS: FakeUser[] = [
  { id: '1210000000000000031', username: 'alice', global_name: 'Alice' },
  { id: '1210000000000000032', username: 'helper', global_name: 'Helper' },
];

/** Walks a 50-message reply chain with discord.js against a fake Discord of the given latency. */
async function replyChain(restLatencyMs: number, walks: number, warmup: number): Promise<{ walk: Summary; fetches: number }> {
  const fake = await FakeDiscord.start({ restLatencyMs });
  fake.addGuild({ id: GUILD, name: 'compare', channels: [{ id: CHANNEL, name: 'chat' }] });
  const client = createClient(fake.apiUrl);
  try {
    const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
    await client.login(fake.token);
    await ready;
    const text = new TextSource(51);
    let previous: string | undefined;
    for (let i = 0; i < CONVERSATION; i += 1) {
      const sent = await fake.userMessage({
        channelId: CHANNEL,
        author: SPEAKERS[i % 2] ?? SPEAKERS[0]!,
        content: i % 2 === 0 ? text.question() : text.answer(),
        ...(previous === undefined ? {} : { replyTo: previous }),
      });
      previous = sent.id;
    }
    const channel = await client.channels.fetch(CHANNEL);
    if (channel === null || !channel.isTextBased()) throw new Error('the fake channel is not a text channel');
    const newest = await fake.waitFor(() => channel.messages.cache.get(previous ?? ''));
    let fetches = 0;
    const samples: number[] = [];
    let lastStart = -Infinity;
    for (let w = 0; w < warmup + walks; w += 1) {
      // discord.js allows 50 requests per second in all; a walk is 49, so each starts in a fresh second.
      await sleep(Math.max(0, lastStart + 1100 - performance.now()));
      const started = performance.now();
      lastStart = started;
      const chain: Message[] = [newest];
      let reference = newest.reference?.messageId;
      while (reference !== undefined) {
        // force: the message cache is cold, as after a restart or for messages older than it holds.
        const message = await channel.messages.fetch({ message: reference, force: true });
        chain.push(message);
        reference = message.reference?.messageId;
      }
      if (chain.length !== CONVERSATION) throw new Error(`walked ${String(chain.length)} messages, expected ${String(CONVERSATION)}`);
      if (w >= warmup) samples.push(performance.now() - started);
      fetches = chain.length - 1;
    }
    return { walk: summarize(samples), fetches };
  } finally {
    await client.destroy();
    await fake.close();
  }
}

/**
 * Memory.context (the engine's) for a stored 50-message session (SQLite file, as the bot runs it, saved
 * round by round): warm, the session decoded in the store's cache; cold, the cache cleared before
 * each call (untimed), so the session is read from SQLite as after a restart.
 */
async function fromStore(options: BenchOptions): Promise<{ warm: Summary; cold: Summary }> {
  const store = await openSessionStore(`sqlite://${tempFile('compare')}`, silentLogger, { sweepAfterStartMs: Infinity });
  try {
    const memory = new Memory(store, sessionDefaults(100), messageRules);
    await saveByRounds(store, CHANNEL, sessionWith(CONVERSATION));
    const questions = exchanges(20, 53).map((e) => e.question);
    const plan = { warmup: 50, minSamples: options.quick ? 100 : 1000, maxSamples: 50_000, budgetMs: options.quick ? 200 : 1500 };
    const context = async (i: number): Promise<void> => {
      await memory.context(CHANNEL, questions[i % questions.length] ?? questions[0]!);
    };
    const warm = summarize(await sample(plan, context));
    const cold = summarize(await sample(plan, context, () => store.clearCache()));
    return { warm, cold };
  } finally {
    await store.close();
  }
}

export async function compareSection(options: BenchOptions): Promise<SectionResult> {
  const latency = 40;
  const walks = options.quick ? 1 : 5;
  const warmup = options.quick ? 0 : 1;
  const remote = await replyChain(latency, walks, warmup);
  const loopback = await replyChain(0, walks, warmup);
  const stored = await fromStore(options);
  // The walks fetch with a cold cache, so the fair reference is our cold read.
  const ours = stored.cold;
  const table: Table = {
    title: `Context of a ${String(CONVERSATION)}-message conversation: reply-chain walk vs session store`,
    columns: ['way', 'p50', 'p99', 'runs', 'ratio to ours (p50)'],
    rows: [
      [
        `reply chain, ${String(remote.fetches)} × channel.messages.fetch, REST latency ${String(latency)} ms`,
        ms(remote.walk.p50),
        ms(remote.walk.p99),
        count(remote.walk.n),
        ratio(remote.walk.p50 / ours.p50),
      ],
      [
        `reply chain, ${String(loopback.fetches)} × channel.messages.fetch, REST latency 0 (loopback only)`,
        ms(loopback.walk.p50),
        ms(loopback.walk.p99),
        count(loopback.walk.n),
        ratio(loopback.walk.p50 / ours.p50),
      ],
      ['ours: Memory.context, cold (read from the SQLite file, as after a restart)', ms(ours.p50), ms(ours.p99), count(ours.n), '1×'],
      [
        'ours: Memory.context, warm (session cached, the normal case)',
        ms(stored.warm.p50),
        ms(stored.warm.p99),
        count(stored.warm.n),
        ratio(stored.warm.p50 / ours.p50),
      ],
    ],
    notes: [
      `${String(latency)} ms per REST call is a bot close to Discord's API (same continent); farther away it is 100 ms or more. The fake adds it to every response (half before handling, half after).`,
      'The mention itself arrives on the gateway; its 49 ancestors are fetched one by one, each needing the previous one\'s message_reference. Fetches use force: true (cold cache, as after a restart); a live bot\'s message cache or the one-level referenced_message can spare some of them.',
      `A walk spends 49 of discord.js's 50 requests per second, so a reply-chain bot can build about one such context per second in all; the session store makes no Discord request.`,
    ],
  };
  return {
    name: 'compare',
    tables: [table],
    targets: [],
    data: {
      conversation: CONVERSATION,
      restLatencyMs: latency,
      replyChain: remote,
      replyChainLoopback: loopback,
      sessionStore: ours,
      sessionStoreWarm: stored.warm,
      ratioP50: remote.walk.p50 / ours.p50,
      ratioP50Loopback: loopback.walk.p50 / ours.p50,
    },
  };
}
