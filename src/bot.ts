import { Client, type ClientOptions, Events, GatewayIntentBits, Options, Partials } from 'discord.js';
import { commandsByName } from '../commands/index.js';
import type { AppContext } from './app-context.js';
import type { Config } from './config.js';
import { onInteractionCreate } from './events/interaction-create.js';
import { onMessageCreate } from './events/message-create.js';

/** The gateway intents the bot needs, and no more. MessageContent is privileged: enable it in the portal. */
export const INTENTS = [
  GatewayIntentBits.Guilds,
  GatewayIntentBits.GuildMessages,
  GatewayIntentBits.MessageContent,
  GatewayIntentBits.DirectMessages,
];

/** The shards a client runs, always given: left out, discord.js reads SHARDS and SHARD_COUNT from the environment itself. */
export type ClientShards = Required<Pick<ClientOptions, 'shards' | 'shardCount'>>;

/** One shard of one: every server and DM on one gateway connection. */
export const SINGLE_SHARD: ClientShards = { shards: [0], shardCount: 1 };

/**
 * The shards this process runs: those of SHARD_IDS, else every shard of SHARD_COUNT (`auto`: as
 * many as Discord recommends, which discord.js asks GET /gateway/bot for).
 */
export function clientShards(config: Pick<Config, 'SHARD_COUNT' | 'SHARD_IDS'>): ClientShards {
  const count = config.SHARD_COUNT;
  // discord.js replaces shardCount with Discord's recommendation when shards is 'auto'.
  if (count === 'auto') return { shards: 'auto', shardCount: 1 };
  return { shards: [...(config.SHARD_IDS ?? Array.from({ length: count }, (_, id) => id))], shardCount: count };
}

/**
 * `globalRequestsPerSecond`: the REST budget discord.js holds this process to (Discord's 50 a second
 * by default); only benchmarks against a fake without that limit lift it.
 */
export function createClient(apiUrl?: string, shards: ClientShards = SINGLE_SHARD, globalRequestsPerSecond?: number): Client {
  return new Client({
    ...shards,
    intents: INTENTS,
    // DM channels are not cached up front; without this partial, DMs never reach messageCreate.
    partials: [Partials.Channel],
    // The bot never looks messages or members up in discord.js's caches (sessions hold what it
    // needs), so it keeps a few per channel instead of 200. Members stay cached for a while because
    // message.member (display names, roles for ALLOWED_ROLE_IDS) is read from that cache.
    makeCache: Options.cacheWithLimits({
      ...Options.DefaultMakeCacheSettings,
      MessageManager: 25,
      GuildMemberManager: { maxSize: 500, keepOverLimit: (member) => member.id === member.client.user.id },
      PresenceManager: 0,
      ReactionManager: 0,
      GuildEmojiManager: 0,
      GuildStickerManager: 0,
      VoiceStateManager: 0,
    }),
    allowedMentions: { parse: [], repliedUser: true },
    rest: {
      ...(apiUrl === undefined ? {} : { api: apiUrl }),
      ...(globalRequestsPerSecond === undefined ? {} : { globalRequestsPerSecond }),
    },
  });
}

/** Wires the gateway events to the services. Handler errors are logged, never thrown into discord.js. */
export function attachHandlers(client: Client, ctx: AppContext): void {
  const onMessage = onMessageCreate(ctx);
  const onInteraction = onInteractionCreate(ctx, commandsByName);
  client.on(Events.MessageCreate, (message) => {
    onMessage(message).catch((error: unknown) =>
      ctx.logger.error({ err: error, message: message.id, session: message.channelId }, 'message handler failed'),
    );
  });
  client.on(Events.InteractionCreate, (interaction) => {
    onInteraction(interaction).catch((error: unknown) =>
      ctx.logger.error({ err: error, interaction: interaction.id }, 'interaction handler failed'),
    );
  });
  client.on(Events.Error, (error) => ctx.logger.error({ err: error }, 'discord client error'));
  client.on(Events.Warn, (warning) => ctx.logger.warn({ warning }, 'discord client warning'));
  client.on(Events.ShardDisconnect, (event, shard) => ctx.logger.warn({ code: event.code, shard }, 'gateway disconnected'));
  client.on(Events.ShardResume, (shard, replayed) => ctx.logger.info({ shard, replayed }, 'gateway resumed'));
}

/** Registers the slash commands: to one guild when given (instant), else globally. */
export async function registerCommands(client: Client<true>, guildId?: string): Promise<number> {
  const body = [...commandsByName.values()].map((c) => c.data.toJSON());
  if (guildId === undefined) await client.application.commands.set(body);
  else await client.application.commands.set(body, guildId);
  return body.length;
}
