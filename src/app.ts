import { Events } from 'discord.js';
import { TYPING_DELAY_MS } from './adapters/discord/reply-sink.js';
import { gptTokenCounter } from './adapters/gpt-tokenizer.js';
import { KeyPoolChatModel } from './adapters/key-pool-chat-model.js';
import { openSessionStore } from './adapters/store/keyv-session-store.js';
import type { AppContext } from './app-context.js';
import { attachHandlers, createClient, registerCommands } from './bot.js';
import { type Config, promptBudget } from './config.js';
import type { Logger } from './logger.js';
import type { AccessPolicy } from './domain/access.js';
import { SlidingWindowLimiter } from './domain/rate-limit.js';
import type { ChatModel } from './services/chat-model.js';
import { ChatService } from './services/chat-service.js';
import { SessionService } from './services/session-service.js';
import type { SessionStore } from './services/session-store.js';

export interface AppOptions {
  readonly logger: Logger;
  /** Least time between two edits of a streaming reply; Discord allows about one edit a second. */
  readonly editIntervalMs?: number;
  /** How long an answer may take to show text before typing is shown; TYPING_DELAY_MS by default. */
  readonly typingDelayMs?: number;
  /** Replace the model (benchmarks); by default the OpenAI SDK with the configured server. */
  readonly model?: ChatModel;
}

export interface RunningApp {
  readonly ctx: AppContext;
  readonly client: ReturnType<typeof createClient>;
  readonly store: SessionStore;
  stop(): Promise<void>;
}

/** Builds every part from the configuration, logs in, and resolves once the bot is ready. */
export async function startApp(config: Config, options: AppOptions): Promise<RunningApp> {
  const { logger } = options;
  const store = await openSessionStore(config.STORE_URL, logger, { cachedMessages: config.SESSION_CACHE_MESSAGES });
  const sessions = new SessionService(
    store,
    {
      limit: config.HISTORY_LIMIT,
      systemPrompt: config.SYSTEM_PROMPT,
      model: config.OPENAI_MODEL,
      tokenBudget: promptBudget(config),
    },
    { tokens: gptTokenCounter, maxMessageChars: config.MAX_MESSAGE_CHARS, tokenBudget: promptBudget(config), now: Date.now },
  );
  const model =
    options.model ??
    new KeyPoolChatModel({
      apiKeys: config.OPENAI_API_KEY,
      baseURL: config.OPENAI_BASE_URL,
      maxRetries: config.OPENAI_MAX_RETRIES,
      timeoutMs: config.OPENAI_TIMEOUT_MS,
      idleTimeoutMs: config.OPENAI_IDLE_TIMEOUT_MS,
      logger,
    });
  const chat = new ChatService(sessions, model, logger, {
    maxReplyTokens: config.MAX_REPLY_TOKENS,
    maxConcurrent: config.MAX_CONCURRENT_COMPLETIONS,
    userLimiter: config.USER_RATE_LIMIT === 0 ? undefined : new SlidingWindowLimiter(config.USER_RATE_LIMIT, 60_000),
  });
  const access: AccessPolicy = {
    allowedGuildIds: config.ALLOWED_GUILD_IDS ?? new Set(),
    allowedChannelIds: config.ALLOWED_CHANNEL_IDS ?? new Set(),
    allowedRoleIds: config.ALLOWED_ROLE_IDS ?? new Set(),
    blockedUserIds: config.BLOCKED_USER_IDS ?? new Set(),
  };
  const ctx: AppContext = {
    config,
    logger,
    sessions,
    chat,
    access,
    editIntervalMs: options.editIntervalMs ?? 1000,
    typingDelayMs: options.typingDelayMs ?? TYPING_DELAY_MS,
  };

  const client = createClient(config.DISCORD_API_URL);
  attachHandlers(client, ctx);
  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  try {
    await client.login(config.DISCORD_TOKEN);
    await ready;
  } catch (error) {
    await client.destroy();
    await store.close();
    throw error;
  }
  const user = client.user;
  logger.info({ user: user?.tag, id: user?.id, guilds: client.guilds.cache.size }, 'connected to Discord');
  if (config.REGISTER_COMMANDS_ON_START && client.isReady()) {
    const count = await registerCommands(client, config.DISCORD_GUILD_ID);
    logger.info({ count, guild: config.DISCORD_GUILD_ID ?? 'global' }, 'slash commands registered');
  }

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      logger.info('stopping: no new work is taken');
      client.removeAllListeners(Events.MessageCreate);
      client.removeAllListeners(Events.InteractionCreate);
      const timeout = config.SHUTDOWN_TIMEOUT_MS;
      const drained = await Promise.race([
        Promise.all([chat.drain(), sessions.drain()]).then(() => true),
        new Promise<false>((resolve) => setTimeout(() => resolve(false), timeout).unref()),
      ]);
      if (!drained) logger.warn({ timeoutMs: timeout }, 'in-flight answers did not finish in time');
      await client.destroy();
      await store.close();
      logger.info('stopped');
    })();
    return stopping;
  };
  return { ctx, client, store, stop };
}
