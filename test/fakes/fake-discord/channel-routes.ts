/**
 * Bot-token REST routes: gateway discovery, users and DMs, application commands, guilds,
 * channels and their messages. Each answers with Discord's JSON and Discord's errors.
 */
import type { RESTGetAPICurrentUserResult, RESTGetAPIGatewayBotResult } from 'discord-api-types/v10';
import { parseMessageBody, sendableFlags } from './message-rules.js';
import type { Messaging } from './messaging.js';
import { noContent, ok, type RestContext, type RestResult, type Route } from './rest-server.js';
import { errors, formError, isRecord, recordOrEmpty } from './wire.js';
import { DISCORD_LOCALES, type FakeWorld, type StoredChannel, type StoredMessage, userToApi } from './world.js';

export interface CommandScope {
  /** As the bot sent them (PUT replaces, POST upserts by name). */
  bodies: Array<Record<string, unknown>>;
  /** As Discord stores and returns them (ids stay stable per name). */
  commands: Array<Record<string, unknown>>;
}

export interface ChannelRoutesHost {
  readonly world: FakeWorld;
  readonly messaging: Messaging;
  readonly applicationId: string;
  gatewayUrl(): string;
  recommendedShards(): number;
  /** 'global' or a guild id. */
  readonly commandScopes: Map<string, CommandScope>;
  applicationJson(): Record<string, unknown>;
}

export function channelRoutes(host: ChannelRoutesHost): Route[] {
  const { world } = host;
  const channelOf = (ctx: RestContext): StoredChannel => {
    const channel = world.channels.get(ctx.params['channel'] ?? '');
    if (!channel) throw errors.unknownChannel();
    return channel;
  };
  const messageOf = (ctx: RestContext, channel: StoredChannel): StoredMessage => {
    const message = world.findMessage(channel, ctx.params['message'] ?? '');
    if (!message) throw errors.unknownMessage();
    return message;
  };
  const guildOf = (ctx: RestContext) => {
    const guild = world.guilds.get(ctx.params['guild'] ?? '');
    if (!guild) throw errors.unknownGuild();
    return guild;
  };
  const ownApplication = (ctx: RestContext): void => {
    if (ctx.params['app'] !== host.applicationId) throw errors.missingAccess();
  };

  return [
    { method: 'GET', path: '/gateway', auth: false, handle: () => ok({ url: host.gatewayUrl() }) },
    {
      method: 'GET',
      path: '/gateway/bot',
      auth: true,
      handle: () =>
        ok({
          url: host.gatewayUrl(),
          shards: host.recommendedShards(),
          session_start_limit: { total: 1000, remaining: 999, reset_after: 14_400_000, max_concurrency: 1 },
        } satisfies RESTGetAPIGatewayBotResult),
    },
    {
      method: 'GET',
      path: '/users/@me',
      auth: true,
      handle: () => ok({ ...userToApi(world.botUser), verified: true, mfa_enabled: false, locale: 'en-US' } satisfies RESTGetAPICurrentUserResult),
    },
    {
      method: 'POST',
      path: '/users/@me/channels',
      auth: true,
      handle: (ctx) => {
        const recipientId = recordOrEmpty(ctx.body)['recipient_id'];
        if (typeof recipientId !== 'string') throw formError(['recipient_id'], 'BASE_TYPE_REQUIRED', 'This field is required');
        const user = world.users.get(recipientId);
        if (!user) throw errors.unknownUser();
        const channel = world.dmChannelWith(user.id) ?? world.addDmChannel(world.ids.next(), user);
        return ok(world.channelJson(channel));
      },
    },
    {
      method: 'GET',
      path: '/users/:user',
      auth: true,
      handle: (ctx) => {
        const user = world.users.get(ctx.params['user'] ?? '');
        if (!user) throw errors.unknownUser();
        return ok(userToApi(user));
      },
    },
    { method: 'GET', path: '/applications/@me', auth: true, handle: () => ok(host.applicationJson()) },

    ...commandRoutes(host, '/applications/:app/commands', (ctx) => {
      ownApplication(ctx);
      return 'global';
    }),
    ...commandRoutes(host, '/applications/:app/guilds/:guild/commands', (ctx) => {
      ownApplication(ctx);
      // Discord answers a guild the bot is not in with Missing Access, not Unknown Guild.
      if (!world.guilds.has(ctx.params['guild'] ?? '')) throw errors.missingAccess();
      return ctx.params['guild'] ?? '';
    }),

    { method: 'GET', path: '/guilds/:guild', auth: true, handle: (ctx) => ok(world.guildJson(guildOf(ctx))) },
    {
      method: 'GET',
      path: '/guilds/:guild/channels',
      auth: true,
      handle: (ctx) => {
        const guild = guildOf(ctx);
        return ok(guild.channelIds.map((id) => world.channels.get(id)).filter((c) => c !== undefined).map((c) => world.channelJson(c)));
      },
    },
    { method: 'GET', path: '/guilds/:guild/roles', auth: true, handle: (ctx) => ok(guildOf(ctx).roles.map((r) => world.roleJson(r))) },
    {
      method: 'GET',
      path: '/guilds/:guild/members/:user',
      auth: true,
      handle: (ctx) => {
        const member = world.memberJson(guildOf(ctx).id, ctx.params['user'] ?? '', true);
        if (!member) throw errors.unknownMember();
        return ok(member);
      },
    },

    { method: 'GET', path: '/channels/:channel', auth: true, handle: (ctx) => ok(world.channelJson(channelOf(ctx))) },
    { method: 'POST', path: '/channels/:channel/typing', auth: true, handle: (ctx) => (channelOf(ctx), noContent()) },
    {
      method: 'GET',
      path: '/channels/:channel/messages',
      auth: true,
      handle: (ctx) => ok(listMessages(channelOf(ctx), ctx.query).map((m) => m.payload)),
    },
    { method: 'POST', path: '/channels/:channel/messages', auth: true, handle: (ctx) => sendMessage(host, channelOf(ctx), ctx) },
    {
      method: 'GET',
      path: '/channels/:channel/messages/:message',
      auth: true,
      handle: (ctx) => ok(messageOf(ctx, channelOf(ctx)).payload),
    },
    {
      method: 'PATCH',
      path: '/channels/:channel/messages/:message',
      auth: true,
      handle: async (ctx) => {
        const message = messageOf(ctx, channelOf(ctx));
        if (message.author.id !== world.botUser.id) throw errors.cannotEditOthers();
        const parsed = parseMessageBody(ctx.body);
        const flags = parsed.flags === undefined ? undefined : sendableFlags(parsed.flags, false);
        host.messaging.editBotMessage(message, parsed, ctx.files, flags);
        await host.messaging.dispatchMessage('MESSAGE_UPDATE', message);
        return ok(message.payload);
      },
    },
    {
      method: 'DELETE',
      path: '/channels/:channel/messages/:message',
      auth: true,
      handle: async (ctx) => {
        const channel = channelOf(ctx);
        const message = messageOf(ctx, channel);
        if (channel.type === 1 && message.author.id !== world.botUser.id) throw errors.cannotActOnDm();
        message.deleted = true;
        await host.messaging.dispatchDelete(message);
        return noContent();
      },
    },
  ];
}

