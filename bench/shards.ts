/**
 * The sharded row: mentions per second when the bot's servers are split over two shard processes
 * on one Redis store, against one process holding every server. CPU-bound: the model answers at
 * once (in-process), the fake Discord has no REST limit and discord.js's own 50 requests/s is
 * lifted too, so what is left is each process's work per mention.
 */
import { FakeDiscord, type FakeUser } from '../test/fakes/fake-discord.js';
import { dropRedisNamespace } from '../test/helpers/redis-namespace.js';
import { BotProcess, startScriptLaunch } from './child.js';
import { type BenchOptions, checkAtLeast, count, ms, ratio, type SectionResult, type Table, targetText } from './report.js';
import { sleep, summarize, type Summary } from './stats.js';
import { TextSource } from './text.js';

const SHARDS = 2;
const CHANNELS_PER_GUILD = 40;
const HISTORY_LIMIT = 20;
const TARGET_SPEEDUP = 1.6;

/** A guild id on `shard` of SHARDS: Discord routes a server to shard (guild_id >> 22) % count. */
function guildOnShard(shard: number): string {
  return String(((1n << 40n) + BigInt(SHARDS * 7 + shard)) << 22n);
}

const USERS: FakeUser[] = Array.from({ length: 1000 }, (_, i) => ({
  id: (1_220_000_000_000_000_000n + BigInt(i)).toString(),
  username: `user${String(i)}`,
  global_name: `User ${String(i)}`,
}));

interface Layout {
  readonly name: string;
  /** The shard ids of each bot process; one entry per process. */
  readonly processes: ReadonlyArray<readonly number[]>;
  readonly shardCount: number;
}

const LAYOUTS: readonly Layout[] = [
  { name: 'one process, one shard (every server)', processes: [[0]], shardCount: 1 },
  { name: 'two shard processes (SHARD_IDS=0 and 1 of 2)', processes: [[0], [1]], shardCount: SHARDS },
];

interface Figure {
  readonly layout: string;
  readonly processes: number;
  readonly inFlight: number;
  readonly seconds: number;
  readonly answered: number;
  readonly mentionsPerSecond: number;
  readonly cpuMsPerMention: number;
  /** This process's CPU per mention: the fake Discord and the loop. */
  readonly fakeCpuMsPerMention: number;
  readonly reply: Summary;
}

async function measure(layout: Layout, redisUrl: string, quick: boolean): Promise<Figure> {
  const namespace = `ccbench_${String(process.pid)}_${Math.random().toString(36).slice(2, 8)}`;
  const discord = await FakeDiscord.start({ rateLimit: { limit: 1_000_000_000, windowMs: 1000 } });
  const channels: string[] = [];
  for (let shard = 0; shard < SHARDS; shard += 1) {
    const guild = guildOnShard(shard);
    const ids = Array.from({ length: CHANNELS_PER_GUILD }, (_, i) => String(BigInt(guild) + 100n + BigInt(i)));
    discord.addGuild({ id: guild, name: `bench ${String(shard)}`, channels: ids.map((id, i) => ({ id, name: `bench-${String(i)}` })) });
    channels.push(...ids);
  }
  const reply = new TextSource(5).answer();
  const bots: BotProcess[] = [];
  try {
    for (const shards of layout.processes) {
      bots.push(
        await BotProcess.start(
          {
            DISCORD_TOKEN: discord.token,
            DISCORD_API_URL: discord.apiUrl,
            OPENAI_API_KEY: 'bench-key',
            STORE_URL: `${redisUrl}${redisUrl.includes('?') ? '&' : '?'}namespace=${namespace}`,
            HISTORY_LIMIT: String(HISTORY_LIMIT),
            USER_RATE_LIMIT: '0',
            MAX_CONCURRENT_COMPLETIONS: '1000',
            SHARD_COUNT: String(layout.shardCount),
            SHARD_IDS: shards.join(','),
            LOG_LEVEL: 'warn',
            BENCH_MODEL: 'fixed',
            BENCH_REPLY: reply,
            BENCH_REST_UNLIMITED: '1',
          },
          startScriptLaunch(),
        ),
      );
    }
    return await closedLoop(layout, discord, bots, channels, quick);
  } finally {
    for (const bot of bots) await bot.stop();
    await discord.close();
    await dropRedisNamespace(redisUrl, namespace);
  }
}

