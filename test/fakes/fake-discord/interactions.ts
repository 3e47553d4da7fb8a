/**
 * Slash-command interactions: the INTERACTION_CREATE payload, the callback endpoint with
 * Discord's acknowledgement rules (once, within the ack window), and the interaction webhook
 * (@original edits, follow-ups) — including the rule that the first follow-up after a deferral
 * fills in the "thinking…" message instead of posting a new one.
 */
import {
  type APIApplicationCommandInteractionDataBasicOption,
  type APIApplicationCommandInteractionDataOption,
  type APIChatInputApplicationCommandDMInteraction,
  type APIChatInputApplicationCommandGuildInteraction,
  type APIChatInputApplicationCommandInteraction,
  type APIChatInputApplicationCommandInteractionData,
  type APIInteractionDataResolved,
  type APIInteractionDataResolvedChannel,
  type APIInteractionDataResolvedGuildMember,
  type APIAttachment,
  type APIMessageComponentButtonInteraction,
  ComponentType,
  type APIRole,
  type APIUser,
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ApplicationIntegrationType,
  ChannelType,
  InteractionContextType,
  InteractionType,
  Locale,
} from 'discord-api-types/v10';
import { parseMessageBody, sendableFlags } from './message-rules.js';
import type { Messaging } from './messaging.js';
import { noContent, ok, type RestContext, type RestResult, type Route } from './rest-server.js';
import type { FakeCommandInput, FakeCommandOption, FakeInteraction, FakeInteractionReply, FakeUser } from './types.js';
import { DiscordHttpError, errors, formError, isRecord, recordOrEmpty } from './wire.js';
import { ALL_PERMISSIONS, discordLocale, type FakeWorld, type StoredChannel, type StoredMessage, userToApi } from './world.js';

const EPHEMERAL = 64;
/** Callback type 8: the answer to an autocomplete, and the only one such an interaction takes. */
const AUTOCOMPLETE_RESULT = 8;
/** Discord shows at most 25 suggestions, each named and valued in 1-100 characters. */
const MAX_CHOICES = 25;
const MAX_CHOICE_LENGTH = 100;
const LOADING = 128;
/** Interaction tokens work for 15 minutes. */
const TOKEN_LIFETIME_MS = 15 * 60 * 1000;

export class InteractionRecord implements FakeInteraction {
  readonly callbacks: Array<{ type: number; data?: Record<string, unknown> }> = [];
  readonly edits: Array<Record<string, unknown>> = [];
  readonly followUps: Array<Record<string, unknown>> = [];
  readonly messages: StoredMessage[] = [];
  /** The original response (type 4 reply or type 5 "thinking" message). */
  original: StoredMessage | undefined;
  /** Follow-ups that became messages of their own. */
  readonly separateFollowUps: StoredMessage[] = [];
  acknowledged = false;

  constructor(
    readonly id: string,
    readonly token: string,
    /** Date.now() when INTERACTION_CREATE was dispatched; the ack window starts here. */
    readonly dispatchedAt: number,
    readonly channel: StoredChannel,
    readonly user: FakeUser,
    readonly name: string,
    /** `interaction_metadata` for the messages this interaction creates. */
    readonly metadata: Record<string, unknown>,
    /** The full INTERACTION_CREATE `d` as dispatched (for an autocomplete, with `type` 4). */
    readonly payload: APIChatInputApplicationCommandInteraction | APIMessageComponentButtonInteraction,
    /** A slash command (type 2), an option being typed (type 4, APPLICATION_COMMAND_AUTOCOMPLETE), or a button click (type 3). */
    readonly kind: 'command' | 'autocomplete' | 'button' = 'command',
    /** For a button click: the message clicked, which UPDATE_MESSAGE responses edit. */
    readonly clicked?: StoredMessage,
  ) {}

  /** The choices an autocomplete was answered with (callback type 8); undefined until it is. */
  choices(): Array<{ name: string; value: string | number }> | undefined {
    const answer = this.callbacks.find((c) => c.type === AUTOCOMPLETE_RESULT);
    if (answer === undefined) return undefined;
    return (answer.data?.['choices'] ?? []) as Array<{ name: string; value: string | number }>;
  }