async function sendMessage(host: ChannelRoutesHost, channel: StoredChannel, ctx: RestContext): Promise<RestResult> {
  const body = parseMessageBody(ctx.body);
  const nonceKey = body.enforceNonce === true && body.nonce !== undefined ? String(body.nonce) : undefined;
  const previous = nonceKey === undefined ? undefined : channel.nonces.get(nonceKey);
  // enforce_nonce: a retried send returns the message the first attempt created.
  if (previous) return ok(previous.payload);

  let reference: StoredMessage | undefined;
  const ref = body.messageReference;
  if (ref !== undefined) {
    if (ref['type'] === 1) throw new Error('fake-discord does not implement message forwards (message_reference.type 1)');
    const refChannelId = typeof ref['channel_id'] === 'string' ? ref['channel_id'] : channel.id;
    if (refChannelId !== channel.id) {
      throw formError(['message_reference'], 'REPLIES_CANNOT_REFERENCE_OTHER_CHANNEL', 'Cannot reply to a message in a different channel');
    }
    reference = host.world.findMessage(channel, typeof ref['message_id'] === 'string' ? ref['message_id'] : '');
    // With fail_if_not_exists: false Discord sends a plain message instead.
    if (!reference && ref['fail_if_not_exists'] !== false) {
      throw formError(['message_reference'], 'MESSAGE_REFERENCE_UNKNOWN_MESSAGE', 'Unknown message');
    }
  }

  const message = host.messaging.createBotMessage({
    channel,
    body,
    files: ctx.files,
    flags: sendableFlags(body.flags, false),
    ...(reference !== undefined && { reference }),
  });
  if (nonceKey !== undefined) channel.nonces.set(nonceKey, message);
  await host.messaging.dispatchMessage('MESSAGE_CREATE', message);
  return ok(message.payload);
}

