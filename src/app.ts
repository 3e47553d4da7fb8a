import { Events } from 'discord.js';
import { TYPING_DELAY_MS } from './adapters/discord/reply-sink.js';
import { openSessionStore } from './adapters/store/keyv-session-store.js';
import type { AppContext } from './app-context.js';
import { attachHandlers, createClient, registerCommands } from './bot.js';
import type { Config } from './config.js';
import type { ChatModel } from './engine/chat-model.js';
import type { SessionStore } from './engine/session-store.js';
import type { Logger } from './logger.js';
import { configuredEngine, configuredModel, configuredPreconditions } from './wiring.js';

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
  const engine = configuredEngine(config, {
    store,
    model: options.model ?? configuredModel(config, logger),
    logger,
    preconditions: configuredPreconditions(config),
  });
  const ctx: AppContext = {
    config,
    logger,
    engine,
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
        engine.drain().then(() => true),
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
