/**
 * Section 3, the bot's own overhead end to end: the real bot (startApp, discord.js, SQLite) with a
 * model that costs nothing, against the fake Discord on loopback with no simulated latency. What
 * is left between a MESSAGE_CREATE dispatch and the reply's POST is the bot (and discord.js).
 */
import { TYPING_DELAY_MS } from '../src/adapters/discord/reply-sink.js';
import { DEFAULT_CACHED_MESSAGES } from '../src/adapters/store/caching-store.js';
import { seededCopy } from './fixtures.js';
import { GLOBAL_REQUESTS_PER_SECOND, Harness, type ModelKind, type Timing } from './harness.js';
import { type BenchOptions, checkTarget, count, ms, type SectionResult, type Table, type TargetCheck, targetText } from './report.js';
import { sleep, summarize, type Summary } from './stats.js';
import { TextSource } from './text.js';

const CHANNELS = 100;
const HISTORY = 1000;

/**
 * How many channels mention the bot at once, and whether each round uses the same channels (a
 * conversation going on: their sessions stay in the store's cache) or the next ones in turn
 * (every session read cold from SQLite, as after a restart or for a channel quiet for long).
 */
interface Level {
  readonly channels: number;
  readonly rotate: boolean;
}

const SAME = 'the same each round (sessions cached)';
const ROTATING = 'the next ones each round (sessions read cold)';
const TOO_MANY = 'the same each round (more than the cache holds)';

/** Which channels a level used, and so whether its sessions were in the store's cache. */
function whichChannels(f: { channels: number; history: number; rotate: boolean }): string {
  if (f.rotate) return ROTATING;
  return f.channels * f.history > DEFAULT_CACHED_MESSAGES ? TOO_MANY : SAME;
}

interface Run {
  readonly model: ModelKind;
  /** Messages stored per session before the run; also the session limit, so it stays there. */
  readonly history: number;
  readonly levels: readonly Level[];
  readonly sustained: boolean;
}

const SAME_AND_ROTATING: readonly Level[] = [
  { channels: 1, rotate: false },
  { channels: 1, rotate: true },
  { channels: 10, rotate: false },
  { channels: 10, rotate: true },
  { channels: 100, rotate: false },
];

const SAME_ONLY: readonly Level[] = [
  { channels: 1, rotate: false },
  { channels: 10, rotate: false },
  { channels: 100, rotate: false },
];

/**
 * The issue's runs (1 000 messages), a short history to show what the history costs, and the
 * floor: discord.js alone replying at once (no store, no model), what any discord.js bot costs.
 */
const RUNS: readonly Run[] = [
  { model: 'fixed', history: HISTORY, levels: SAME_AND_ROTATING, sustained: true },
  { model: 'openai', history: HISTORY, levels: SAME_AND_ROTATING, sustained: true },
  { model: 'fixed', history: 10, levels: [{ channels: 1, rotate: false }, { channels: 10, rotate: false }], sustained: false },
  { model: 'floor', history: 10, levels: SAME_ONLY, sustained: true },
];
/** A smoke run: every code path once, leaving out what only adds samples. */
const QUICK_RUNS: readonly Run[] = [
  { model: 'fixed', history: HISTORY, levels: SAME_AND_ROTATING, sustained: true },
  { model: 'openai', history: HISTORY, levels: [{ channels: 1, rotate: false }, { channels: 10, rotate: false }], sustained: false },
  { model: 'floor', history: 10, levels: SAME_ONLY.slice(0, 2), sustained: false },
];
const MODELS: Record<ModelKind, string> = {
  fixed: 'in-process ChatModel (fixed reply)',
  openai: 'openai SDK → fake OpenAI (stream, no delay)',
  floor: 'no bot: discord.js alone, replying at once (the floor)',
};

interface LevelFigure {
  readonly model: ModelKind;
  readonly history: number;
  readonly channels: number;
  readonly rotate: boolean;
  readonly reply: Summary;
}

interface SustainedFigure {
  readonly model: ModelKind;
  readonly inFlight: number;
  readonly seconds: number;
  readonly answered: number;
  readonly mentionsPerSecond: number;
  /** REST requests the bot made per answered mention (reply, streaming edits, typing if any). */
  readonly requestsPerMention: number;
  /** The same by kind ("POST /typing", "POST /messages", "PATCH /messages/:id"…), per mention. */
  readonly requestKinds: Record<string, number>;
  readonly cpuMsPerMention: number;
  readonly reply: Summary;
}

function roundsFor(run: Run, channels: number, quick: boolean): number {
  // The floor is the baseline for the 1 000-message rows: as many samples as they have.
  const short = run.history !== HISTORY && run.model !== 'floor';
  if (channels === 1) return quick ? 20 : short ? 100 : 150;
  if (channels === 10) return quick ? 3 : short ? 15 : 50;
  return quick ? 1 : 3;
}