  get loading(): boolean {
    return this.original !== undefined && ((this.original.api.flags ?? 0) & LOADING) !== 0;
  }

  reply(): FakeInteractionReply | undefined {
    const followUp = this.separateFollowUps.filter((m) => m.deleted !== true).at(-1);
    const shown = followUp ?? (this.original && this.original.deleted !== true && !this.loading ? this.original : undefined);
    if (!shown) return undefined;
    return {
      content: shown.content,
      ephemeral: ((shown.api.flags ?? 0) & EPHEMERAL) !== 0,
      embeds: shown.api.embeds,
      attachments: shown.api.attachments.map((a) => ({
        id: a.id,
        filename: a.filename,
        size: a.size,
        url: a.url,
        ...(a.content_type !== undefined && { content_type: a.content_type }),
      })),
      components: shown.api.components ?? [],
      messageId: shown.id,
    };
  }
}

export interface InteractionHost {
  readonly world: FakeWorld;
  readonly messaging: Messaging;
  readonly applicationId: string;
  readonly ackTimeoutMs: number;
  readonly interactions: ReadonlyMap<string, InteractionRecord>;
}

/** The INTERACTION_CREATE `d` for a chat-input command, shaped as discord.js 14.28 needs it. */
export function chatInputPayload(input: {
  world: FakeWorld;
  applicationId: string;
  id: string;
  token: string;
  commandId: string;
  /** Set when the command was registered for one guild: Discord names it in `data.guild_id`. */
  commandGuildId: string | undefined;
  channel: StoredChannel;
  command: FakeCommandInput;
  /** Files picked for attachment options, by the id each option's value names. */
  attachments?: ReadonlyMap<string, APIAttachment>;
}): APIChatInputApplicationCommandGuildInteraction | APIChatInputApplicationCommandDMInteraction {
  const { world, channel, command } = input;
  const options = resolvedFor(world, channel, command.options ?? []);
  const attachments = input.attachments === undefined || input.attachments.size === 0 ? undefined : Object.fromEntries(input.attachments);
  const resolved = attachments === undefined ? options : { ...options, attachments };
  const data: APIChatInputApplicationCommandInteractionData = {
    id: input.commandId,
    name: command.name,
    type: ApplicationCommandType.ChatInput,
    ...(command.options !== undefined && { options: command.options.map(optionJson) }),
    ...(resolved !== undefined && { resolved }),
    ...(input.commandGuildId !== undefined && { guild_id: input.commandGuildId }),
  };
  const base = {
    id: input.id,
    application_id: input.applicationId,
    type: InteractionType.ApplicationCommand as const,
    token: input.token,
    version: 1 as const,
    data,
    channel_id: channel.id,
    locale: discordLocale(command.locale ?? Locale.EnglishUS),
    app_permissions: ALL_PERMISSIONS,
    entitlements: [],
    attachment_size_limit: 10 * 1024 * 1024,
  };
  const channelJson = world.channelJson(channel);
  if (channel.guildId === undefined) {
    return {
      ...base,
      user: userToApi(command.user),
      channel: channelJson,
      // A guild-installed app used in its bot's DM: Discord writes the owner as "0".
      authorizing_integration_owners: { [ApplicationIntegrationType.GuildInstall]: '0' },
      context: InteractionContextType.BotDM,
    } satisfies APIChatInputApplicationCommandDMInteraction;
  }
  const permissions = command.permissions ?? ALL_PERMISSIONS;
  // Discord sends the server's preferred locale beside the user's own.
  const guildLocale = world.guilds.get(channel.guildId)?.preferredLocale ?? Locale.EnglishUS;
  world.ensureMember(channel.guildId, command.user, command.memberRoles);
  const member = world.memberJson(channel.guildId, command.user.id, true);
  if (member === undefined) throw new Error(`member ${command.user.id} vanished from guild ${channel.guildId}`);
  // Discord adds the invoking member's permissions in the channel, which discord-api-types does not model.
  const channelWithPermissions = { ...channelJson, permissions };
  return {
    ...base,
    guild_id: channel.guildId,
    guild: { id: channel.guildId, locale: guildLocale, features: [] },
    guild_locale: guildLocale,
    member: { ...member, permissions },
    channel: channelWithPermissions,
    authorizing_integration_owners: { [ApplicationIntegrationType.GuildInstall]: channel.guildId },
    context: InteractionContextType.Guild,
  } satisfies APIChatInputApplicationCommandGuildInteraction;
}

