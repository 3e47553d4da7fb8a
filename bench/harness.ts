/**
 * The real bot (startApp, in a child process) against the fake Discord (and, when asked, the fake
 * OpenAI server) in this process: mentions go out as gateway MESSAGE_CREATE dispatches, and the
 * bot's REST calls are read back from `fake.requests` with their arrival times.
 */
import { FakeDiscord, type FakeUser } from '../test/fakes/fake-discord.js';
import { FakeOpenAI } from '../test/fakes/fake-openai.js';
import { BotProcess, startScriptLaunch } from './child.js';
import { channelId } from './fixtures.js';
import { sleep } from './stats.js';
import { TextSource } from './text.js';

const GUILD = '1290000000000000001';
/** discord.js holds every bot to Discord's global limit of 50 requests per second, client-side. */
export const GLOBAL_REQUESTS_PER_SECOND = 50;

/** fixed: the bot with an in-process model; openai: the bot with the SDK → fake OpenAI; floor: discord.js alone. */
export type ModelKind = 'fixed' | 'openai' | 'floor';

export interface HarnessOptions {
  readonly channels: number;
  readonly storeFile: string;
  readonly historyLimit?: number;
  readonly model: ModelKind;
}

/** When the bot's reply to one mention reached the fake. */
export interface Timing {
  readonly channel: string;
  readonly sentAt: number;
  readonly replyMs: number;
}

/**
 * Many distinct people, so the bot's per-user rate limit (USER_RATE_LIMIT, 6 a minute by default)
 * never refuses a benchmark mention: 1 000 users share the load at well under 6 a minute each.
 */
const USERS: FakeUser[] = Array.from({ length: 1000 }, (_, i) => ({
  id: (1_210_000_000_000_000_000n + BigInt(i)).toString(),
  username: `user${String(i)}`,
  global_name: `User ${String(i)}`,
}));

export class Harness {
  readonly channels: readonly string[];
  private readonly text = new TextSource(41);
  private authorTurn = 0;
  private requestCursor = 0;
  /** channel → arrival times of POST messages (replies) not yet matched to a mention. */
  private readonly seen = new Map<string, number[]>();

  private constructor(
    readonly discord: FakeDiscord,
    readonly openai: FakeOpenAI | undefined,
    readonly bot: BotProcess,
    channels: readonly string[],
  ) {
    this.channels = channels;
  }

  static async start(options: HarnessOptions, reply: string): Promise<Harness> {
    const discord = await FakeDiscord.start();
    const channels = Array.from({ length: options.channels }, (_, i) => channelId(i));
    discord.addGuild({ id: GUILD, name: 'bench', channels: channels.map((id, i) => ({ id, name: `bench-${String(i)}` })) });
    let openai: FakeOpenAI | undefined;
    try {
      if (options.model === 'openai') {
        openai = await FakeOpenAI.start({ chunkDelayMs: 0 });
        openai.setResponder(() => reply);
      }
      const bot = await BotProcess.start({
        DISCORD_TOKEN: discord.token,
        DISCORD_API_URL: discord.apiUrl,
        OPENAI_API_KEY: 'bench-key',
        ...(openai === undefined ? {} : { OPENAI_BASE_URL: openai.baseURL }),
        STORE_URL: `sqlite://${options.storeFile}`,
        HISTORY_LIMIT: String(options.historyLimit ?? 100),
        LOG_LEVEL: 'warn',
        BENCH_MODEL: options.model,
        BENCH_REPLY: reply,
      }, startScriptLaunch());
      return new Harness(discord, openai, bot, channels);
    } catch (error) {
      await openai?.close();
      await discord.close();
      throw error;
    }
  }

  /** A user mentions the bot in `channel`; returns when the dispatch was made (performance.now()). */
  async mention(channel: string): Promise<number> {
    const author = USERS[this.authorTurn++ % USERS.length] ?? USERS[0]!;
    const content = this.text.question();
    const sentAt = performance.now();
    await this.discord.userMessage({ channelId: channel, author, content, mentionBot: true });
    return sentAt;
  }

  /** Mentions in every one of `channels` at once (dispatched back to back). */
  async mentionAll(channels: readonly string[]): Promise<Map<string, number>> {
    const sent = new Map<string, number>();
    await Promise.all(
      channels.map((channel) => {
        const at = this.mention(channel);
        return at.then((t) => sent.set(channel, t));
      }),
    );
    return sent;
  }

  /** Reads requests that arrived since the last call into per-channel queues. */
  private collect(): void {
    const requests = this.discord.requests;
    for (; this.requestCursor < requests.length; this.requestCursor += 1) {
      const request = requests[this.requestCursor];
      if (request?.method !== 'POST') continue;
      const channel = /^\/channels\/(\d+)\/messages$/.exec(request.path)?.[1];
      if (channel === undefined) continue;
      const replies = this.seen.get(channel) ?? [];
      replies.push(request.at);
      this.seen.set(channel, replies);
    }
  }

  /**
   * The mentions in `pending` (channel → sent at) whose reply has arrived; they are removed from
   * `pending`. Does not wait.
   */
  answered(pending: Map<string, number>): Timing[] {
    this.collect();
    const out: Timing[] = [];
    for (const [channel, sentAt] of pending) {
      const replies = this.seen.get(channel) ?? [];
      const reply = replies.find((t) => t >= sentAt);
      if (reply === undefined) continue;
      this.seen.set(channel, replies.filter((t) => t > reply));
      pending.delete(channel);
      out.push({ channel, sentAt, replyMs: reply - sentAt });
    }
    return out;
  }

  /** Waits for the reply that answers each mention in `sent`. */
  async timings(sent: ReadonlyMap<string, number>, timeoutMs = 60_000): Promise<Timing[]> {
    const deadline = performance.now() + timeoutMs;
    const pending = new Map(sent);
    const out: Timing[] = [];
    for (;;) {
      out.push(...this.answered(pending));
      if (pending.size === 0) return out;
      if (performance.now() > deadline) {
        throw new Error(`only ${String(out.length)} of ${String(sent.size)} mentions were answered within ${String(timeoutMs)} ms`);
      }
      await sleep(1);
    }
  }

  /** Requests (of any kind) that reached the fake within the last `windowMs`. */
  recentRequests(windowMs: number): number {
    const since = performance.now() - windowMs;
    let n = 0;
    const requests = this.discord.requests;
    for (let i = requests.length - 1; i >= 0; i -= 1) {
      const at = requests[i]?.at ?? 0;
      if (at < since) break;
      n += 1;
    }
    return n;
  }

  /**
   * Waits until `needed` more requests fit under the client's global limit, so a round measures
   * the bot, not the wait for the previous round's window. A round needing more than the limit
   * waits for a quiet second instead (it will meet the limit by itself).
   */
  async roomFor(needed: number): Promise<void> {
    const windowMs = 1050;
    const allowed = Math.max(0, GLOBAL_REQUESTS_PER_SECOND - Math.min(needed, GLOBAL_REQUESTS_PER_SECOND));
    while (this.recentRequests(windowMs) > allowed) await sleep(5);
  }

  async close(): Promise<void> {
    await this.bot.stop();
    await this.openai?.close();
    await this.discord.close();
  }
}