/** Rounds of `channels` mentions at once, each round from an idle bot (answers committed). */
async function level(harness: Harness, { channels, rotate }: Level, rounds: number, warmup: number): Promise<Timing[]> {
  const timings: Timing[] = [];
  for (let r = 0; r < warmup + rounds; r += 1) {
    const offset = rotate ? (r * channels) % harness.channels.length : 0;
    const chosen = Array.from({ length: channels }, (_, i) => harness.channels[(offset + i) % harness.channels.length] ?? '');
    await harness.roomFor(channels);
    const sent = await harness.mentionAll(chosen);
    const got = await harness.timings(sent);
    await harness.bot.drain();
    if (r >= warmup) timings.push(...got);
  }
  return timings;
}

/**
 * A closed loop: `inFlight` channels each mention again as soon as their answer arrives. The rate
 * counts answers inside a window after a warm-up; requests and CPU per mention are totals over
 * the whole loop (every mention answered and committed) divided by the mentions, so answers
 * straddling the window's edges cannot skew them.
 */
async function sustained(harness: Harness, model: ModelKind, inFlight: number, quick: boolean): Promise<SustainedFigure> {
  const warmMs = quick ? 300 : 1500;
  const measureMs = quick ? 1500 : 5000;
  await harness.roomFor(GLOBAL_REQUESTS_PER_SECOND);
  const cpuBefore = await harness.bot.usage(false);
  const loopStart = performance.now();
  const pending = new Map<string, number>();
  let mentions = 0;
  const mention = async (channel: string): Promise<void> => {
    pending.set(channel, await harness.mention(channel));
    mentions += 1;
  };
  for (const channel of harness.channels.slice(0, inFlight)) await mention(channel);
  const start = loopStart + warmMs;
  const end = start + measureMs;
  const replies: Timing[] = [];
  while (performance.now() < end) {
    for (const done of harness.answered(pending)) {
      if (performance.now() >= start) replies.push(done);
      await mention(done.channel);
    }
    await sleep(1);
  }
  await harness.timings(pending);
  await harness.bot.drain();
  const cpuAfter = await harness.bot.usage(false);
  const requests = harness.discord.requests.filter((r) => r.at >= loopStart);
  const requestKinds: Record<string, number> = {};
  for (const r of requests) {
    const kind = `${r.method} ${r.path.replace(/^\/channels\/\d+/, '').replace(/\/\d+$/, '/:id') || '/'}`;
    requestKinds[kind] = (requestKinds[kind] ?? 0) + 1 / mentions;
  }
  const cpuMicros = cpuAfter.cpuUserMicros + cpuAfter.cpuSystemMicros - cpuBefore.cpuUserMicros - cpuBefore.cpuSystemMicros;
  return {
    model,
    inFlight,
    seconds: measureMs / 1000,
    answered: replies.length,
    mentionsPerSecond: replies.length / (measureMs / 1000),
    requestsPerMention: requests.length / mentions,
    requestKinds,
    cpuMsPerMention: cpuMicros / 1000 / mentions,
    reply: summarize(replies.map((t) => t.replyMs)),
  };
}