function snowflakeParam(query: URLSearchParams, name: string): bigint | undefined {
  const value = query.get(name);
  if (value === null) return undefined;
  if (!/^\d{1,20}$/.test(value)) throw formError([name], 'NUMBER_TYPE_COERCE', `Value "${value}" is not snowflake.`);
  return BigInt(value);
}

/** GET messages: newest first, `limit` 1–100 (default 50), one of before/after/around. */
function listMessages(channel: StoredChannel, query: URLSearchParams): StoredMessage[] {
  const rawLimit = query.get('limit');
  const limit = rawLimit === null ? 50 : Number(rawLimit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    throw formError(['limit'], 'NUMBER_TYPE_MAX', 'int value should be less than or equal to 100.');
  }
  const before = snowflakeParam(query, 'before');
  const after = snowflakeParam(query, 'after');
  const around = snowflakeParam(query, 'around');
  const live = channel.messages.filter((m) => m.deleted !== true);
  const newestFirst = [...live].reverse();
  if (around !== undefined) {
    const older = newestFirst.filter((m) => BigInt(m.id) <= around).slice(0, Math.ceil(limit / 2));
    const newer = live.filter((m) => BigInt(m.id) > around).slice(0, Math.floor(limit / 2)).reverse();
    return [...newer, ...older];
  }
  if (after !== undefined) return live.filter((m) => BigInt(m.id) > after).slice(0, limit).reverse();
  const candidates = before === undefined ? newestFirst : newestFirst.filter((m) => BigInt(m.id) < before);
  return candidates.slice(0, limit);
}

