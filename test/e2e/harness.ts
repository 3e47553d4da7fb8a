import { join } from 'node:path';
import { type RunningApp, startApp } from '../../src/app.js';
import { type Config, loadConfig } from '../../src/config.js';
import { FakeDiscord, type FakeDiscordOptions, type FakeMessage, type FakeUser } from '../fakes/fake-discord.js';
import { FakeOpenAI, type FakeOpenAIOptions } from '../fakes/fake-openai.js';
import { type CapturedLogs, captureAppLogs } from '../helpers/logs.js';
import { tempDir } from '../helpers/temp.js';

export const GUILD = '100000000000000001';
export const GENERAL = '100000000000000010';
export const RANDOM = '100000000000000011';
export const THREAD = '100000000000000012';
export const DM = '100000000000000013';
export const HELPERS_ROLE = '600000000000000001';

export function channelId(i: number): string {
  return String(100000000000001000n + BigInt(i));
}

export const ada: FakeUser = { id: '200000000000000001', username: 'ada', global_name: 'Ada' };
export const bob: FakeUser = { id: '200000000000000002', username: 'bob', global_name: 'Bob' };

export const DISCORD_TOKEN = 'fake-discord-token-abcdefghijklmnop';
export const OPENAI_KEY = 'sk-fake-openai-key-1234567890';

/** The real bot (real discord.js client, real openai SDK) against both fakes on 127.0.0.1. */
export class World {
  app: RunningApp | undefined;
  logs: CapturedLogs = captureAppLogs([DISCORD_TOKEN, OPENAI_KEY]);

  private constructor(
    readonly discord: FakeDiscord,
    readonly openai: FakeOpenAI,
    readonly dir: ReturnType<typeof tempDir>,
  ) {}

  /**
   * `extraChannels` adds text channels with ids from `channelId(0)` on, for load tests; `discord`
   * and `openai` are passed to the fakes (the contract tests attach their observers there).
   */
  static async create(
    options: { extraChannels?: number; discord?: Omit<FakeDiscordOptions, 'token'>; openai?: Omit<FakeOpenAIOptions, 'apiKeys'> } = {},
  ): Promise<World> {
    const discord = await FakeDiscord.start({ ...options.discord, token: DISCORD_TOKEN });
    const extra = Array.from({ length: options.extraChannels ?? 0 }, (_, i) => ({ id: channelId(i), name: `load-${i}` }));
    discord.addGuild({
      id: GUILD,
      name: 'Test Server',
      channels: [
        { id: GENERAL, name: 'general' },
        { id: RANDOM, name: 'random' },
        ...extra,
      ],
      threads: [{ id: THREAD, name: 'a thread', type: 11, parent_id: GENERAL }],
      roles: [{ id: HELPERS_ROLE, name: 'helpers' }],
    });
    discord.addDmChannel(DM, ada);
    const openai = await FakeOpenAI.start({ ...options.openai, apiKeys: [OPENAI_KEY] });
    return new World(discord, openai, tempDir());
  }

  config(overrides: Record<string, string> = {}): Config {
    return loadConfig({
      DISCORD_TOKEN,
      OPENAI_API_KEY: OPENAI_KEY,
      OPENAI_BASE_URL: this.openai.baseURL,
      OPENAI_MODEL: 'fake-model',
      SYSTEM_PROMPT: 'You are a test bot.',
      DISCORD_API_URL: this.discord.apiUrl,
      STORE_URL: `sqlite://${join(this.dir.path, 'contextcord.sqlite')}`,
      LOG_LEVEL: 'debug',
      USER_RATE_LIMIT: '0', // tests that ask many questions quickly; the limit has its own test
      ...overrides,
    });
  }

  /** The environment a bot process is started with against this world's fakes (as a server owner would set it). */
  processEnv(overrides: Record<string, string> = {}): Record<string, string> {
    return {
      DISCORD_TOKEN,
      OPENAI_API_KEY: OPENAI_KEY,
      OPENAI_BASE_URL: this.openai.baseURL,
      DISCORD_API_URL: this.discord.apiUrl,
      USER_RATE_LIMIT: '0',
      LOG_LEVEL: 'info',
      ...overrides,
    };
  }

  async start(overrides: Record<string, string> = {}, options: { typingDelayMs?: number; commandDeferMs?: number } = {}): Promise<RunningApp> {
    this.app = await startApp(this.config(overrides), { logger: this.logs.logger, editIntervalMs: 30, ...options });
    return this.app;
  }

  async stopBot(): Promise<void> {
    await this.app?.stop();
    this.app = undefined;
  }

  async close(): Promise<void> {
    await this.stopBot();
    await this.discord.close();
    await this.openai.close();
    this.dir.cleanup();
  }

  /** Messages the bot sent in a channel. */
  botMessages(channelId: string): FakeMessage[] {
    return this.discord.messagesIn(channelId).filter((m) => m.author.id === this.discord.botUser.id);
  }

  /** Mentions the bot and waits until the answer is committed (or the failure reply is sent). */
  async ask(channelId: string, content: string, author: FakeUser = ada): Promise<FakeMessage[]> {
    const before = this.botMessages(channelId).length;
    await this.discord.userMessage({ channelId, author, content, mentionBot: channelId !== DM });
    await this.discord.waitFor(() => this.botMessages(channelId).length > before);
    await this.settled();
    return this.botMessages(channelId).slice(before);
  }

  /** Waits until every queued answer has finished (and its round is stored). */
  async settled(): Promise<void> {
    await this.app?.ctx.engine.drain();
  }

  /** Contents of the messages in the n-th request to the model (default: the last). */
  sentToModel(n = -1): string[] {
    const request = this.openai.requests.at(n);
    return (request?.body.messages ?? []).map((m) => `${m.role}: ${String(m.content)}`);
  }
}
