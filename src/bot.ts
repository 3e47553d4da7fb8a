import { Client, Events, GatewayIntentBits, Options, Partials } from 'discord.js';
import { commandsByName } from '../commands/index.js';
import type { AppContext } from './app-context.js';
import { onInteractionCreate } from './events/interaction-create.js';
import { onMessageCreate } from './events/message-create.js';

/** The gateway intents the bot needs, and no more. MessageContent is privileged: enable it in the portal. */
export const INTENTS = [
  GatewayIntentBits.Guilds,
  GatewayIntentBits.GuildMessages,
  GatewayIntentBits.MessageContent,
  GatewayIntentBits.DirectMessages,
];

export function createClient(apiUrl?: string): Client {
  return new Client({
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
    ...(apiUrl === undefined ? {} : { rest: { api: apiUrl } }),
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