/**
 * The INTERACTION_CREATE `d` for a button click (type 3, MESSAGE_COMPONENT): the same member,
 * channel, locale and tokens as a slash command, `data: { custom_id, component_type: 2 }`, and the
 * clicked message as a full message object.
 */
export function buttonPayload(input: {
  command: APIChatInputApplicationCommandGuildInteraction | APIChatInputApplicationCommandDMInteraction;
  id: string;
  token: string;
  customId: string;
  message: StoredMessage;
}): APIMessageComponentButtonInteraction {
  const { data: _data, type: _type, ...rest } = input.command;
  return {
    ...rest,
    id: input.id,
    token: input.token,
    type: InteractionType.MessageComponent,
    data: { custom_id: input.customId, component_type: ComponentType.Button },
    message: input.message.payload as unknown as APIMessageComponentButtonInteraction['message'],
  };
}

/** The buttons of a message's action rows, as the bot sent them. */
export function buttonsOf(message: StoredMessage): Array<{ custom_id?: string; disabled?: boolean }> {
  const rows = (message.api.components ?? []) as unknown[];
  return rows.flatMap((row) => {
    const components = isRecord(row) && Array.isArray(row['components']) ? row['components'] : [];
    return components.filter(isRecord).filter((c) => c['type'] === ComponentType.Button);
  });
}

/** Tests give option types as plain numbers; Discord's payload types want the enum. */
function typeOf(option: FakeCommandOption): ApplicationCommandOptionType {
  const type: ApplicationCommandOptionType = option.type;
  return type;
}

/** Option JSON by its type, with the value type Discord sends for it. */
function optionJson(option: FakeCommandOption): APIApplicationCommandInteractionDataOption {
  const type = typeOf(option);
  if (type === ApplicationCommandOptionType.Subcommand) {
    return { name: option.name, type, options: (option.options ?? []).map(basicOptionJson) };
  }
  if (type === ApplicationCommandOptionType.SubcommandGroup) {
    return {
      name: option.name,
      type,
      options: (option.options ?? []).map((sub) => {
        const subType = typeOf(sub);
        if (subType !== ApplicationCommandOptionType.Subcommand) throw new Error(`option ${sub.name} of group ${option.name} must be a sub-command (type 1)`);
        return { name: sub.name, type: subType, options: (sub.options ?? []).map(basicOptionJson) };
      }),
    };
  }
  return basicOptionJson(option);
}

function basicOptionJson(option: FakeCommandOption): APIApplicationCommandInteractionDataBasicOption {
  const { name, value } = option;
  const type = typeOf(option);
  const wrong = (expected: string): Error => new Error(`command option ${name} of type ${String(type)} takes ${expected}, got ${JSON.stringify(value)}`);
  const focused = option.focused === undefined ? {} : { focused: option.focused };
  switch (type) {
    case ApplicationCommandOptionType.String:
      if (typeof value !== 'string') throw wrong('a string');
      return { name, type, value, ...focused };
    case ApplicationCommandOptionType.Integer:
    case ApplicationCommandOptionType.Number:
      if (typeof value !== 'number') throw wrong('a number');
      return { name, type, value, ...focused };
    case ApplicationCommandOptionType.Boolean:
      if (typeof value !== 'boolean') throw wrong('true or false');
      return { name, type, value };
    case ApplicationCommandOptionType.User:
    case ApplicationCommandOptionType.Channel:
    case ApplicationCommandOptionType.Role:
    case ApplicationCommandOptionType.Mentionable:
    case ApplicationCommandOptionType.Attachment:
      if (typeof value !== 'string') throw wrong('an id');
      return { name, type, value };
    default:
      throw new Error(`command option ${name} has unknown type ${String(type)}`);
  }
}