/** Discord's rule for command and option names, in every language (lower case where the script has case). */
const COMMAND_NAME = /^[-_\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;

function checkName(name: unknown, lowerCase: boolean, path: Array<string | number>): void {
  if (typeof name !== 'string' || !COMMAND_NAME.test(name) || (lowerCase && name !== name.toLowerCase())) {
    throw formError(path, 'APPLICATION_COMMAND_INVALID_NAME', 'Command name is invalid');
  }
}

/** `name_localizations` / `description_localizations`: keyed by Discord's locales, each value held to the same rule. */
function checkLocalizations(raw: unknown, path: Array<string | number>, check: (value: unknown, path: Array<string | number>) => void): void {
  if (raw === undefined || raw === null) return;
  if (!isRecord(raw)) throw formError(path, 'MODEL_TYPE_CONVERT', 'Only dictionaries may be used in a ModelType');
  for (const [locale, value] of Object.entries(raw)) {
    if (!DISCORD_LOCALES.has(locale)) throw formError([...path, locale], 'BASE_TYPE_CHOICES', `Value must be one of ${JSON.stringify([...DISCORD_LOCALES])}.`);
    check(value, [...path, locale]);
  }
}

function commandRoutes(host: ChannelRoutesHost, path: string, scopeOf: (ctx: RestContext) => string): Route[] {
  const scope = (key: string): CommandScope => {
    let found = host.commandScopes.get(key);
    if (!found) {
      found = { bodies: [], commands: [] };
      host.commandScopes.set(key, found);
    }
    return found;
  };
  const stored = (key: string, body: Record<string, unknown>, previous: Array<Record<string, unknown>>): Record<string, unknown> => {
    const same = previous.find((c) => c['name'] === body['name'] && (c['type'] ?? 1) === (body['type'] ?? 1));
    const json: Record<string, unknown> = {
      id: same?.['id'] ?? host.world.ids.next(),
      application_id: host.applicationId,
      version: host.world.ids.next(),
      type: 1,
      description: '',
      default_member_permissions: null,
      nsfw: false,
      integration_types: [0],
      contexts: null,
      ...body,
    };
    if (key !== 'global') json['guild_id'] = key;
    return json;
  };
  return [
    { method: 'GET', path, auth: true, handle: (ctx) => ok(scope(scopeOf(ctx)).commands) },
    {
      method: 'PUT',
      path,
      auth: true,
      handle: (ctx) => {
        const key = scopeOf(ctx);
        if (!Array.isArray(ctx.body)) throw formError([], 'BASE_TYPE_ARRAY', 'Must be an array.');
        const bodies = ctx.body.map((item: unknown, i) => validateCommand(item, [i]));
        const names = new Set<string>();
        bodies.forEach((b, i) => {
          const key2 = `${JSON.stringify(b['type'] ?? 1)}:${JSON.stringify(b['name'])}`;
          if (names.has(key2)) throw formError([i, 'name'], 'APPLICATION_COMMANDS_DUPLICATE_NAME', 'Application command names must be unique');
          names.add(key2);
        });
        const target = scope(key);
        const commands = bodies.map((b) => stored(key, b, target.commands));
        target.bodies = bodies;
        target.commands = commands;
        return ok(commands);
      },
    },
    {
      method: 'POST',
      path,
      auth: true,
      handle: (ctx) => {
        const key = scopeOf(ctx);
        const body = validateCommand(ctx.body, []);
        const target = scope(key);
        const command = stored(key, body, target.commands);
        const existing = target.commands.findIndex((c) => c['id'] === command['id']);
        if (existing >= 0) {
          target.commands[existing] = command;
          target.bodies[existing] = body;
          return ok(command);
        }
        target.commands.push(command);
        target.bodies.push(body);
        return ok(command, 201);
      },
    },
  ];
}

/** The checks Discord makes that a bot's command definitions most often fail. */
function validateCommand(raw: unknown, path: Array<string | number>): Record<string, unknown> {
  if (!isRecord(raw)) throw formError(path, 'MODEL_TYPE_CONVERT', 'Only dictionaries may be used in a ModelType');
  const type = raw['type'] ?? 1;
  checkName(raw['name'], type === 1, [...path, 'name']);
  checkLocalizations(raw['name_localizations'], [...path, 'name_localizations'], (n, at) => {
    checkName(n, type === 1, at);
  });
  if (type === 1) {
    checkDescription(raw['description'], [...path, 'description']);
    checkLocalizations(raw['description_localizations'], [...path, 'description_localizations'], checkDescription);
  }
  validateOptions(raw['options'], [...path, 'options']);
  return raw;
}

function checkDescription(description: unknown, path: Array<string | number>): void {
  if (typeof description !== 'string') throw formError(path, 'BASE_TYPE_REQUIRED', 'This field is required');
  const length = [...description].length;
  if (length < 1 || length > 100) throw formError(path, 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
}

function validateOptions(raw: unknown, path: Array<string | number>): void {
  if (raw === undefined || raw === null) return;
  if (!Array.isArray(raw)) throw formError(path, 'BASE_TYPE_ARRAY', 'Must be an array.');
  if (raw.length > 25) throw formError(path, 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
  let sawOptional = false;
  raw.forEach((option: unknown, i) => {
    const at = [...path, i];
    if (!isRecord(option)) throw formError(at, 'MODEL_TYPE_CONVERT', 'Only dictionaries may be used in a ModelType');
    checkName(option['name'], true, [...at, 'name']);
    checkLocalizations(option['name_localizations'], [...at, 'name_localizations'], (n, where) => {
      checkName(n, true, where);
    });
    checkDescription(option['description'], [...at, 'description']);
    checkLocalizations(option['description_localizations'], [...at, 'description_localizations'], checkDescription);
    if (option['required'] === true && sawOptional) {
      throw formError(at, 'APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID', 'Required options must be placed before non-required options');
    }
    if (option['required'] !== true) sawOptional = true;
    const choices = option['choices'];
    if (Array.isArray(choices) && choices.length > 25) throw formError([...at, 'choices'], 'BASE_TYPE_MAX_LENGTH', 'Must be 25 or fewer in length.');
    if (Array.isArray(choices)) {
      choices.forEach((choice: unknown, j) => {
        const where = [...at, 'choices', j];
        if (!isRecord(choice)) throw formError(where, 'MODEL_TYPE_CONVERT', 'Only dictionaries may be used in a ModelType');
        checkDescription(choice['name'], [...where, 'name']);
        checkLocalizations(choice['name_localizations'], [...where, 'name_localizations'], checkDescription);
      });
    }
    validateOptions(option['options'], [...at, 'options']);
  });
}
