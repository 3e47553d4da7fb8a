import { type Client, Events } from 'discord.js';
import { gatewayProblem, watchClient } from './adapters/discord/client-health.js';
import { connectWithin } from './adapters/discord/connect.js';
import { discordRedeliver } from './adapters/discord/redeliver.js';
import { COMMAND_DEFER_MS } from './adapters/discord/command-responder.js';
import { TYPING_DELAY_MS } from './adapters/discord/reply-sink.js';
import { KeyPoolChatModel } from './adapters/key-pool-chat-model.js';
import { ProviderChatModel } from './adapters/provider-chat-model.js';
import { type HealthServer, startHealthServer } from './adapters/metrics/http-server.js';
import { PrometheusMetrics } from './adapters/metrics/prometheus.js';
import { Readiness } from './adapters/metrics/readiness.js';
import type { CachingSessionStore } from './adapters/store/caching-store.js';
import { TimedSessionStore } from './adapters/store/timed-store.js';
import type { AppContext } from './app-context.js';
import { Confirmations } from './engine/confirmations.js';
import { attachHandlers, clientShards, createClient, registerCommands } from './bot.js';
import type { Config } from './config.js';
import type { ChatModel } from './engine/chat-model.js';
import type { Engine } from './engine/engine.js';
import type { SessionStore } from './engine/session-store.js';
import type { Logger } from './logger.js';
import { StartupError } from './startup-errors.js';
import { configuredEngine, configuredModel, configuredPreconditions, configuredStore } from './wiring.js';

/** The key the readiness check asks the store the version of: no channel has it, so it is never stored. */
export const READINESS_KEY = 'contextcord:readiness';

export interface AppOptions {
  readonly logger: Logger;
  /** Least time between two edits of a streaming reply; Discord allows about one edit a second. */
  readonly editIntervalMs?: number;
  /** How long an answer may take to show text before typing is shown; TYPING_DELAY_MS by default. */
  readonly typingDelayMs?: number;
  /** How long a command may take before it is deferred; COMMAND_DEFER_MS by default. */
  readonly commandDeferMs?: number;
  /** Replace the model (benchmarks); by default the OpenAI SDK with the configured server. */
  readonly model?: ChatModel;
  /** Lift discord.js's own 50 REST requests a second (benchmarks against a fake without Discord's limit). */
  readonly globalRequestsPerSecond?: number;
}

export interface RunningApp {
  readonly ctx: AppContext;
  readonly client: ReturnType<typeof createClient>;
  readonly store: SessionStore;
  /** The health and metrics endpoints, when HTTP_PORT is set. */
  readonly http: HealthServer | undefined;
  stop(): Promise<void>;
}

/** Builds every part from the configuration, logs in, and resolves once the bot is ready. */
export async function startApp(config: Config, options: AppOptions): Promise<RunningApp> {
  const { logger } = options;
  const store = await configuredStore(config, logger);
  // Metrics cost nothing unless asked for: without HTTP_PORT nothing observes or times anything.
  const endpoints = config.HTTP_PORT === undefined ? undefined : { host: config.HTTP_HOST, port: config.HTTP_PORT };
  const metrics = endpoints === undefined ? undefined : new PrometheusMetrics();
  const model = options.model ?? configuredModel(config, logger, metrics?.model);
  const engine = configuredEngine(config, {
    store: metrics === undefined ? store : new TimedSessionStore(store, metrics.store),
    model,
    logger,
    preconditions: configuredPreconditions(config),
    observer: metrics?.turns,
  });
  const ctx: AppContext = {
    config,
    logger,
    engine,
    editIntervalMs: options.editIntervalMs ?? 1000,
    typingDelayMs: options.typingDelayMs ?? TYPING_DELAY_MS,
    commandDeferMs: options.commandDeferMs ?? COMMAND_DEFER_MS,
    imports: new Confirmations(),
  };

  const client = createClient(config.DISCORD_API_URL, clientShards(config), options.globalRequestsPerSecond);
  attachHandlers(client, ctx);
  let stopping: Promise<void> | undefined;
  let http: HealthServer | undefined;
  try {
    // Listening before logging in: /healthz answers and /readyz says 503 while the gateway connects.
    if (endpoints !== undefined && metrics !== undefined) {
      const parts = { client, engine, store, model, isStopping: () => stopping !== undefined };
      http = await startEndpoints(endpoints, metrics, parts, logger);
    }
    await connectWithin(client, { token: config.DISCORD_TOKEN, timeoutMs: config.STARTUP_TIMEOUT_MS, apiUrl: config.DISCORD_API_URL });
  } catch (error) {
    await client.destroy();
    await store.close();
    await http?.close();
    throw error;
  }
  const user = client.user;
  logger.info({ user: user?.tag, id: user?.id, guilds: client.guilds.cache.size, shards: client.ws.shards.map((shard) => shard.id), shardCount: client.options.shardCount, pid: process.pid }, 'connected to Discord');
  if (config.REGISTER_COMMANDS_ON_START && client.isReady()) {
    const count = await registerCommands(client, config.DISCORD_GUILD_ID);
    logger.info({ count, guild: config.DISCORD_GUILD_ID ?? 'global' }, 'slash commands registered');
  }

  // Answers a crash left stored but not shown in full: finished in the background, each in its session's turn.
  void engine.keepFinishingPending(
    discordRedeliver(client, (channelId) => {
      const channel = client.channels.cache.get(channelId);
      return channel !== undefined && 'guild' in channel ? channel.guild.preferredLocale : undefined;
    }),
    config.DELIVERY_GRACE_MS,
  );

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
      await http?.close();
      logger.info('stopped');
    })();
    return stopping;
  };
  return { ctx, client, store, http, stop };
}

/**
 * Watches the client, adds the gauges, and serves /healthz, /readyz and /metrics on
 * HTTP_HOST:HTTP_PORT. Ready means the gateway is connected, the store answers, and the bot is not
 * stopping; the store is asked directly, so probes leave the store latency metric alone.
 */
async function startEndpoints(
  where: { readonly host: string; readonly port: number },
  metrics: PrometheusMetrics,
  parts: { client: Client; engine: Engine; store: CachingSessionStore; model: ChatModel; isStopping: () => boolean },
  logger: Logger,
): Promise<HealthServer> {
  const { client, engine, store, model } = parts;
  watchClient(client, metrics.discord);
  metrics.gauges({ engine, cache: store, keysAlive: model instanceof KeyPoolChatModel || model instanceof ProviderChatModel ? () => model.liveKeys : undefined });
  const readiness = new Readiness(
    {
      gateway: () => (parts.isStopping() ? 'the bot is stopping' : gatewayProblem(client)),
      store: async () => {
        await store.version(READINESS_KEY);
        return undefined;
      },
    },
    logger,
  );
  const { host, port } = where;
  try {
    return await startHealthServer({ host, port, ready: () => readiness.check(), metrics: () => metrics.scrape(), logger });
  } catch (error) {
    throw new StartupError({ kind: 'http-listen', host, port }, { cause: error });
  }
}
