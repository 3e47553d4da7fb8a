import { Events } from 'discord.js';
import { connectWithin } from './adapters/discord/connect.js';
import { TYPING_DELAY_MS } from './adapters/discord/reply-sink.js';
import type { AppContext } from './app-context.js';
import { attachHandlers, createClient, registerCommands } from './bot.js';
import type { Config } from './config.js';
import type { ChatModel } from './engine/chat-model.js';
import type { SessionStore } from './engine/session-store.js';
import type { Logger } from './logger.js';
import { configuredEngine, configuredModel, configuredPreconditions, configuredStore } from './wiring.js';

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
  const store = await configuredStore(config, logger);
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
  try {
    await connectWithin(client, { token: config.DISCORD_TOKEN, timeoutMs: config.STARTUP_TIMEOUT_MS, apiUrl: config.DISCORD_API_URL });
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
      const graceMs = config.SHUTDOWN_TIMEOUT_MS;
      logger.info({ graceMs }, 'stopping: new questions are told to ask again; answers under way get the grace');
      // Mentions keep arriving until the client is gone: the engine answers them that it is restarting.
      const finished = await engine.stop(graceMs);
      if (!finished) logger.warn({ graceMs }, 'answers still under way were cut off; their askers were told and nothing of them was stored');
      client.removeAllListeners(Events.MessageCreate);
      client.removeAllListeners(Events.InteractionCreate);
      await client.destroy();
      await store.close();
      logger.info('stopped');
    })();
    return stopping;
  };
  return { ctx, client, store, stop };
}