/** Every channel mentions again as soon as its reply arrives; answers inside the window are counted. */
async function closedLoop(layout: Layout, discord: FakeDiscord, bots: readonly BotProcess[], channels: readonly string[], quick: boolean): Promise<Figure> {
  const warmMs = quick ? 1000 : 2000;
  const measureMs = quick ? 3000 : 8000;
  const text = new TextSource(43);
  let turn = 0;
  const pending = new Map<string, number>();
  const mention = async (channel: string): Promise<void> => {
    const author = USERS[turn++ % USERS.length] ?? USERS[0];
    if (author === undefined) throw new Error('no users');
    pending.set(channel, performance.now());
    await discord.userMessage({ channelId: channel, author, content: text.question(), mentionBot: true });
  };
  let cursor = discord.requests.length;
  const replyMs: number[] = [];
  const loopStart = performance.now();
  for (const channel of channels) await mention(channel);
  const start = loopStart + warmMs;
  const end = start + measureMs;
  let cpuBefore = 0;
  let ownBefore = process.cpuUsage();
  let answered = 0;
  let measuring = false;
  const cpu = async (): Promise<number> => {
    const usages = await Promise.all(bots.map((bot) => bot.usage(false)));
    return usages.reduce((sum, u) => sum + u.cpuUserMicros + u.cpuSystemMicros, 0);
  };
  while (performance.now() < end) {
    if (!measuring && performance.now() >= start) {
      measuring = true;
      cpuBefore = await cpu();
      ownBefore = process.cpuUsage();
    }
    const requests = discord.requests;
    const done: string[] = [];
    for (; cursor < requests.length; cursor += 1) {
      const request = requests[cursor];
      if (request?.method !== 'POST') continue;
      const channel = /^\/channels\/(\d+)\/messages$/.exec(request.path)?.[1];
      const sentAt = channel === undefined ? undefined : pending.get(channel);
      if (channel === undefined || sentAt === undefined || request.at < sentAt) continue;
      pending.delete(channel);
      if (measuring) {
        answered += 1;
        replyMs.push(request.at - sentAt);
      }
      done.push(channel);
    }
    for (const channel of done) await mention(channel);
    await sleep(1);
  }
  const own = process.cpuUsage(ownBefore);
  const cpuMicros = (await cpu()) - cpuBefore;
  for (const bot of bots) await bot.drain();
  return {
    layout: layout.name,
    processes: bots.length,
    inFlight: channels.length,
    seconds: measureMs / 1000,
    answered,
    mentionsPerSecond: answered / (measureMs / 1000),
    cpuMsPerMention: cpuMicros / 1000 / Math.max(1, answered),
    fakeCpuMsPerMention: (own.user + own.system) / 1000 / Math.max(1, answered),
    reply: summarize(replyMs),
  };
}

export async function shardsSection(options: BenchOptions): Promise<SectionResult> {
  const redisUrl = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
  const figures: Figure[] = [];
  for (const layout of LAYOUTS) figures.push(await measure(layout, redisUrl, options.quick));
  const [one, two] = figures;
  const speedup = one === undefined || two === undefined ? 0 : two.mentionsPerSecond / one.mentionsPerSecond;
  const target = checkAtLeast('Two shard processes against one, mentions per second (CPU-bound, Redis)', speedup, TARGET_SPEEDUP, '×');
  const table: Table = {
    title: 'Sharded: mentions per second, two shard processes against one process (Redis store, CPU-bound)',
    columns: ['layout', 'bot processes', 'channels in flight', 'mentions/s', 'reply p50', 'reply p99', 'bot CPU per mention (all processes)', 'fake Discord CPU per mention', 'against one process'],
    rows: figures.map((f) => [
      f.layout,
      count(f.processes),
      count(f.inFlight),
      f.mentionsPerSecond.toFixed(1),
      ms(f.reply.p50),
      ms(f.reply.p99),
      ms(f.cpuMsPerMention),
      ms(f.fakeCpuMsPerMention),
      f === one ? '—' : `${ratio(speedup)}; ${targetText(target)}`,
    ]),
    notes: [
      `The same ${String(SHARDS * CHANNELS_PER_GUILD)} channels in ${String(SHARDS)} servers, one on each shard of two, every channel mentioning again as soon as it is answered; each bot process is the compiled bot (startApp, the real discord.js client, the Redis store at ${redisUrl.replace(/\/\/[^@/]*@/, '//')}) with a model that answers at once, HISTORY_LIMIT ${String(HISTORY_LIMIT)}. The fake Discord has no REST limit, and the bot processes lift discord.js's own 50 requests/s, so neither the limit nor the model sets the rate.`,
      'The two-process row runs the shard processes as `npm run start:sharded` makes them (each the bot with SHARD_IDS=its id, SHARD_COUNT=2), started directly so the benchmark can read their CPU. The fake Discord and this loop run in the benchmark process and need CPU of their own: on a machine with two cores the three processes share them.',
    ],
  };
  return { name: 'shards', tables: [table], targets: [target], data: { shards: SHARDS, figures, speedup } };
}