/** `data.resolved` for user/channel/role/mentionable options the fake knows about. */
function resolvedFor(world: FakeWorld, channel: StoredChannel, options: FakeCommandOption[]): APIInteractionDataResolved | undefined {
  const users: Record<string, APIUser> = {};
  const members: Record<string, APIInteractionDataResolvedGuildMember> = {};
  const channels: Record<string, APIInteractionDataResolvedChannel> = {};
  const roles: Record<string, APIRole> = {};
  const guild = channel.guildId === undefined ? undefined : world.guilds.get(channel.guildId);
  const visit = (option: FakeCommandOption): void => {
    option.options?.forEach(visit);
    const id = String(option.value ?? '');
    const type = typeOf(option);
    if (type === ApplicationCommandOptionType.User || type === ApplicationCommandOptionType.Mentionable) {
      const user = world.users.get(id);
      if (user) {
        users[id] = userToApi(user);
        const member = guild ? world.memberJson(guild.id, id, false) : undefined;
        if (member) members[id] = { ...member, permissions: ALL_PERMISSIONS };
      }
    }
    if (type === ApplicationCommandOptionType.Channel) {
      const target = world.channels.get(id);
      if (target) channels[id] = resolvedChannel(target);
    }
    if (type === ApplicationCommandOptionType.Role || type === ApplicationCommandOptionType.Mentionable) {
      const role = guild?.roles.find((r) => r.id === id);
      if (role) roles[id] = world.roleJson(role);
    }
  };
  options.forEach(visit);
  const resolved: APIInteractionDataResolved = {};
  if (Object.keys(users).length > 0) resolved.users = users;
  if (Object.keys(members).length > 0) resolved.members = members;
  if (Object.keys(channels).length > 0) resolved.channels = channels;
  if (Object.keys(roles).length > 0) resolved.roles = roles;
  return Object.keys(resolved).length > 0 ? resolved : undefined;
}

function resolvedChannel(target: StoredChannel): APIInteractionDataResolvedChannel {
  const name = target.name ?? '';
  if (target.type === 11) {
    if (target.parentId === undefined) throw new Error(`thread ${target.id} has no parent`);
    return { id: target.id, name, type: ChannelType.PublicThread, permissions: ALL_PERMISSIONS, parent_id: target.parentId };
  }
  return { id: target.id, name, type: target.type === 1 ? ChannelType.DM : ChannelType.GuildText, permissions: ALL_PERMISSIONS };
}

export function interactionRoutes(host: InteractionHost): Route[] {
  return [
    { method: 'POST', path: '/interactions/:interaction/:token/callback', auth: false, handle: (ctx) => callback(host, ctx) },
    { method: 'POST', path: '/webhooks/:webhook/:token', auth: false, handle: (ctx) => followUp(host, ctx) },
    { method: 'GET', path: '/webhooks/:webhook/:token/messages/:message', auth: false, handle: (ctx) => getWebhookMessage(host, ctx) },
    { method: 'PATCH', path: '/webhooks/:webhook/:token/messages/:message', auth: false, handle: (ctx) => editWebhookMessage(host, ctx) },
    { method: 'DELETE', path: '/webhooks/:webhook/:token/messages/:message', auth: false, handle: (ctx) => deleteWebhookMessage(host, ctx) },
  ];
}