export async function botSection(options: BenchOptions): Promise<SectionResult> {
  const reply = new TextSource(5).answer();
  const levels: LevelFigure[] = [];
  const loops: SustainedFigure[] = [];
  let seedSeconds = 0;
  for (const run of options.quick ? QUICK_RUNS : RUNS) {
    const { model, history } = run;
    const seeded = await seededCopy(CHANNELS, history);
    seedSeconds += seeded.seedSeconds;
    const harness = await Harness.start({ channels: CHANNELS, storeFile: seeded.file, historyLimit: history, model }, reply);
    try {
      for (const at of run.levels) {
        // The first round is a warm-up (for a rotating level it is the channels the level before
        // used); the rotating rounds after it reach channels the store's cache no longer holds
        // (it keeps 20 sessions of 1 000 messages), so each of their sessions is read cold.
        const warmup = at.channels === 100 ? 0 : 1;
        const timings = await level(harness, at, roundsFor(run, at.channels, options.quick), warmup);
        levels.push({
          model,
          history,
          channels: at.channels,
          rotate: at.rotate,
          reply: summarize(timings.map((t) => t.replyMs)),
        });
      }
      if (run.sustained) loops.push(await sustained(harness, model, options.quick ? 20 : 50, options.quick));
    } finally {
      await harness.close();
    }
  }

  const targets: TargetCheck[] = [];
  const floorAt = (channels: number): LevelFigure | undefined => levels.find((f) => f.model === 'floor' && f.channels === channels);
  const rows = levels.map((f) => {
    const floor = f.model === 'floor' ? undefined : floorAt(f.channels);
    const cells = [
      MODELS[f.model],
      f.model === 'floor' ? '—' : count(f.history),
      count(f.channels),
      f.model === 'floor' ? '—' : whichChannels(f),
      ms(f.reply.p50),
      ms(f.reply.p99),
      floor === undefined ? '—' : `+${ms(f.reply.p50 - floor.reply.p50)} / +${ms(f.reply.p99 - floor.reply.p99)}`,
      count(f.reply.n),
    ];
    if (f.model === 'floor') return [...cells, '(no target: what discord.js alone takes)'];
    if (f.history !== HISTORY) return [...cells, '(no target: shows what the history costs)'];
    // The target is for a zero-latency model; the fake OpenAI server shares the benchmark's event
    // loop with the fake Discord and parses each request (the whole context), so its rows show
    // what the SDK path costs in all, not the bot's overhead alone.
    if (f.model === 'openai') return [...cells, '(no target: includes the fake OpenAI server)'];
    const what = `${f.model} model, ${String(f.channels)} channel${f.channels === 1 ? '' : 's'} at once, ${whichChannels(f)}`;
    const p50 = checkTarget(`Bot added latency p50, ${what}`, f.reply.p50, 5, 'ms');
    const p99 = checkTarget(`Bot added latency p99, ${what}`, f.reply.p99, 20, 'ms');
    targets.push(p50, p99);
    return [...cells, `p50 ${targetText(p50)}; p99 ${targetText(p99)}`];
  });
  const latencyTable: Table = {
    title: "Mention → the bot's reply (time from the MESSAGE_CREATE dispatch)",
    columns: ['model', 'stored messages per session', 'channels at once', 'which channels', 'to reply p50', 'to reply p99', 'above the floor p50 / p99', 'mentions', 'target (reply)'],
    rows,
    notes: [
      'The bot runs as its own Node process (compiled, startApp with the real discord.js client and SQLite store); the fake Discord (no simulated latency) and the fake OpenAI server run in the benchmark process. Both models answer a fixed 20–80-word reply at once.',
      `"to reply" is when the first POST /channels/:id/messages (the reply) reached the fake Discord: it stamps requests as they arrive, before handling any of them. The bot shows typing only for an answer that has shown no text after ${String(TYPING_DELAY_MS)} ms; both models here answer at once, so it makes no typing requests. Each round starts idle (previous answers committed) and is paced to fit discord.js's client-side global limit of 50 requests/s.`,
      "Everything runs on one event loop, so mentions at once wait for each other's work: parsing the gateway frame and building discord.js's Message, the question's tokens, the context, the reply's request through discord.js and undici, and later the response, the echoed MESSAGE_CREATE of the reply and the commit.",
      `The store keeps recently used sessions decoded up to ${count(DEFAULT_CACHED_MESSAGES)} messages in all: ${count(DEFAULT_CACHED_MESSAGES / HISTORY)} sessions of ${count(HISTORY)}. "${SAME}": the same channels mention the bot round after round, as in a conversation going on, so their sessions stay cached. "${ROTATING}": the rounds go through all ${count(CHANNELS)} channels in turn, so each mention finds its session evicted and reads it from SQLite (see the engine section's cold rows), as the first mention in a channel after a restart or after a long quiet does: the answer waits only for the pinned and newest chunks its budget can reach; with the cache full of other sessions, the commit after the reply reads the session whole. 100 channels at once (${count(CHANNELS * HISTORY)} messages) cannot all be cached either way, nor can the sustained loop's 50 channels in flight. The 10-message sessions all stay cached.`,
      `"${MODELS.floor}": the same client options and reply as the bot, answering in the MESSAGE_CREATE handler with no session, tokens, context or model: what receiving a mention and replying costs any discord.js bot on this machine. "above the floor" is the bot's row minus the floor's at the same number of channels.`,
      "At 100 channels a round needs 100 replies: discord.js queues everything past the 50th of each second, so most of that latency is Discord's global rate limit, not the bot's work.",
    ],
  };
  const sustainedTable: Table = {
    title: 'Sustained mentions per second (closed loop: each channel mentions again as soon as it is answered)',
    columns: [
      'model',
      'channels in flight',
      'mentions/s',
      'reply p50',
      'reply p99',
      'REST requests per mention',
      `ceiling at ${String(GLOBAL_REQUESTS_PER_SECOND)} requests/s`,
      'bot CPU per mention',
      'CPU ceiling (1 core)',
    ],
    rows: loops.map((l) => [
      MODELS[l.model],
      count(l.inFlight),
      l.mentionsPerSecond.toFixed(1),
      ms(l.reply.p50),
      ms(l.reply.p99),
      `${l.requestsPerMention.toFixed(2)} (${Object.entries(l.requestKinds)
        .map(([kind, n]) => `${kind} ${n.toFixed(2)}`)
        .join(', ')})`,
      `${(GLOBAL_REQUESTS_PER_SECOND / l.requestsPerMention).toFixed(1)}/s`,
      ms(l.cpuMsPerMention),
      `${count(1000 / l.cpuMsPerMention)}/s`,
    ]),
    notes: [
      `discord.js holds a bot to ${String(GLOBAL_REQUESTS_PER_SECOND)} REST requests per second in all. An answer costs its reply (and typing requests when the model takes longer than ${String(TYPING_DELAY_MS)} ms to start); a streamed answer also edits its reply once the rest arrives (the first text is posted at once, later text at most once per editIntervalMs, 1 s), so the limit, not the bot, sets the ceiling here. CPU is the bot process's user + system time over the whole loop per mention; replies wait long because every channel in flight queues for the same REST budget.`,
    ],
  };
  return {
    name: 'bot',
    tables: [latencyTable, sustainedTable],
    targets,
    data: { historyPerSession: HISTORY, replyCharacters: reply.length, levels, sustained: loops, seedSeconds },
  };
}