async function callback(host: InteractionHost, ctx: RestContext): Promise<RestResult> {
  const record = host.interactions.get(ctx.params['interaction'] ?? '');
  if (!record || record.token !== ctx.params['token']) throw errors.unknownInteraction();
  if (record.acknowledged) throw errors.alreadyAcknowledged();
  if (Date.now() - record.dispatchedAt > host.ackTimeoutMs) throw errors.unknownInteraction();

  const body = recordOrEmpty(ctx.body);
  const type = body['type'];
  const data = isRecord(body['data']) ? body['data'] : undefined;
  if (typeof type !== 'number') throw formError(['type'], 'BASE_TYPE_REQUIRED', 'This field is required');
  // An autocomplete takes only its result (type 8), and a slash command never does.
  if ((record.kind === 'autocomplete') !== (type === AUTOCOMPLETE_RESULT)) throw invalidResponseType();

  switch (type) {
    case AUTOCOMPLETE_RESULT:
      checkChoices(data);
      break;
    case 4: {
      const parsed = parseMessageBody(data, ['data']);
      const flags = sendableFlags(parsed.flags, true);
      const message = host.messaging.createBotMessage({
        channel: record.channel,
        body: parsed,
        files: ctx.files,
        flags,
        type: 20,
        extra: interactionFields(host, record),
        ephemeral: (flags & EPHEMERAL) !== 0,
        webhookId: host.applicationId,
      });
      record.original = message;
      record.messages.push(message);
      break;
    }
    case 5: {
      // Only EPHEMERAL is meaningful on a deferral; Discord shows "thinking…" until an edit.
      const ephemeral = ((typeof data?.['flags'] === 'number' ? data['flags'] : 0) & EPHEMERAL) !== 0;
      const message = host.world.createMessage({
        channel: record.channel,
        author: host.world.botUser,
        content: '',
        flags: LOADING | (ephemeral ? EPHEMERAL : 0),
        type: 20,
        webhookId: host.applicationId,
        applicationId: host.applicationId,
        extra: interactionFields(host, record),
        ephemeral,
      });
      record.original = message;
      record.messages.push(message);
      break;
    }
    case 9:
      // A modal acknowledges without creating a message.
      break;
    case 6:
    case 7: {
      // Only a component's interaction may update the message it was clicked on.
      const clicked = record.clicked;
      if (clicked === undefined) throw invalidResponseType();
      if (type === 7) {
        const parsed = parseMessageBody(data, ['data']);
        host.messaging.editBotMessage(clicked, parsed, ctx.files, undefined);
      }
      record.original = clicked;
      break;
    }
    default:
      // PONG, and autocomplete results for anything but an autocomplete, are refused as on Discord.
      throw invalidResponseType();
  }

  record.acknowledged = true;
  record.callbacks.push(data === undefined ? { type } : { type, data });
  if (type === 7 && record.original) await host.messaging.dispatchMessage('MESSAGE_UPDATE', record.original);
  else if (type !== 6 && record.original) await host.messaging.dispatchMessage('MESSAGE_CREATE', record.original);

  if (ctx.query.get('with_response') !== 'true') return noContent();
  const original = record.original;
  const interaction: Record<string, unknown> = { id: record.id, type: record.kind === 'autocomplete' ? 4 : record.payload.type };
  if (original) {
    interaction['response_message_id'] = original.id;
    interaction['response_message_loading'] = ((original.api.flags ?? 0) & LOADING) !== 0;
    interaction['response_message_ephemeral'] = original.ephemeral;
  }
  const resource: Record<string, unknown> = { type };
  if (original) resource['message'] = original.payload;
  return ok({ interaction, resource });
}

function invalidResponseType(): DiscordHttpError {
  return new DiscordHttpError(400, {
    message: 'Invalid Form Body',
    code: 50035,
    errors: { type: { _errors: [{ code: 'INTERACTION_RESPONSE_TYPE_INVALID', message: 'Interaction response type is invalid for this interaction.' }] } },
  });
}

/** Discord's rules for an autocomplete result: `data.choices`, at most 25, each named and valued in 1-100 characters. */
function checkChoices(data: Record<string, unknown> | undefined): void {
  const choices = data?.['choices'];
  if (!Array.isArray(choices)) throw formError(['data', 'choices'], 'BASE_TYPE_REQUIRED', 'This field is required');
  if (choices.length > MAX_CHOICES) throw formError(['data', 'choices'], 'BASE_TYPE_MAX_LENGTH', `Must be ${String(MAX_CHOICES)} or fewer in length.`);
  choices.forEach((choice: unknown, i) => {
    const { name, value } = recordOrEmpty(choice);
    if (typeof name !== 'string' || name.length < 1 || name.length > MAX_CHOICE_LENGTH) {
      throw formError(['data', 'choices', i, 'name'], 'BASE_TYPE_BAD_LENGTH', `Must be between 1 and ${String(MAX_CHOICE_LENGTH)} in length.`);
    }
    const fits = typeof value === 'number' || (typeof value === 'string' && value.length >= 1 && value.length <= MAX_CHOICE_LENGTH);
    if (!fits) throw formError(['data', 'choices', i, 'value'], 'BASE_TYPE_BAD_LENGTH', `Must be between 1 and ${String(MAX_CHOICE_LENGTH)} in length.`);
  });
}

function interactionFields(host: InteractionHost, record: InteractionRecord): Record<string, unknown> {
  const user = userToApi(record.user);
  return {
    interaction_metadata: record.metadata,
    // The deprecated `interaction` field is still sent alongside.
    interaction: { id: record.id, type: 2, name: record.name, user },
    application_id: host.applicationId,
  };
}

/** Resolves the interaction behind a webhook route, with Discord's errors for bad ones. */
function webhookRecord(host: InteractionHost, ctx: RestContext): InteractionRecord {
  const token = ctx.params['token'] ?? '';
  let record: InteractionRecord | undefined;
  for (const candidate of host.interactions.values()) if (candidate.token === token) record = candidate;
  if (!record || ctx.params['webhook'] !== host.applicationId || !record.acknowledged) {
    throw errors.unknownWebhook();
  }
  if (Date.now() - record.dispatchedAt > TOKEN_LIFETIME_MS) {
    throw new DiscordHttpError(401, { message: 'Invalid Webhook Token', code: 50027 });
  }
  return record;
}

function webhookMessage(record: InteractionRecord, id: string): StoredMessage {
  const message =
    id === '@original' ? record.original : [record.original, ...record.separateFollowUps].find((m) => m?.id === id);
  if (!message || message.deleted === true) throw errors.unknownMessage();
  return message;
}

async function followUp(host: InteractionHost, ctx: RestContext): Promise<RestResult> {
  const record = webhookRecord(host, ctx);
  const parsed = parseMessageBody(ctx.body);
  const original = record.original;
  if (original?.deleted === true && record.loading) throw errors.unknownMessage();

  if (original && record.loading) {
    // The first follow-up after a deferral replaces "thinking…"; the deferral decided ephemerality.
    const flags = ((original.api.flags ?? 0) & ~LOADING) | (sendableFlags(parsed.flags, false) & ~EPHEMERAL);
    host.messaging.editBotMessage(original, { ...parsed, content: parsed.content ?? '' }, ctx.files, flags);
    record.followUps.push(recordOrEmpty(ctx.body));
    await host.messaging.dispatchMessage('MESSAGE_UPDATE', original);
    return ok(original.payload);
  }

  const flags = sendableFlags(parsed.flags, true);
  const message = host.messaging.createBotMessage({
    channel: record.channel,
    body: parsed,
    files: ctx.files,
    flags,
    ephemeral: (flags & EPHEMERAL) !== 0,
    webhookId: host.applicationId,
  });
  record.followUps.push(recordOrEmpty(ctx.body));
  record.separateFollowUps.push(message);
  record.messages.push(message);
  await host.messaging.dispatchMessage('MESSAGE_CREATE', message);
  return ok(message.payload);
}

function getWebhookMessage(host: InteractionHost, ctx: RestContext): RestResult {
  const record = webhookRecord(host, ctx);
  return ok(webhookMessage(record, ctx.params['message'] ?? '').payload);
}

async function editWebhookMessage(host: InteractionHost, ctx: RestContext): Promise<RestResult> {
  const record = webhookRecord(host, ctx);
  const id = ctx.params['message'] ?? '';
  const message = webhookMessage(record, id);
  const parsed = parseMessageBody(ctx.body);
  // Ephemerality cannot change after the fact; an edit does end the loading state.
  const kept = (message.api.flags ?? 0) & EPHEMERAL;
  const flags = kept | (sendableFlags(parsed.flags ?? (message.api.flags ?? 0), false) & ~EPHEMERAL & ~LOADING);
  host.messaging.editBotMessage(message, parsed, ctx.files, flags);
  if (message === record.original) record.edits.push(recordOrEmpty(ctx.body));
  await host.messaging.dispatchMessage('MESSAGE_UPDATE', message);
  return ok(message.payload);
}

async function deleteWebhookMessage(host: InteractionHost, ctx: RestContext): Promise<RestResult> {
  const record = webhookRecord(host, ctx);
  const message = webhookMessage(record, ctx.params['message'] ?? '');
  message.deleted = true;
  if (!message.ephemeral) await host.messaging.dispatchDelete(message);
  return noContent();
}
